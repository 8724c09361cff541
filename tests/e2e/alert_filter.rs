//! Subscription filter #2 must let through every line the core would publish.
//!
//! The alerting Lambda only sees what the log group's second subscription
//! filter passes. The term pattern `?CRITICAL ?ERROR ?WARNING ...` is
//! case-sensitive: `{"log_level":"critical",...}`, `"level":"fatal"` or
//! `level=error` are typed at or above the alert minimum by the core and
//! land in the lake, but never reach the alerting Lambda. This test
//!
//! 1. generates the CloudWatch Logs regex pattern (`%...%`) from the rules:
//!    every level name `Severity::from_level` accepts at or above the
//!    minimum (case-insensitively, as character classes), a literal term
//!    every line matching a built-in rule at or above the minimum contains
//!    (its Pexip module, else its field or message regex's literals), and
//!    the lines the summaries need;
//! 2. checks the shipped `crates/logwrangler/rules/alerting-filter-regex.json` (what the
//!    stack deploys with `-c alertingFilter=regex`) is exactly that pattern
//!    (`LOGWRANGLER_WRITE_FILTER_PATTERN=1` rewrites it);
//! 3. evaluates the pattern as CloudWatch Logs does (the regex subset it
//!    accepts: no parentheses, no spaces or quotes, at most 1,024
//!    characters; a match anywhere in the message, case-sensitive) on every
//!    fixture line, every peer sample and a generated day, through the core
//!    too: no line the core publishes (severity at or above `warning`) and no
//!    line a summary reads is filtered out.
//!
//! CloudWatch Logs regex syntax and quotas:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use logwrangler::severity::{LEVEL_NAMES, RuleTerms};
use logwrangler::subscription::{MAX_PATTERN_LEN, RegexPattern, TermPattern};
use logwrangler::{EventContext, LineParser, LogType, Rules, Severity, SourceConfig};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const PATTERN_FILE: &str = "crates/logwrangler/rules/alerting-filter-regex.json";
/// The alert minimum the pattern is generated for (the stack's default
/// `alertMinSeverity`; a higher minimum needs a subset of these lines).
const MIN: Severity = Severity::Warning;
/// Lines the summaries read whatever their severity (`summary::leg_update`).
const SUMMARY_TERMS: [&str; 2] = ["administrator.conference", "Stable call quality changed"];

/// Field values the parser derives from a differently spelled line:
/// (log_type, field, value, the text such a line carries instead).
const RAW_SPELLINGS: [(&str, &str, &str, &str); 2] = [
    ("lambda_platform", "event", "timeout", "Task timed out"),
    ("lambda_platform", "status", "timeout", "Task timed out"),
];

/// One term of the pattern: a literal, matched case-sensitively or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    any_case: bool,
}

impl Term {
    /// The term in CloudWatch's regex subset: letters as `[Xx]` when any
    /// case matches, `.` escaped, characters the subset refuses (space,
    /// quotes) as `.`.
    fn regex(&self) -> String {
        let mut out = String::new();
        for c in self.text.chars() {
            match c {
                c if c.is_ascii_alphabetic() && self.any_case => {
                    out.push('[');
                    out.push(c.to_ascii_uppercase());
                    out.push(c.to_ascii_lowercase());
                    out.push(']');
                }
                c if c.is_ascii_alphanumeric() || ":_#=@/;,-".contains(c) => out.push(c),
                '.' => out.push_str("\\."),
                _ => out.push('.'),
            }
        }
        out
    }

    fn covers(&self, other: &Term) -> bool {
        if self.any_case {
            other
                .text
                .to_ascii_lowercase()
                .contains(&self.text.to_ascii_lowercase())
        } else {
            !other.any_case && other.text.contains(&self.text)
        }
    }
}

