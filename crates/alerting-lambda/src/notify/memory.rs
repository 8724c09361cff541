//! A [`Notify`] that keeps the alerts, for `logwrangler replay --lake`: what
//! the Lambda would have published, in order, whatever topics are configured.

use std::convert::Infallible;
use std::sync::Mutex;

use logwrangler::alert::Alert;

use super::Notify;

/// The alerts published, in order (every severity has a receiver here).
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    alerts: Mutex<Vec<Alert>>,
}

impl MemoryNotifier {
    /// A notifier that has published nothing yet.
    pub fn new() -> Self {
        MemoryNotifier::default()
    }

    /// The alerts published so far, in order.
    pub fn alerts(&self) -> Vec<Alert> {
        self.lock().clone()
    }

    /// Hands the alerts published over, leaving none.
    pub fn take(&self) -> Vec<Alert> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Alert>> {
        // A panic while holding the lock leaves a plain list behind, still readable.
        self.alerts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Notify for MemoryNotifier {
    type Error = Infallible;

    async fn publish(&self, alert: &Alert) -> Result<bool, Infallible> {
        self.lock().push(alert.clone());
        Ok(true)
    }
}
