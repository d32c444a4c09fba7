-- Exact median follower count of posts by their poster's join year, 2015-2020 inclusive: pin joined with user on
-- ind (docs/contract.md section 5); a null follower count is left out.
SELECT year(u.date_joined) AS post_year,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY p.follower_count) AS median_follower_count
FROM pin AS p
JOIN user AS u ON p.ind = u.ind
WHERE year(u.date_joined) BETWEEN 2015 AND 2020 AND p.follower_count IS NOT NULL
GROUP BY year(u.date_joined)
