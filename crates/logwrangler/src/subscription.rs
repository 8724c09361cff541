//! The CloudWatch Logs subscription filters of the pipeline.
//!
//! Filter #1 sends every event of a configured log group to Firehose (empty
//! pattern). Filter #2 sends the events the alerting Lambda acts on, chosen by
//! [`ALERTING_FILTER_PATTERN`]; the CDK stack deploys this very string
//! (`infra-cdk/test/constants.test.ts` checks it) and the local simulator
//! evaluates it with [`TermPattern`], so a local run feeds the alerting Lambda
//! what a deployed one would get.

/// Subscription filter #2: Pexip conference and alarm events, call quality
/// changes, connectivity events, warnings and up, Lambda timeouts and crashes,
/// CloudTrail refusals and console logins. CloudWatch Logs term matching is
/// case-sensitive, hence both spellings of connectivity.
pub const ALERTING_FILTER_PATTERN: &str = "?\"administrator.conference\" ?\"administrator.alarm\" ?\"call quality\" ?Connectivity ?connectivity ?WARNING ?ERROR ?CRITICAL ?\"Task timed out\" ?\"Runtime.ExitError\" ?AccessDenied ?UnauthorizedOperation ?ConsoleLogin";

/// A CloudWatch Logs term pattern for unstructured events: terms that must all
/// appear (`ERROR Exception`) or, with `?` before each, any of which must
/// appear (`?ERROR ?"call quality"`). Terms are case-sensitive substrings;
/// double quotes make a phrase one term. JSON and space-delimited patterns are
/// outside this subset and refused by [`TermPattern::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermPattern {
    terms: Vec<String>,
    any: bool,
}

impl TermPattern {
    /// Reads a term pattern; an empty pattern matches every event.
    pub fn parse(pattern: &str) -> Result<TermPattern, String> {
        let mut terms = Vec::new();
        let (mut optional, mut required) = (0usize, 0usize);
        let mut rest = pattern.trim_start();
        while !rest.is_empty() {
            let is_optional = rest.starts_with('?');
            if is_optional {
                rest = &rest[1..];
            }
            let (term, tail) = if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted
                    .find('"')
                    .ok_or_else(|| format!("unterminated quote in filter pattern {pattern:?}"))?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            };
            if term.is_empty() || term.starts_with(['{', '[', '-', '%']) {
                return Err(format!(
                    "filter pattern {pattern:?}: only plain and ?-terms are supported, not {term:?}"
                ));
            }
            if is_optional {
                optional += 1;
            } else {
                required += 1;
            }
            terms.push(term.to_string());
            rest = tail.trim_start();
        }
        if optional > 0 && required > 0 {
            return Err(format!(
                "filter pattern {pattern:?} mixes ?-terms and plain terms"
            ));
        }
        Ok(TermPattern {
            terms,
            any: optional > 0,
        })
    }

    /// The pattern of subscription filter #2.
    pub fn alerting() -> TermPattern {
        TermPattern::parse(ALERTING_FILTER_PATTERN).expect("the alerting pattern is valid")
    }

    /// True when CloudWatch Logs would deliver `message` through this filter.
    pub fn matches(&self, message: &str) -> bool {
        let mut found = self.terms.iter().map(|t| message.contains(t.as_str()));
        if self.any {
            found.any(|hit| hit)
        } else {
            found.all(|hit| hit)
        }
    }
}

/// The regex pattern the stack deploys as subscription filter #2 by default,
/// generated from the severity rules (`rules/alerting-filter-regex.json`; the
/// CDK stack reads the same file). `tests/e2e/alert_filter.rs` regenerates it
/// and proves no line the core publishes is filtered out.
pub const ALERTING_FILTER_REGEX_FILE: &str = include_str!("../rules/alerting-filter-regex.json");

/// CloudWatch Logs: a filter pattern is at most 1,024 characters.
pub const MAX_PATTERN_LEN: usize = 1024;

/// A CloudWatch Logs regex filter pattern (`%regex%`), evaluated as CloudWatch
/// Logs does: a subset of the usual syntax (alphanumerics, the symbols
/// `: _ # = @ / ; , -`, the operators `^ $ ? [ ] { } | \ * + .`, no
/// parentheses, spaces or multi-byte characters), at most 1,024 characters,
/// matched anywhere in the message, case-sensitively
/// (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>).
/// Inside that subset the regex crate's semantics are CloudWatch's.
#[derive(Debug, Clone)]
pub struct RegexPattern {
    regex: regex::Regex,
}

