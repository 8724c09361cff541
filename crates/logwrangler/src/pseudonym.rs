//! Pseudonymisation of personal data (participant aliases, display names,
//! user names and IP addresses) before records reach the lake, DynamoDB or an
//! alert, so operators can meet their data-protection duties (GDPR art. 25 and
//! 32: data minimisation, pseudonymisation) and still run their queries.
//!
//! Why a keyed hash: the same value always gives the same token under one key,
//! so joins, counts, "calls per alias" and the DynamoDB alias index keep
//! working; without the key nobody can recompute a token from a guessed value
//! (an unkeyed hash of an IPv4 address is reversed by trying all 2^32). Tokens
//! are `anon-<kind>-<32 hex digits>`: HMAC-SHA-256 over a version label, the
//! kind and the value, truncated to 128 bits (no collisions in practice). The
//! kind separates namespaces (an alias and a display name that are the same
//! text give different tokens) and stays readable; IP tokens keep the family
//! (`anon-ip4-...`, `anon-ip6-...`) so queries can still group by it, and are
//! computed over the canonical address (`2001:DB8::1` and `2001:db8:0::1` are
//! one address, one token). HMAC-SHA-256 (RustCrypto `hmac` + `sha2`) rather
//! than keyed BLAKE3: the construction data-protection guidance names, already
//! in the dependency tree through the AWS SDK, and fast enough (a few hashes
//! per record).
//!
//! What is pseudonymised ([`Pseudonymiser::apply`], one walk per record):
//!
//! | log_type | fields | how |
//! |---|---|---|
//! | `pexip_support` | `participant`, `participant_alias`, `presenter` and any other `*_alias` key except `conferencealias`/`local_alias` | alias token |
//! | | `displayname` and any `*display_name` key | name token |
//! | | `user`, `requester` | user token |
//! | | `remote_address`, `remote_candidate_address` | IP token (a non-IP value: host token) |
//! | | `src_address`, `dst_address` | IP token for public addresses only |
//! | | `detail`, `detail_json`, `message`, stray words | free text, see below |
//! | `pexip_audit` | `acct` and the enriched `*UID` names (except `root`), `addr`, `hostname` | user, IP or host token |
//! | `pexip_web` | `client_ip`; `user`, `ident`; query parameters of `request_url`, `referrer` | IP, user token |
//! | `alb`, `elb_classic` | `client_ip`; query parameters of `request_url` (`redirect_url`) | IP token |
//! | `cloudfront`, `amplify_access` | `c_ip`, every address of `x_forwarded_for`; `cs_cookie` (id token); `cs_uri_query`, `cs_referer` parameters | |
//! | `s3_access` | `remote_ip`; query parameters of `request_uri`, `request_url`, `referer` | IP token |
//! | `vpc_flow` | `srcaddr`, `dstaddr`, `pkt_srcaddr`, `pkt_dstaddr` | IP token for public addresses only |
//! | `cloudtrail` | `source_ip_address` when it is an address (service names stay); the same address inside the `json_*` texts | IP token |
//! | `app`, `json` | keys that name a person in `attributes`/`details` (`user`, `username`, `email`, `display_name`, `client_ip`, ...), at any depth; `message` | token by key, free text |
//! | `unparsed` | `raw`, `parse_error` | free text |
//!
//! Kept in clear, deliberately: conference names and aliases (`conference`,
//! `conferencealias`: room addresses, not people, and what every operator query
//! groups by; a personal meeting room named after its owner is the one
//! exception an operator has to weigh), node names and addresses, the Pexip
//! legs of protocol `BACKPLANE` (node to node, no person), private addresses in
//! flow records and signalling (`vpc_flow`, `src_address`/`dst_address`: the
//! estate's own interfaces; a private *client* address is still tokenised),
//! IAM principals and ARNs (`user_identity_*`, S3 `requester`: accounts of
//! staff with access to the AWS account, kept for the security audit trail),
//! user agents, ports, call and conversation ids (random, already pseudonymous).
//!
//! Free text (Pexip `detail`, app `message`, `unparsed` lines): every value
//! tokenised elsewhere in the same record is replaced where it appears as a
//! whole word; then `user@host` addresses (with a `sip:`, `sips:`, `h323:`,
//! `tel:` or `mailto:` scheme when present) become alias tokens, the quoted
//! display name of a SIP `"Name" <sip:...>` a name token, and IPv4/IPv6
//! literals IP tokens (not in Pexip `message` and stray words, where they are
//! node addresses). This errs on the side of privacy (`Chrome 1.2.3.4`-like
//! version numbers with four parts may become tokens) and is best effort:
//! phone numbers or names written in prose are not recognised.
//!
//! The raw line (`raw`, kept when the source configuration sets `keep_raw`)
//! would carry every original value: with pseudonymisation on it is dropped
//! from parsed records, and rewritten like free text on `unparsed` ones.
//! Event ids that the parser derived from the line content (`lw-...`, input
//! without a CloudWatch id) are re-derived with the key (`lwp-...`), so an id
//! cannot be used to test a guessed line. Applying twice changes nothing:
//! tokens are recognised and left alone.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;

