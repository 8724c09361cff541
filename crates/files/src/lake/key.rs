//! The key of a lake object: the prefix Firehose evaluates from the stack's
//! templates and the name it gives the object.
//!
//! Prefixes are evaluated from the very template strings the CDK stack
//! deploys (`logwrangler::partition::S3_PREFIX_TEMPLATE` and
//! `S3_ERROR_PREFIX_TEMPLATE`) with the core's `evaluate_template`:
//! `!{partitionKeyFromLambda:k}` from the record's keys,
//! `!{firehose:error-output-type}`, and `!{timestamp:<Java pattern>}` from the
//! approximate arrival time of the oldest record in the object, as Firehose
//! does. Names are Firehose's,
//! `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<unique>.gz`; the unique part is
//! where the writers differ, so it is the caller's: a random id for the
//! simulator ([`random_suffix`], as Firehose does), the run and the object's
//! number for replay ([`run_suffix`], so re-runs write the same names).

use std::collections::BTreeMap;

use logwrangler::partition::evaluate_template;
use logwrangler::time::to_civil;

use super::is_safe_key;

/// Formats `ms` (UTC) with a Java `DateTimeFormatter` pattern as Firehose's
/// `!{timestamp:...}` does; supports the letters `y M d H m s S` and quoted
/// literals, and rejects other letters.
pub fn format_timestamp(pattern: &str, ms: i64) -> Result<String, String> {
    let c = to_civil(ms);
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '\'')
                .ok_or_else(|| format!("unterminated quote in timestamp pattern {pattern:?}"))?;
            out.extend(&chars[i + 1..i + 1 + end]);
            i += end + 2;
            continue;
        }
        if !ch.is_ascii_alphabetic() {
            out.push(ch);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&c| c == ch).count();
        i += run;
        if ch == 'S' {
            // Fraction of a second: milliseconds, padded with zeros beyond three digits.
            let millis = format!("{:03}", c.millis);
            out.extend(millis.chars().chain(std::iter::repeat('0')).take(run));
            continue;
        }
        let value = match ch {
            'y' if run == 2 => c.year.rem_euclid(100),
            'y' => c.year,
            'M' => i64::from(c.month),
            'd' => i64::from(c.day),
            'H' => i64::from(c.hour),
            'm' => i64::from(c.minute),
            's' => i64::from(c.second),
            other => {
                return Err(format!(
                    "timestamp pattern letter {other:?} in {pattern:?} is not supported"
                ));
            }
        };
        out.push_str(&format!("{value:0run$}"));
    }
    Ok(out)
}

/// Evaluates a Firehose S3 prefix template for one object.
pub fn evaluate_prefix(
    template: &str,
    partition_keys: &BTreeMap<String, String>,
    error_output_type: Option<&str>,
    oldest_arrival_ms: i64,
) -> Result<String, String> {
    // `evaluate_template` takes a `Fn`: remember a bad pattern on the side.
    let timestamp_error = std::cell::RefCell::new(None);
    let prefix = evaluate_template(template, |namespace, key| match namespace {
        "partitionKeyFromLambda" => partition_keys.get(key).cloned(),
        "firehose" if key == "error-output-type" => error_output_type.map(str::to_owned),
        "timestamp" => match format_timestamp(key, oldest_arrival_ms) {
            Ok(text) => Some(text),
            Err(e) => {
                *timestamp_error.borrow_mut() = Some(e);
                None
            }
        },
        _ => None,
    });
    match (prefix, timestamp_error.into_inner()) {
        (_, Some(e)) => Err(e),
        (Ok(prefix), None) if is_safe_key(&format!("{prefix}x")) => Ok(prefix),
        (Ok(prefix), None) => Err(format!("prefix {prefix:?} is not a safe object key")),
        (Err(e), None) => Err(e),
    }
}

/// The object name Firehose gives: `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<unique>.gz`,
/// the time in UTC to the second.
pub fn object_name(stream: &str, version: u32, time_ms: i64, unique: &str) -> String {
    let c = to_civil(time_ms);
    format!(
        "{stream}-{version}-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{unique}.gz",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// A UUID-shaped random string (`8-4-4-4-12` hex digits) from `rng`, as Firehose
/// puts in object names.
pub fn random_suffix(rng: &mut fastrand::Rng) -> String {
    let a = rng.u64(..);
    let b = rng.u64(..);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The unique part of a replay object's name: the run id and the object's
/// number within its partition.
pub fn run_suffix(run: &str, part: u32) -> String {
    format!("{run}-{part}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use logwrangler::partition::{S3_ERROR_PREFIX_TEMPLATE, S3_PREFIX_TEMPLATE};
    use logwrangler::time::parse_iso8601;

    fn keys() -> BTreeMap<String, String> {
        [
            ("log_type", "pexip_support"),
            ("year", "2026"),
            ("month", "03"),
            ("day", "02"),
            ("hour", "10"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn evaluates_the_deployed_prefixes() {
        let t = parse_iso8601("2026-11-24T06:39:05.123Z").unwrap();
        assert_eq!(
            evaluate_prefix(S3_PREFIX_TEMPLATE, &keys(), None, t).unwrap(),
            "logs/log_type=pexip_support/year=2026/month=03/day=02/hour=10/"
        );
        assert_eq!(
            evaluate_prefix(
                S3_ERROR_PREFIX_TEMPLATE,
                &BTreeMap::new(),
                Some("processing-failed"),
                t
            )
            .unwrap(),
            "errors/processing-failed/year=2026/month=11/day=24/hour=06/"
        );
        let mut partial = keys();
        partial.remove("hour");
        assert!(
            evaluate_prefix(S3_PREFIX_TEMPLATE, &partial, None, t)
                .unwrap_err()
                .contains("partitionKeyFromLambda:hour")
        );
        let mut hostile = keys();
        hostile.insert("log_type".into(), "../../etc".into());
        assert!(evaluate_prefix(S3_PREFIX_TEMPLATE, &hostile, None, t).is_err());
    }

    #[test]
    fn java_timestamp_patterns() {
        let t = parse_iso8601("2026-01-05T07:08:09.045Z").unwrap();
        assert_eq!(
            format_timestamp("yyyy-MM-dd'T'HH:mm:ss.SSS", t).unwrap(),
            "2026-01-05T07:08:09.045"
        );
        assert_eq!(format_timestamp("yy/M/d", t).unwrap(), "26/1/5");
        assert!(format_timestamp("EEE", t).unwrap_err().contains("'E'"));
        assert!(format_timestamp("'open", t).is_err());
    }

    #[test]
    fn objects_are_named_like_firehose_names_them() {
        let t = parse_iso8601("2026-03-02T10:15:42.911Z").unwrap();
        let mut rng = fastrand::Rng::with_seed(1);
        let random = random_suffix(&mut rng);
        let name = object_name("logwrangler-lake", 1, t, &random);
        assert_eq!(
            name,
            format!("logwrangler-lake-1-2026-03-02-10-15-42-{random}.gz")
        );
        let parts: Vec<usize> = random.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert!(random.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(random, random_suffix(&mut rng));
    }
}
