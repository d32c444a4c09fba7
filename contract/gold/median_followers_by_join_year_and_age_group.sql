-- Exact median follower count of posts per age group and their poster's join year, 2015-2020 inclusive: pin
-- joined with user on ind (docs/contract.md section 5); a null follower count or age group is left out.
SELECT age_group, post_year, percentile_cont(0.5) WITHIN GROUP (ORDER BY follower_count) AS median_follower_count
FROM (
  SELECT
    CASE
      WHEN u.age BETWEEN 18 AND 24 THEN '18-24'
      WHEN u.age BETWEEN 25 AND 35 THEN '25-35'
      WHEN u.age BETWEEN 36 AND 50 THEN '36-50'
      WHEN u.age >= 51 THEN '+50'
    END AS age_group,
    year(u.date_joined) AS post_year,
    p.follower_count
  FROM pin AS p
  JOIN user AS u ON p.ind = u.ind
) AS posts
WHERE age_group IS NOT NULL AND post_year BETWEEN 2015 AND 2020 AND follower_count IS NOT NULL
GROUP BY age_group, post_year
