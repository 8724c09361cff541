//! The scrubber: per-record state and the generic operations that replace
//! personal values (by field rule, in lists, URLs, query strings, JSON texts)
//! and rewrite free text (the record's own values, addresses, SIP display
//! names, public IP literals).

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

pub use super::key::Kind;
use super::key::{Pseudonymiser, is_public, parse_ip};
use crate::text::percent_decode;
use crate::value::{Fields, Str};

/// How a personal field is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A token of this kind.
    Token(Kind),
    /// An address, whatever its range; a value that is not one becomes a host token.
    AnyIp,
    /// An address, only when it is public; other values stay.
    PublicIp,
    /// An address when it is one (CloudTrail writes service names there too).
    IpOnly,
}

/// The per-record state: the values tokenised so far (replaced again where
/// they recur in the record's free text).
pub struct Scrub<'p> {
    pub(super) p: &'p Pseudonymiser,
    pub(super) known: Vec<(String, String)>,
}

impl<'p> Scrub<'p> {
    pub fn new(p: &'p Pseudonymiser) -> Self {
        Scrub {
            p,
            known: Vec::new(),
        }
    }

    /// The token for `value` under `rule`, remembered for free text; `None`
    /// when the value stays (empty or placeholder, already a token, or out of
    /// the rule's scope).
    pub fn token(&mut self, value: &str, rule: Rule) -> Option<String> {
        let trimmed = value.trim();
        if is_placeholder(trimmed) || Pseudonymiser::is_token(trimmed) {
            return None;
        }
        let token = match rule {
            Rule::Token(Kind::User) if trimmed == "root" => return None,
            Rule::Token(kind) => self.p.pseudonymise(kind, value),
            Rule::AnyIp => self.p.pseudonymise(Kind::Ip, value),
            Rule::PublicIp => match parse_ip(value) {
                Some(ip) if is_public(ip) => self.p.ip_token(ip),
                _ => return None,
            },
            Rule::IpOnly => self.p.pseudonymise_ip(value)?,
        };
        if value.chars().count() >= 2 && !self.known.iter().any(|(v, _)| v == value) {
            self.known.push((value.to_owned(), token.clone()));
        }
        Some(token)
    }

    pub fn set(&mut self, slot: &mut Option<Str<'_>>, rule: Rule) {
        if let Some(token) = slot.as_deref().and_then(|v| self.token(v, rule)) {
            *slot = Some(Cow::Owned(token));
        }
    }

    /// A comma-separated list of values (`x-forwarded-for`).
    pub fn list(&mut self, slot: &mut Option<Str<'_>>, rule: Rule) {
        let Some(value) = slot.as_deref() else {
            return;
        };
        let mut out = String::with_capacity(value.len() + 32);
        let mut changed = false;
        for (i, part) in value.split(',').enumerate() {
            if i > 0 {
                out.push(',');
            }
            let item = part.trim();
            match self.token(item, rule) {
                Some(token) => {
                    changed = true;
                    let lead = part.len() - part.trim_start().len();
                    out.push_str(&part[..lead]);
                    out.push_str(&token);
                    out.push_str(&part[lead + item.len()..]);
                }
                None => out.push_str(part),
            }
        }
        if changed {
            *slot = Some(Cow::Owned(out));
        }
    }

    /// Values of a key/value map by their key's rule.
    pub fn fields(&mut self, map: &mut Fields<'_>, rule_of: fn(&str) -> Option<Rule>) {
        for (key, value) in map.0.iter_mut() {
            if let Some(token) = rule_of(key).and_then(|rule| self.token(value, rule)) {
                *value = Cow::Owned(token);
            }
        }
    }

    pub fn text(&self, slot: &mut Option<Str<'_>>) {
        if let Some(text) = slot.as_deref().and_then(|t| self.rewrite(t)) {
            *slot = Some(Cow::Owned(text));
        }
    }

    /// Only the record's own tokenised values, no patterns.
    pub fn known_only(&self, slot: &mut Option<Str<'_>>) {
        if let Some(text) = slot.as_deref().and_then(|t| self.replace_known(t)) {
            *slot = Some(Cow::Owned(text));
        }
    }

