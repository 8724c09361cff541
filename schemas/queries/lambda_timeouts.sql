-- Lambda invocations that timed out, by log group (function).
SELECT log_group,
       count(*) AS timeouts,
       max(duration_ms) AS longest_ms
FROM lambda_platform
WHERE status = 'timeout' OR event = 'timeout'
GROUP BY log_group
ORDER BY timeouts DESC;