/// The literals one of a string of `regex`'s alternatives must contain, for
/// the simple shapes rules use: `^X$`, `(?i)^(a|b)$`, `(^|\.)(A|B)`,
/// `^Runtime\.`, `a|b`. `None` when the regex is anything else.
fn literals(regex: &str) -> Option<Vec<Term>> {
    let (any_case, mut s) = match regex.strip_prefix("(?i)") {
        Some(rest) => (true, rest),
        None => (false, regex),
    };
    s = s.strip_prefix("(^|\\.)").unwrap_or(s);
    s = s.trim_start_matches('^').trim_end_matches('$');
    if let Some(inner) = s.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        s = inner;
    }
    s.split('|')
        .map(|alternative| {
            let alternative = alternative.trim_start_matches('^').trim_end_matches('$');
            let text = alternative.replace("\\.", ".");
            let plain = !text.is_empty()
                && !text.contains([
                    '\\', '(', ')', '[', ']', '*', '+', '?', '{', '}', '^', '$', '|',
                ]);
            plain.then_some(Term { text, any_case })
        })
        .collect()
}

/// A term every line matching `rule` contains, or why there is none.
fn rule_terms(rule: &RuleTerms<'_>) -> Result<Vec<Term>, String> {
    if let Some(module) = rule.module {
        // Pexip lines carry their module verbatim: Name="administrator.alarm".
        return Ok(vec![Term {
            text: module.to_owned(),
            any_case: false,
        }]);
    }
    let log_type = rule.log_type.map(LogType::as_str);
    for (field, regex) in &rule.fields {
        if let Some(mut terms) = literals(regex) {
            for (t, f, value, raw) in RAW_SPELLINGS {
                if Some(t) == log_type
                    && f == *field
                    && terms
                        .iter()
                        .any(|term| term.text.eq_ignore_ascii_case(value))
                {
                    terms.push(Term {
                        text: raw.to_owned(),
                        any_case: false,
                    });
                }
            }
            return Ok(terms);
        }
    }
    if let Some(terms) = rule.message.and_then(literals) {
        return Ok(terms);
    }
    Err(format!(
        "rule {:?} ({}) has no literal term every matching line contains: give it a `module`, \
         or a field or message regex that is a literal or an alternation of literals",
        rule.name, rule.severity
    ))
}

/// The pattern of subscription filter #2, generated from `rules`.
fn generate(rules: &Rules, min: Severity) -> Result<String, String> {
    let mut terms: Vec<Term> = LEVEL_NAMES
        .iter()
        .filter(|(_, s)| *s >= min)
        .map(|(name, _)| Term {
            text: (*name).to_owned(),
            any_case: true,
        })
        .collect();
    for rule in rules.terms().iter().filter(|r| r.severity >= min) {
        terms.extend(rule_terms(rule)?);
    }
    terms.extend(SUMMARY_TERMS.iter().map(|t| Term {
        text: (*t).to_owned(),
        any_case: false,
    }));
    // A term another term is part of adds nothing ("crit" covers "critical").
    let mut kept: Vec<Term> = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        let covered = terms
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.covers(term) && (!term.covers(other) || j < i));
        if !covered && !kept.contains(term) {
            kept.push(term.clone());
        }
    }
    let pattern = format!(
        "%{}%",
        kept.iter().map(Term::regex).collect::<Vec<_>>().join("|")
    );
    RegexPattern::parse(&pattern)?;
    Ok(pattern)
}

/// The rules the pattern is generated from: the built-in ones, with an
/// operator's file first when `LOGWRANGLER_RULES` names one.
fn rules() -> Rules {
    match std::env::var_os("LOGWRANGLER_RULES") {
        Some(path) => Rules::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap(),
        None => Rules::default(),
    }
}

