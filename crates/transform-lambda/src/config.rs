//! Configuration from the environment, read once at cold start. A bad value
//! stops the Lambda before it takes traffic, with a message naming the
//! variable and what it should hold.

use std::sync::Arc;

use logwrangler::{LineParser, Rules, SourceConfig};

use logwrangler_aws::secrets::{SecretStore, inline_pseudonymiser, load_with_key};
use logwrangler_aws::sink::RetryPolicy;

use crate::processor::Limits;

/// Everything the processor needs, resolved from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Parser with the source mapping and severity rules.
    pub parser: LineParser,
    /// Safety limits.
    pub limits: Limits,
    /// Re-ingest retry policy.
    pub retry: RetryPolicy,
    /// Stream to re-ingest into; by default the stream that invoked us.
    pub reingest_stream: Option<String>,
}

/// A configuration problem, phrased for the operator (the core's error type).
pub use logwrangler::ConfigError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the process environment, and the pseudonymisation key from Secrets Manager
    /// when `LOGWRANGLER_PSEUDONYMISE_KEY_SECRET` names a secret (the Lambda's
    /// cold start).
    pub async fn load_env(store: &impl SecretStore) -> Result<Config, ConfigError> {
        Self::load(|name| std::env::var(name).ok(), store).await
    }

    /// [`Config::from_vars`], with the pseudonymisation key secret read
    /// through `store` (once).
    pub async fn load(
        var: impl Fn(&str) -> Option<String>,
        store: &impl SecretStore,
    ) -> Result<Config, ConfigError> {
        let (mut config, pseudonymiser) =
            load_with_key(var, store, |var| Self::from_vars(var)).await?;
        config.parser = config.parser.with_pseudonymiser(pseudonymiser);
        Ok(config)
    }

    /// Reads configuration through `var` (the environment, or a map in tests).
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `LOGWRANGLER_SOURCES` | source mapping JSON (log-group globs to log_types, VPC formats) |
    /// | `LOGWRANGLER_SOURCES_FILE` | path of a source mapping file (instead of the JSON inline) |
    /// | `LOGWRANGLER_RULES` | severity rules JSON, evaluated before the built-in rules |
    /// | `LOGWRANGLER_REINGEST_STREAM` | delivery stream for re-ingest (default: the invoking stream) |
    /// | `LOGWRANGLER_RESPONSE_MARGIN_BYTES` | bytes kept free under the 6 MB response limit (default 131072) |
    /// | `LOGWRANGLER_DECOMPRESSED_CAP_BYTES` | largest decompressed record (default 67108864) |
    /// | `LOGWRANGLER_MAX_LINE_BYTES` | longer lines are truncated and flagged (default 262144) |
    /// | `LOGWRANGLER_MAX_REINGEST_GENERATIONS` | re-ingest splits before a record is failed (default 8) |
    /// | `LOGWRANGLER_REINGEST_MAX_ATTEMPTS` | PutRecordBatch attempts per entry (default 6) |
    /// | `LOGWRANGLER_PSEUDONYMISE_KEY` | pseudonymisation key, hex or base64, at least 32 bytes (off when unset) |
    /// | `LOGWRANGLER_PSEUDONYMISE_KEY_SECRET` | Secrets Manager secret (name or ARN) holding that key ([`Config::load`] reads it) |
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let sources = match (var("LOGWRANGLER_SOURCES"), var("LOGWRANGLER_SOURCES_FILE")) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Conflict(
                    "set LOGWRANGLER_SOURCES or LOGWRANGLER_SOURCES_FILE, not both".into(),
                ));
            }
            (Some(json), None) => {
                SourceConfig::from_json(&json).map_err(|e| e.context("LOGWRANGLER_SOURCES"))?
            }
            (None, Some(path)) => {
                let json = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError::Unavailable(format!(
                        "LOGWRANGLER_SOURCES_FILE: cannot read {path}: {e}"
                    ))
                })?;
                SourceConfig::from_json(&json)
                    .map_err(|e| e.context(format!("LOGWRANGLER_SOURCES_FILE {path}")))?
            }
            (None, None) => SourceConfig::default(),
        };
        let rules = match var("LOGWRANGLER_RULES") {
            Some(json) => Rules::from_json(&json).map_err(|e| e.context("LOGWRANGLER_RULES"))?,
            None => Rules::default(),
        };
        let defaults = Limits::default();
        let limits = Limits {
            response_margin: number(
                &var,
                "LOGWRANGLER_RESPONSE_MARGIN_BYTES",
                defaults.response_margin,
                0..=4 * 1024 * 1024,
            )?,
            decompressed_cap: number(
                &var,
                "LOGWRANGLER_DECOMPRESSED_CAP_BYTES",
                defaults.decompressed_cap,
                1024..=1 << 30,
            )?,
            max_line_bytes: number(
                &var,
                "LOGWRANGLER_MAX_LINE_BYTES",
                defaults.max_line_bytes,
                1024..=1 << 24,
            )?,
            max_reingest_generations: number(
                &var,
                "LOGWRANGLER_MAX_REINGEST_GENERATIONS",
                defaults.max_reingest_generations as usize,
                1..=64,
            )? as u32,
            reingest_record_max: defaults.reingest_record_max,
        };
        let retry = RetryPolicy {
            max_attempts: number(
                &var,
                "LOGWRANGLER_REINGEST_MAX_ATTEMPTS",
                RetryPolicy::default().max_attempts as usize,
                1..=20,
            )? as u32,
            ..RetryPolicy::default()
        };
        let reingest_stream = var("LOGWRANGLER_REINGEST_STREAM").filter(|s| !s.trim().is_empty());
        let pseudonymiser = inline_pseudonymiser(&var)?;
        Ok(Config {
            parser: LineParser::new(Arc::new(sources), Arc::new(rules))
                .with_pseudonymiser(pseudonymiser),
            limits,
            retry,
            reingest_stream,
        })
    }
}

