-- Most frequent disconnect reasons, with how many were rated abnormal (warning or worse).
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT coalesce(detail, '(none)') AS reason,
       count(*) AS disconnects,
       count_if(severity IN ('warning', 'error', 'critical')) AS abnormal
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'administrator.conference'
  AND message LIKE 'Participant has disconnected%'
GROUP BY coalesce(detail, '(none)')
ORDER BY disconnects DESC
LIMIT 20;
