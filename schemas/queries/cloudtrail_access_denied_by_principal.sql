-- CloudTrail calls refused (AccessDenied / UnauthorizedOperation) by principal.
-- Parameters: the first and the last day to read, 'YYYY-MM-DD' (UTC), e.g. '2026-03-01', '2026-03-31'.
SELECT coalesce(user_identity_arn, user_identity_type) AS principal,
       event_source,
       event_name,
       count(*) AS denied
FROM cloudtrail
WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ?
  AND (error_code LIKE '%AccessDenied%' OR error_code LIKE '%UnauthorizedOperation%')
GROUP BY coalesce(user_identity_arn, user_identity_type), event_source, event_name
ORDER BY denied DESC
LIMIT 50;