impl RegexPattern {
    /// Reads `%regex%`, refusing what CloudWatch Logs refuses.
    pub fn parse(pattern: &str) -> Result<RegexPattern, String> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(format!(
                "the pattern has {} characters; CloudWatch Logs allows {MAX_PATTERN_LEN}",
                pattern.len()
            ));
        }
        let inner = pattern
            .strip_prefix('%')
            .and_then(|p| p.strip_suffix('%'))
            .filter(|p| !p.is_empty())
            .ok_or("a regex filter pattern is %regex%")?;
        if let Some(bad) = inner
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || ":_#=@/;,-^$?[]{}|\\*+.".contains(*c)))
        {
            return Err(format!(
                "CloudWatch Logs regex patterns cannot contain {bad:?}"
            ));
        }
        let regex = regex::Regex::new(inner).map_err(|e| e.to_string())?;
        Ok(RegexPattern { regex })
    }

    /// The `pattern` of a pattern file (`{"pattern": "%...%", ...}`).
    pub fn from_file_text(text: &str) -> Result<RegexPattern, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let pattern = value["pattern"]
            .as_str()
            .ok_or("no \"pattern\" in the pattern file")?;
        RegexPattern::parse(pattern)
    }

    /// The pattern the stack deploys ([`ALERTING_FILTER_REGEX_FILE`]).
    pub fn alerting() -> RegexPattern {
        RegexPattern::from_file_text(ALERTING_FILTER_REGEX_FILE)
            .expect("the built-in filter pattern is a CloudWatch Logs regex")
    }

    /// True when CloudWatch Logs would deliver `message` through this filter.
    pub fn matches(&self, message: &str) -> bool {
        self.regex.is_match(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerting_pattern_reads_as_any_of_its_terms() {
        let p = TermPattern::alerting();
        assert_eq!(p.terms.len(), 13);
        assert!(p.any);
        assert!(p.terms.contains(&"call quality".to_string()));
        assert!(p.matches("2026-11-24T10:00:00 px01 Pexip Infinity 1 2 Level=\"INFO\" Name=\"administrator.conference\" Message=\"Participant has joined.\""));
        assert!(p.matches("... Connectivity lost ..."));
        assert!(p.matches("2026-11-24T10:00:00.000Z abc Task timed out after 3.00 seconds"));
        assert!(!p.matches("Level=\"INFO\" Name=\"support.sip\" Message=\"Incoming SIP request\""));
        // Case-sensitive like CloudWatch Logs.
        assert!(!p.matches("accessdenied"));
    }

    #[test]
    fn plain_terms_must_all_appear_and_empty_matches_everything() {
        let p = TermPattern::parse("ERROR \"Main Thread\"").unwrap();
        assert!(p.matches("ERROR in Main Thread"));
        assert!(!p.matches("ERROR elsewhere"));
        assert!(TermPattern::parse("").unwrap().matches("anything"));
    }

    #[test]
    fn unsupported_patterns_are_refused_with_a_reason() {
        assert!(
            TermPattern::parse("{ $.level = \"x\" }")
                .unwrap_err()
                .contains("only plain")
        );
        assert!(TermPattern::parse("?a b").unwrap_err().contains("mixes"));
        assert!(
            TermPattern::parse("?\"open")
                .unwrap_err()
                .contains("unterminated")
        );
    }

    #[test]
    fn regex_patterns_keep_to_cloudwatchs_subset_and_case() {
        let p = RegexPattern::parse("%[Ee]rror|FAIL%").unwrap();
        assert!(p.matches("an Error") && p.matches("xFAILx") && !p.matches("fail"));
        assert!(RegexPattern::parse("%(a|b)%").is_err());
        assert!(RegexPattern::parse("%a b%").is_err());
        assert!(RegexPattern::parse("abc").is_err());
        let line = r#"{"log_level":"critical","message":"db down"}"#;
        assert!(RegexPattern::alerting().matches(line));
        assert!(!TermPattern::alerting().matches(line));
    }
}
