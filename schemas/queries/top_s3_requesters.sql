-- Who reads and writes the buckets most.
SELECT bucket,
       coalesce(requester, '(anonymous)') AS requester,
       count(*) AS requests,
       sum(coalesce(bytes_sent, 0)) AS bytes_sent
FROM s3_access
GROUP BY bucket, coalesce(requester, '(anonymous)')
ORDER BY requests DESC
LIMIT 50;
