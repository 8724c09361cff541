-- Calls whose stable quality dropped to bad (3) or terrible (4).
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT call_id,
       min(timestamp) AS first_seen,
       max(now) AS worst_quality,
       count(*) AS drops
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'support.media'
  AND message LIKE 'Stable call quality changed%'
  AND now >= 3
GROUP BY call_id
ORDER BY worst_quality DESC, drops DESC;
