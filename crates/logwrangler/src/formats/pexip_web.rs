//! Pexip Infinity web server access lines (`pexip_web`), forwarded over syslog.
//!
//! ```text
//! <syslog_time> <host> [<tag>] <client> <ident> <user> [<time>] "<request>" <status> <bytes> ["<referrer>" "<user_agent>"] ...
//! <syslog_time> <host> [<tag>] <client> <ident> <user> [<time>] "<request>" <pid> <status> <bytes_received> <bytes> "<referrer>" "<user_agent>" ...
//! ```
//!
//! Two layouts after the request are accepted: the standard Apache common/combined
//! log (`status bytes`, referrer and user agent optional), and the layout Pexip nodes
//! were seen to write (mlnrt/pexip-logs-in-aws: `"Request" pid Status BytesReceived
//! BytesSent "URL" "UA"`), recognised by exactly four unquoted fields after the request.
//!
//! | column | type | notes |
//! |---|---|---|
//! | `syslog_time` | string | syslog stamp as written |
//! | `node` | string | host name or IP of the node that sent the line |
//! | `tag` | string or null | syslog tag without its trailing `:`; null when absent |
//! | `client_ip` | string or null | remote host (`%h`) |
//! | `ident` | string or null | remote logname (`%l`), almost always null |
//! | `user` | string or null | authenticated user (`%u`) |
//! | `request_time` | string or null | the bracketed time as written (`02/Mar/2026:10:15:40 +0000`) |
//! | `request_verb`, `request_url`, `request_proto` | string or null | the request line split in three |
//! | `pid` | integer or null | serving process id (Pexip layout only) |
//! | `status` | integer or null | HTTP status |
//! | `bytes_received` | integer or null | request bytes (Pexip layout only) |
//! | `bytes` | integer or null | response bytes (`%b`/BytesSent; `-` is null) |
//! | `referrer` | string or null | `Referer` header |
//! | `user_agent` | string or null | `User-Agent` header |
//! | `extra_fields` | array of string | fields after the user agent (or after the numbers) |
//!
//! `-` and `"-"` are null; `\"` in quoted fields is unescaped. Event time: the bracketed
//! time (Common Log Format, or ISO 8601 when a server writes that); the syslog time when
//! it does not parse.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Kind, Rule, Scrub};
use crate::text::{Tokens, opt_i64, opt_str, split_request, unescape_quotes};
use crate::time::{parse_clf, parse_iso8601};
use crate::value::Str;

/// One web server access line from a Pexip node.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PexipWeb<'a> {
    /// Time the line was logged by syslog on the sending node, as written.
    pub syslog_time: Str<'a>,
    /// Host name or IP of the node that sent the line.
    pub node: Str<'a>,
    /// Syslog tag (program) without its trailing colon.
    pub tag: Option<Str<'a>>,
    /// Client address.
    pub client_ip: Option<Str<'a>>,
    /// Remote logname (identd), almost always null.
    pub ident: Option<Str<'a>>,
    /// Authenticated user.
    pub user: Option<Str<'a>>,
    /// Request time as written, without brackets.
    pub request_time: Option<Str<'a>>,
    /// HTTP method.
    pub request_verb: Option<Str<'a>>,
    /// Request URL (path and query).
    pub request_url: Option<Str<'a>>,
    /// HTTP protocol version.
    pub request_proto: Option<Str<'a>>,
    /// Serving process id (Pexip layout only).
    pub pid: Option<i64>,
    /// HTTP status code.
    pub status: Option<i64>,
    /// Request bytes received (Pexip layout only).
    pub bytes_received: Option<i64>,
    /// Response bytes sent.
    pub bytes: Option<i64>,
    /// Referer header.
    pub referrer: Option<Str<'a>>,
    /// User-Agent header.
    pub user_agent: Option<Str<'a>>,
    /// Fields after the known ones.
    pub extra_fields: Vec<Str<'a>>,
}

