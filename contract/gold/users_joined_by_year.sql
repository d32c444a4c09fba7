-- Distinct users (the same user_name and date_joined) who joined each year, post_year = the year of date_joined,
-- 2015-2020 inclusive (docs/contract.md section 5); the user table alone.
SELECT year(date_joined) AS post_year, count(DISTINCT user_name, date_joined) AS number_users_joined
FROM user
WHERE year(date_joined) BETWEEN 2015 AND 2020 AND user_name IS NOT NULL
GROUP BY year(date_joined)
