-- CloudTrail calls refused (AccessDenied / UnauthorizedOperation) by principal.
SELECT coalesce(user_identity_arn, user_identity_type) AS principal,
       event_source,
       event_name,
       count(*) AS denied
FROM cloudtrail
WHERE error_code LIKE '%AccessDenied%' OR error_code LIKE '%UnauthorizedOperation%'
GROUP BY coalesce(user_identity_arn, user_identity_type), event_source, event_name
ORDER BY denied DESC
LIMIT 50;
