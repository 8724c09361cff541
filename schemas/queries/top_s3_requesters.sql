-- Who reads and writes the buckets most.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT bucket,
       coalesce(requester, '(anonymous)') AS requester,
       count(*) AS requests,
       sum(coalesce(bytes_sent, 0)) AS bytes_sent
FROM s3_access
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
GROUP BY bucket, coalesce(requester, '(anonymous)')
ORDER BY requests DESC
LIMIT 50;
