//! Small byte-level helpers shared by the format parsers: null markers, typed
//! numbers, `host:port` splitting and the space-separated, quote-aware tokenizer
//! the AWS access-log formats use.

use std::borrow::Cow;

use crate::value::Str;

/// `-`, `"-"` (already unquoted by the tokenizer) and the empty string are null.
#[inline]
pub fn nullable(value: &str) -> Option<&str> {
    match value {
        "" | "-" => None,
        other => Some(other),
    }
}

/// A nullable borrowed string field.
#[inline]
pub fn opt_str(value: &str) -> Option<Str<'_>> {
    nullable(value).map(Cow::Borrowed)
}

/// A nullable integer field: null markers and non-numbers give `None`.
#[inline]
pub fn opt_i64(value: &str) -> Option<i64> {
    nullable(value)?.parse().ok()
}

/// A nullable float field: null markers and non-numbers give `None`.
/// Non-finite values (`nan`, `inf`) are rejected: JSON cannot carry them.
#[inline]
pub fn opt_f64(value: &str) -> Option<f64> {
    nullable(value)?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Splits `ip:port`, `[v6]:port`, or an unbracketed IPv6 `a:b::c:port`
/// (split on the last `:`, as ALB writes it). A bare address (no port, or a
/// bracketed address without port) gives `(address, None)`. `-` gives `(None, None)`.
pub fn split_host_port(value: &str) -> (Option<&str>, Option<i64>) {
    let Some(value) = nullable(value) else {
        return (None, None);
    };
    if let Some(rest) = value.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (
                Some(host),
                tail.strip_prefix(':').and_then(|p| p.parse().ok()),
            ),
            None => (Some(value), None),
        };
    }
    match value.rsplit_once(':') {
        Some((host, port))
            if !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            match port.parse() {
                Ok(port) => (Some(host), Some(port)),
                Err(_) => (Some(value), None),
            }
        }
        _ => (Some(value), None),
    }
}

/// One field of a space-separated access-log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The text, without surrounding quotes (escapes untouched).
    pub text: &'a str,
    /// Whether the field was written in double quotes.
    pub quoted: bool,
}

/// Splits a line into space-separated fields where a field that starts with `"`
/// runs to the next `"` that is followed by a space or the end of the line, so
/// quotes inside a quoted value (S3 request URIs, ALB `\"`) stay in the value.
/// Runs of spaces count as one separator.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    /// Tokenizes `line`.
    pub fn new(line: &'a str) -> Self {
        Tokens { rest: line }
    }

    /// What has not been tokenized yet (leading spaces skipped).
    pub fn remainder(&self) -> &'a str {
        self.rest.trim_start_matches(' ')
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let s = self.rest.trim_start_matches(' ');
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let bytes = s.as_bytes();
        if bytes[0] == b'"' {
            let body = &bytes[1..];
            let mut from = 0;
            while let Some(pos) = memchr::memchr(b'"', &body[from..]) {
                let at = from + pos;
                let closes = at + 1 == body.len() || body[at + 1] == b' ';
                let escaped = at > 0 && body[at - 1] == b'\\' && !(at > 1 && body[at - 2] == b'\\');
                if closes && !escaped {
                    self.rest = &s[at + 2..];
                    return Some(Token {
                        text: &s[1..at + 1],
                        quoted: true,
                    });
                }
                from = at + 1;
            }
            // Unterminated quote: the rest of the line is the value.
            self.rest = "";
            return Some(Token {
                text: &s[1..],
                quoted: true,
            });
        }
        let end = memchr::memchr(b' ', bytes).unwrap_or(bytes.len());
        self.rest = &s[end..];
        Some(Token {
            text: &s[..end],
            quoted: false,
        })
    }
}

