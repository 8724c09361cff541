//! Classic Load Balancer (ELB) access log entries.
//!
//! One space-separated line per request; the request and the user agent are
//! double-quoted. Field table (in line order):
//!
//! | column | type | notes |
//! |---|---|---|
//! | `time` | string | ISO 8601 as written (`2015-05-13T23:39:43.945958Z`); also the event time |
//! | `elb` | string | load balancer name |
//! | `client_ip`, `client_port` | string, integer | from `client:port`; IPv6 with or without brackets |
//! | `backend_ip`, `backend_port` | string, integer | from `backend:port`; `-` (no backend reached) gives nulls |
//! | `request_processing_time` | float | seconds; `-1` (no backend response) stays `-1` |
//! | `backend_processing_time` | float | seconds; `-1` stays `-1` |
//! | `response_processing_time` | float | seconds; `-1` stays `-1` |
//! | `elb_status_code` | integer | `-` on TCP/SSL listeners gives null |
//! | `backend_status_code` | integer | `-` on TCP/SSL listeners gives null |
//! | `received_bytes`, `sent_bytes` | integer | |
//! | `request_verb`, `request_url`, `request_proto` | string | split from `"request"`; TCP/SSL write `"- - - "`, giving three nulls |
//! | `user_agent` | string | `\"` and `\\` escapes undone; `"-"` gives null |
//! | `ssl_cipher`, `ssl_protocol` | string | `-` on plain HTTP/TCP listeners gives null |
//! | `extra_fields` | list of string | fields after `ssl_protocol`, kept as written |
//!
//! Entries written before AWS added `user_agent`, `ssl_cipher` and
//! `ssl_protocol` (2015) end after the request: the missing columns are null.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Rule, Scrub};
use crate::text::{
    Tokens, nullable, opt_f64, opt_i64, split_host_port, split_request, unescape_quotes,
};
use crate::value::Str;

/// A Classic Load Balancer access log entry.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ElbClassic<'a> {
    /// Time the load balancer received the request, ISO 8601 as written.
    pub time: Str<'a>,
    /// Name of the load balancer.
    pub elb: Str<'a>,
    /// IP address of the requesting client.
    pub client_ip: Option<Str<'a>>,
    /// Port of the requesting client.
    pub client_port: Option<i64>,
    /// IP address of the registered instance that processed the request.
    pub backend_ip: Option<Str<'a>>,
    /// Port of the registered instance that processed the request.
    pub backend_port: Option<i64>,
    /// Seconds from receiving the request to sending it to an instance; -1 when no instance answered.
    pub request_processing_time: Option<f64>,
    /// Seconds from sending the request to the instance until it started answering; -1 when it did not.
    pub backend_processing_time: Option<f64>,
    /// Seconds from receiving the instance's response headers to starting to answer the client; -1 when none.
    pub response_processing_time: Option<f64>,
    /// HTTP status code the load balancer returned (null on TCP/SSL listeners).
    pub elb_status_code: Option<i64>,
    /// HTTP status code the instance returned (null on TCP/SSL listeners or without a response).
    pub backend_status_code: Option<i64>,
    /// Bytes received from the client (request body; TCP: all bytes).
    pub received_bytes: Option<i64>,
    /// Bytes sent to the client (response body; TCP: all bytes).
    pub sent_bytes: Option<i64>,
    /// HTTP method of the request line.
    pub request_verb: Option<Str<'a>>,
    /// URL of the request line.
    pub request_url: Option<Str<'a>>,
    /// Protocol of the request line (`HTTP/1.1`).
    pub request_proto: Option<Str<'a>>,
    /// User-Agent header of the request.
    pub user_agent: Option<Str<'a>>,
    /// SSL cipher negotiated on HTTPS/SSL listeners.
    pub ssl_cipher: Option<Str<'a>>,
    /// SSL protocol negotiated on HTTPS/SSL listeners.
    pub ssl_protocol: Option<Str<'a>>,
    /// Fields after `ssl_protocol` that this version does not know, as written.
    pub extra_fields: Vec<Str<'a>>,
}

