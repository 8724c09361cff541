//! The key and its tokens: where the key comes from, how it is checked, and
//! the keyed HMAC-SHA-256 tokens (`anon-<kind>-<32 hex>`) it gives.

use std::fmt;
use std::net::IpAddr;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::ConfigError;

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
            (Some(_), Some(_)) => Err(ConfigError::Conflict(format!(
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
    pub(super) mac: Hmac<Sha256>,
    key_id: String,
}

impl fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pseudonymiser")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
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
                ConfigError::Invalid(
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
            return Err(ConfigError::Invalid(format!(
                "the pseudonymisation key has {} bytes; use at least {MIN_KEY_BYTES} random bytes (`openssl rand -hex 32`)",
                key.len()
            )));
        }
        let mut seen = [false; 256];
        key.iter().for_each(|b| seen[*b as usize] = true);
        if seen.iter().filter(|s| **s).count() < 8 {
            return Err(ConfigError::Invalid(
                "the pseudonymisation key is not random (it repeats a few byte values); generate one with `openssl rand -hex 32`".into(),
            ));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| ConfigError::Invalid(format!("pseudonymisation key: {e}")))?;
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

    pub(super) fn ip_token(&self, ip: IpAddr) -> String {
        match ip.to_canonical() {
            ip @ IpAddr::V4(_) => self.token("ip4", &ip.to_string()),
            ip @ IpAddr::V6(_) => self.token("ip6", &ip.to_string()),
        }
    }

    pub(super) fn token(&self, tag: &str, value: &str) -> String {
        let digest = self.digest(tag, value);
        let mut token = String::with_capacity(TOKEN_PREFIX.len() + tag.len() + 1 + TOKEN_HEX_LEN);
        token.push_str(TOKEN_PREFIX);
        token.push_str(tag);
        token.push('-');
        token.push_str(&hex(&digest[..TOKEN_HEX_LEN / 2]));
        token
    }

    pub(super) fn digest(&self, tag: &str, value: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(SCHEME);
        mac.update(b"\0");
        mac.update(tag.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

pub(super) fn parse_ip(value: &str) -> Option<IpAddr> {
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

pub(super) fn decode_hex(text: &str) -> Option<Vec<u8>> {
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

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
