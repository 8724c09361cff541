//! CloudTrail events, as CloudWatch Logs delivers them: one JSON event per
//! message.
//!
//! Scalar fields become typed columns; the free-form objects (whose shape
//! depends on the service and API called) stay JSON text so one Glue table fits
//! every event, and Athena reads them with `json_extract`.
//!
//! | column | type | source | notes |
//! |--------|------|--------|-------|
//! | `event_version` | string | `eventVersion` | |
//! | `event_time` | string | `eventTime` | as written; also the event time |
//! | `event_source`, `event_name` | string | `eventSource`, `eventName` | `s3.amazonaws.com`, `PutObject` |
//! | `aws_region` | string | `awsRegion` | |
//! | `source_ip_address`, `user_agent` | string | `sourceIPAddress`, `userAgent` | service names for calls made by AWS services |
//! | `error_code`, `error_message` | string | `errorCode`, `errorMessage` | null on success |
//! | `request_id` | string | `requestID` | |
//! | `event_id_ct` | string | `eventID` | named so it cannot clash with the envelope's `event_id` |
//! | `event_type` | string | `eventType` | `AwsApiCall`, `AwsConsoleSignIn`, `AwsServiceEvent`, ... |
//! | `api_version` | string | `apiVersion` | |
//! | `read_only`, `management_event` | boolean | `readOnly`, `managementEvent` | the strings `"true"`/`"false"` too |
//! | `event_category` | string | `eventCategory` | `Management`, `Data`, `Insight`, `NetworkActivity` |
//! | `recipient_account_id` | string | `recipientAccountId` | account ids stay strings |
//! | `shared_event_id`, `vpc_endpoint_id` | string | `sharedEventID`, `vpcEndpointId` | |
//! | `user_identity_type`, `user_identity_arn` | string | `userIdentity.type`, `.arn` | `Root`, `IAMUser`, `AssumedRole`, `AWSService`, ... |
//! | `user_identity_account_id`, `user_identity_principal_id` | string | `userIdentity.accountId`, `.principalId` | |
//! | `user_identity_user_name` | string | `userIdentity.userName` | else the role name of an assumed role (`sessionContext.sessionIssuer.userName`) |
//! | `json_user_identity` | string (JSON) | `userIdentity` | |
//! | `json_request_parameters`, `json_response_elements` | string (JSON) | `requestParameters`, `responseElements` | |
//! | `json_additional_event_data` | string (JSON) | `additionalEventData` | |
//! | `json_resources` | string (JSON) | `resources` | array |
//! | `json_service_event_details`, `json_tls_details` | string (JSON) | `serviceEventDetails`, `tlsDetails` | |
//! | `json_extra` | string (JSON) | every other key | object; null when there is none |
//!
//! JSON columns hold compact JSON text, null when the key is absent or null.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Format, ParseError, ParseResult, Parsed, Signature, join, json_object};
use crate::pseudonym::scrub::{Rule, Scrub};
use crate::time::parse_iso8601;
use crate::value::Str;