/// Parses one Classic ELB access log entry.
pub fn parse(line: &str) -> ParseResult<ElbClassic<'_>> {
    let mut tokens = Tokens::new(line);
    let mut field = |name: &str| match tokens.next() {
        Some(token) => Ok(token.text),
        None => Err(ParseError::new(format!("the entry ends before {name}"))),
    };
    let time = field("time")?;
    let event_time = crate::time::parse_iso8601(time)
        .ok_or_else(|| ParseError::new(format!("time {time:?} is not an ISO 8601 time")))?;
    let elb = field("elb")?;
    let client = field("client:port")?;
    let (client_ip, client_port) = split_host_port(client);
    if client_port.is_none() {
        return Err(ParseError::new(format!(
            "client {client:?} is not address:port"
        )));
    }
    let (backend_ip, backend_port) = split_host_port(field("backend:port")?);
    let request_processing_time = seconds(field("request_processing_time")?)?;
    let backend_processing_time = seconds(field("backend_processing_time")?)?;
    let response_processing_time = seconds(field("response_processing_time")?)?;
    let elb_status_code = opt_i64(field("elb_status_code")?);
    let backend_status_code = opt_i64(field("backend_status_code")?);
    let received_bytes = opt_i64(field("received_bytes")?);
    let sent_bytes = opt_i64(field("sent_bytes")?);
    // TCP/SSL listeners write `"- - - "`: trim so the three dashes split as three nulls.
    let (request_verb, request_url, request_proto) = split_request(field("request")?.trim_end());
    // Columns AWS added later: older entries end before them.
    let mut optional = || tokens.next().and_then(|t| nullable(t.text));
    let user_agent = optional().map(unescape_quotes);
    let ssl_cipher = optional().map(Cow::Borrowed);
    let ssl_protocol = optional().map(Cow::Borrowed);
    let extra_fields = tokens.map(|t| Cow::Borrowed(t.text)).collect();

    let body = ElbClassic {
        time: Cow::Borrowed(time),
        elb: Cow::Borrowed(elb),
        client_ip: client_ip.map(Cow::Borrowed),
        client_port,
        backend_ip: backend_ip.map(Cow::Borrowed),
        backend_port,
        request_processing_time,
        backend_processing_time,
        response_processing_time,
        elb_status_code,
        backend_status_code,
        received_bytes,
        sent_bytes,
        request_verb: request_verb.map(Cow::Borrowed),
        request_url: request_url.map(unescape_quotes),
        request_proto: request_proto.map(Cow::Borrowed),
        user_agent,
        ssl_cipher,
        ssl_protocol,
        extra_fields,
    };
    Ok(Parsed::new(body, Some(event_time)))
}

/// A processing time: always a number (`-1` when there was no response).
/// Anything else means the line is not a Classic ELB entry (an ISO-stamped
/// VPC flow record looks alike up to here), so it is an error, not a null.
fn seconds(value: &str) -> Result<Option<f64>, ParseError> {
    opt_f64(value)
        .map(Some)
        .ok_or_else(|| ParseError::new(format!("processing time {value:?} is not a number")))
}

/// Classic Load Balancer access logs: the [`Format`] of this module.
pub struct ElbClassicFormat;

impl Format for ElbClassicFormat {
    type Body<'a> = ElbClassic<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        // `<time>Z <elb name> ...`: microseconds put the `Z` at 26; a `Z` at
        // 23 (milliseconds) is an ELB entry unless it is a Lambda timeout or
        // an exported VPC flow record.
        let b = line.as_bytes();
        if prefix::date_time_separator(b) != Some(b'T') {
            return Sniff::No;
        }
        let micros = b.get(26..28) == Some(b"Z ".as_slice());
        let millis = b.get(23..25) == Some(b"Z ".as_slice())
            && !prefix::is_lambda_timeout(b)
            && !prefix::is_utc_then_small_number(b);
        match micros || millis {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<ElbClassic<'a>> {
        parse(line)
    }

    fn pseudonymise(e: &mut ElbClassic<'_>, s: &mut Scrub<'_>) {
        s.set(&mut e.client_ip, Rule::AnyIp);
        s.url(&mut e.request_url);
    }