    /// The free-text rewrite: the record's own tokenised values, addresses,
    /// SIP and H.323 display names, public IP literals; `None` when nothing changed.
    pub fn rewrite(&self, text: &str) -> Option<String> {
        let known = self.replace_known(text);
        let current = known.as_deref().unwrap_or(text);
        let addressed = replace_regex(current, &ADDRESS, |m| {
            let whole = m.get(0)?.as_str();
            Some(self.p.pseudonymise(Kind::Alias, whole))
        });
        let current = addressed.as_deref().unwrap_or(current);
        let named = replace_regex(current, &DISPLAY_NAME, |m| {
            let name = m.get(2)?.as_str();
            let (prefix, suffix) = (m.get(1), m.get(3));
            if (prefix.is_none() && suffix.is_none())
                || Pseudonymiser::is_token(name)
                || is_placeholder(name.trim())
            {
                return None;
            }
            let token = self.p.pseudonymise(Kind::Name, name);
            let (prefix, suffix) = (
                prefix.map_or("", |g| g.as_str()),
                suffix.map_or("", |g| g.as_str()),
            );
            Some(format!("{prefix}\"{token}\"{suffix}"))
        });
        let current = named.as_deref().unwrap_or(current);
        let ips = self.replace_public_ips(current);
        ips.or(named).or(addressed).or(known)
    }

    /// Replaces the record's tokenised values where they stand as whole words.
    pub fn replace_known(&self, text: &str) -> Option<String> {
        let mut known: Vec<&(String, String)> = self
            .known
            .iter()
            .filter(|(v, _)| text.contains(v.as_str()))
            .collect();
        if known.is_empty() {
            return None;
        }
        known.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let mut current: Option<String> = None;
        for (value, token) in known {
            let text = current.as_deref().unwrap_or(text);
            if let Some(next) = replace_words(text, value, token) {
                current = Some(next);
            }
        }
        current
    }

    /// Tokenises public IPv4 and IPv6 literals in free text (private ones are
    /// the estate's nodes and interfaces; a private address tokenised
    /// elsewhere in the record was replaced already).
    pub fn replace_public_ips(&self, text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        let mut out = String::new();
        let mut copied = 0;
        let mut i = 0;
        while i < bytes.len() {
            if !is_ip_byte(bytes[i]) || (i > 0 && is_word_byte(bytes[i - 1])) {
                i += 1;
                continue;
            }
            let start = i;
            let mut end = i;
            while end < bytes.len() && is_ip_byte(bytes[end]) {
                end += 1;
            }
            i = end;
            if end < bytes.len() && is_word_byte(bytes[end]) {
                continue;
            }
            // `Chrome/1.2.3.4`: a version after a product name, not an address.
            if start >= 2 && bytes[start - 1] == b'/' && bytes[start - 2].is_ascii_alphanumeric() {
                continue;
            }
            let Some(len) = ip_prefix(&text[start..end]) else {
                continue;
            };
            let Some(ip) = parse_ip(&text[start..start + len]).filter(|ip| is_public(*ip)) else {
                continue;
            };
            out.push_str(&text[copied..start]);
            out.push_str(&self.p.ip_token(ip));
            copied = start + len;
        }
        (copied > 0).then(|| {
            out.push_str(&text[copied..]);
            out
        })
    }

    /// Query parameters that name a person, in a URL or request line.
    pub fn url(&mut self, slot: &mut Option<Str<'_>>) {
        let Some(url) = slot.as_deref() else {
            return;
        };
        let Some(start) = url.find('?').map(|q| q + 1) else {
            return;
        };
        let end = url[start..]
            .find([' ', '#'])
            .map_or(url.len(), |e| start + e);
        if let Some(query) = self.rewrite_query(&url[start..end]) {
            *slot = Some(Cow::Owned(format!(
                "{}{query}{}",
                &url[..start],
                &url[end..]
            )));
        }
    }

    /// A bare query string (CloudFront `cs_uri_query`).
    pub fn query(&mut self, slot: &mut Option<Str<'_>>) {
        if let Some(query) = slot.as_deref().and_then(|q| self.rewrite_query(q)) {
            *slot = Some(Cow::Owned(query));
        }
    }

