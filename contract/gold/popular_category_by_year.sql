-- The most popular category each year, post_year = the year of geo's timestamp, 2018-2022 inclusive
-- (docs/contract.md section 5). Ties go to the alphabetically smallest category; a null category is left out.
SELECT post_year, category, category_count
FROM (
  SELECT
    post_year,
    category,
    category_count,
    row_number() OVER (PARTITION BY post_year ORDER BY category_count DESC, category ASC) AS place
  FROM (
    SELECT year(g.`timestamp`) AS post_year, p.category, count(*) AS category_count
    FROM pin AS p
    JOIN geo AS g ON p.ind = g.ind
    WHERE year(g.`timestamp`) BETWEEN 2018 AND 2022 AND p.category IS NOT NULL
    GROUP BY year(g.`timestamp`), p.category
  ) AS counts
) AS ranked
WHERE place = 1
