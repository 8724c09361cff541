//! A small converter from JSON or Python `repr()` text (dicts, lists, tuples,
//! `u'..'`/`b'..'`/`'..'`/`".."` strings, numbers, `True`/`False`/`None`) to
//! compact JSON. Anything else (`datetime(...)`, sets, `...`) gives `None`.

use std::fmt::Write;

/// Nesting limit: deeper input is refused rather than risking the stack.
const MAX_DEPTH: usize = 64;

/// Converts `text` to compact JSON, keeping the order of dict keys.
pub fn to_json(text: &str) -> Option<String> {
    let mut p = Repr {
        s: text,
        pos: 0,
        out: String::with_capacity(text.len() + 16),
    };
    p.value(0)?;
    p.skip_ws();
    (p.pos == text.len()).then_some(p.out)
}

struct Repr<'s> {
    s: &'s str,
    pos: usize,
    out: String,
}

impl Repr<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(b']', depth),
            b'(' => self.array(b')', depth),
            b'"' | b'\'' => self.string(false),
            b'-' | b'+' | b'.' | b'0'..=b'9' => self.number(),
            _ => self.word(),
        }
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.pos += 1;
        self.out.push('{');
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.out.push('}');
            return Some(());
        }
        loop {
            self.key(depth)?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return None;
            }
            self.pos += 1;
            self.out.push(':');
            self.value(depth + 1)?;
            if self.separator(b'}')? {
                return Some(());
            }
        }
    }

    fn array(&mut self, close: u8, depth: usize) -> Option<()> {
        self.pos += 1;
        self.out.push('[');
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            self.out.push(']');
            return Some(());
        }
        loop {
            self.value(depth + 1)?;
            if self.separator(close)? {
                return Some(());
            }
        }
    }

    /// After an item: `,` (true when the container then closes, as in a
    /// tuple's `(1,)`) or the closing bracket (true). `None` on anything else.
    fn separator(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        match self.peek()? {
            b',' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(close) {
                    self.pos += 1;
                    self.out.push(if close == b'}' { '}' } else { ']' });
                    return Some(true);
                }
                self.out.push(',');
                Some(false)
            }
            b if b == close => {
                self.pos += 1;
                self.out.push(if close == b'}' { '}' } else { ']' });
                Some(true)
            }
            _ => None,
        }
    }

    /// A dict key: strings as they are, other scalars (Python allows ints,
    /// bools, None) as their JSON text in quotes; containers are refused.
    fn key(&mut self, depth: usize) -> Option<()> {
        let start = self.out.len();
        self.value(depth + 1)?;
        match self.out.as_bytes().get(start) {
            Some(b'"') => Some(()),
            Some(b'{' | b'[') | None => None,
            Some(_) => {
                let scalar = self.out.split_off(start);
                self.out.push('"');
                self.out.push_str(&scalar);
                self.out.push('"');
                Some(())
            }
        }
    }

    /// `True`/`False`/`None` (and JSON's spelling), or a string prefix
    /// (`u'..'`, `b'..'`, `r'..'`, `br'..'`, ...).
    fn word(&mut self) -> Option<()> {
        let rest = &self.s[self.pos..];
        let len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let word = &rest[..len];
        let quoted = matches!(rest.as_bytes().get(len), Some(b'"' | b'\''));
        if quoted && len <= 2 && word.bytes().all(|b| matches!(b | 0x20, b'u' | b'b' | b'r')) {
            self.pos += len;
            return self.string(word.bytes().any(|b| b | 0x20 == b'r'));
        }
        let json = match word {
            "True" | "true" => "true",
            "False" | "false" => "false",
            "None" | "null" => "null",
            _ => return None,
        };
        self.pos += len;
        self.out.push_str(json);
        Some(())
    }

    fn number(&mut self) -> Option<()> {
        let rest = &self.s[self.pos..];
        let b = rest.as_bytes();
        let mut end = usize::from(matches!(b.first(), Some(b'-' | b'+')));
        while let Some(&c) = b.get(end) {
            let exponent_sign =
                matches!(c, b'+' | b'-') && matches!(b.get(end - 1), Some(b'e' | b'E'));
            if !(c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E') || exponent_sign) {
                break;
            }
            end += 1;
        }
        let text = rest[..end].strip_prefix('+').unwrap_or(&rest[..end]);
        self.pos += end;
        // Python 2 longs: `10L`.
        if matches!(self.peek(), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        if let Ok(int) = text.parse::<i128>() {
            let _ = write!(self.out, "{int}");
        } else {
            let float = text.parse::<f64>().ok()?;
            self.out
                .push_str(&serde_json::Number::from_f64(float)?.to_string());
        }
        Some(())
    }

    /// A quoted string starting at the quote; Python and JSON escapes decoded.
    fn string(&mut self, raw: bool) -> Option<()> {
        let quote = char::from(self.peek()?);
        self.pos += 1;
        self.out.push('"');
        let rest = &self.s[self.pos..];
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == quote {
                self.pos += i + 1;
                self.out.push('"');
                return Some(());
            }
            if c != '\\' {
                push_json_char(&mut self.out, c);
                continue;
            }
            let (_, e) = chars.next()?;
            if raw {
                push_json_char(&mut self.out, '\\');
                push_json_char(&mut self.out, e);
                continue;
            }
            let decoded = match e {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'v' => '\u{b}',
                'a' => '\u{7}',
                '0' => '\0',
                '\\' | '\'' | '"' | '/' => e,
                '\n' => continue,
                'x' => hex_char(&mut chars, 2)?,
                'U' => hex_char(&mut chars, 8)?,
                'u' => {
                    let unit = hex_value(&mut chars, 4)?;
                    match unit {
                        0xD800..=0xDBFF => low_surrogate(&mut chars)
                            .and_then(|low| {
                                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                            })
                            .unwrap_or('\u{FFFD}'),
                        _ => char::from_u32(unit).unwrap_or('\u{FFFD}'),
                    }
                }
                other => {
                    // Python keeps unknown escapes as written.
                    push_json_char(&mut self.out, '\\');
                    other
                }
            };
            push_json_char(&mut self.out, decoded);
        }
        None
    }
}

fn hex_value(chars: &mut std::str::CharIndices<'_>, digits: usize) -> Option<u32> {
    (0..digits).try_fold(0u32, |acc, _| {
        Some(acc * 16 + chars.next()?.1.to_digit(16)?)
    })
}

fn hex_char(chars: &mut std::str::CharIndices<'_>, digits: usize) -> Option<char> {
    Some(char::from_u32(hex_value(chars, digits)?).unwrap_or('\u{FFFD}'))
}

/// Consumes `\uDCxx` after a high surrogate when it is there.
fn low_surrogate(chars: &mut std::str::CharIndices<'_>) -> Option<u32> {
    let mut ahead = chars.clone();
    if ahead.next()?.1 != '\\' || ahead.next()?.1 != 'u' {
        return None;
    }
    let low = hex_value(&mut ahead, 4).filter(|v| (0xDC00..=0xDFFF).contains(v))?;
    *chars = ahead;
    Some(low)
}

fn push_json_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if u32::from(c) < 0x20 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => out.push(c),
    }
}
