-- Lambda invocations that timed out, by log group (function).
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT log_group,
       count(*) AS timeouts,
       max(duration_ms) AS longest_ms
FROM lambda_platform
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND (status = 'timeout' OR event = 'timeout')
GROUP BY log_group
ORDER BY timeouts DESC;
