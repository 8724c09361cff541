//! Sanitising for SNS: the subject as bounded printable ASCII, the body as
//! clean bounded plain text (see the rules in the module documentation of
//! [`crate::alert`]).

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// Longest subject: AWS requires subjects "less than 100 characters long".
pub const MAX_SUBJECT_LEN: usize = 99;
/// Largest body (SNS allows 256 KB; an on-call email stays short).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Appended to a body that was cut.
pub const TRUNCATED_MARKER: &str = "\n... (truncated)";
/// Subject used when nothing printable is left.
pub(super) const FALLBACK_SUBJECT: &str = "logwrangler alert";

/// Cuts `text` to at most `max` bytes at a character boundary, appending
/// `marker` (counted in `max`) when something was cut.
pub(crate) fn clip<'t>(text: &'t str, max: usize, marker: &str) -> Cow<'t, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let marker = if marker.len() <= max { marker } else { "" };
    let mut end = max - marker.len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{marker}", &text[..end]))
}

/// Invisible format characters that can disguise text: bidi embeddings,
/// overrides and isolates, zero-width characters, the BOM, the soft hyphen.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Skips the rest of an escape sequence after ESC: CSI (`ESC [ ... final`),
/// OSC (`ESC ] ... BEL` or `ESC ] ... ESC \`), or one character.
fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.next() {
        Some('[') => {
            for c in chars.by_ref() {
                if ('\u{40}'..='\u{7e}').contains(&c) {
                    break;
                }
            }
        }
        Some(']') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        _ => {}
    }
}

/// An SNS subject: printable ASCII (0x20..=0x7e) only, whitespace and line
/// breaks collapsed to single spaces, control characters, ANSI escapes and
/// invisible characters dropped, other non-ASCII characters `?`, at most
/// [`MAX_SUBJECT_LEN`] bytes (cut with `...`), never empty.
pub fn sanitize_subject(text: &str) -> String {
    let mut out = String::with_capacity(MAX_SUBJECT_LEN + 2);
    let mut space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > MAX_SUBJECT_LEN {
            break;
        }
        let keep = match c {
            '\u{1b}' => {
                skip_escape(&mut chars);
                continue;
            }
            c if c.is_whitespace() => {
                space = !out.is_empty();
                continue;
            }
            c if c.is_control() || is_invisible(c) => continue,
            ' '..='~' => c,
            _ => '?',
        };
        if space {
            out.push(' ');
            space = false;
        }
        out.push(keep);
    }
    if out.len() > MAX_SUBJECT_LEN {
        out.truncate(MAX_SUBJECT_LEN - 3);
        out.truncate(out.trim_end().len());
        out.push_str("...");
    }
    if out.is_empty() {
        out.push_str(FALLBACK_SUBJECT);
    }
    out
}

/// A plain-text SNS message: `\n` and `\t` kept, `\r\n` and a lone `\r` turned
/// into `\n`, Unicode line/paragraph separators and NEL into spaces, other
/// control characters, ANSI escape sequences and invisible format characters
/// removed; at most `max_bytes` bytes, cut at a character boundary with
/// [`TRUNCATED_MARKER`] (counted in the limit) when longer. Work stops soon
/// after the limit, whatever the input size.
pub fn sanitize_body(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes) + 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() > max_bytes {
            break;
        }
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{85}' | '\u{2028}' | '\u{2029}' => out.push(' '),
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    if out.len() > max_bytes {
        out = clip(&out, max_bytes, TRUNCATED_MARKER).into_owned();
    }
    out
}
