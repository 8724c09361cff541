-- ALB 5xx answers by target, with the load balancer's and the target's share.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT coalesce(target_ip, '(no target)') AS target,
       count(*) AS errors_5xx,
       count_if(target_status_code >= 500) AS from_target,
       count_if(target_status_code IS NULL) AS from_load_balancer
FROM alb
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND elb_status_code >= 500
GROUP BY coalesce(target_ip, '(no target)')
ORDER BY errors_5xx DESC, target
LIMIT 50;
