//! Linux auditd lines forwarded by Pexip Infinity nodes (`pexip_audit`).
//!
//! ```text
//! <syslog_time> <host> <tag> node=<fqdn> type=<TYPE> msg=audit(<epoch>.<ms>:<serial>): k=v ... [msg='k=v ...']
//! ```
//!
//! | column | type | notes |
//! |---|---|---|
//! | `syslog_time` | string | syslog stamp as written |
//! | `node` | string | host name or IP of the node that sent the line |
//! | `tag` | string or null | syslog tag without its trailing `:` (`audispd`); null when the line has none |
//! | `audit_node` | string or null | the `node=` value (auditd's own node name, usually the FQDN) |
//! | `audit_type` | string | the `type=` value: `USER_LOGIN`, `SYSCALL`, `AVC`, ... |
//! | `audit_time` | string | the audit epoch as written (`1772447401.508`); it is the event time |
//! | `audit_serial` | integer | the event serial after the `:`; records of one event share it |
//! | `fields` | map of string | every `k=v` after `msg=audit(...):`, values without their `"`/`'` quotes |
//! | `submsg` | map of string | the `k=v` pairs inside `msg='...'` (user-space messages) |
//! | `text` | string or null | words that are not `k=v` pairs (`avc: denied { read } for`), joined by one space |
//! | `enriched` | map of string | auditd's enriched values after the `0x1d` separator (`UID="root"` for `uid=0`) |
//!
//! `audit_time` stays the epoch string auditd wrote (not an ISO string): it is exact,
//! and the envelope `timestamp` already carries the ISO form of the same instant.
//! Keys are kept as written. auditd's enriched format adds upper-case keys such as
//! `UID="root"` after a `0x1d` separator; those go to `enriched`, not `fields`: their
//! names differ from the raw keys only in case, and case-insensitive readers (Athena's
//! JSON SerDe, DuckDB) would otherwise see one key twice. Values are
//! kept as written apart from the quotes: hex-encoded values (`proctitle=2F7573...`) and
//! `?` stay as they are. Header keys other than `node` and `type` go into `fields`.
//! Event time: the audit epoch; the syslog time when it does not parse.

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::Serialize;

use super::{Format, ParseError, ParseResult, Parsed, Sniff, prefix};
use crate::pseudonym::scrub::{Kind, Rule, Scrub};
use crate::time::{from_epoch_fraction, parse_iso8601};
use crate::value::{Fields, Str};

/// One auditd record forwarded by a Pexip node.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PexipAudit<'a> {
    /// Time the line was logged by syslog on the sending node, as written.
    pub syslog_time: Str<'a>,
    /// Host name or IP of the node that sent the line.
    pub node: Str<'a>,
    /// Syslog tag (program) without its trailing colon, e.g. `audispd`.
    pub tag: Option<Str<'a>>,
    /// auditd's node name (`node=`), usually the node's FQDN.
    pub audit_node: Option<Str<'a>>,
    /// Audit record type (`type=`), e.g. USER_LOGIN, SYSCALL, AVC.
    pub audit_type: Str<'a>,
    /// Audit event time as written: epoch seconds with milliseconds.
    pub audit_time: Str<'a>,
    /// Audit event serial number; the records of one event share it.
    pub audit_serial: i64,
    /// Every key=value after `msg=audit(...):`, values unquoted.
    pub fields: Fields<'a>,
    /// The key=value pairs inside `msg='...'`.
    pub submsg: Fields<'a>,
    /// Words that are not key=value pairs, joined by one space.
    pub text: Option<Str<'a>>,
    /// auditd's enriched (interpreted) values after the 0x1d separator, e.g. UID=root for uid=0.
    pub enriched: Fields<'a>,
}

