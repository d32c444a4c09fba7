-- Exact median follower count of the posts in each age group: pin joined with user on ind (docs/contract.md
-- section 5). Age groups 18-24, 25-35, 36-50, +50 (51 and over); a null follower count is left out.
SELECT age_group, percentile_cont(0.5) WITHIN GROUP (ORDER BY follower_count) AS median_follower_count
FROM (
  SELECT
    CASE
      WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
      WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
      WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
      WHEN u.age >= 51 THEN '+50'
    END AS age_group,
    p.follower_count
  FROM pin AS p
  JOIN user AS u ON p.ind = u.ind
) AS posts
WHERE age_group IS NOT NULL AND follower_count IS NOT NULL
GROUP BY age_group
