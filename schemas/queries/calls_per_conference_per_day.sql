-- Calls per conference and day: people's legs that joined (backplane legs excluded).
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT conference,
       date(CAST(timestamp AS timestamp)) AS day,
       count(*) AS calls,
       count(DISTINCT coalesce(conversation_id, participant_id, call_id)) AS people
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'administrator.conference'
  AND message LIKE 'Participant has joined%'
  AND coalesce(protocol, '') <> 'BACKPLANE'
GROUP BY conference, date(CAST(timestamp AS timestamp))
ORDER BY day DESC, calls DESC;
