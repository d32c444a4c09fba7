-- The most popular category in each country: posts of pin joined with geo on ind (docs/contract.md section 5).
-- Ties go to the alphabetically smallest category; a null country or category is left out.
SELECT country, category, category_count
FROM (
  SELECT
    country,
    category,
    category_count,
    row_number() OVER (PARTITION BY country ORDER BY category_count DESC, category ASC) AS place
  FROM (
    SELECT g.country, p.category, count(*) AS category_count
    FROM pin AS p
    JOIN geo AS g ON p.ind = g.ind
    WHERE g.country IS NOT NULL AND p.category IS NOT NULL
    GROUP BY g.country, p.category
  ) AS counts
) AS ranked
WHERE place = 1
