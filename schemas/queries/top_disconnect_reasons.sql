-- Most frequent disconnect reasons, with how many were rated abnormal (warning or worse).
SELECT coalesce(detail, '(none)') AS reason,
       count(*) AS disconnects,
       count_if(severity IN ('warning', 'error', 'critical')) AS abnormal
FROM pexip_support
WHERE name = 'administrator.conference'
  AND message LIKE 'Participant has disconnected%'
GROUP BY coalesce(detail, '(none)')
ORDER BY disconnects DESC
LIMIT 20;
