//! The errors of reading inputs and writing the lake.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What went wrong with a file on disk. Callers branch on the kind: the
/// demo words an input that cannot be read its own way, replay passes every
/// message through as it is.
#[derive(Debug)]
pub enum Error {
    /// A file system operation failed; `context` says what and on which path.
    Io {
        /// What was being done (`cannot write lake/logs/...`).
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// An input named on the command line cannot be read (it does not exist,
    /// mostly).
    Unreadable {
        /// The path as given.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// `-` (standard input) was named more than once.
    StdinTwice,
    /// An object key that would leave the lake directory.
    UnsafeKey(String),
    /// The lake's prefix template does not evaluate for a partition.
    Prefix(String),
}

impl Error {
    /// An [`Error::Io`] with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { context, .. } => f.write_str(context),
            Error::Unreadable { path, .. } => write!(f, "cannot read {}", path.display()),
            Error::StdinTwice => {
                f.write_str("- (standard input) is given twice; it can be read only once")
            }
            Error::UnsafeKey(key) => write!(f, "object key {key:?} would leave the lake directory"),
            Error::Prefix(reason) => {
                write!(f, "the lake prefix template does not evaluate: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } | Error::Unreadable { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Adds what was being done to an I/O result, as `anyhow`'s `with_context` would.
pub(crate) trait IoContext<T> {
    fn context_with(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn context_with(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| Error::io(context(), source))
    }
}
