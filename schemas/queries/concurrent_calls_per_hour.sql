-- Calls joined and left per hour, and the net change of connected calls.
SELECT date_trunc('hour', CAST(timestamp AS timestamp)) AS hour,
       count_if(message LIKE 'Participant has joined%') AS joined,
       count_if(message LIKE 'Participant has disconnected%') AS left_calls,
       count_if(message LIKE 'Participant has joined%') - count_if(message LIKE 'Participant has disconnected%') AS net_change
FROM pexip_support
WHERE name = 'administrator.conference'
  AND coalesce(protocol, '') <> 'BACKPLANE'
GROUP BY date_trunc('hour', CAST(timestamp AS timestamp))
ORDER BY hour;
