-- The single country whose most-followed poster has the most followers (docs/contract.md section 5): the post
-- with the highest follower count among the rows most_followed_user_by_country ranks; ties: smallest country.
SELECT g.country, p.follower_count
FROM pin AS p
JOIN geo AS g ON p.ind = g.ind
WHERE g.country IS NOT NULL AND p.poster_name IS NOT NULL AND p.follower_count IS NOT NULL
ORDER BY p.follower_count DESC, g.country ASC
LIMIT 1
