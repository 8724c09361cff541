//! Logs of the Lambdas: JSON lines on stdout, which Lambda ships to
//! CloudWatch Logs, where Logs Insights reads their fields.

/// JSON logs at the level of `RUST_LOG`, else `AWS_LAMBDA_LOG_LEVEL`, else
/// info; shared by every Lambda of the pipeline so their lines read alike.
pub fn init_tracing() {
    let level = std::env::var("RUST_LOG")
        .or_else(|_| std::env::var("AWS_LAMBDA_LOG_LEVEL"))
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_target(false)
        .with_current_span(false)
        .without_time()
        .init();
}

/// Logs why a Lambda refused its configuration at cold start, with the kind
/// and the fix an operator needs: a secret or file that could not be read is
/// retried on the next cold start, anything else needs a redeploy.
pub fn log_config_error(err: &logwrangler::ConfigError) {
    use logwrangler::ConfigError::*;
    let kind = match err {
        Missing(_) => "missing",
        Invalid(_) => "invalid",
        Conflict(_) => "conflict",
        Unavailable(_) => "unavailable",
    };
    if err.is_retryable() {
        tracing::error!(error = %err, kind, "configuration could not be read; fix the permission or resource named, the next cold start retries");
    } else {
        tracing::error!(error = %err, kind, "invalid configuration; fix the environment variable and redeploy");
    }
}