/// Parses one audit line.
pub fn parse(line: &str) -> ParseResult<PexipAudit<'_>> {
    let (line, enriched_part) = match line.split_once('\u{1d}') {
        Some((raw, enriched)) => (raw, Some(enriched)),
        None => (line, None),
    };
    let mut words = Words(line);
    let syslog_time = words.next_word().ok_or(ParseError::fixed("empty line"))?;
    let node = words
        .next_word()
        .ok_or(ParseError::fixed("missing the node after the syslog time"))?;
    let tag = match words.peek_word() {
        Some(word) if !word.contains('=') => {
            words.next_word();
            Some(Cow::Borrowed(word.strip_suffix(':').unwrap_or(word)))
        }
        _ => None,
    };

    let mut audit_node = None;
    let mut audit_type = None;
    let mut fields = Fields::default();
    let mut header = None;
    while let Some(item) = words.next_item() {
        match item {
            Item::Pair("msg", value, false) if value.starts_with("audit(") => {
                header = Some(audit_header(value).ok_or_else(|| {
                    ParseError::new(format!(
                        "malformed audit header msg={value}, expected audit(<epoch>:<serial>):"
                    ))
                })?);
                break;
            }
            Item::Pair("node", value, _) => audit_node = Some(Cow::Borrowed(value)),
            Item::Pair("type", value, _) => audit_type = Some(Cow::Borrowed(value)),
            Item::Pair(key, value, _) => fields.insert(Cow::Borrowed(key), Cow::Borrowed(value)),
            Item::Word(word) => {
                return Err(ParseError::new(format!(
                    "unexpected {word:?} before msg=audit(...)"
                )));
            }
        }
    }
    let (audit_time, audit_serial) =
        header.ok_or(ParseError::fixed("no msg=audit(<epoch>:<serial>) header"))?;
    let audit_type = audit_type.ok_or(ParseError::fixed("no type= before msg=audit(...)"))?;

    let mut submsg = Fields::default();
    let mut text = Text::default();
    while let Some(item) = words.next_item() {
        match item {
            Item::Pair("msg", value, true) if submsg.is_empty() => {
                let mut inner = Words(value);
                while let Some(item) = inner.next_item() {
                    match item {
                        Item::Pair(k, v, _) => submsg.insert(Cow::Borrowed(k), Cow::Borrowed(v)),
                        Item::Word(word) => text.push(word),
                    }
                }
            }
            Item::Pair(key, value, _) => fields.insert(Cow::Borrowed(key), Cow::Borrowed(value)),
            Item::Word(word) => text.push(word),
        }
    }

    let mut enriched = Fields::default();
    if let Some(part) = enriched_part {
        let mut words = Words(part);
        while let Some(item) = words.next_item() {
            match item {
                Item::Pair(key, value, _) => {
                    enriched.insert(Cow::Borrowed(key), Cow::Borrowed(value))
                }
                Item::Word(word) => text.push(word),
            }
        }
    }
    let time = from_epoch_fraction(audit_time).or_else(|| parse_iso8601(syslog_time));
    let record = PexipAudit {
        syslog_time: Cow::Borrowed(syslog_time),
        node: Cow::Borrowed(node),
        tag,
        audit_node,
        audit_type,
        audit_time: Cow::Borrowed(audit_time),
        audit_serial,
        fields,
        submsg,
        text: text.0,
        enriched,
    };
    Ok(Parsed::new(record, time))
}

/// `audit(1772447401.508:1841):` -> (`1772447401.508`, 1841).
fn audit_header(value: &str) -> Option<(&str, i64)> {
    let inner = value.strip_prefix("audit(")?;
    let inner = inner.strip_suffix(':').unwrap_or(inner).strip_suffix(')')?;
    let (time, serial) = inner.split_once(':')?;
    (!time.is_empty()).then_some(())?;
    Some((time, serial.parse().ok()?))
}

/// Non-pair words, joined lazily (borrowed when there is only one).
#[derive(Default)]
struct Text<'a>(Option<Str<'a>>);

impl<'a> Text<'a> {
    fn push(&mut self, word: &'a str) {
        match &mut self.0 {
            None => self.0 = Some(Cow::Borrowed(word)),
            Some(Cow::Owned(text)) => {
                text.push(' ');
                text.push_str(word);
            }
            Some(Cow::Borrowed(first)) => self.0 = Some(Cow::Owned(format!("{first} {word}"))),
        }
    }
}