    pub fn rewrite_query(&mut self, query: &str) -> Option<String> {
        let mut out = String::with_capacity(query.len() + 32);
        let mut changed = false;
        for (i, pair) in query.split('&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let token = pair.split_once('=').and_then(|(key, value)| {
                let key = normalise_key(&percent_decode(key));
                let rule = match key.as_str() {
                    // Pexip's web app takes the display name as `name`.
                    "name" => Some(Rule::Token(Kind::Name)),
                    other => personal_key(other),
                }?;
                let value = percent_decode(&value.replace('+', " ")).into_owned();
                self.token(&value, rule)
            });
            match (token, pair.split_once('=')) {
                (Some(token), Some((key, _))) => {
                    changed = true;
                    out.push_str(key);
                    out.push('=');
                    out.push_str(&token);
                }
                _ => out.push_str(pair),
            }
        }
        changed.then_some(out)
    }

    /// Parses a JSON text field and tokenises its personal keys (the first
    /// phase; [`Scrub::json_finish`] rewrites the rest once every value of the
    /// record is known). A text that is not JSON is left for the second phase.
    pub fn json_personal(&mut self, slot: &Option<Str<'_>>) -> Option<(Value, bool)> {
        let text = slot.as_deref()?.trim_start();
        if !text.starts_with(['{', '[']) {
            return None;
        }
        let mut value = serde_json::from_str::<Value>(text).ok()?;
        let changed = self.json_value(None, &mut value, None);
        Some((value, changed))
    }

    pub fn json_finish(&self, slot: &mut Option<Str<'_>>, parsed: &mut Option<(Value, bool)>) {
        match parsed {
            Some((value, changed)) => {
                if self.json_leaves(value) | *changed {
                    *slot = Some(Cow::Owned(value.to_string()));
                }
            }
            None => self.text(slot),
        }
    }

    /// Tokenises the values under personal keys (objects and arrays under
    /// one are personal throughout, their own keys' rules winning); true when
    /// something changed.
    pub fn json_value(
        &mut self,
        key: Option<&str>,
        value: &mut Value,
        inherited: Option<Rule>,
    ) -> bool {
        let rule = key
            .and_then(|k| personal_key(&normalise_key(k)))
            .or(inherited);
        match value {
            Value::Object(map) => {
                let mut changed = false;
                for (k, v) in map.iter_mut() {
                    changed |= self.json_value(Some(k), v, rule);
                }
                changed
            }
            Value::Array(items) => {
                let mut changed = false;
                for v in items.iter_mut() {
                    changed |= self.json_value(None, v, rule);
                }
                changed
            }
            Value::String(s) => {
                let token = rule.and_then(|rule| match rule {
                    Rule::AnyIp if s.contains(',') => {
                        let mut slot = Some(Cow::Borrowed(s.as_str()));
                        self.list(&mut slot, rule);
                        slot.filter(|v| matches!(v, Cow::Owned(_)))
                            .map(Cow::into_owned)
                    }
                    _ => self.token(s, rule),
                });
                token.map(|t| *s = t).is_some()
            }
            Value::Number(n) => {
                let text = n.to_string();
                let token = rule.and_then(|rule| self.token(&text, rule));
                token.map(|t| *value = Value::String(t)).is_some()
            }
            Value::Bool(_) | Value::Null => false,
        }
    }

    /// Rewrites the remaining strings as free text; true when something changed.
    pub fn json_leaves(&self, value: &mut Value) -> bool {
        match value {
            Value::Object(map) => map
                .values_mut()
                .fold(false, |changed, v| self.json_leaves(v) | changed),
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| self.json_leaves(v) | changed),
            Value::String(s) => match self.rewrite(s) {
                Some(text) => {
                    *s = text;
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

/// `sip:bob@example.com`, `bob@example.com`, `h323:room@10.0.0.5`.
pub(super) static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b(?:sips?|h323|tel|mailto):)?[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*",
    )
    .expect("static regex")
});

