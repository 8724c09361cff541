//! How a fuzz input asks the line parser to decide the log_type, and the
//! parsers of each mode, built once (compiling the rules per input would cost
//! more than the parsing under test).

use std::sync::{Arc, LazyLock};

use logwrangler::severity::Rules;
use logwrangler::time::Millis;
use logwrangler::{LineParser, LogType, SourceConfig};
use serde_json::Value;

/// The delivery time the checks give events without one of their own.
pub const RECEIVED_MS: Millis = 1_772_446_542_118; // 2026-03-02T10:15:42.118Z
/// The log group prefix that [`ParseMode::Mapped`] maps to a log_type.
pub const MAPPED_GROUP_PREFIX: &str = "/fuzz/";

/// How a `parse_line` or `alert_text` input asks the parser to decide the log_type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseMode {
    /// Content sniffing (the default parser).
    Auto,
    /// [`LineParser::force_type`]: no mapping, no sniffing.
    Forced(LogType),
    /// A source mapping of the event's log group to the type (sniffing gets a
    /// chance when the mapped parser refuses the line); `keep_raw` is on.
    Mapped(LogType),
}

impl ParseMode {
    /// Number of modes: auto, then every log_type forced, then every log_type mapped.
    pub const COUNT: usize = 1 + 2 * LogType::ALL.len();

    /// The mode of a selector byte, modulo [`ParseMode::COUNT`]: 0 is auto,
    /// `1 + i` forces `LogType::ALL[i]`, `1 + ALL.len() + i` maps to it.
    pub fn from_byte(byte: u8) -> ParseMode {
        let n = LogType::ALL.len();
        match usize::from(byte) % Self::COUNT {
            0 => ParseMode::Auto,
            i if i <= n => ParseMode::Forced(LogType::ALL[i - 1]),
            i => ParseMode::Mapped(LogType::ALL[i - 1 - n]),
        }
    }

    /// The parser of this mode and the log group its events come from.
    pub fn parser(self) -> (LineParser, Option<&'static str>) {
        match self {
            ParseMode::Auto => (default_parser(), None),
            ParseMode::Forced(t) => (default_parser().force_type(t), None),
            ParseMode::Mapped(t) => (MAPPED_PARSER.clone(), Some(mapped_group(t))),
        }
    }
}

/// The built-in severity rules, compiled once.
pub static DEFAULT_RULES: LazyLock<Arc<Rules>> = LazyLock::new(|| Arc::new(Rules::default()));

/// `LineParser::default()` without compiling the rules again: a clone of one
/// built at first use.
pub fn default_parser() -> LineParser {
    static PARSER: LazyLock<LineParser> =
        LazyLock::new(|| LineParser::new(Arc::new(SourceConfig::default()), DEFAULT_RULES.clone()));
    PARSER.clone()
}

/// The parser of [`ParseMode::Mapped`].
static MAPPED_PARSER: LazyLock<LineParser> =
    LazyLock::new(|| LineParser::new(MAPPED_CONFIG.clone(), DEFAULT_RULES.clone()));

/// `/fuzz/<log_type>` for every log_type, each mapped to its type, `keep_raw` on.
static MAPPED_CONFIG: LazyLock<Arc<SourceConfig>> = LazyLock::new(|| {
    let sources: Vec<Value> = LogType::ALL
        .iter()
        .map(|t| serde_json::json!({"log_group": mapped_group(*t), "log_type": t.as_str()}))
        .collect();
    let json = serde_json::json!({"sources": sources, "keep_raw": true}).to_string();
    Arc::new(SourceConfig::from_json(&json).unwrap_or_default())
});

fn mapped_group(log_type: LogType) -> &'static str {
    static GROUPS: LazyLock<Vec<String>> = LazyLock::new(|| {
        LogType::ALL
            .iter()
            .map(|t| format!("{MAPPED_GROUP_PREFIX}{t}"))
            .collect()
    });
    let index = LogType::ALL
        .iter()
        .position(|t| *t == log_type)
        .unwrap_or_default();
    GROUPS
        .get(index)
        .map_or(MAPPED_GROUP_PREFIX, String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_cover_every_log_type_forced_and_mapped() {
        assert_eq!(ParseMode::from_byte(0), ParseMode::Auto);
        let n = LogType::ALL.len() as u8;
        for (i, t) in LogType::ALL.iter().enumerate() {
            assert_eq!(ParseMode::from_byte(1 + i as u8), ParseMode::Forced(*t));
            assert_eq!(ParseMode::from_byte(1 + n + i as u8), ParseMode::Mapped(*t));
        }
        assert_eq!(
            ParseMode::from_byte(ParseMode::COUNT as u8),
            ParseMode::Auto
        );
        assert!(
            MAPPED_CONFIG
                .resolve("/fuzz/vpc_flow")
                .is_some_and(|t| t.log_type == LogType::VpcFlow)
        );
    }
}