/// One item of an audit message.
enum Item<'a> {
    /// `key=value`: key, value without its quotes, whether it was quoted.
    Pair(&'a str, &'a str, bool),
    /// Anything else.
    Word(&'a str),
}

/// Field separators: auditd writes spaces; the enriched format adds `0x1d`.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{1d}')
}

/// A cursor over the words and pairs of a line.
struct Words<'a>(&'a str);

impl<'a> Words<'a> {
    fn peek_word(&self) -> Option<&'a str> {
        let s = self.0.trim_start_matches(is_separator);
        let end = s.find(is_separator).unwrap_or(s.len());
        (end > 0).then(|| &s[..end])
    }

    fn next_word(&mut self) -> Option<&'a str> {
        let word = self.peek_word()?;
        let s = self.0.trim_start_matches(is_separator);
        self.0 = &s[word.len()..];
        Some(word)
    }

    fn next_item(&mut self) -> Option<Item<'a>> {
        let s = self.0.trim_start_matches(is_separator);
        if s.is_empty() {
            self.0 = s;
            return None;
        }
        let end = s.find(is_separator).unwrap_or(s.len());
        let eq = s[..end]
            .find('=')
            .filter(|&i| i > 0 && !s[..i].contains(['"', '\'']));
        let Some(eq) = eq else {
            self.0 = &s[end..];
            return Some(Item::Word(&s[..end]));
        };
        let key = &s[..eq];
        let value = &s[eq + 1..];
        match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let body = &value[1..];
                // The closing quote is the first one followed by a separator or the end.
                let close = body.char_indices().find(|&(i, c)| {
                    c == quote && body[i + 1..].chars().next().is_none_or(is_separator)
                });
                let (inner, rest) = match close {
                    Some((i, _)) => (&body[..i], &body[i + 1..]),
                    None => (body, ""),
                };
                self.0 = rest;
                Some(Item::Pair(key, inner, true))
            }
            _ => {
                let end = value.find(is_separator).unwrap_or(value.len());
                self.0 = &value[end..];
                Some(Item::Pair(key, &value[..end], false))
            }
        }
    }
}

/// auditd lines forwarded by Pexip nodes: the [`Format`] of this module.
pub struct PexipAuditFormat;

impl Format for PexipAuditFormat {
    type Body<'a> = PexipAudit<'a>;
    type Header = ();

    fn sniff(line: &str) -> Sniff {
        let b = line.as_bytes();
        match prefix::is_syslog_time(b) && prefix::pexip_log(b) == Some(prefix::PexipLog::Audit) {
            true => Sniff::Line,
            false => Sniff::No,
        }
    }

    fn parse<'a>(_: &(), line: &'a str) -> ParseResult<PexipAudit<'a>> {
        parse(line)
    }

    fn pseudonymise(a: &mut PexipAudit<'_>, s: &mut Scrub<'_>) {
        // `hostname=` names the node itself for local operations: infrastructure.
        let node = a.node.as_ref();
        let audit_node = a.audit_node.as_deref().unwrap_or(node);
        let short_node = audit_node.split('.').next().unwrap_or(audit_node);
        for map in [&mut a.fields, &mut a.submsg, &mut a.enriched] {
            for (key, value) in map.0.iter_mut() {
                let local =
                    key == "hostname" && [node, audit_node, short_node].contains(&value.as_ref());
                if !local && let Some(token) = personal_rule(key).and_then(|r| s.token(value, r)) {
                    *value = Cow::Owned(token);
                }
            }
        }
        s.text(&mut a.text);
    }

    fn alert_source<'b>(a: &'b PexipAudit<'_>) -> Option<&'b str> {
        Some(a.node.as_ref())
    }
}

