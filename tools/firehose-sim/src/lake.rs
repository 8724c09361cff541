//! Writing the lake the way Firehose writes S3 (design section 6), into a
//! local directory that stands for the bucket.
//!
//! Prefixes are evaluated from the very template strings the CDK stack
//! deploys (`logwrangler::partition::S3_PREFIX_TEMPLATE` and
//! `S3_ERROR_PREFIX_TEMPLATE`) with the core's `evaluate_template`:
//! `!{partitionKeyFromLambda:k}` from the record's keys,
//! `!{firehose:error-output-type}`, and `!{timestamp:<Java pattern>}` from the
//! approximate arrival time of the oldest record in the object, as Firehose
//! does. Objects are GZIP and named like Firehose names them:
//! `<prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>.gz`.
//! Records Firehose could not process are written as the JSON lines it
//! documents for the error prefix.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, Result, bail};
use logwrangler::partition::evaluate_template;
use logwrangler::time::to_civil;
use serde::Serialize;

/// A directory standing for the lake bucket: object keys are paths under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeDir {
    root: PathBuf,
}

impl LakeDir {
    /// The bucket at `root` (created on the first write).
    pub fn new(root: impl Into<PathBuf>) -> LakeDir {
        LakeDir { root: root.into() }
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes an object whole (to a temporary name, then renamed, so readers
    /// never see half an object).
    pub fn write_object(&self, key: &str, data: &[u8]) -> Result<PathBuf> {
        if !is_safe_key(key) {
            bail!("object key {key:?} would leave the lake directory");
        }
        let path = self.root.join(key);
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, data)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, &path).with_context(|| {
            format!("cannot rename {} to {}", partial.display(), path.display())
        })?;
        Ok(path)
    }

    /// The keys under `prefix` (`""` for all), sorted.
    pub fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        if self.root.exists() {
            collect_keys(&self.root, &self.root, &mut keys)?;
        }
        keys.retain(|k| k.starts_with(prefix) && !k.ends_with(".partial"));
        keys.sort();
        Ok(keys)
    }

    /// An object's content, gunzipped.
    pub fn read_object(&self, key: &str) -> Result<Vec<u8>> {
        let path = self.root.join(key);
        let raw =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .with_context(|| format!("{} is not GZIP", path.display()))?;
        Ok(out)
    }

    /// Every line of every object under `prefix`, with its object key.
    pub fn lines(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for key in self.keys(prefix)? {
            let data = self.read_object(&key)?;
            for line in String::from_utf8_lossy(&data)
                .lines()
                .filter(|l| !l.is_empty())
            {
                out.push((key.clone(), line.to_owned()));
            }
        }
        Ok(out)
    }
}

fn collect_keys(root: &Path, dir: &Path, keys: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_keys(root, &path, keys)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let key: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            keys.push(key.join("/"));
        }
    }
    Ok(())
}

/// True when `key` stays inside the lake directory (no `..`, not absolute).
pub fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && !key.contains('\\')
        && Path::new(key)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

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

/// The object name Firehose gives: `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<random>.gz`.
pub fn object_name(stream: &str, version: u32, time_ms: i64, random: &str) -> String {
    let c = to_civil(time_ms);
    format!(
        "{stream}-{version}-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{random}.gz",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// A UUID-shaped random string (`8-4-4-4-12` hex digits) from `rng`.
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

/// One record under the error prefix, in the JSON shape Firehose documents
/// for records that failed data transformation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRecord {
    /// Invocation attempts made.
    pub attempts_made: u32,
    /// When Firehose received the record, epoch milliseconds.
    pub arrival_timestamp: i64,
    /// Firehose's error code (`Lambda.FunctionError`, ...).
    pub error_code: String,
    /// Firehose's error message.
    pub error_message: String,
    /// When Firehose stopped trying, epoch milliseconds.
    pub attempt_ending_timestamp: i64,
    /// The record data, base64.
    pub raw_data: String,
    /// The processor function.
    pub lambda_arn: String,
}

/// Error records as JSON lines.
pub fn error_lines(records: &[ErrorRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        // A struct of strings and integers always serialises.
        if serde_json::to_writer(&mut out, record).is_ok() {
            out.push(b'\n');
        }
    }
    out
}

/// GZIP, as Firehose compresses objects with `CompressionFormat: GZIP`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
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

    #[test]
    fn error_records_have_the_documented_shape() {
        let line = error_lines(&[ErrorRecord {
            attempts_made: 4,
            arrival_timestamp: 1_764_000_000_000,
            error_code: "Lambda.FunctionError".into(),
            error_message: "boom".into(),
            attempt_ending_timestamp: 1_764_000_060_000,
            raw_data: "aGVsbG8=".into(),
            lambda_arn: "arn:aws:lambda:us-east-1:123456789012:function:t".into(),
        }]);
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "{\"attemptsMade\":4,\"arrivalTimestamp\":1764000000000,\"errorCode\":\"Lambda.FunctionError\",\
             \"errorMessage\":\"boom\",\"attemptEndingTimestamp\":1764000060000,\"rawData\":\"aGVsbG8=\",\
             \"lambdaArn\":\"arn:aws:lambda:us-east-1:123456789012:function:t\"}\n"
        );
    }

    #[test]
    fn lake_dir_round_trip() {
        let dir = std::env::temp_dir().join(format!("lake-test-{}", std::process::id()));
        let lake = LakeDir::new(&dir);
        lake.write_object("logs/a/x.gz", &gzip(b"one\ntwo\n"))
            .unwrap();
        lake.write_object("errors/b/y.gz", &gzip(b"three\n"))
            .unwrap();
        assert_eq!(lake.keys("").unwrap(), ["errors/b/y.gz", "logs/a/x.gz"]);
        assert_eq!(
            lake.lines("logs/").unwrap(),
            [
                ("logs/a/x.gz".to_string(), "one".to_string()),
                ("logs/a/x.gz".to_string(), "two".to_string())
            ]
        );
        assert!(lake.write_object("../escape.gz", b"").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