use base64::Engine;
use hmac::{Hmac, Mac};
use regex::Regex;
use serde_json::Value;
use sha2::Sha256;

use crate::app_api::AppEvent;
use crate::detect::ConfigError;
use crate::formats::pexip_support::PexipSupport;
use crate::record::{Body, Fields, Record, Str};
use crate::text::percent_decode;

/// Environment variable holding the key itself (hex or base64; local runs and tests).
pub const KEY_VAR: &str = "LOGWRANGLER_PSEUDONYMISE_KEY";

/// Environment variable naming the Secrets Manager secret (name or ARN) whose
/// `SecretString` is the key.
pub const KEY_SECRET_VAR: &str = "LOGWRANGLER_PSEUDONYMISE_KEY_SECRET";

/// Shortest accepted key, in bytes (256 bits, the HMAC-SHA-256 block strength).
pub const MIN_KEY_BYTES: usize = 32;

/// Every token starts with this.
pub const TOKEN_PREFIX: &str = "anon-";

/// Hex digits of a token's hash part (128 bits).
const TOKEN_HEX_LEN: usize = 32;

/// Label mixed into every hash, so tokens of a later scheme never collide with these.
const SCHEME: &[u8] = b"logwrangler-pseudonym-v1";

/// The tags written after [`TOKEN_PREFIX`].
const TAGS: [&str; 7] = ["alias", "name", "user", "host", "id", "ip4", "ip6"];

/// What a value is; decides the token's namespace and tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A participant alias or address (`sip:bob@example.com`, `+4420...`): `anon-alias-`.
    Alias,
    /// A display name: `anon-name-`.
    Name,
    /// A user or account name: `anon-user-`.
    User,
    /// A host name of a person's device: `anon-host-`.
    Host,
    /// Another online identifier (cookies): `anon-id-`.
    Id,
    /// An IP address: `anon-ip4-` or `anon-ip6-` (a value that is not an
    /// address is tokenised as a host).
    Ip,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 6] = [
        Kind::Alias,
        Kind::Name,
        Kind::User,
        Kind::Host,
        Kind::Id,
        Kind::Ip,
    ];

    /// The kind's name (`alias`, `name`, `user`, `host`, `id`, `ip`).
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Alias => "alias",
            Kind::Name => "name",
            Kind::User => "user",
            Kind::Host => "host",
            Kind::Id => "id",
            Kind::Ip => "ip",
        }
    }

    /// The kind of a name as [`Kind::name`] writes it.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the key comes from, as configured in the environment.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The key itself ([`KEY_VAR`]).
    Inline(String),
    /// The name or ARN of a Secrets Manager secret ([`KEY_SECRET_VAR`]).
    Secret(String),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Inline(_) => f.write_str("Inline(<redacted>)"),
            KeySource::Secret(id) => f.debug_tuple("Secret").field(id).finish(),
        }
    }
}

impl KeySource {
    /// Reads [`KEY_VAR`] and [`KEY_SECRET_VAR`] through `var`; `None` when
    /// neither is set (pseudonymisation off). Both set is an error.
    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<KeySource>, ConfigError> {
        let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        match (set(KEY_VAR), set(KEY_SECRET_VAR)) {
            (Some(_), Some(_)) => Err(ConfigError(format!(
                "set {KEY_VAR} or {KEY_SECRET_VAR}, not both"
            ))),
            (Some(key), None) => Ok(Some(KeySource::Inline(key))),
            (None, Some(name)) => Ok(Some(KeySource::Secret(name.trim().to_owned()))),
            (None, None) => Ok(None),
        }
    }
}

/// Turns personal values into stable, keyed tokens. Cheap to share
/// (`Arc<Pseudonymiser>`); never prints its key.
#[derive(Clone)]
pub struct Pseudonymiser {
    /// HMAC state already keyed: each token clones it instead of re-deriving
    /// the key schedule.
    mac: Hmac<Sha256>,
    key_id: String,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonymiser")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// How a personal field is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// A token of this kind.
    Token(Kind),
    /// An address, whatever its range; a value that is not one becomes a host token.
    AnyIp,
    /// An address, only when it is public; other values stay.
    PublicIp,
    /// An address when it is one (CloudTrail writes service names there too).
    IpOnly,
}

