//! `logwrangler local-resources`: the summary table (from the one table
//! definition the CDK stack reads), the five alert topics and the app events
//! delivery stream on a local endpoint (moto_server), printed as the
//! environment variables `lookup` and `alert` read. Running it again changes
//! nothing and prints the same.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use aws_sdk_firehose::error::ProvideErrorMetadata;
use aws_sdk_firehose::types::{DeliveryStreamType, ExtendedS3DestinationConfiguration};
use clap::Args;
use logwrangler::Severity;

/// Options of `logwrangler local-resources`.
#[derive(Args)]
pub struct ResourcesArgs {
    /// Prefix of every name: the table is PREFIX, the topics PREFIX-<severity>,
    /// the stream PREFIX-lake into bucket PREFIX-lake.
    #[arg(long, default_value = "logwrangler")]
    prefix: String,
}

/// Creates what is missing and prints `NAME=value` lines.
pub fn run(args: ResourcesArgs) -> Result<ExitCode> {
    let Some(endpoint) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.trim().is_empty())
    else {
        bail!(
            "AWS_ENDPOINT_URL is not set: local-resources creates resources on a local endpoint \
             (e.g. AWS_ENDPOINT_URL=http://127.0.0.1:5000 for moto_server); in AWS the CDK stack owns them"
        );
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let lines = runtime.block_on(async {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let prefix = &args.prefix;
        let mut lines = Vec::new();
        let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
        logwrangler_lookup::table::create_table(&dynamodb, prefix).await?;
        lines.push(format!("LOGWRANGLER_TABLE={prefix}"));
        let sns = aws_sdk_sns::Client::new(&aws);
        // Most severe first, as the deployment parameters list them.
        for severity in Severity::ALL.into_iter().rev() {
            // CreateTopic returns the existing topic's ARN for an existing name.
            let name = format!("{prefix}-{}", severity.as_str());
            let topic = sns
                .create_topic()
                .name(&name)
                .send()
                .await
                .with_context(|| format!("SNS CreateTopic {name}"))?;
            lines.push(format!(
                "LOGWRANGLER_TOPIC_{}_ARN={}",
                severity.as_str().to_uppercase(),
                topic.topic_arn().unwrap_or_default()
            ));
        }
        let stream = format!("{prefix}-lake");
        create_bucket(&endpoint, &stream)?;
        let firehose = aws_sdk_firehose::Client::new(&aws);
        let created = firehose
            .create_delivery_stream()
            .delivery_stream_name(&stream)
            .delivery_stream_type(DeliveryStreamType::DirectPut)
            .extended_s3_destination_configuration(
                ExtendedS3DestinationConfiguration::builder()
                    .bucket_arn(format!("arn:aws:s3:::{stream}"))
                    .role_arn("arn:aws:iam::123456789012:role/logwrangler-firehose")
                    .build()
                    .expect("bucket and role are set"),
            )
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error().and_then(ProvideErrorMetadata::code)
                    == Some("ResourceInUseException") => {}
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "Firehose CreateDeliveryStream {stream}: {}",
                    aws_sdk_firehose::error::DisplayErrorContext(e)
                ));
            }
        }
        lines.push(format!("LOGWRANGLER_APP_STREAM={stream}"));
        Ok::<_, anyhow::Error>(lines)
    })?;
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The stream's bucket (a plain PUT: moto_server takes it unsigned; an
/// existing bucket is fine).
fn create_bucket(endpoint: &str, bucket: &str) -> Result<()> {
    let url = format!("{}/{bucket}", endpoint.trim_end_matches('/'));
    match ureq::put(&url).send_empty() {
        Ok(_) => Ok(()),
        Err(ureq::Error::StatusCode(409)) => Ok(()),
        Err(e) => Err(anyhow::anyhow!(
            "cannot create bucket {bucket} at {url}: {e}"
        )),
    }
}