/// A CloudTrail event.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct CloudTrail<'a> {
    /// Version of the CloudTrail event format (`eventVersion`).
    pub event_version: Option<Str<'a>>,
    /// When the request was made, as written (`eventTime`, ISO 8601 UTC).
    pub event_time: Option<Str<'a>>,
    /// Service the request was made to (`eventSource`, e.g. `s3.amazonaws.com`).
    pub event_source: Option<Str<'a>>,
    /// API action requested (`eventName`, e.g. `PutObject`, `ConsoleLogin`).
    pub event_name: Option<Str<'a>>,
    /// Region the request was made to (`awsRegion`).
    pub aws_region: Option<Str<'a>>,
    /// Caller's IP address, or the service name for calls made by an AWS service (`sourceIPAddress`).
    pub source_ip_address: Option<Str<'a>>,
    /// Agent the request was made through (`userAgent`).
    pub user_agent: Option<Str<'a>>,
    /// AWS error code when the request failed (`errorCode`, e.g. `AccessDenied`).
    pub error_code: Option<Str<'a>>,
    /// Error message when the request failed (`errorMessage`).
    pub error_message: Option<Str<'a>>,
    /// Id the service gave the request (`requestID`).
    pub request_id: Option<Str<'a>>,
    /// CloudTrail's id of the event (`eventID`); `event_id` is the envelope's.
    pub event_id_ct: Option<Str<'a>>,
    /// Kind of event (`eventType`: AwsApiCall, AwsServiceEvent, AwsConsoleAction, AwsConsoleSignIn, ...).
    pub event_type: Option<Str<'a>>,
    /// API version of the call (`apiVersion`).
    pub api_version: Option<Str<'a>>,
    /// Whether the operation is read-only (`readOnly`).
    pub read_only: Option<bool>,
    /// Whether the event is a management event (`managementEvent`).
    pub management_event: Option<bool>,
    /// Event category (`eventCategory`: Management, Data, Insight, NetworkActivity).
    pub event_category: Option<Str<'a>>,
    /// Account that received the event (`recipientAccountId`).
    pub recipient_account_id: Option<Str<'a>>,
    /// Id shared by the events one cross-account action produced (`sharedEventID`).
    pub shared_event_id: Option<Str<'a>>,
    /// VPC endpoint the request came through (`vpcEndpointId`).
    pub vpc_endpoint_id: Option<Str<'a>>,
    /// Kind of identity that made the request (`userIdentity.type`: Root, IAMUser, AssumedRole, AWSService, ...).
    pub user_identity_type: Option<Str<'a>>,
    /// ARN of the principal that made the request (`userIdentity.arn`).
    pub user_identity_arn: Option<Str<'a>>,
    /// Account of the principal that made the request (`userIdentity.accountId`).
    pub user_identity_account_id: Option<Str<'a>>,
    /// Unique id of the principal (`userIdentity.principalId`).
    pub user_identity_principal_id: Option<Str<'a>>,
    /// User name (`userIdentity.userName`), else the role an assumed-role session was issued for.
    pub user_identity_user_name: Option<Str<'a>>,
    /// The whole `userIdentity` object, as JSON text.
    pub json_user_identity: Option<Str<'a>>,
    /// Request parameters (`requestParameters`), as JSON text.
    pub json_request_parameters: Option<Str<'a>>,
    /// Response elements of write actions (`responseElements`), as JSON text.
    pub json_response_elements: Option<Str<'a>>,
    /// Additional data about the event (`additionalEventData`), as JSON text.
    pub json_additional_event_data: Option<Str<'a>>,
    /// Resources accessed (`resources`), as a JSON array text.
    pub json_resources: Option<Str<'a>>,
    /// Details of service events (`serviceEventDetails`), as JSON text.
    pub json_service_event_details: Option<Str<'a>>,
    /// TLS version, cipher suite and host of the request (`tlsDetails`), as JSON text.
    pub json_tls_details: Option<Str<'a>>,
    /// Every other key of the event, as a JSON object text; null when there is none.
    pub json_extra: Option<Str<'a>>,
}

/// True when the object is a CloudTrail event: it has `eventVersion`,
/// `eventSource` and `eventName`.
pub fn is_cloudtrail(object: &Map<String, Value>) -> bool {
    ["eventVersion", "eventSource", "eventName"]
        .iter()
        .all(|k| object.contains_key(*k))
}

/// A scalar column: strings as they are (`""` and `"-"` null), numbers and
/// booleans as written, objects as JSON text.
fn text(value: Option<Value>) -> Option<Str<'static>> {
    match value? {
        Value::Null => None,
        Value::String(s) if s.is_empty() || s == "-" => None,
        Value::String(s) => Some(Str::Owned(s)),
        other => Some(Str::Owned(other.to_string())),
    }
}