/// Replaces `\"` and `\\` escapes in a value; borrows when there is none.
pub fn unescape_quotes(value: &str) -> Str<'_> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('"' | '\\')) => out.push(next),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Decodes `%XX` escapes once (CloudFront writes URL-encoded values); invalid
/// sequences stay as written and invalid UTF-8 is replaced, never an error.
pub fn percent_decode(value: &str) -> Str<'_> {
    if !value.contains('%') {
        return Cow::Borrowed(value);
    }
    match percent_encoding::percent_decode_str(value).decode_utf8_lossy() {
        Cow::Borrowed(_) => Cow::Borrowed(value),
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Splits an HTTP request line `VERB URL PROTO` (the URL may itself contain
/// spaces); anything else gives `(None, Some(whole), None)`.
pub fn split_request(request: &str) -> (Option<&str>, Option<&str>, Option<&str>) {
    let Some(request) = nullable(request) else {
        return (None, None, None);
    };
    let Some((verb, rest)) = request.split_once(' ') else {
        return (None, Some(request), None);
    };
    match rest.rsplit_once(' ') {
        Some((url, proto)) if proto.starts_with("HTTP/") || proto == "-" => {
            (nullable(verb), nullable(url), nullable(proto))
        }
        _ => (nullable(verb), nullable(rest), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<(&str, bool)> {
        Tokens::new(line).map(|t| (t.text, t.quoted)).collect()
    }

    #[test]
    fn tokenizes_quoted_fields_with_inner_quotes_and_spaces() {
        assert_eq!(
            texts(r#"a "b c" "x"y z"  "-" d"#),
            vec![
                ("a", false),
                ("b c", true),
                (r#"x"y z"#, true),
                ("-", true),
                ("d", false)
            ]
        );
        // A quote followed by a space closes the field: formats whose values can
        // hold such quotes (S3 request URIs) find their closing quote themselves.
        assert_eq!(
            texts(r#""GET /" HTTP/1.1""#),
            vec![("GET /", true), (r#"HTTP/1.1""#, false)]
        );
        assert_eq!(
            texts(r#"x "unterminated value"#),
            vec![("x", false), ("unterminated value", true)]
        );
        assert_eq!(
            texts(r#""esc \" quote" y"#),
            vec![(r#"esc \" quote"#, true), ("y", false)]
        );
        assert_eq!(texts("   "), vec![]);
    }

    #[test]
    fn splits_host_and_port_for_v4_and_v6() {
        assert_eq!(
            split_host_port("192.168.131.39:2817"),
            (Some("192.168.131.39"), Some(2817))
        );
        assert_eq!(
            split_host_port("[2001:db8::1]:80"),
            (Some("2001:db8::1"), Some(80))
        );
        assert_eq!(
            split_host_port("2001:db8::1:80"),
            (Some("2001:db8::1"), Some(80))
        );
        assert_eq!(split_host_port("[fe80::1]"), (Some("fe80::1"), None));
        assert_eq!(split_host_port("-"), (None, None));
        assert_eq!(split_host_port("10.0.0.1"), (Some("10.0.0.1"), None));
    }

    #[test]
    fn nulls_numbers_and_requests() {
        assert_eq!(opt_i64("-"), None);
        assert_eq!(opt_i64("42"), Some(42));
        assert_eq!(opt_f64("-1"), Some(-1.0));
        assert_eq!(opt_f64("NaN"), None);
        assert_eq!(
            split_request("GET http://x/a b HTTP/1.1"),
            (Some("GET"), Some("http://x/a b"), Some("HTTP/1.1"))
        );
        assert_eq!(split_request("- - -"), (None, None, None));
        assert_eq!(split_request("-"), (None, None, None));
    }

    #[test]
    fn unescapes_and_decodes() {
        assert_eq!(unescape_quotes(r#"say \"hi\""#), r#"say "hi""#);
        assert!(matches!(unescape_quotes("plain"), Cow::Borrowed(_)));
        assert_eq!(percent_decode("Mozilla/5.0%20(X11)"), "Mozilla/5.0 (X11)");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%FF"), "\u{FFFD}");
    }
}