    fn alert_source<'b>(e: &'b ElbClassic<'_>) -> Option<&'b str> {
        Some(e.elb.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    fn parsed(line: &str) -> (ElbClassic<'_>, String) {
        let Parsed { body, time } = parse(line).unwrap();
        (body, iso_string(time.unwrap()))
    }

    #[test]
    fn parses_the_documented_https_entry() {
        let line = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#;
        let (e, time) = parsed(line);
        assert_eq!(time, "2015-05-13T23:39:43.945Z");
        assert_eq!(e.time, "2015-05-13T23:39:43.945958Z");
        assert_eq!(e.elb, "my-loadbalancer");
        assert_eq!(
            (e.client_ip.as_deref(), e.client_port),
            (Some("192.168.131.39"), Some(2817))
        );
        assert_eq!(
            (e.backend_ip.as_deref(), e.backend_port),
            (Some("10.0.0.1"), Some(80))
        );
        assert_eq!(e.request_processing_time, Some(0.000086));
        assert_eq!(e.backend_processing_time, Some(0.001048));
        assert_eq!(e.response_processing_time, Some(0.001337));
        assert_eq!(
            (e.elb_status_code, e.backend_status_code),
            (Some(200), Some(200))
        );
        assert_eq!((e.received_bytes, e.sent_bytes), (Some(0), Some(57)));
        assert_eq!(e.request_verb.as_deref(), Some("GET"));
        assert_eq!(
            e.request_url.as_deref(),
            Some("https://www.example.com:443/")
        );
        assert_eq!(e.request_proto.as_deref(), Some("HTTP/1.1"));
        assert_eq!(e.user_agent.as_deref(), Some("curl/7.38.0"));
        assert_eq!(e.ssl_cipher.as_deref(), Some("DHE-RSA-AES128-SHA"));
        assert_eq!(e.ssl_protocol.as_deref(), Some("TLSv1.2"));
        assert!(e.extra_fields.is_empty());
        assert!(
            matches!(e.user_agent, Some(Cow::Borrowed(_))),
            "no allocation without escapes"
        );
    }

    #[test]
    fn tcp_and_ssl_entries_give_nulls() {
        let line = r#"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 0.000015 0.000023 - - 57 502 "- - - " "-" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2"#;
        let (e, _) = parsed(line);
        assert_eq!((e.elb_status_code, e.backend_status_code), (None, None));
        assert_eq!((e.received_bytes, e.sent_bytes), (Some(57), Some(502)));
        assert_eq!(
            (&e.request_verb, &e.request_url, &e.request_proto),
            (&None, &None, &None)
        );
        assert_eq!(e.user_agent, None);
        assert_eq!(e.ssl_protocol.as_deref(), Some("TLSv1.2"));
        let json = serde_json::to_value(&e).unwrap();
        assert!(json["elb_status_code"].is_null() && json["request_url"].is_null());
    }

    #[test]
    fn minus_one_times_missing_backend_and_ipv6_clients() {
        let line = r#"2024-01-02T03:04:05.000006Z lb [2001:db8::7]:40123 - -1 -1 -1 504 - 10 0 "GET http://[2001:db8::1]:80/a?b=c HTTP/1.1" "Mozilla/5.0 \"quoted\"" - -"#;
        let (e, time) = parsed(line);
        assert_eq!(time, "2024-01-02T03:04:05.000Z");
        assert_eq!(
            (e.client_ip.as_deref(), e.client_port),
            (Some("2001:db8::7"), Some(40123))
        );
        assert_eq!((e.backend_ip.as_deref(), e.backend_port), (None, None));
        assert_eq!(e.request_processing_time, Some(-1.0));
        assert_eq!(e.response_processing_time, Some(-1.0));
        assert_eq!(
            (e.elb_status_code, e.backend_status_code),
            (Some(504), None)
        );
        assert_eq!(
            e.request_url.as_deref(),
            Some("http://[2001:db8::1]:80/a?b=c")
        );
        assert_eq!(e.user_agent.as_deref(), Some(r#"Mozilla/5.0 "quoted""#));
        assert_eq!((&e.ssl_cipher, &e.ssl_protocol), (&None, &None));
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains(r#""request_processing_time":-1.0"#), "{json}");

        let unbracketed = "2024-01-02T03:04:05.000006Z lb 2001:db8::7:40123 10.0.0.1:80 0.1 0.2 0.3 200 200 1 2 \"GET / HTTP/1.1\" \"-\" - -";
        let (e, _) = parsed(unbracketed);
        assert_eq!(
            (e.client_ip.as_deref(), e.client_port),
            (Some("2001:db8::7"), Some(40123))
        );
    }

    #[test]
    fn keeps_extra_fields_and_accepts_old_short_entries() {
        let line = r#"2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - 0.1 0.2 0.3 200 200 0 57 "GET / HTTP/1.1" "curl" - - new1 "new 2""#;
        let (e, _) = parsed(line);
        assert_eq!(e.extra_fields, vec!["new1", "new 2"]);

        let old = r#"2014-05-13T23:39:43.945958Z lb 1.2.3.4:5 10.0.0.1:80 0.1 0.2 0.3 200 200 0 57 "GET http://x/ HTTP/1.1""#;
        let (e, _) = parsed(old);
        assert_eq!(e.request_url.as_deref(), Some("http://x/"));
        assert_eq!(
            (e.user_agent, e.ssl_cipher, e.ssl_protocol),
            (None, None, None)
        );
    }

    #[test]
    fn rejects_what_is_not_an_elb_entry() {
        for line in [
            "",
            "2015-05-13T23:39:43.945958Z lb 1.2.3.4:5",
            "2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - abc 0.2 0.3 200 200 0 57 \"GET / HTTP/1.1\"",
            "yesterday lb 1.2.3.4:5 - 0.1 0.2 0.3 200 200 0 57 \"GET / HTTP/1.1\"",
            "2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - 0.1 0.2 0.3 200 200 0 57",
            // VPC flow records exported from CloudWatch with an ISO time prefix.
            "2018-09-22T20:29:12.000Z 2 633112549318 eni-d68830d4 - - - - - - - 1537648152 1537648249 - NODATA",
            "2018-09-22T20:28:14.000Z 2 633112549318 eni-d68830d4 209.141.42.153 10.155.108.192 54252 8088 6 1 40 1537648094 1537648129 ACCEPT OK",
            "2015-05-13T23:39:43.945958Z lb 1.2.3.4:5 - - - - 200 200 0 57 \"GET / HTTP/1.1\"",
        ] {
            let err = parse(line).unwrap_err();
            assert!(!err.0.is_empty(), "{line}");
        }
        assert!(
            parse("2015-05-13T23:39:43Z lb 1:2 - 0.1 0.2 0.3 200 200 0 57 \"\u{e9}\u{0} \"")
                .is_ok()
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(line in r#"\PC{0,40}|2015-05-13T23:39:43\.\d{6}Z lb( ("[^"]{0,6}"?|\S{0,6})){0,17}"#) {
            let _ = parse(&line);
        }
    }
}
