-- Protocol mix of the calls that joined.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT coalesce(protocol, '(unknown)') AS protocol,
       count(*) AS calls
FROM pexip_support
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND name = 'administrator.conference'
  AND message LIKE 'Participant has joined%'
  AND coalesce(protocol, '') <> 'BACKPLANE'
GROUP BY coalesce(protocol, '(unknown)')
ORDER BY calls DESC;
