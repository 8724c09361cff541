//! Configuration from the environment, checked at cold start.

use std::sync::Arc;

use logwrangler::{Pseudonymiser, Severity};
use logwrangler_aws::secrets::{SecretStore, inline_pseudonymiser, load_with_key};

use crate::dedupe::Budget;
use crate::notify::Topics;

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table.
    pub table: String,
    /// SNS topic per severity.
    pub topics: Topics,
    /// Records at or above this severity are alerted.
    pub alert_min_severity: Severity,
    /// Messages per topic and window before alerts are held for the
    /// window's digest (`None`: no budget).
    pub alert_budget: Option<Budget>,
    /// Item retention (TTL), days.
    pub retention_days: i64,
    /// Firehose stream that receives app events (they reach the lake as `log_type: app`).
    pub app_stream: Option<String>,
    /// Severity rules JSON (evaluated before the built-in rules).
    pub rules_json: Option<String>,
    /// Source mapping JSON.
    pub sources_json: Option<String>,
    /// Athena database and workgroup named in alert hints.
    pub athena_database: String,
    pub athena_workgroup: String,
    /// Pseudonymises personal data before summaries, alerts and app events
    /// are stored or sent (off when `None`).
    pub pseudonymiser: Option<Arc<Pseudonymiser>>,
}

