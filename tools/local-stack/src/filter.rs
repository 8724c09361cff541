//! Subscription filter #2 as CloudWatch Logs evaluates it, for the local
//! pipeline: the term pattern ([`TermPattern`]) or the regex pattern
//! generated from the severity rules (`crates/logwrangler/rules/alerting-filter-regex.json`,
//! the stack's default; the evaluator is the core's [`RegexPattern`]).
//!
//! CloudWatch Logs regex patterns are `%regex%` in a subset of the usual
//! syntax: alphanumerics, the symbols `: _ # = @ / ; , -`, the operators
//! `^ $ ? [ ] { } | \ * + .`, no parentheses and no multi-byte characters, at
//! most 1,024 characters, matched anywhere in the message, case-sensitively
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>).
//! Inside that subset the regex crate's semantics are CloudWatch's.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
pub use logwrangler::subscription::RegexPattern;
use logwrangler::subscription::TermPattern;

/// Where the generated regex pattern is shipped, from the workspace root.
pub const REGEX_PATTERN_FILE: &str = "crates/logwrangler/rules/alerting-filter-regex.json";

/// The pattern file as it is in the checkout (which may be newer than the
/// one built into the core, while it is being regenerated).
pub fn shipped(root: &Path) -> Result<RegexPattern> {
    let path = root.join(REGEX_PATTERN_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    RegexPattern::from_file_text(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Which pattern filter #2 runs locally.
#[derive(Debug, Clone)]
pub enum AlertingFilter {
    /// The term pattern (`-c alertingFilter=terms`).
    Terms(TermPattern),
    /// The regex generated from the rules (the stack's default).
    Regex(RegexPattern),
}

/// Something that decides which events filter #2 delivers.
pub trait MessageFilter {
    /// True when the event with this message is delivered.
    fn passes(&self, message: &str) -> bool;
}

impl MessageFilter for TermPattern {
    fn passes(&self, message: &str) -> bool {
        self.matches(message)
    }
}

impl MessageFilter for AlertingFilter {
    fn passes(&self, message: &str) -> bool {
        match self {
            AlertingFilter::Terms(p) => p.matches(message),
            AlertingFilter::Regex(p) => p.matches(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkout_pattern_is_the_built_in_one() {
        let line = r#"{"log_level":"critical","message":"db down"}"#;
        let shipped = shipped(&crate::stack::workspace_root()).unwrap();
        assert!(shipped.matches(line) && RegexPattern::alerting().matches(line));
        assert!(!TermPattern::alerting().passes(line));
    }
}
