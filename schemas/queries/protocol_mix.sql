-- Protocol mix of the calls that joined.
SELECT coalesce(protocol, '(unknown)') AS protocol,
       count(*) AS calls
FROM pexip_support
WHERE name = 'administrator.conference'
  AND message LIKE 'Participant has joined%'
  AND coalesce(protocol, '') <> 'BACKPLANE'
GROUP BY coalesce(protocol, '(unknown)')
ORDER BY calls DESC;