fn number(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    let Some(text) = var(name) else {
        return Ok(default);
    };
    match text.trim().parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(ConfigError::Invalid(format!(
            "{name}={text:?} is not valid: give a whole number from {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

/// The stream name of a delivery stream ARN (`arn:aws:firehose:...:deliverystream/NAME`).
pub fn stream_name_from_arn(arn: &str) -> Option<&str> {
    arn.rsplit_once(":deliverystream/")
        .map(|(_, name)| name)
        .filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_without_any_variable() {
        let config = from(&[]).unwrap();
        assert_eq!(config.limits, Limits::default());
        assert_eq!(config.reingest_stream, None);
    }

    #[test]
    fn bad_values_name_the_variable_and_the_fix() {
        let err = from(&[("LOGWRANGLER_MAX_LINE_BYTES", "lots")]).unwrap_err();
        assert!(
            err.message().contains(
                "LOGWRANGLER_MAX_LINE_BYTES=\"lots\" is not valid: give a whole number from 1024"
            ),
            "{err}"
        );
        let err = from(&[(
            "LOGWRANGLER_SOURCES",
            r#"{"sources":[{"log_group":"x","log_type":"syslog"}]}"#,
        )])
        .unwrap_err();
        assert!(
            err.message().starts_with("LOGWRANGLER_SOURCES: ")
                && err.message().contains("unknown log_type \"syslog\""),
            "{err}"
        );
        let err = from(&[("LOGWRANGLER_RULES", "{")]).unwrap_err();
        assert!(
            err.message()
                .starts_with("LOGWRANGLER_RULES: rules file is not valid"),
            "{err}"
        );
        let err = from(&[("LOGWRANGLER_SOURCES_FILE", "/no/such/file.json")]).unwrap_err();
        assert!(
            err.message().contains("cannot read /no/such/file.json"),
            "{err}"
        );
    }

    #[test]
    fn reads_limits_and_stream() {
        let config = from(&[
            ("LOGWRANGLER_RESPONSE_MARGIN_BYTES", "4096"),
            ("LOGWRANGLER_REINGEST_STREAM", "lake"),
        ])
        .unwrap();
        assert_eq!(config.limits.response_margin, 4096);
        assert_eq!(config.reingest_stream.as_deref(), Some("lake"));
        assert_eq!(
            stream_name_from_arn(
                "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs-lake"
            ),
            Some("logs-lake")
        );
        assert_eq!(stream_name_from_arn("nonsense"), None);
    }

    #[test]
    fn pseudonymisation_is_off_by_default_and_weak_keys_stop_the_start() {
        assert!(from(&[]).unwrap().parser.pseudonymiser().is_none());
        let key = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
        let config = from(&[("LOGWRANGLER_PSEUDONYMISE_KEY", key)]).unwrap();
        assert!(config.parser.pseudonymiser().is_some());
        let err = from(&[("LOGWRANGLER_PSEUDONYMISE_KEY", "0123456789abcdef")]).unwrap_err();
        assert!(
            err.message()
                .starts_with("LOGWRANGLER_PSEUDONYMISE_KEY: the pseudonymisation key has 8 bytes"),
            "{err}"
        );
        let weak = "ab".repeat(32);
        let err = from(&[("LOGWRANGLER_PSEUDONYMISE_KEY", weak.as_str())]).unwrap_err();
        assert!(err.message().contains("not random"), "{err}");
        let err = from(&[("LOGWRANGLER_PSEUDONYMISE_KEY_SECRET", "/lw/key")]).unwrap_err();
        assert!(err.message().contains("Config::load"), "{err}");
    }
}