fn deployed_pattern() -> String {
    let text = std::fs::read_to_string(Path::new(ROOT).join(PATTERN_FILE)).unwrap_or_default();
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["pattern"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn the_shipped_pattern_is_the_one_generated_from_the_rules() {
    let generated = generate(&rules(), MIN).unwrap();
    if std::env::var_os("LOGWRANGLER_WRITE_FILTER_PATTERN").is_some() {
        let file = serde_json::json!({
            "comment": "Subscription filter #2 as a CloudWatch Logs regex, generated from the built-in severity rules (tests/e2e/alert_filter.rs; LOGWRANGLER_WRITE_FILTER_PATTERN=1 cargo test -p logwrangler-e2e --test alert_filter rewrites it). Deployed with -c alertingFilter=regex.",
            "minSeverity": MIN.as_str(),
            "pattern": generated,
        });
        let text = serde_json::to_string_pretty(&file).unwrap() + "\n";
        std::fs::write(Path::new(ROOT).join(PATTERN_FILE), text).unwrap();
    }
    assert_eq!(
        deployed_pattern(),
        generated,
        "{PATTERN_FILE} is stale: run LOGWRANGLER_WRITE_FILTER_PATTERN=1 cargo test -p logwrangler-e2e --test alert_filter"
    );
    assert!(generated.len() <= MAX_PATTERN_LEN);
}

#[test]
fn the_evaluator_follows_cloudwatch_regex_rules() {
    let p = RegexPattern::parse("%[Ee]rror|FAIL%").unwrap();
    assert!(p.matches("an Error here"));
    assert!(p.matches("xxFAILxx"));
    assert!(!p.matches("fail"), "case-sensitive");
    assert!(RegexPattern::parse("%(a|b)%").is_err(), "no parentheses");
    assert!(RegexPattern::parse("%a b%").is_err(), "no spaces");
    assert!(RegexPattern::parse("%\"a\"%").is_err(), "no quotes");
    assert!(RegexPattern::parse("abc").is_err());
    assert!(RegexPattern::parse(&format!("%{}%", "a".repeat(1023))).is_err());
    let anchored = RegexPattern::parse("%^[hc]at%").unwrap();
    assert!(anchored.matches("cat food") && !anchored.matches("a cat"));
}

#[test]
fn a_rule_without_a_literal_term_is_refused_with_what_to_do() {
    let rules = Rules::from_json(
        r#"{"rules":[{"name":"digits","log_type":"app","message":"^[0-9]+ failed","severity":"critical"}]}"#,
    )
    .unwrap();
    let err = generate(&rules, MIN).unwrap_err();
    assert!(err.contains("rule \"digits\""), "{err}");
    let ok = Rules::from_json(
        r#"{"rules":[{"name":"disk","log_type":"app","message":"(?i)disk full|out of space","severity":"critical"}]}"#,
    )
    .unwrap();
    let pattern = generate(&ok, MIN).unwrap();
    assert!(
        pattern.contains("[Dd][Ii][Ss][Kk].[Ff][Uu][Ll][Ll]"),
        "{pattern}"
    );
}

/// Every non-empty line of every file below `dir`.
fn lines_below(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            lines_below(&path, out);
        } else if let Ok(text) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&text);
            out.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| (path.clone(), l.to_owned())),
            );
        }
    }
}

/// What the coverage run saw.
#[derive(Debug, Default)]
struct Coverage {
    lines: usize,
    published: usize,
    summary_lines: usize,
    /// Published lines the term pattern (`?CRITICAL ?ERROR ...`) drops.
    term_pattern_drops: usize,
    missed: Vec<String>,
}

fn check(
    coverage: &mut Coverage,
    pattern: &RegexPattern,
    parser: &LineParser,
    log_group: Option<&str>,
    line: &str,
) {
    let ctx = EventContext {
        log_group,
        received_ms: Some(1_795_514_400_000),
        fallback_ms: Some(1_795_514_400_000),
        source: "coverage",
        position: 1,
        ..EventContext::default()
    };
    coverage.lines += 1;
    let Some(record) = parser.clone().parse_line(line, &ctx).into_record() else {
        return;
    };
    let severity = record.envelope.severity;
    let summary = logwrangler::summary::leg_update(&record, severity).is_some();
    if severity < MIN && !summary {
        return;
    }
    coverage.published += usize::from(severity >= MIN);
    coverage.summary_lines += usize::from(summary);
    if !TermPattern::alerting().matches(line) {
        coverage.term_pattern_drops += 1;
    }
    if !pattern.matches(line) {
        coverage.missed.push(format!(
            "{severity} {} {log_group:?}: {line}",
            record.log_type().as_str()
        ));
    }
}