/// Rules of auditd keys (`acct`, `addr`, `hostname`; the enriched names of
/// user ids such as `AUID="alice"`).
fn personal_rule(key: &str) -> Option<Rule> {
    Some(match key {
        "acct" | "AUID" | "UID" | "EUID" | "SUID" | "FSUID" | "OUID" | "ACCT" | "ID" => {
            Rule::Token(Kind::User)
        }
        "addr" | "hostname" | "rhost" => Rule::AnyIp,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::iso_string;

    fn parse_ok(line: &str) -> (PexipAudit<'_>, Option<i64>) {
        match parse(line) {
            Ok(Parsed { body, time }) => (body, time),
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn parses_header_fields_and_submsg() {
        let line = r#"2026-03-02T10:30:01.512+00:00 px-mgr01 audispd: node=px-mgr01.example.com type=USER_LOGIN msg=audit(1772447401.508:1841): pid=4242 uid=0 auid=1001 ses=12 msg='op=login id=1001 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.5 terminal=/dev/pts/0 res=success'"#;
        let (a, time) = parse_ok(line);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:30:01.508Z");
        assert_eq!(
            (a.node.as_ref(), a.tag.as_deref(), a.audit_node.as_deref()),
            ("px-mgr01", Some("audispd"), Some("px-mgr01.example.com"))
        );
        assert_eq!(
            (a.audit_type.as_ref(), a.audit_time.as_ref(), a.audit_serial),
            ("USER_LOGIN", "1772447401.508", 1841)
        );
        assert_eq!(a.fields.get("pid"), Some("4242"));
        assert_eq!(a.fields.get("ses"), Some("12"));
        assert_eq!(a.fields.get("msg"), None);
        assert_eq!(a.submsg.get("exe"), Some("/usr/sbin/sshd"));
        assert_eq!(a.submsg.get("hostname"), Some("?"));
        assert_eq!(a.submsg.get("res"), Some("success"));
        assert_eq!(a.text, None);
    }

    #[test]
    fn keeps_avc_words_quoted_spaces_and_enriched_keys() {
        let line = "2026-03-02T10:31:15.002+00:00 px-conf01 audispd: node=px-conf01 type=AVC msg=audit(1772447475.001:77): avc:  denied  { read write } for  pid=812 comm=\"my prog\" scontext=system_u:system_r:httpd_t:s0 tclass=file permissive=0\u{1d}UID=\"root\"";
        let (a, _) = parse_ok(line);
        assert_eq!(a.text.as_deref(), Some("avc: denied { read write } for"));
        assert_eq!(a.fields.get("comm"), Some("my prog"));
        assert_eq!(a.fields.get("permissive"), Some("0"));
        assert_eq!(a.enriched.get("UID"), Some("root"));
        assert_eq!(
            a.fields.get("UID"),
            None,
            "enriched keys stay apart from the raw ones"
        );
    }

    #[test]
    fn tag_is_optional_and_time_falls_back() {
        let (a, time) =
            parse_ok("2026-03-02T10:31:15.002+00:00 px-conf01 type=EOE msg=audit(bad.1:5):");
        assert_eq!(a.tag, None);
        assert_eq!(a.audit_node, None);
        assert_eq!(a.audit_serial, 5);
        assert_eq!(iso_string(time.unwrap()), "2026-03-02T10:31:15.002Z");
    }

    #[test]
    fn rejects_lines_without_an_audit_header() {
        for line in [
            "",
            "t host",
            "t host audispd: node=x type=USER_LOGIN pid=1",
            "t host audispd: node=x type=USER_LOGIN msg=audit(123.4):",
            "t host audispd: node=x msg=audit(123.4:5):",
            "t host audispd: some words node=x type=A msg=audit(1.2:3):",
        ] {
            assert!(parse(line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for line in [
            "t h x: type=A msg=audit(1.2:3): k=\"",
            "t h x: type=A msg=audit(1.2:3): msg='",
            "t h =x",
            "t h x: type=é msg=audit(é:3)",
            "t h x: type=A msg=audit(1.2:3): ='x' k='é",
        ] {
            let _ = parse(line);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_generated_lines(line in r#"\PC{0,40}|t h x: type=A msg=audit\(\d\.\d:\d\):( [a-z]{1,3}=(['"][a-z ='"]{0,8}['"]?|\S{0,4})| \S{1,3}){0,6}"#) {
            let _ = parse(&line);
        }
    }
}