/// Parses one web access line.
pub fn parse(line: &str) -> ParseResult<PexipWeb<'_>> {
    let open = memchr::memmem::find(line.as_bytes(), b" [").ok_or(ParseError::fixed(
        "no [time] field: expected an Apache access record after the syslog prefix",
    ))?;
    let prefix: Vec<&str> = line[..open].split_ascii_whitespace().collect();
    let (syslog_time, node, tag, client, ident, user) = match prefix.as_slice() {
        [time, node, tag, client, ident, user] => {
            (*time, *node, Some(*tag), *client, *ident, *user)
        }
        [time, node, client, ident, user] => (*time, *node, None, *client, *ident, *user),
        _ => {
            return Err(ParseError::new(format!(
                "expected `<syslog_time> <host> [tag] <client> <ident> <user>` before [time], found {} fields",
                prefix.len()
            )));
        }
    };
    let bracketed = &line[open + 2..];
    let close = bracketed
        .find(']')
        .ok_or(ParseError::fixed("unterminated [time] field"))?;
    let request_time = &bracketed[..close];

    let mut tokens = Tokens::new(&bracketed[close + 1..]);
    let request = tokens
        .next()
        .ok_or(ParseError::fixed("missing the request after [time]"))?;
    let (request_verb, request_url, request_proto) = request_parts(request.text);

    let rest: Vec<_> = tokens.collect();
    let numbers = rest.iter().take_while(|t| !t.quoted).count();
    let (pid, status, bytes_received, bytes, used) = match numbers {
        0 | 1 => {
            return Err(ParseError::fixed(
                "expected status and bytes after the request",
            ));
        }
        4 => (
            opt_i64(rest[0].text),
            opt_i64(rest[1].text),
            opt_i64(rest[2].text),
            opt_i64(rest[3].text),
            4,
        ),
        _ => (None, opt_i64(rest[0].text), None, opt_i64(rest[1].text), 2),
    };
    // Referrer and user agent are quoted; the common log format has neither.
    let mut others = &rest[used..];
    let mut quoted = || match others.split_first() {
        Some((t, tail)) if t.quoted => {
            others = tail;
            nullable_unescaped(t.text)
        }
        _ => None,
    };
    let referrer = quoted();
    let user_agent = quoted();
    let extra_fields = others.iter().map(|t| unescape_quotes(t.text)).collect();

    let time = parse_clf(request_time)
        .or_else(|| parse_iso8601(request_time))
        .or_else(|| parse_iso8601(syslog_time));
    let record = PexipWeb {
        syslog_time: Cow::Borrowed(syslog_time),
        node: Cow::Borrowed(node),
        tag: tag.map(|t| Cow::Borrowed(t.strip_suffix(':').unwrap_or(t))),
        client_ip: opt_str(client),
        ident: opt_str(ident),
        user: opt_str(user),
        request_time: opt_str(request_time),
        request_verb,
        request_url,
        request_proto,
        pid,
        status,
        bytes_received,
        bytes,
        referrer,
        user_agent,
        extra_fields,
    };
    Ok(Parsed::new(record, time))
}

type RequestParts<'a> = (Option<Str<'a>>, Option<Str<'a>>, Option<Str<'a>>);

/// Splits the request line, borrowing unless it had escapes.
fn request_parts(text: &str) -> RequestParts<'_> {
    match unescape_quotes(text) {
        Cow::Borrowed(request) => {
            let (verb, url, proto) = split_request(request);
            (
                verb.map(Cow::Borrowed),
                url.map(Cow::Borrowed),
                proto.map(Cow::Borrowed),
            )
        }
        Cow::Owned(request) => {
            let (verb, url, proto) = split_request(&request);
            let owned = |part: Option<&str>| part.map(|p| Cow::Owned(p.to_owned()));
            (owned(verb), owned(url), owned(proto))
        }
    }
}

fn nullable_unescaped(text: &str) -> Option<Str<'_>> {
    match text {
        "" | "-" => None,
        other => Some(unescape_quotes(other)),
    }
}

/// Pexip web server access lines: the [`Format`] of this module.
pub struct PexipWebFormat;

impl Format for PexipWebFormat {
    type Body<'a> = PexipWeb<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        match prefix::is_syslog_time(b) && prefix::pexip_log(b) == Some(prefix::PexipLog::Web) {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<PexipWeb<'a>> {
        parse(line)
    }

