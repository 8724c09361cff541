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
//! What is pseudonymised ([`crate::record::Record::pseudonymise`], one walk per
//! record; each format's `pseudonymise` names its own fields):
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

mod key;
pub mod scrub;

#[allow(unused_imports)]
use key::*;
pub use key::{
    KEY_SECRET_VAR, KEY_VAR, KeySource, Kind, MIN_KEY_BYTES, Pseudonymiser, TOKEN_PREFIX, is_public,
};
#[allow(unused_imports)]
use scrub::*;

impl Pseudonymiser {
    /// Rewrites one free text: IP literals, `user@host` addresses and SIP
    /// display names become tokens. `None` when nothing changed.
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        Scrub::new(self).rewrite(text)
    }

    /// The keyed replacement of an event id the parser derived from the line
    /// content (`lw-<hash>` becomes `lwp-<keyed hash>`), so an id cannot be
    /// used to test a guessed line.
    pub fn derived_event_id(&self, derived: &str) -> String {
        let digest = self.digest("event_id", derived);
        format!("lwp-{}", hex(&digest[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

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
            let err = Pseudonymiser::from_key_text(key).unwrap_err().to_string();
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
        assert!(both.unwrap_err().message().contains("not both"));
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