/// A JSON column: compact JSON text, null when absent or null.
fn json_text(value: Option<Value>) -> Option<Str<'static>> {
    match value? {
        Value::Null => None,
        other => Some(Str::Owned(other.to_string())),
    }
}

/// A boolean column: JSON booleans and the strings `true`/`false`.
fn boolean(value: Option<Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A string nested in the user identity.
fn nested(identity: Option<&Value>, path: &[&str]) -> Option<Str<'static>> {
    let value = path.iter().try_fold(identity?, |v, key| v.get(key))?;
    text(Some(value.clone()))
}

/// Maps a CloudTrail event object to its columns; the event time is `eventTime`.
pub fn from_object(mut object: Map<String, Value>) -> ParseResult<CloudTrail<'static>> {
    if !is_cloudtrail(&object) {
        return Err(ParseError::fixed(
            "not a CloudTrail event: eventVersion, eventSource or eventName is missing",
        ));
    }
    // shift_remove keeps the remaining keys in source order for json_extra.
    let mut take = |key: &str| object.shift_remove(key);
    let identity = take("userIdentity");
    let ui = identity.as_ref();
    let event_time = text(take("eventTime"));
    let time = event_time.as_deref().and_then(parse_iso8601);
    let mut trail = CloudTrail {
        event_version: text(take("eventVersion")),
        event_time,
        event_source: text(take("eventSource")),
        event_name: text(take("eventName")),
        aws_region: text(take("awsRegion")),
        source_ip_address: text(take("sourceIPAddress")),
        user_agent: text(take("userAgent")),
        error_code: text(take("errorCode")),
        error_message: text(take("errorMessage")),
        request_id: text(take("requestID")),
        event_id_ct: text(take("eventID")),
        event_type: text(take("eventType")),
        api_version: text(take("apiVersion")),
        read_only: boolean(take("readOnly")),
        management_event: boolean(take("managementEvent")),
        event_category: text(take("eventCategory")),
        recipient_account_id: text(take("recipientAccountId")),
        shared_event_id: text(take("sharedEventID")),
        vpc_endpoint_id: text(take("vpcEndpointId")),
        user_identity_type: nested(ui, &["type"]),
        user_identity_arn: nested(ui, &["arn"]),
        user_identity_account_id: nested(ui, &["accountId"]),
        user_identity_principal_id: nested(ui, &["principalId"]),
        user_identity_user_name: nested(ui, &["userName"])
            .or_else(|| nested(ui, &["sessionContext", "sessionIssuer", "userName"])),
        json_user_identity: None,
        json_request_parameters: json_text(take("requestParameters")),
        json_response_elements: json_text(take("responseElements")),
        json_additional_event_data: json_text(take("additionalEventData")),
        json_resources: json_text(take("resources")),
        json_service_event_details: json_text(take("serviceEventDetails")),
        json_tls_details: json_text(take("tlsDetails")),
        json_extra: None,
    };
    trail.json_user_identity = json_text(identity);
    if !object.is_empty() {
        trail.json_extra = Some(Str::Owned(Value::Object(object).to_string()));
    }
    Ok(Parsed::new(trail, time))
}

/// CloudTrail events: the [`Format`] of this module (JSON).
pub struct CloudTrailFormat;