    fn pseudonymise(w: &mut PexipWeb<'_>, s: &mut Scrub<'_>) {
        s.set(&mut w.client_ip, Rule::AnyIp);
        s.set(&mut w.user, Rule::Token(Kind::User));
        s.set(&mut w.ident, Rule::Token(Kind::User));
        s.url(&mut w.request_url);
        s.url(&mut w.referrer);
    }

    fn alert_source<'b>(w: &'b PexipWeb<'_>) -> Option<&'b str> {
        Some(w.node.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    fn parse_ok(line: &str) -> (PexipWeb<'_>, Option<i64>) {
        match parse(line) {
            Ok(Parsed { body, time }) => (body, time),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn parses_combined_layout() {
        let line = r#"2026-03-02T10:15:40.003+00:00 px-conf01 apache2: 185.104.185.242 - - [02/Mar/2026:10:15:40 +0000] "POST /api/client/v2/conferences/meet.alice/request_token HTTP/1.1" 200 1532 "https://vc.example.com/webapp/" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"""#;
        let (w, time) = parse_ok(line);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:40.000Z");
        assert_eq!(
            (w.node.as_ref(), w.tag.as_deref()),
            ("px-conf01", Some("apache2"))
        );
        assert_eq!(
            (
                w.client_ip.as_deref(),
                w.ident.as_deref(),
                w.user.as_deref()
            ),
            (Some("185.104.185.242"), None, None)
        );
        assert_eq!(
            w.request_time.as_deref(),
            Some("02/Mar/2026:10:15:40 +0000")
        );
        assert_eq!(w.request_verb.as_deref(), Some("POST"));
        assert_eq!(
            w.request_url.as_deref(),
            Some("/api/client/v2/conferences/meet.alice/request_token")
        );
        assert_eq!(w.request_proto.as_deref(), Some("HTTP/1.1"));
        assert_eq!(
            (w.pid, w.status, w.bytes_received, w.bytes),
            (None, Some(200), None, Some(1532))
        );
        assert_eq!(
            w.referrer.as_deref(),
            Some("https://vc.example.com/webapp/")
        );
        assert_eq!(
            w.user_agent.as_deref(),
            Some(r#"Mozilla/5.0 (X11; Linux x86_64) "quoted""#)
        );
        assert!(w.extra_fields.is_empty());
    }

    #[test]
    fn parses_pexip_layout_with_pid_and_bytes_received() {
        let line = r#"2026-03-02T10:16:02.410+00:00 px-mgr01 apache2: 10.0.0.5 - admin [02/Mar/2026:11:16:02 +0100] "GET /admin/platform/status/ HTTP/1.1" 2345 200 512 20480 "-" "curl/8.5.0" extra"#;
        let (w, time) = parse_ok(line);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:16:02.000Z");
        assert_eq!(
            (w.pid, w.status, w.bytes_received, w.bytes),
            (Some(2345), Some(200), Some(512), Some(20480))
        );
        assert_eq!(
            (
                w.user.as_deref(),
                w.referrer.as_deref(),
                w.user_agent.as_deref()
            ),
            (Some("admin"), None, Some("curl/8.5.0"))
        );
        assert_eq!(w.extra_fields, vec!["extra"]);
    }

    #[test]
    fn common_log_without_tag_and_null_markers() {
        let (w, time) = parse_ok(r#"2026-03-02T10:15:40.003+00:00 px01 ::1 - - [-] "-" 408 -"#);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:15:40.003Z");
        assert_eq!(
            (
                w.tag,
                w.client_ip.as_deref(),
                w.request_time,
                w.request_verb
            ),
            (None, Some("::1"), None, None)
        );
        assert_eq!(
            (w.status, w.bytes, w.referrer, w.user_agent),
            (Some(408), None, None, None)
        );
    }

    #[test]
    fn rejects_other_lines() {
        for line in [
            "",
            "t h tag: 1.2.3.4 - -",
            "t h tag: 1.2.3.4 - - [02/Mar/2026:10:15:40 +0000",
            "t [x] \"GET /\" 200 1",
            "t h 1 - - [x] \"GET /\" 200",
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_generated_lines(line in r#"\PC{0,40}|t h x: 1 - - \[\PC{0,8}\]( ("[^"]{0,6}"?|\S{0,4})){0,8}"#) {
            let _ = parse(&line);
        }
    }
}