#[test]
fn no_line_the_core_publishes_is_filtered_out() {
    let pattern = RegexPattern::parse(&deployed_pattern()).unwrap();
    let default_parser = LineParser::default();
    let mut coverage = Coverage::default();

    // The lines of the issue, and spellings from_level accepts.
    let examples = [
        r#"{"log_level":"critical","message":"db down","time":"2026-11-24T06:39:00Z"}"#,
        r#"{"level":"fatal","msg":"out of memory"}"#,
        r#"{"level":"Error","message":"payment failed"}"#,
        r#"{"severity":"eRRoR","message":"mixed case"}"#,
        r#"{"levelname":"WARN","message":"slow"}"#,
        r#"{"level":"emergency","msg":"disk gone"}"#,
        r#"{"log_level":"Alert","message":"page someone"}"#,
        r#"{"level":"panic","msg":"nil map"}"#,
        r#"{"level":"severe","msg":"x"}"#,
        "2026-11-24T06:39:00.000Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tERROR\tInvoke Error",
        "2019-06-07T19:11:23.562Z c793869b-ee49-115b-a5b6-4fd21e8dedac Task timed out after 3.00 seconds",
    ];
    for line in examples {
        for group in [None, Some("/my-app/events"), Some("/aws/lambda/orders")] {
            check(&mut coverage, &pattern, &default_parser, group, line);
        }
    }
    let examples_published = coverage.published;
    assert!(examples_published >= examples.len(), "{coverage:?}");
    assert!(
        coverage.term_pattern_drops > 0,
        "the term pattern drops lower-case levels"
    );

    // Every fixture line and every peer sample, sniffed and as Lambda/app groups.
    let mut lines = Vec::new();
    lines_below(&Path::new(ROOT).join("tests/fixtures"), &mut lines);
    lines_below(&Path::new(ROOT).join("tests/peers"), &mut lines);
    let shared_peers = Path::new(ROOT).join("../shared/peers");
    if shared_peers.is_dir() {
        lines_below(&shared_peers, &mut lines);
    }
    assert!(lines.len() > 500, "{} lines", lines.len());
    for (_, line) in &lines {
        for group in [
            None,
            Some("/aws/lambda/orders"),
            Some("/pexip/infinity/support"),
        ] {
            check(&mut coverage, &pattern, &default_parser, group, line);
        }
    }

    // A generated day, typed with its source mapping.
    let day = logwrangler_generator::generate(&logwrangler_generator::DayConfig {
        scale: 0.2,
        ..logwrangler_generator::DayConfig::default()
    });
    let sources = SourceConfig::from_json(&logwrangler_generator::sources_json()).unwrap();
    let parser = LineParser::new(Arc::new(sources), Arc::new(Rules::default()));
    let mut day_events = 0;
    for batch in &day.batches {
        for event in &batch.events {
            day_events += 1;
            check(
                &mut coverage,
                &pattern,
                &parser,
                Some(&batch.log_group),
                &event.message,
            );
        }
    }
    eprintln!(
        "{} lines ({day_events} from the generated day): {} published, {} read by summaries; \
         the term pattern would drop {}, the regex pattern drops {}",
        coverage.lines,
        coverage.published,
        coverage.summary_lines,
        coverage.term_pattern_drops,
        coverage.missed.len()
    );
    assert!(day_events > 1000);
    assert!(coverage.published > 100, "{coverage:?}");
    assert!(coverage.summary_lines > 100, "{coverage:?}");
    assert!(
        coverage.missed.is_empty(),
        "{} published lines filtered out:\n{}",
        coverage.missed.len(),
        coverage.missed.join("\n")
    );
}