/// A quoted display name: a SIP name-addr (`"Bob Smith" <sip:...>`) or an
/// H.323 id (`h323-ID "Board Room 1"`). Groups: prefix, name, suffix.
pub(super) static DISPLAY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(h323-ID:?\s*)?"([^"\\\s,][^"\\\r\n]{0,127})"(\s*<)?"#).expect("static regex")
});

/// Runs `regex` over `text`, replacing each match the closure answers;
/// `None` when nothing was replaced.
pub(super) fn replace_regex(
    text: &str,
    regex: &Regex,
    mut replace: impl FnMut(&regex::Captures<'_>) -> Option<String>,
) -> Option<String> {
    let mut out = String::new();
    let mut copied = 0;
    for caps in regex.captures_iter(text) {
        let Some(whole) = caps.get(0) else {
            continue;
        };
        if Pseudonymiser::is_token(whole.as_str()) {
            continue;
        }
        if let Some(replacement) = replace(&caps) {
            out.push_str(&text[copied..whole.start()]);
            out.push_str(&replacement);
            copied = whole.end();
        }
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

/// Replaces `value` where it stands as a whole word (no letter, digit or `_`
/// right before or after it).
pub(super) fn replace_words(text: &str, value: &str, token: &str) -> Option<String> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::new();
    let mut copied = 0;
    for (at, _) in text.match_indices(value) {
        if at < copied {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + value.len()..].chars().next();
        if is_word(before) || is_word(after) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(token);
        copied = at + value.len();
    }
    (copied > 0).then(|| {
        out.push_str(&text[copied..]);
        out
    })
}

pub(super) fn is_ip_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'.' || b == b':'
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The length of the address at the start of a run of address characters:
/// the whole run (trailing `.`/`:` of a sentence dropped), or an IPv4
/// address before `:port`.
pub(super) fn ip_prefix(run: &str) -> Option<usize> {
    let run = run.trim_end_matches(['.', ':']);
    if !run.contains(['.', ':']) || !run.bytes().any(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if run.parse::<IpAddr>().is_ok() {
        return Some(run.len());
    }
    let (host, port) = run.rsplit_once(':')?;
    (host.contains('.') && port.bytes().all(|b| b.is_ascii_digit()))
        .then(|| host.parse::<std::net::Ipv4Addr>().ok().map(|_| host.len()))
        .flatten()
}

/// Values that mean "none" in the sources.
pub(super) fn is_placeholder(value: &str) -> bool {
    matches!(
        value,
        "" | "-" | "?" | "None" | "none" | "null" | "(none)" | "unset" | "unknown"
    )
}

/// The rule of a key in application JSON (`attributes`, `details`) and in URL
/// query strings, by its normalised name (snake case: `displayName`,
/// `display-name` -> `display_name`).
pub(super) fn personal_key(key: &str) -> Option<Rule> {
    Some(match key {
        "alias" | "participant" | "participant_alias" | "remote_alias" | "caller" | "callee"
        | "email" | "email_address" | "phone" | "phone_number" | "mobile" | "sip_uri" => {
            Rule::Token(Kind::Alias)
        }
        "display_name" | "displayname" | "full_name" | "fullname" | "first_name" | "last_name"
        | "given_name" | "family_name" | "surname" | "participant_name" => Rule::Token(Kind::Name),
        "user" | "username" | "user_name" | "user_id" | "userid" | "login" => {
            Rule::Token(Kind::User)
        }
        "ip" | "ip_address" | "ipaddress" | "client_ip" | "client_address" | "remote_ip"
        | "remote_address" | "remote_addr" | "source_ip" | "source_ip_address" | "src_ip"
        | "x_forwarded_for" | "forwarded_for" | "real_ip" | "x_real_ip" => Rule::AnyIp,
        "hostname" | "client_hostname" => Rule::Token(Kind::Host),
        _ => return None,
    })
}

/// `displayName`, `Display-Name`, `display name` -> `display_name`.
pub(super) fn normalise_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut after_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if after_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            after_lower = false;
        } else if matches!(c, '-' | ' ' | '.') {
            out.push('_');
            after_lower = false;
        } else {
            out.push(c);
            after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}
