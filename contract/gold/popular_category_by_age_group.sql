-- The most popular category in each age group: posts of pin joined with user on ind (docs/contract.md section 5).
-- Age groups 18-24, 25-35, 36-50, +50 (51 and over); under 18 has no group. Ties: smallest category.
SELECT age_group, category, category_count
FROM (
  SELECT
    age_group,
    category,
    category_count,
    row_number() OVER (PARTITION BY age_group ORDER BY category_count DESC, category ASC) AS place
  FROM (
    SELECT age_group, category, count(*) AS category_count
    FROM (
      SELECT
        CASE
          WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
          WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
          WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
          WHEN u.age >= 51 THEN '+50'
        END AS age_group,
        p.category
      FROM pin AS p
      JOIN user AS u ON p.ind = u.ind
    ) AS posts
    WHERE age_group IS NOT NULL AND category IS NOT NULL
    GROUP BY age_group, category
  ) AS counts
) AS ranked
WHERE place = 1