/// A configuration problem, phrased for the operator (the core's error type).
pub use logwrangler::ConfigError;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_vars(env_var)
    }

    /// Reads the process environment, and the pseudonymisation key from Secrets Manager
    /// when `LOGWRANGLER_PSEUDONYMISE_KEY_SECRET` names a secret (the Lambda's
    /// cold start).
    pub async fn load_env(store: &impl SecretStore) -> Result<Config, ConfigError> {
        Self::load(env_var, store).await
    }

    /// [`Config::from_vars`], with the pseudonymisation key secret read
    /// through `store` (once).
    pub async fn load(
        var: impl Fn(&str) -> Option<String>,
        store: &impl SecretStore,
    ) -> Result<Config, ConfigError> {
        let (mut config, pseudonymiser) =
            load_with_key(var, store, |var| Self::from_vars(var)).await?;
        config.pseudonymiser = pseudonymiser;
        Ok(config)
    }

    /// Reads configuration through `var`.
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `LOGWRANGLER_TABLE` | DynamoDB table (required) |
    /// | `LOGWRANGLER_TOPIC_CRITICAL_ARN` ... `_DEBUG_ARN` | SNS topic per severity |
    /// | `LOGWRANGLER_ALERT_MIN_SEVERITY` | lowest severity alerted (default `warning`) |
    /// | `LOGWRANGLER_ALERT_BUDGET` | messages per SNS topic and window before alerts are held for one digest per window (default 5; `off` for none) |
    /// | `LOGWRANGLER_ALERT_BUDGET_WINDOW_S` | the budget's window, seconds (default 300) |
    /// | `LOGWRANGLER_RETENTION_DAYS` | TTL of summaries and app events (default 90) |
    /// | `LOGWRANGLER_APP_STREAM` | Firehose stream for app events |
    /// | `LOGWRANGLER_RULES`, `LOGWRANGLER_SOURCES` | rules and source mapping JSON |
    /// | `LOGWRANGLER_SOURCES_FILE` | path of a source mapping file (instead of the JSON inline; the stack ships it in the code asset) |
    /// | `LOGWRANGLER_ATHENA_DATABASE`, `LOGWRANGLER_ATHENA_WORKGROUP` | named in alert hints (default `logwrangler`) |
    /// | `LOGWRANGLER_PSEUDONYMISE_KEY` | pseudonymisation key, hex or base64, at least 32 bytes (off when unset) |
    /// | `LOGWRANGLER_PSEUDONYMISE_KEY_SECRET` | Secrets Manager secret (name or ARN) holding that key ([`Config::load`] reads it) |
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let table = var("LOGWRANGLER_TABLE").ok_or_else(|| {
            ConfigError::Missing(
                "LOGWRANGLER_TABLE is not set: give the DynamoDB table name".into(),
            )
        })?;
        let mut topics = Topics::default();
        for severity in Severity::ALL {
            let name = format!("LOGWRANGLER_TOPIC_{}_ARN", severity.as_str().to_uppercase());
            if let Some(arn) = var(&name) {
                if !arn.starts_with("arn:") {
                    return Err(ConfigError::Invalid(format!(
                        "{name}={arn:?} is not an SNS topic ARN (arn:aws:sns:...)"
                    )));
                }
                topics.arns[severity as usize] = Some(arn);
            }
        }
        let alert_min_severity = match var("LOGWRANGLER_ALERT_MIN_SEVERITY") {
            None => Severity::Warning,
            Some(level) => Severity::from_level(&level).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "LOGWRANGLER_ALERT_MIN_SEVERITY={level:?} is not a severity: use critical, error, warning, info or debug"
                ))
            })?,
        };
        let budget_window_s = match var("LOGWRANGLER_ALERT_BUDGET_WINDOW_S") {
            None => 300,
            Some(text) => text.trim().parse::<i64>().ok().filter(|s| (1..=86_400).contains(s)).ok_or_else(|| {
                ConfigError::Invalid(format!("LOGWRANGLER_ALERT_BUDGET_WINDOW_S={text:?} is not valid: give whole seconds from 1 to 86400"))
            })?,
        };
        let alert_budget = match var("LOGWRANGLER_ALERT_BUDGET").as_deref().map(str::trim) {
            Some("off") => None,
            None => Some(Budget {
                limit: Budget::default().limit,
                window_ms: budget_window_s * 1000,
            }),
            Some(text) => Some(Budget {
                limit: text.parse::<u64>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
                    ConfigError::Invalid(format!("LOGWRANGLER_ALERT_BUDGET={text:?} is not valid: give messages per window from 1 to 10000, or off"))
                })?,
                window_ms: budget_window_s * 1000,
            }),
        };
        let retention_days = match var("LOGWRANGLER_RETENTION_DAYS") {
            None => 90,
            Some(days) => days.trim().parse().ok().filter(|d: &i64| (1..=3650).contains(d)).ok_or_else(|| {
                ConfigError::Invalid(format!("LOGWRANGLER_RETENTION_DAYS={days:?} is not valid: give a whole number of days from 1 to 3650"))
            })?,
        };
        let sources_json = match (var("LOGWRANGLER_SOURCES"), var("LOGWRANGLER_SOURCES_FILE")) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Conflict(
                    "set LOGWRANGLER_SOURCES or LOGWRANGLER_SOURCES_FILE, not both".into(),
                ));
            }
            (Some(json), None) => Some(json),
            (None, Some(path)) => Some(std::fs::read_to_string(&path).map_err(|e| {
                ConfigError::Unavailable(format!(
                    "LOGWRANGLER_SOURCES_FILE: cannot read {path}: {e}"
                ))
            })?),
            (None, None) => None,
        };
        Ok(Config {
            table,
            topics,
            alert_min_severity,
            alert_budget,
            retention_days,
            app_stream: var("LOGWRANGLER_APP_STREAM"),
            rules_json: var("LOGWRANGLER_RULES"),
            sources_json,
            athena_database: var("LOGWRANGLER_ATHENA_DATABASE")
                .unwrap_or_else(|| "logwrangler".into()),
            athena_workgroup: var("LOGWRANGLER_ATHENA_WORKGROUP")
                .unwrap_or_else(|| "logwrangler".into()),
            pseudonymiser: inline_pseudonymiser(&var)?,
        })
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Config::from_vars(|k| map.get(k).map(|v| v.to_string()))
    }

    #[test]
    fn requires_a_table_and_checks_values() {
        assert!(
            from(&[])
                .unwrap_err()
                .to_string()
                .contains("LOGWRANGLER_TABLE is not set")
        );
        let config = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            (
                "LOGWRANGLER_TOPIC_CRITICAL_ARN",
                "arn:aws:sns:us-east-1:1:c",
            ),
        ])
        .unwrap();
        assert_eq!(
            config.topics.for_severity(Severity::Critical),
            Some("arn:aws:sns:us-east-1:1:c")
        );
        assert_eq!(config.topics.for_severity(Severity::Info), None);
        assert_eq!(config.alert_min_severity, Severity::Warning);
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_ALERT_MIN_SEVERITY", "loud"),
        ])
        .unwrap_err();
        assert!(e.message().contains("is not a severity"), "{e}");
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_TOPIC_ERROR_ARN", "errors"),
        ])
        .unwrap_err();
        assert!(e.message().contains("LOGWRANGLER_TOPIC_ERROR_ARN"), "{e}");
    }

    #[test]
    fn pseudonymisation_key_is_checked_at_start() {
        assert!(
            from(&[("LOGWRANGLER_TABLE", "t")])
                .unwrap()
                .pseudonymiser
                .is_none()
        );
        let key = "d95d2416c2267c9b846d69d7f7192ca50f0bccbce666cdfd10d5ea9e7339564c";
        let config = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_PSEUDONYMISE_KEY", key),
        ])
        .unwrap();
        assert!(config.pseudonymiser.is_some());
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_PSEUDONYMISE_KEY", "c2VjcmV0"),
        ])
        .unwrap_err();
        assert!(
            e.message()
                .starts_with("LOGWRANGLER_PSEUDONYMISE_KEY: the pseudonymisation key has 6 bytes"),
            "{e}"
        );
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_PSEUDONYMISE_KEY", key),
            ("LOGWRANGLER_PSEUDONYMISE_KEY_SECRET", "/k"),
        ])
        .unwrap_err();
        assert!(e.message().contains("not both"), "{e}");
    }

    #[test]
    fn reads_the_source_mapping_from_a_file() {
        // The stack ships the mapping in the code asset: the environment keeps under 4 KB.
        let dir = std::env::temp_dir().join(format!("lw-alerting-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sources.json");
        let json = r#"{"sources":[{"log_group":"/pexip/a","log_type":"pexip_support"}]}"#;
        std::fs::write(&file, json).unwrap();
        let path = file.to_str().unwrap();
        let config = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_SOURCES_FILE", path),
        ])
        .unwrap();
        assert_eq!(config.sources_json.as_deref(), Some(json));
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_SOURCES_FILE", path),
            ("LOGWRANGLER_SOURCES", json),
        ])
        .unwrap_err();
        assert!(e.message().contains("not both"), "{e}");
        let e = from(&[
            ("LOGWRANGLER_TABLE", "t"),
            ("LOGWRANGLER_SOURCES_FILE", "/no/such/file.json"),
        ])
        .unwrap_err();
        assert!(
            e.message()
                .starts_with("LOGWRANGLER_SOURCES_FILE: cannot read"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
