//! Where alerts go: [`Notify`] is the seam. The Lambda publishes to the SNS
//! topic of each alert's severity ([`SnsNotifier`]); `logwrangler replay
//! --lake` keeps the alerts it would have published ([`MemoryNotifier`]).

mod memory;
mod sns;

use std::future::Future;

use logwrangler::Severity;
use logwrangler::alert::Alert;

pub use memory::MemoryNotifier;
pub use sns::{NotifyError, SnsNotifier};

/// Publishes alerts that passed dedupe.
///
/// The future is `Send` so the service can run on a multi-threaded runtime
/// (the Lambda's).
pub trait Notify {
    /// Why a publish failed (the invocation then fails and is retried; the
    /// dedupe claim lets the retry publish again).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Publishes one alert: its severity decides where, `subject` and `body`
    /// are the message, its attributes let subscribers filter. `Ok(false)`
    /// when nothing is configured to receive that severity.
    fn publish(&self, alert: &Alert) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

/// The five topics, by severity.
#[derive(Debug, Clone, Default)]
pub struct Topics {
    /// Topic ARN per severity, indexed by `Severity as usize` (debug..critical).
    pub arns: [Option<String>; 5],
}

impl Topics {
    /// The topic of a severity.
    pub fn for_severity(&self, severity: Severity) -> Option<&str> {
        self.arns[severity as usize].as_deref()
    }
}