impl Format for CloudTrailFormat {
    type Body<'a> = CloudTrail<'a>;
    type Header = ();

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<CloudTrail<'a>> {
        from_object(json_object(line)?)
    }

    fn claims_object(object: &Map<String, Value>) -> bool {
        is_cloudtrail(object)
    }

    fn from_object(object: Map<String, Value>) -> ParseResult<CloudTrail<'static>> {
        from_object(object)
    }

    fn pseudonymise(c: &mut CloudTrail<'_>, s: &mut Scrub<'_>) {
        s.set(&mut c.source_ip_address, Rule::IpOnly);
        // Only the caller's address is replaced inside the JSON texts:
        // the rest (security group CIDRs, ...) describes the estate.
        for slot in [
            &mut c.error_message,
            &mut c.json_user_identity,
            &mut c.json_request_parameters,
            &mut c.json_response_elements,
            &mut c.json_additional_event_data,
            &mut c.json_service_event_details,
            &mut c.json_extra,
        ] {
            s.known_only(slot);
        }
    }

    fn alert_source<'b>(c: &'b CloudTrail<'_>) -> Option<&'b str> {
        c.event_source.as_deref()
    }

    fn alert_signature<'b>(c: &'b CloudTrail<'_>, _raw: Option<&'b str>) -> Option<Signature<'b>> {
        Some(Signature {
            module: c.event_name.as_deref().unwrap_or_default().into(),
            message: join([
                c.event_name.as_deref(),
                c.error_code.as_deref(),
                c.user_identity_arn.as_deref(),
            ]),
            identity: vec![c.recipient_account_id.as_deref().unwrap_or_default()],
        })
    }

    fn alert_headline(c: &CloudTrail<'_>) -> Option<String> {
        let mut line = c.event_name.as_deref().unwrap_or("event").to_owned();
        if let Some(who) = c
            .user_identity_arn
            .as_deref()
            .or(c.user_identity_type.as_deref())
        {
            line.push_str(" by ");
            line.push_str(who);
        }
        if let Some(code) = c.error_code.as_deref() {
            line.push_str(": ");
            line.push_str(code);
        }
        Some(line)
    }

    fn alert_details(
        c: &CloudTrail<'_>,
        _raw: Option<&str>,
        field: &mut dyn FnMut(&str, Option<&str>),
    ) {
        field("Event", c.event_name.as_deref());
        field("Event source", c.event_source.as_deref());
        field("Principal", c.user_identity_arn.as_deref());
        field("Identity type", c.user_identity_type.as_deref());
        field("Source IP", c.source_ip_address.as_deref());
        field("User agent", c.user_agent.as_deref());
        field("Region", c.aws_region.as_deref());
        field("Error code", c.error_code.as_deref());
        field("Error message", c.error_message.as_deref());
    }

    fn athena_narrowing(
        c: &CloudTrail<'_>,
        add: &mut dyn FnMut(&'static str, Option<&str>) -> bool,
    ) -> Option<bool> {
        // Both filters when both are known (not short-circuited).
        Some(
            add("event_name", c.event_name.as_deref())
                | add("user_identity_arn", c.user_identity_arn.as_deref()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;
    use serde_json::json;

    fn trail(value: Value) -> (CloudTrail<'static>, Option<i64>) {
        let Value::Object(object) = value else {
            panic!("not an object")
        };
        let Parsed { body, time } = from_object(object).unwrap();
        (body, time)
    }

    #[test]
    fn maps_an_access_denied_api_call() {
        let (t, time) = trail(json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::123456789012:user/alice",
                             "accountId": "123456789012", "accessKeyId": "AKIAEXAMPLE", "userName": "alice"},
            "eventTime": "2026-03-02T10:15:42Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "GetObject",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "192.0.2.10",
            "userAgent": "aws-cli/2.15.0",
            "errorCode": "AccessDenied",
            "errorMessage": "Access Denied",
            "requestParameters": {"bucketName": "b", "key": "k"},
            "responseElements": null,
            "requestID": "R1",
            "eventID": "E1",
            "readOnly": "true",
            "eventType": "AwsApiCall",
            "managementEvent": false,
            "recipientAccountId": 123456789012u64,
            "eventCategory": "Data",
            "tlsDetails": {"tlsVersion": "TLSv1.3"},
            "sessionCredentialFromConsole": "true"
        }));
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:42.000Z");
        assert_eq!(t.event_time.as_deref(), Some("2026-03-02T10:15:42Z"));
        assert_eq!(t.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(t.error_message.as_deref(), Some("Access Denied"));
        assert_eq!((t.read_only, t.management_event), (Some(true), Some(false)));
        assert_eq!(
            t.recipient_account_id.as_deref(),
            Some("123456789012"),
            "account ids stay strings"
        );
        assert_eq!(t.user_identity_type.as_deref(), Some("IAMUser"));
        assert_eq!(
            t.user_identity_arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        assert_eq!(t.user_identity_user_name.as_deref(), Some("alice"));
        assert_eq!(t.user_identity_principal_id.as_deref(), Some("AIDAEXAMPLE"));
        assert_eq!(
            (t.request_id.as_deref(), t.event_id_ct.as_deref()),
            (Some("R1"), Some("E1"))
        );
        assert_eq!(
            t.json_request_parameters.as_deref(),
            Some(r#"{"bucketName":"b","key":"k"}"#)
        );
        assert_eq!(
            t.json_response_elements, None,
            "null objects are null columns"
        );
        assert_eq!(t.json_resources, None);
        assert_eq!(
            t.json_tls_details.as_deref(),
            Some(r#"{"tlsVersion":"TLSv1.3"}"#)
        );
        assert_eq!(
            t.json_extra.as_deref(),
            Some(r#"{"sessionCredentialFromConsole":"true"}"#)
        );
        let ui: Value = serde_json::from_str(t.json_user_identity.as_deref().unwrap()).unwrap();
        assert_eq!(ui["accessKeyId"], "AKIAEXAMPLE");
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["event_id_ct"], "E1");
        assert!(
            v["json_response_elements"].is_null(),
            "null columns are written"
        );
    }

    #[test]
    fn maps_a_root_console_login_and_assumed_roles() {
        let (t, _) = trail(json!({
            "eventVersion": "1.08",
            "userIdentity": {"type": "Root", "principalId": "123456789012", "arn": "arn:aws:iam::123456789012:root", "accountId": "123456789012"},
            "eventTime": "2026-03-02T10:15:42Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
            "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "requestParameters": null,
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "No", "MobileVersion": "No"},
            "eventType": "AwsConsoleSignIn", "readOnly": false, "recipientAccountId": "123456789012"
        }));
        assert_eq!(
            (t.user_identity_type.as_deref(), t.event_name.as_deref()),
            (Some("Root"), Some("ConsoleLogin"))
        );
        assert_eq!(
            t.json_response_elements.as_deref(),
            Some(r#"{"ConsoleLogin":"Success"}"#)
        );
        assert_eq!(
            t.json_additional_event_data.as_deref(),
            Some(r#"{"MFAUsed":"No","MobileVersion":"No"}"#)
        );
        assert_eq!(
            (t.read_only, t.user_identity_user_name, t.json_extra),
            (Some(false), None, None)
        );

        let (t, _) = trail(json!({
            "eventVersion": "1.08", "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/deploy/ci",
                             "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "deploy"}}},
            "errorCode": "Client.UnauthorizedOperation",
            "resources": [{"ARN": "arn:aws:ec2:::instance/*"}],
            "eventTime": "not a time"
        }));
        assert_eq!(t.user_identity_user_name.as_deref(), Some("deploy"));
        assert_eq!(
            t.json_resources.as_deref(),
            Some(r#"[{"ARN":"arn:aws:ec2:::instance/*"}]"#)
        );
        assert_eq!(
            t.error_code.as_deref(),
            Some("Client.UnauthorizedOperation")
        );
    }

    #[test]
    fn event_time_is_none_when_unreadable_and_non_events_are_rejected() {
        let Value::Object(o) = json!({"eventVersion": "1.0", "eventSource": "x", "eventName": "y", "eventTime": "yesterday"})
        else {
            unreachable!()
        };
        assert!(is_cloudtrail(&o));
        assert_eq!(from_object(o).unwrap().time, None);
        let Value::Object(o) = json!({"eventSource": "x", "eventName": "y"}) else {
            unreachable!()
        };
        assert!(!is_cloudtrail(&o));
        assert!(
            from_object(o)
                .unwrap_err()
                .0
                .contains("not a CloudTrail event")
        );
    }
}