impl Pseudonymiser {
    /// A pseudonymiser from the key as configured: hex (64 digits for 32
    /// bytes) or base64 (standard or URL-safe, padded or not), at least
    /// [`MIN_KEY_BYTES`] bytes once decoded, and random-looking.
    pub fn from_key_text(text: &str) -> Result<Pseudonymiser, ConfigError> {
        let text = text.trim();
        let bytes = decode_hex(text)
            .or_else(|| {
                use base64::engine::general_purpose::{
                    STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
                };
                [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                    .iter()
                    .find_map(|engine| engine.decode(text).ok())
            })
            .ok_or_else(|| {
                ConfigError(
                    "the pseudonymisation key is neither hex nor base64: generate one with `openssl rand -hex 32`".into(),
                )
            })?;
        Pseudonymiser::from_key_bytes(&bytes)
    }

    /// A pseudonymiser from raw key bytes. Refuses keys shorter than
    /// [`MIN_KEY_BYTES`] and keys made of a handful of repeated byte values
    /// (`000...`, a short pattern repeated): both are guessable.
    pub fn from_key_bytes(key: &[u8]) -> Result<Pseudonymiser, ConfigError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(ConfigError(format!(
                "the pseudonymisation key has {} bytes; use at least {MIN_KEY_BYTES} random bytes (`openssl rand -hex 32`)",
                key.len()
            )));
        }
        let mut seen = [false; 256];
        key.iter().for_each(|b| seen[*b as usize] = true);
        if seen.iter().filter(|s| **s).count() < 8 {
            return Err(ConfigError(
                "the pseudonymisation key is not random (it repeats a few byte values); generate one with `openssl rand -hex 32`".into(),
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| ConfigError(format!("pseudonymisation key: {e}")))?;
        let mut id = mac.clone();
        id.update(SCHEME);
        id.update(b"\0key-id");
        let key_id = hex(&id.finalize().into_bytes()[..4]);
        Ok(Pseudonymiser { mac, key_id })
    }

    /// A short fingerprint of the key (8 hex digits), safe to log: two
    /// deployments whose tokens must join show the same id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The token of `value` as `kind`: `anon-<tag>-<32 hex>`. The same
    /// (key, kind, value) always gives the same token.
    pub fn pseudonymise(&self, kind: Kind, value: &str) -> String {
        match kind {
            Kind::Ip => match parse_ip(value) {
                Some(ip) => self.ip_token(ip),
                None => self.token("host", value),
            },
            other => self.token(other.name(), value),
        }
    }

    /// The token of an IP address, `None` when `value` is not one
    /// (`[2001:db8::1]` brackets are accepted).
    pub fn pseudonymise_ip(&self, value: &str) -> Option<String> {
        parse_ip(value).map(|ip| self.ip_token(ip))
    }

    /// True when `value` is a token this module writes (whatever the key).
    pub fn is_token(value: &str) -> bool {
        let Some(rest) = value.strip_prefix(TOKEN_PREFIX) else {
            return false;
        };
        let Some((tag, digits)) = rest.split_once('-') else {
            return false;
        };
        TAGS.contains(&tag)
            && digits.len() == TOKEN_HEX_LEN
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    fn ip_token(&self, ip: IpAddr) -> String {
        match ip.to_canonical() {
            ip @ IpAddr::V4(_) => self.token("ip4", &ip.to_string()),
            ip @ IpAddr::V6(_) => self.token("ip6", &ip.to_string()),
        }
    }

    fn token(&self, tag: &str, value: &str) -> String {
        let digest = self.digest(tag, value);
        let mut token = String::with_capacity(TOKEN_PREFIX.len() + tag.len() + 1 + TOKEN_HEX_LEN);
        token.push_str(TOKEN_PREFIX);
        token.push_str(tag);
        token.push('-');
        token.push_str(&hex(&digest[..TOKEN_HEX_LEN / 2]));
        token
    }

    fn digest(&self, tag: &str, value: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(SCHEME);
        mac.update(b"\0");
        mac.update(tag.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Rewrites one free text: IP literals, `user@host` addresses and SIP
    /// display names become tokens. `None` when nothing changed.
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        Scrub::new(self).rewrite(text)
    }

    /// Pseudonymises one record in place (see the module documentation for
    /// the fields). Idempotent.
    pub fn apply(&self, record: &mut Record<'_>) {
        let mut s = Scrub::new(self);
        let env = &mut record.envelope;
        if let Some(derived) = env.event_id.strip_prefix("lw-") {
            let digest = self.digest("event_id", derived);
            env.event_id = Cow::Owned(format!("lwp-{}", hex(&digest[..16])));
        }
        match &mut record.body {
            Body::PexipSupport(p) => s.pexip_support(p),
            Body::PexipAudit(a) => {
                // `hostname=` names the node itself for local operations: infrastructure.
                let node = a.node.as_ref();
                let audit_node = a.audit_node.as_deref().unwrap_or(node);
                let short_node = audit_node.split('.').next().unwrap_or(audit_node);
                for map in [&mut a.fields, &mut a.submsg, &mut a.enriched] {
                    for (key, value) in map.0.iter_mut() {
                        let local = key == "hostname"
                            && [node, audit_node, short_node].contains(&value.as_ref());
                        if !local
                            && let Some(token) = audit_rule(key).and_then(|r| s.token(value, r))
                        {
                            *value = Cow::Owned(token);
                        }
                    }
                }
                s.text(&mut a.text);
            }
            Body::PexipWeb(w) => {
                s.set(&mut w.client_ip, Rule::AnyIp);
                s.set(&mut w.user, Rule::Token(Kind::User));
                s.set(&mut w.ident, Rule::Token(Kind::User));
                s.url(&mut w.request_url);
                s.url(&mut w.referrer);
            }
            Body::Alb(a) => {
                s.set(&mut a.client_ip, Rule::AnyIp);
                s.url(&mut a.request_url);
                s.url(&mut a.redirect_url);
            }
            Body::ElbClassic(e) => {
                s.set(&mut e.client_ip, Rule::AnyIp);
                s.url(&mut e.request_url);
            }
            Body::CloudFront(c) => {
                s.set(&mut c.c_ip, Rule::AnyIp);
                s.list(&mut c.x_forwarded_for, Rule::AnyIp);
                s.set(&mut c.cs_cookie, Rule::Token(Kind::Id));
                s.query(&mut c.cs_uri_query);
                s.url(&mut c.cs_referer);
            }
            Body::S3Access(a) => {
                s.set(&mut a.remote_ip, Rule::AnyIp);
                s.url(&mut a.request_uri);
                s.url(&mut a.request_url);
                s.url(&mut a.referer);
            }
            Body::VpcFlow(v) => {
                for slot in [
                    &mut v.srcaddr,
                    &mut v.dstaddr,
                    &mut v.pkt_srcaddr,
                    &mut v.pkt_dstaddr,
                ] {
                    s.set(slot, Rule::PublicIp);
                }
            }
            Body::CloudTrail(c) => {
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
            Body::LambdaPlatform(_) => {}
            Body::App(a) => {
                let mut attributes = s.json_personal(&a.attributes);
                let mut details = s.json_personal(&a.details);
                s.text(&mut a.message);
                s.json_finish(&mut a.attributes, &mut attributes);
                s.json_finish(&mut a.details, &mut details);
            }
            Body::Json(j) => {
                let mut attributes = s.json_personal(&j.attributes);
                s.json_finish(&mut j.attributes, &mut attributes);
            }
            Body::Unparsed(u) => {
                if let Some(text) = s.rewrite(&u.parse_error) {
                    u.parse_error = Cow::Owned(text);
                }
            }
        }
        let raw = &mut record.envelope.raw;
        match record.body {
            Body::Unparsed(_) => s.text(raw),
            _ => *raw = None,
        }
    }

    /// Pseudonymises an app log API event before it is stored, alerted or
    /// forwarded: personal keys of `attributes` and `details` (at any depth),
    /// then the message and the other values as free text. Idempotent.
    pub fn apply_app_event(&self, event: &mut AppEvent) {
        let mut s = Scrub::new(self);
        for (key, value) in event.attributes.iter_mut() {
            s.json_value(Some(key), value, None);
        }
        if let Some(details) = &mut event.details {
            s.json_value(None, details, None);
        }
        if let Some(message) = s.rewrite(&event.message) {
            event.message = message;
        }
        for value in event.attributes.values_mut() {
            s.json_leaves(value);
        }
        if let Some(details) = &mut event.details {
            s.json_leaves(details);
        }
    }
}

/// The per-record state: the values tokenised so far (replaced again where
/// they recur in the record's free text).
struct Scrub<'p> {
    p: &'p Pseudonymiser,
    known: Vec<(String, String)>,
}

impl<'p> Scrub<'p> {
    fn new(p: &'p Pseudonymiser) -> Self {
        Scrub {
            p,
            known: Vec::new(),
        }
    }

    /// The token for `value` under `rule`, remembered for free text; `None`
    /// when the value stays (empty or placeholder, already a token, or out of
    /// the rule's scope).
    fn token(&mut self, value: &str, rule: Rule) -> Option<String> {
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

    fn set(&mut self, slot: &mut Option<Str<'_>>, rule: Rule) {
        if let Some(token) = slot.as_deref().and_then(|v| self.token(v, rule)) {
            *slot = Some(Cow::Owned(token));
        }
    }

    /// A comma-separated list of values (`x-forwarded-for`).
    fn list(&mut self, slot: &mut Option<Str<'_>>, rule: Rule) {
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
    fn fields(&mut self, map: &mut Fields<'_>, rule_of: fn(&str) -> Option<Rule>) {
        for (key, value) in map.0.iter_mut() {
            if let Some(token) = rule_of(key).and_then(|rule| self.token(value, rule)) {
                *value = Cow::Owned(token);
            }
        }
    }

    fn pexip_support(&mut self, p: &mut PexipSupport<'_>) {
        let backplane = p
            .keys
            .protocol
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("BACKPLANE"));
        if !backplane {
            let k = &mut p.keys;
            for (key, slot) in [
                ("participant", &mut k.participant),
                ("participant_alias", &mut k.participant_alias),
                ("presenter", &mut k.presenter),
                ("displayname", &mut k.displayname),
                ("user", &mut k.user),
                ("requester", &mut k.requester),
                ("remote_address", &mut k.remote_address),
                ("src_address", &mut k.src_address),
                ("dst_address", &mut k.dst_address),
            ] {
                if let Some(rule) = pexip_rule(key) {
                    self.set(slot, rule);
                }
            }
            self.fields(&mut p.fields, pexip_rule);
        }
        // The personal keys of a JSON or Python-repr Detail (a REST request's
        // `display_name`) first: the same values recur in the Detail text.
        let mut detail_json = p.detail_json.take().map(Cow::Owned);
        let mut parsed = self.json_personal(&detail_json);
        for (key, value) in p.fields.0.iter_mut() {
            if key == "detail"
                && let Some(text) = self.rewrite(value)
            {
                *value = Cow::Owned(text);
            }
        }
        self.text(&mut p.detail);
        self.text(&mut p.message);
        for word in p.extra_fields.iter_mut() {
            if let Some(text) = self.rewrite(word) {
                *word = Cow::Owned(text);
            }
        }
        self.json_finish(&mut detail_json, &mut parsed);
        p.detail_json = detail_json.map(Cow::into_owned);
    }

    fn text(&self, slot: &mut Option<Str<'_>>) {
        if let Some(text) = slot.as_deref().and_then(|t| self.rewrite(t)) {
            *slot = Some(Cow::Owned(text));
        }
    }

    /// Only the record's own tokenised values, no patterns.
    fn known_only(&self, slot: &mut Option<Str<'_>>) {
        if let Some(text) = slot.as_deref().and_then(|t| self.replace_known(t)) {
            *slot = Some(Cow::Owned(text));
        }
    }

    /// The free-text rewrite: the record's own tokenised values, addresses,
    /// SIP and H.323 display names, public IP literals; `None` when nothing changed.
    fn rewrite(&self, text: &str) -> Option<String> {
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
    fn replace_known(&self, text: &str) -> Option<String> {
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
    fn replace_public_ips(&self, text: &str) -> Option<String> {
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
    fn url(&mut self, slot: &mut Option<Str<'_>>) {
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
    fn query(&mut self, slot: &mut Option<Str<'_>>) {
        if let Some(query) = slot.as_deref().and_then(|q| self.rewrite_query(q)) {
            *slot = Some(Cow::Owned(query));
        }
    }

    fn rewrite_query(&mut self, query: &str) -> Option<String> {
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
    fn json_personal(&mut self, slot: &Option<Str<'_>>) -> Option<(Value, bool)> {
        let text = slot.as_deref()?.trim_start();
        if !text.starts_with(['{', '[']) {
            return None;
        }
        let mut value = serde_json::from_str::<Value>(text).ok()?;
        let changed = self.json_value(None, &mut value, None);
        Some((value, changed))
    }

    fn json_finish(&self, slot: &mut Option<Str<'_>>, parsed: &mut Option<(Value, bool)>) {
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
    fn json_value(
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
    fn json_leaves(&self, value: &mut Value) -> bool {
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
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b(?:sips?|h323|tel|mailto):)?[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*",
    )
    .expect("static regex")
});

/// A quoted display name: a SIP name-addr (`"Bob Smith" <sip:...>`) or an
/// H.323 id (`h323-ID "Board Room 1"`). Groups: prefix, name, suffix.
static DISPLAY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(h323-ID:?\s*)?"([^"\\\s,][^"\\\r\n]{0,127})"(\s*<)?"#).expect("static regex")
});

/// Runs `regex` over `text`, replacing each match the closure answers;
/// `None` when nothing was replaced.
fn replace_regex(
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
fn replace_words(text: &str, value: &str, token: &str) -> Option<String> {
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

fn is_ip_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b'.' || b == b':'
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The length of the address at the start of a run of address characters:
/// the whole run (trailing `.`/`:` of a sentence dropped), or an IPv4
/// address before `:port`.
fn ip_prefix(run: &str) -> Option<usize> {
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

fn parse_ip(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    let value = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value);
    value.parse().ok()
}

/// Whether an address is globally routable, i.e. can belong to a person
/// outside the estate: not private (RFC 1918, IPv6 unique local), shared
/// (RFC 6598), loopback, link-local, unspecified, broadcast or multicast.
/// Documentation ranges (192.0.2.0/24, 2001:db8::/32, ...) count as public:
/// they stand in for public addresses in examples.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            let shared = a == 100 && (64..128).contains(&b);
            !(v4.is_private()
                || shared
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            let unique_local = (first & 0xfe00) == 0xfc00;
            let link_local = (first & 0xffc0) == 0xfe80;
            !(unique_local
                || link_local
                || v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast())
        }
    }
}

/// Values that mean "none" in the sources.
fn is_placeholder(value: &str) -> bool {
    matches!(
        value,
        "" | "-" | "?" | "None" | "none" | "null" | "(none)" | "unset" | "unknown"
    )
}

/// Rules of Pexip keys (normalised: lower case, `-` -> `_`).
fn pexip_rule(key: &str) -> Option<Rule> {
    Some(match key {
        "participant" | "participant_alias" | "presenter" | "last_presenter" => {
            Rule::Token(Kind::Alias)
        }
        "displayname" | "display_name" => Rule::Token(Kind::Name),
        "user" | "username" | "user_name" | "requester" => Rule::Token(Kind::User),
        "remote_address" | "remote_candidate_address" | "remote_ip" | "client_ip" => Rule::AnyIp,
        "src_address" | "dst_address" | "source_address" | "destination_address" => Rule::PublicIp,
        // Room addresses, not people (see the module documentation).
        "conferencealias" | "conference_alias" | "local_alias" => return None,
        k if k.ends_with("_alias") => Rule::Token(Kind::Alias),
        k if k.ends_with("display_name") || k.ends_with("displayname") => Rule::Token(Kind::Name),
        _ => return None,
    })
}

/// Rules of auditd keys (`acct`, `addr`, `hostname`; the enriched names of
/// user ids such as `AUID="alice"`).
fn audit_rule(key: &str) -> Option<Rule> {
    Some(match key {
        "acct" | "AUID" | "UID" | "EUID" | "SUID" | "FSUID" | "OUID" | "ACCT" | "ID" => {
            Rule::Token(Kind::User)
        }
        "addr" | "hostname" | "rhost" => Rule::AnyIp,
        _ => return None,
    })
}

/// The rule of a key in application JSON (`attributes`, `details`) and in URL
/// query strings, by its normalised name (snake case: `displayName`,
/// `display-name` -> `display_name`).
fn personal_key(key: &str) -> Option<Rule> {
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
fn normalise_key(key: &str) -> String {
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

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.is_empty()
        || !text.len().is_multiple_of(2)
        || !text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
    /// The same 32 bytes as [`KEY_HEX`], base64.
    const KEY_BASE64: &str = "2V0kFsImfJuEbWnX9xkspQ8LzLzmZs39ENXqnnM5Vkw=";
    const OTHER_KEY_HEX: &str = "fa663ae55d8dd1dd00132106d82cde888bbfab1482d7ebb2ac79bf5016288b69";

    fn pseudonymiser() -> Pseudonymiser {
        Pseudonymiser::from_key_text(KEY_HEX).unwrap()
    }

    fn token_shape(tag: &str) -> Regex {
        Regex::new(&format!("^anon-{tag}-[0-9a-f]{{32}}$")).unwrap()
    }

    #[test]
    fn tokens_are_stable_keyed_and_namespaced() {
        let p = pseudonymiser();
        let alias = p.pseudonymise(Kind::Alias, "sip:bob@example.com");
        assert!(token_shape("alias").is_match(&alias), "{alias}");
        assert_eq!(alias, p.pseudonymise(Kind::Alias, "sip:bob@example.com"));
        assert_eq!(
            alias,
            Pseudonymiser::from_key_text(KEY_HEX)
                .unwrap()
                .pseudonymise(Kind::Alias, "sip:bob@example.com"),
            "a new instance with the same key gives the same token"
        );
        assert_ne!(alias, p.pseudonymise(Kind::Alias, "sip:bob@example.org"));
        assert_ne!(
            alias,
            Pseudonymiser::from_key_text(OTHER_KEY_HEX)
                .unwrap()
                .pseudonymise(Kind::Alias, "sip:bob@example.com"),
            "another key gives another token"
        );
        // Kinds are separate namespaces, and each kind has its tag.
        let name = p.pseudonymise(Kind::Name, "sip:bob@example.com");
        assert!(token_shape("name").is_match(&name), "{name}");
        assert_ne!(alias[11..], name[10..]);
        for (kind, tag) in [(Kind::User, "user"), (Kind::Host, "host"), (Kind::Id, "id")] {
            assert!(token_shape(tag).is_match(&p.pseudonymise(kind, "x")));
        }
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
            assert!(Pseudonymiser::is_token(&p.pseudonymise(kind, "value")));
        }
        assert!(!Pseudonymiser::is_token("anon-alias-123"));
        assert!(!Pseudonymiser::is_token(
            "anon-pet-0123456789abcdef0123456789abcdef"
        ));
        assert!(!Pseudonymiser::is_token(
            "sip:anon-alias-0123456789abcdef0123456789abcdef"
        ));
        assert!(Pseudonymiser::is_token(
            "anon-ip6-0123456789abcdef0123456789abcdef"
        ));
    }

    #[test]
    fn ip_tokens_keep_the_family_and_canonicalise() {
        let p = pseudonymiser();
        let v4 = p.pseudonymise(Kind::Ip, "203.0.113.7");
        assert!(token_shape("ip4").is_match(&v4), "{v4}");
        assert_eq!(
            p.pseudonymise_ip("::ffff:203.0.113.7").as_deref(),
            Some(v4.as_str())
        );
        let v6 = p.pseudonymise(Kind::Ip, "2001:db8::1");
        assert!(token_shape("ip6").is_match(&v6), "{v6}");
        for same in [
            "2001:DB8::1",
            "2001:0db8:0:0::1",
            "[2001:db8::1]",
            " 2001:db8::1 ",
        ] {
            assert_eq!(p.pseudonymise(Kind::Ip, same), v6, "{same}");
        }
        // Not an address: a host token from Kind::Ip, nothing from pseudonymise_ip.
        assert!(token_shape("host").is_match(&p.pseudonymise(Kind::Ip, "bobs-laptop")));
        assert_eq!(p.pseudonymise_ip("ec2.amazonaws.com"), None);
    }

    #[test]
    fn keys_are_read_as_hex_or_base64_and_weak_keys_refused() {
        let hex_key = Pseudonymiser::from_key_text(KEY_HEX).unwrap();
        let b64_key = Pseudonymiser::from_key_text(KEY_BASE64).unwrap();
        assert_eq!(hex_key.key_id(), b64_key.key_id());
        assert!(
            Regex::new("^[0-9a-f]{8}$")
                .unwrap()
                .is_match(hex_key.key_id())
        );
        assert_ne!(
            hex_key.key_id(),
            Pseudonymiser::from_key_text(OTHER_KEY_HEX)
                .unwrap()
                .key_id()
        );
        let url_safe = KEY_BASE64.replace('+', "-").replace('/', "_");
        let unpadded = url_safe.trim_end_matches('=');
        assert_eq!(
            Pseudonymiser::from_key_text(unpadded).unwrap().key_id(),
            hex_key.key_id()
        );
        assert_eq!(
            Pseudonymiser::from_key_text(&format!("  {KEY_HEX}\n"))
                .unwrap()
                .key_id(),
            hex_key.key_id()
        );
        let short = &KEY_HEX[..62];
        for (key, want) in [
            (short, "has 31 bytes; use at least 32 random bytes"),
            ("0123456789abcdef", "has 8 bytes"),
            ("c2VjcmV0", "has 6 bytes"),
            (&"00".repeat(32), "is not random"),
            (&"deadbeef".repeat(8), "is not random"),
            ("correct horse battery staple", "neither hex nor base64"),
            ("", "has 0 bytes"),
        ] {
            let err = Pseudonymiser::from_key_text(key).unwrap_err().0;
            assert!(err.contains(want), "{key:?}: {err}");
            assert!(err.contains("openssl rand -hex 32"), "{err}");
            assert!(
                key.len() < 8 || !err.contains(key),
                "the key is not echoed: {err}"
            );
        }
    }

    #[test]
    fn the_key_source_is_one_variable_and_never_printed() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(KeySource::from_vars(vars(&[])).unwrap(), None);
        assert_eq!(
            KeySource::from_vars(vars(&[(KEY_VAR, "  ")])).unwrap(),
            None
        );
        assert_eq!(
            KeySource::from_vars(vars(&[(KEY_SECRET_VAR, "/lw/key")])).unwrap(),
            Some(KeySource::Secret("/lw/key".into()))
        );
        let inline = KeySource::from_vars(vars(&[(KEY_VAR, KEY_HEX)]))
            .unwrap()
            .unwrap();
        assert_eq!(inline, KeySource::Inline(KEY_HEX.into()));
        assert!(!format!("{inline:?}").contains(KEY_HEX));
        let both = KeySource::from_vars(vars(&[(KEY_VAR, KEY_HEX), (KEY_SECRET_VAR, "/k")]));
        assert!(both.unwrap_err().0.contains("not both"));
        let shown = format!("{:?}", pseudonymiser());
        assert!(shown.contains(pseudonymiser().key_id()), "{shown}");
        assert!(!shown.contains(&KEY_HEX[..16]), "{shown}");
    }

    #[test]
    fn free_text_addresses_names_and_public_ips_become_tokens() {
        let p = pseudonymiser();
        let sip = "INVITE sip:bob@example.com SIP/2.0\nVia: SIP/2.0/TLS 10.1.1.127:33000\nFrom: \"Alice Jones\" <sips:alice.jones@vc.example.com>;tag=1\nContact: <sip:bob@203.0.113.5:5061>\nUser-Agent: Chrome/131.0.0.0 at 10:15:42\nc=IN IP4 198.51.100.23\na=candidate:1 1 udp 2130706431 2001:db8:85a3::8a2e:370:7334 61234 typ host\nsourceAddress: h323-ID \"Board Room 1\"";
        let out = p.scrub_text(sip).unwrap();
        for gone in [
            "bob@example.com",
            "Alice Jones",
            "alice.jones",
            "203.0.113.5",
            "198.51.100.23",
            "2001:db8:85a3",
            "Board Room 1",
        ] {
            assert!(!out.contains(gone), "{gone} left in:\n{out}");
        }
        for kept in [
            "Via: SIP/2.0/TLS 10.1.1.127:33000",
            "Chrome/131.0.0.0 at 10:15:42",
            "SIP/2.0",
            " 61234 typ host",
        ] {
            assert!(out.contains(kept), "{kept} lost in:\n{out}");
        }
        assert!(out.contains(&format!(
            "INVITE {} SIP/2.0",
            p.pseudonymise(Kind::Alias, "sip:bob@example.com")
        )));
        assert!(out.contains(&format!(
            "From: \"{}\" <",
            p.pseudonymise(Kind::Name, "Alice Jones")
        )));
        assert!(out.contains(&format!(
            "c=IN IP4 {}",
            p.pseudonymise(Kind::Ip, "198.51.100.23")
        )));
        assert_eq!(p.scrub_text(&out), None, "a second pass changes nothing");
        for plain in [
            "Participant has disconnected.",
            "Media capacity exhausted on Conferencing Node px-conf02 (10.1.1.128)",
            "{\"a\": \"b\", \"<c>\": \"d\"}",
            "released 2026-03-02T10:15:42.118+00:00, build 36.1.2, mac aa:bb:cc:dd:ee:ff",
        ] {
            assert_eq!(p.scrub_text(plain), None, "{plain}");
        }
    }

    #[test]
    fn public_addresses_are_those_routed_on_the_internet() {
        for (ip, public) in [
            ("203.0.113.5", true),
            ("185.217.119.28", true),
            ("2001:db8::1", true),
            ("::ffff:198.51.100.1", true),
            ("10.1.1.127", false),
            ("172.31.16.139", false),
            ("192.168.1.23", false),
            ("100.64.0.1", false),
            ("127.0.0.1", false),
            ("169.254.169.254", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("224.0.0.251", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::1", false),
            ("::ffff:10.0.0.1", false),
        ] {
            assert_eq!(is_public(ip.parse().unwrap()), public, "{ip}");
        }
    }

    #[test]
    fn app_events_lose_personal_keys_and_keep_the_rest() {
        let p = pseudonymiser();
        let body = br#"{"log_level": "error", "message": "login failed for alice from 203.0.113.9", "source_application": "portal",
            "details": {"user": {"id": 42, "name": "Alice Liddell", "email": "alice@example.com"}, "attempts": 3},
            "clientIP": "203.0.113.9", "userName": "alice", "X-Forwarded-For": "203.0.113.9, 10.0.0.1", "region": "eu-west-1"}"#;
        let mut events =
            crate::app_api::parse_body(body, "req-1", 1_764_000_000_000, &Default::default())
                .unwrap();
        let event = &mut events[0];
        let id = event.event_id.clone();
        p.apply_app_event(event);
        let text = event.to_line();
        for gone in ["Alice Liddell", "alice", "203.0.113.9", "\"id\":42"] {
            assert!(!text.contains(gone), "{gone} left in {text}");
        }
        assert!(text.contains("\"region\":\"eu-west-1\""), "{text}");
        assert!(text.contains("\"attempts\":3"), "{text}");
        // A client's forwarding chain: every address is tokenised, separators kept.
        assert!(text.contains(&format!(
            "\"X-Forwarded-For\":\"{}, {}\"",
            p.pseudonymise(Kind::Ip, "203.0.113.9"),
            p.pseudonymise(Kind::Ip, "10.0.0.1")
        )));
        assert_eq!(
            event.attributes["userName"],
            Value::String(p.pseudonymise(Kind::User, "alice"))
        );
        // The message's "alice" is the same user token (a known value of the event).
        assert_eq!(
            event.message,
            format!(
                "login failed for {} from {}",
                p.pseudonymise(Kind::User, "alice"),
                p.pseudonymise(Kind::Ip, "203.0.113.9")
            )
        );
        assert_eq!(
            event.event_id, id,
            "API event ids are not derived from content"
        );
        let once = event.clone();
        p.apply_app_event(event);
        assert_eq!(event.to_line(), once.to_line(), "idempotent");
    }

    #[test]
    fn keys_normalise_to_snake_case() {
        for (key, want) in [
            ("displayName", "display_name"),
            ("Display-Name", "display_name"),
            ("clientIP", "client_ip"),
            ("X-Forwarded-For", "x_forwarded_for"),
            ("user name", "user_name"),
            ("ipAddress", "ip_address"),
        ] {
            assert_eq!(normalise_key(key), want, "{key}");
        }
    }
}
