-- Calls whose stable quality dropped to bad (3) or terrible (4).
SELECT call_id,
       min(timestamp) AS first_seen,
       max(now) AS worst_quality,
       count(*) AS drops
FROM pexip_support
WHERE name = 'support.media'
  AND message LIKE 'Stable call quality changed%'
  AND now >= 3
GROUP BY call_id
ORDER BY worst_quality DESC, drops DESC;
