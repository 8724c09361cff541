-- Calls joined and left per hour, and the net change of connected calls.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT date_trunc('hour', CAST(timestamp AS timestamp)) AS hour,
       count_if(message LIKE 'Participant has joined%') AS joined,
       count_if(message LIKE 'Participant has disconnected%') AS left_calls,
       count_if(message LIKE 'Participant has joined%') - count_if(message LIKE 'Participant has disconnected%') AS net_change
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'administrator.conference'
  AND coalesce(protocol, '') <> 'BACKPLANE'
GROUP BY date_trunc('hour', CAST(timestamp AS timestamp))
ORDER BY hour;
