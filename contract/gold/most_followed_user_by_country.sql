-- The poster with the most followers in each country: posts of pin joined with geo on ind (docs/contract.md
-- section 5). Ties go to the alphabetically smallest poster name; rows without country, name or count are left out.
SELECT country, poster_name, follower_count
FROM (
  SELECT
    g.country,
    p.poster_name,
    p.follower_count,
    row_number() OVER (PARTITION BY g.country ORDER BY p.follower_count DESC, p.poster_name ASC) AS place
  FROM pin AS p
  JOIN geo AS g ON p.ind = g.ind
  WHERE g.country IS NOT NULL AND p.poster_name IS NOT NULL AND p.follower_count IS NOT NULL
) AS ranked
WHERE place = 1
