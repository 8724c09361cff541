//! Subscription filter #2 as CloudWatch Logs evaluates it, for the local
//! pipeline: the term pattern ([`TermPattern`]) or the regex pattern
//! generated from the severity rules (`infra-cdk/lib/alerting-filter-regex.json`,
//! deployed with `-c alertingFilter=regex`).
//!
//! CloudWatch Logs regex patterns are `%regex%` in a subset of the usual
//! syntax: alphanumerics, the symbols `: _ # = @ / ; , -`, the operators
//! `^ $ ? [ ] { } | \ * + .`, no parentheses and no multi-byte characters, at
//! most 1,024 characters, matched anywhere in the message, case-sensitively
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>).
//! Inside that subset the regex crate's semantics are CloudWatch's.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use logwrangler::subscription::TermPattern;
use regex::Regex;

/// Where the generated regex pattern is shipped, from the workspace root.
pub const REGEX_PATTERN_FILE: &str = "infra-cdk/lib/alerting-filter-regex.json";
/// CloudWatch Logs: a filter pattern is at most 1,024 characters.
pub const MAX_PATTERN_LEN: usize = 1024;

/// A CloudWatch Logs regex filter pattern.
#[derive(Debug, Clone)]
pub struct RegexPattern {
    regex: Regex,
}

impl RegexPattern {
    /// Reads `%regex%`, refusing what CloudWatch Logs refuses.
    pub fn parse(pattern: &str) -> Result<RegexPattern> {
        if pattern.len() > MAX_PATTERN_LEN {
            bail!(
                "the pattern has {} characters; CloudWatch Logs allows {MAX_PATTERN_LEN}",
                pattern.len()
            );
        }
        let inner = pattern
            .strip_prefix('%')
            .and_then(|p| p.strip_suffix('%'))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| anyhow!("a regex filter pattern is %regex%"))?;
        if let Some(bad) = inner
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ":_#=@/;,-^$?[]{}|\\*+.".contains(*c)))
        {
            bail!("CloudWatch Logs regex patterns cannot contain {bad:?}");
        }
        Ok(RegexPattern {
            regex: Regex::new(inner)?,
        })
    }

    /// The pattern shipped in the repository (`REGEX_PATTERN_FILE` below `root`).
    pub fn shipped(root: &Path) -> Result<RegexPattern> {
        let path = root.join(REGEX_PATTERN_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)?;
        let pattern = value["pattern"]
            .as_str()
            .ok_or_else(|| anyhow!("{}: no \"pattern\"", path.display()))?;
        RegexPattern::parse(pattern)
    }

    /// True when CloudWatch Logs would deliver `message` through this filter.
    pub fn matches(&self, message: &str) -> bool {
        self.regex.is_match(message)
    }
}

/// Which pattern filter #2 runs locally.
#[derive(Debug, Clone)]
pub enum AlertingFilter {
    /// The term pattern (the stack's default).
    Terms(TermPattern),
    /// The regex generated from the rules (`alertingFilter=regex`).
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
    fn the_subset_is_enforced_and_matching_is_case_sensitive() {
        let p = RegexPattern::parse("%[Ee]rror|FAIL%").unwrap();
        assert!(p.matches("an Error") && p.matches("xFAILx") && !p.matches("fail"));
        assert!(RegexPattern::parse("%(a|b)%").is_err());
        assert!(RegexPattern::parse("%a b%").is_err());
        assert!(RegexPattern::parse("abc").is_err());
        let shipped = RegexPattern::shipped(&crate::stack::workspace_root()).unwrap();
        assert!(shipped.matches(r#"{"log_level":"critical","message":"db down"}"#));
        assert!(!TermPattern::alerting().passes(r#"{"log_level":"critical","message":"db down"}"#));
    }
}
