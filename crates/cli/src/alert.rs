//! `logwrangler alert [FILE|-]`: the alerting Lambda's handler
//! (`alerting_lambda::handler`) on one event, a CloudWatch Logs subscription
//! delivery or an API Gateway request, with the Lambda's configuration.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use alerting_lambda::Alerting;
use alerting_lambda::config::Config;
use alerting_lambda::handler::handle_event;
use anyhow::{Context, Result, anyhow};
use clap::Args;
use logwrangler_aws::secrets::SecretsManager;

/// Options of `logwrangler alert`; each flag overrides the environment
/// variable the Lambda reads.
#[derive(Args)]
pub struct AlertArgs {
    /// DynamoDB summary table (LOGWRANGLER_TABLE).
    #[arg(long)]
    table: Option<String>,
    /// SNS topic ARN of critical alerts (LOGWRANGLER_TOPIC_CRITICAL_ARN).
    #[arg(long)]
    topic_critical_arn: Option<String>,
    /// SNS topic ARN of error alerts (LOGWRANGLER_TOPIC_ERROR_ARN).
    #[arg(long)]
    topic_error_arn: Option<String>,
    /// SNS topic ARN of warning alerts (LOGWRANGLER_TOPIC_WARNING_ARN).
    #[arg(long)]
    topic_warning_arn: Option<String>,
    /// SNS topic ARN of info alerts (LOGWRANGLER_TOPIC_INFO_ARN).
    #[arg(long)]
    topic_info_arn: Option<String>,
    /// SNS topic ARN of debug alerts (LOGWRANGLER_TOPIC_DEBUG_ARN).
    #[arg(long)]
    topic_debug_arn: Option<String>,
    /// Firehose delivery stream that receives app events (LOGWRANGLER_APP_STREAM).
    #[arg(long)]
    app_stream: Option<String>,
    /// Event file (JSON); `-` or nothing reads standard input.
    file: Option<PathBuf>,
}

impl AlertArgs {
    /// The variables the flags set, by the names the Lambda reads.
    fn overrides(&self) -> Vec<(&'static str, &str)> {
        [
            ("LOGWRANGLER_TABLE", &self.table),
            ("LOGWRANGLER_TOPIC_CRITICAL_ARN", &self.topic_critical_arn),
            ("LOGWRANGLER_TOPIC_ERROR_ARN", &self.topic_error_arn),
            ("LOGWRANGLER_TOPIC_WARNING_ARN", &self.topic_warning_arn),
            ("LOGWRANGLER_TOPIC_INFO_ARN", &self.topic_info_arn),
            ("LOGWRANGLER_TOPIC_DEBUG_ARN", &self.topic_debug_arn),
            ("LOGWRANGLER_APP_STREAM", &self.app_stream),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
        .collect()
    }
}

/// Runs the handler once and prints its answer (JSON) on standard output.
pub fn run(args: AlertArgs) -> Result<ExitCode> {
    let overrides = args.overrides();
    let var = |name: &str| {
        overrides
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    };
    let path = args.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let mut text = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .read_to_end(&mut text)
            .context("cannot read standard input")?;
    } else {
        text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let event: serde_json::Value = serde_json::from_slice(&text).with_context(|| {
        format!(
            "{} is not JSON: give a CloudWatch Logs subscription event or an API Gateway request",
            path.display()
        )
    })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(async {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        // Exactly the Lambda's configuration and clients (see alerting-lambda's main).
        let config = Config::load(var, &SecretsManager::from_sdk_config(&aws))
            .await
            .context("invalid configuration")?;
        let service =
            Alerting::from_sdk(&config, &aws).map_err(|e| anyhow!("invalid configuration: {e}"))?;
        let request_id = format!("cli-{}", crate::now_ms());
        handle_event(&service, event, &request_id, crate::now_ms())
            .await
            .map_err(|e| anyhow!("the handler failed: {e}"))
    })?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &answer.answer)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
