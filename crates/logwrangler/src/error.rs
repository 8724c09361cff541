//! The configuration error every entry point shares (source mapping, rules,
//! pseudonymisation key, the Lambdas' environment).
//!
//! A kind, not just a message, because callers branch on it: a Lambda whose
//! secret could not be read ([`ConfigError::Unavailable`]) may succeed on the
//! next cold start once a permission propagates, while a value that does not
//! parse ([`ConfigError::Invalid`]) needs a deploy; the CLI exits with a usage
//! error for the ones a person fixes by editing a file or a flag.

use std::fmt;

/// Why a configuration was refused; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A required setting is not given.
    Missing(String),
    /// A setting does not parse, is out of range or names something unknown.
    Invalid(String),
    /// Settings contradict each other (two where one is allowed, an option
    /// given for a log type that has no use for it).
    Conflict(String),
    /// A file or secret the configuration names could not be read; retrying
    /// may help once the cause (a permission, a missing object) is fixed.
    Unavailable(String),
}

impl ConfigError {
    /// The message, without the kind.
    pub fn message(&self) -> &str {
        match self {
            ConfigError::Missing(m)
            | ConfigError::Invalid(m)
            | ConfigError::Conflict(m)
            | ConfigError::Unavailable(m) => m,
        }
    }

    /// The same error with `context` (the setting it came through) in front.
    pub fn context(self, context: impl fmt::Display) -> ConfigError {
        let wrap = |m: String| format!("{context}: {m}");
        match self {
            ConfigError::Missing(m) => ConfigError::Missing(wrap(m)),
            ConfigError::Invalid(m) => ConfigError::Invalid(wrap(m)),
            ConfigError::Conflict(m) => ConfigError::Conflict(wrap(m)),
            ConfigError::Unavailable(m) => ConfigError::Unavailable(wrap(m)),
        }
    }

    /// True when nothing in the configuration is wrong as written: the
    /// thing it names could not be read this time.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ConfigError::Unavailable(_))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keeps_the_kind_and_prefixes_the_message() {
        let err =
            ConfigError::Unavailable("cannot read x".into()).context("LOGWRANGLER_SOURCES_FILE");
        assert_eq!(err.to_string(), "LOGWRANGLER_SOURCES_FILE: cannot read x");
        assert!(err.is_retryable());
        assert!(
            !ConfigError::Invalid("bad".into())
                .context("X")
                .is_retryable()
        );
    }
}
