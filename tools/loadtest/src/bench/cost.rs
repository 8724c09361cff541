//! What a terabyte of raw logs costs the transform Lambda, derived from the
//! measured throughput at the memory size the stack deploys.

use anyhow::{Context, Result};

/// Lambda duration price on arm64 in us-east-1, first tier (the first 7.5
/// billion GB-seconds a month), USD per GB-second. Source: the AWS Lambda
/// pricing page, <https://aws.amazon.com/lambda/pricing/>, as listed in 2025
/// (unchanged since arm64 functions became available, September 2021).
pub const ARM64_USD_PER_GB_SECOND: f64 = 0.000_013_333_4;

/// Lambda request price, USD per request ($0.20 per million, same source and date).
pub const USD_PER_REQUEST: f64 = 0.20 / 1e6;

/// Lambda gives a function one full vCPU at 1,769 MB and a proportional share
/// below (AWS Lambda developer guide, "Memory and computing power").
pub const MB_PER_VCPU: f64 = 1769.0;

/// The CDK stack, read at build time for the deployed memory size.
const STACK_TS: &str = include_str!("../../../../infra-cdk/lib/logwrangler-stack.ts");

/// `memorySize` of the transform function in `infra-cdk/lib/logwrangler-stack.ts`
/// (the `TransformFunction` construct), MB.
pub fn deployed_memory_mb() -> Result<u32> {
    memory_of(STACK_TS, "'TransformFunction'")
        .context("no memorySize for 'TransformFunction' in infra-cdk/lib/logwrangler-stack.ts")
}

/// The first `memorySize: N` after `construct_id` in a CDK source.
fn memory_of(source: &str, construct_id: &str) -> Option<u32> {
    let after = &source[source.find(construct_id)?..];
    let value = &after[after.find("memorySize:")? + "memorySize:".len()..];
    let digits: String = value
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The cost of one TB (10^12 bytes) of raw log lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cost {
    /// Deployed memory, MB.
    pub memory_mb: u32,
    /// Duration charge, USD per TB, at the measured single-core speed.
    pub duration_usd: f64,
    /// Request charge, USD per TB.
    pub requests_usd: f64,
    /// Duration charge if the function only gets its memory's CPU share
    /// (`memory_mb / 1769` of a vCPU) and is CPU-bound.
    pub duration_cpu_share_usd: f64,
}

impl Cost {
    /// Duration plus requests (the headline figure).
    pub fn usd_per_tb(&self) -> f64 {
        self.duration_usd + self.requests_usd
    }

    /// Duration at the CPU share plus requests.
    pub fn usd_per_tb_cpu_share(&self) -> f64 {
        self.duration_cpu_share_usd + self.requests_usd
    }
}

/// Cost per TB of raw log lines for a function of `memory_mb` that handles
/// `raw_bytes_per_s` of log lines and `raw_bytes_per_invocation` per call.
pub fn per_tb(memory_mb: u32, raw_bytes_per_s: f64, raw_bytes_per_invocation: f64) -> Cost {
    let seconds = 1e12 / raw_bytes_per_s;
    let gb = f64::from(memory_mb) / 1024.0;
    let duration_usd = seconds * gb * ARM64_USD_PER_GB_SECOND;
    let share = (f64::from(memory_mb) / MB_PER_VCPU).min(1.0);
    Cost {
        memory_mb,
        duration_usd,
        requests_usd: 1e12 / raw_bytes_per_invocation * USD_PER_REQUEST,
        duration_cpu_share_usd: duration_usd / share,
    }
}

/// Firehose ingestion, USD per GB ingested (Direct PUT and CloudWatch Logs
/// sources, first 500 TB a month, us-east-1; records are billed in 5 KB
/// increments). Source: <https://aws.amazon.com/firehose/pricing/>, as listed in 2025.
pub const FIREHOSE_INGEST_USD_PER_GB: f64 = 0.029;

/// Firehose dynamic partitioning, USD per GB processed (same source and
/// date; the per-object charge, $0.005 per 1,000 S3 objects, is left out: it
/// depends on buffering, not on the transform).
pub const FIREHOSE_PARTITIONING_USD_PER_GB: f64 = 0.020;

/// What the AWS Glue service-log jobs (awslabs/athena-glue-service-logs)
/// state for their conversion of service logs into a partitioned lake:
/// about $1.32 for 10 GB of logs with 10 DPU (0.3 h at $0.44 per DPU-hour),
/// so USD per TB of logs.
pub const GLUE_SERVICE_LOG_USD_PER_TB: f64 = 1.32 / 10.0 * 1000.0;

/// What one TB (10^12 bytes) of raw log lines costs on its way into the
/// typed lake, beyond the Lambda: Firehose ingests the gzip'd deliveries,
/// plus what the transform re-ingests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LakeCost {
    /// Re-ingested bytes over the bytes Firehose ingested from CloudWatch.
    pub reingest_amplification: f64,
    /// Firehose ingestion and partitioning of the re-ingested bytes, USD per TB of raw lines.
    pub reingest_usd: f64,
    /// Lambda + Firehose ingestion and partitioning, USD per TB of raw lines
    /// (`None` without the Lambda figure).
    pub typed_lake_usd: Option<f64>,
}

impl LakeCost {
    /// From the Lambda's cost per TB, the raw line bytes of a corpus, the
    /// bytes Firehose ingested for it and the bytes the transform re-ingested.
    pub fn new(
        lambda_usd_per_tb: Option<f64>,
        raw: usize,
        ingested: usize,
        reingested: usize,
    ) -> LakeCost {
        let per_gb = FIREHOSE_INGEST_USD_PER_GB + FIREHOSE_PARTITIONING_USD_PER_GB;
        // GB of Firehose traffic per TB of raw lines.
        let gb_per_tb = |bytes: usize| bytes as f64 / raw.max(1) as f64 * 1000.0;
        let reingest_usd = gb_per_tb(reingested) * per_gb;
        LakeCost {
            reingest_amplification: reingested as f64 / ingested.max(1) as f64,
            reingest_usd,
            typed_lake_usd: lambda_usd_per_tb
                .map(|l| l + gb_per_tb(ingested) * per_gb + reingest_usd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_deployed_memory_size() {
        assert!(deployed_memory_mb().unwrap() >= 128);
        let ts = "new lambda.Function(this, 'AlertingFunction', {\n memorySize: 256,\n});\nnew lambda.Function(this, 'TransformFunction', {\n  runtime: x,\n  memorySize: 512,\n";
        assert_eq!(memory_of(ts, "'TransformFunction'"), Some(512));
        assert_eq!(memory_of(ts, "'Missing'"), None);
    }

    #[test]
    fn prices_a_terabyte() {
        // 100 MB/s at 512 MB: 10,000 s * 0.5 GB * price; 2 MB per invocation: 500,000 requests.
        let cost = per_tb(512, 100e6, 2e6);
        assert!((cost.duration_usd - 10_000.0 * 0.5 * ARM64_USD_PER_GB_SECOND).abs() < 1e-9);
        assert!((cost.requests_usd - 0.10).abs() < 1e-9);
        assert!((cost.duration_cpu_share_usd / cost.duration_usd - 1769.0 / 512.0).abs() < 1e-9);
        assert!((cost.usd_per_tb() - cost.duration_usd - 0.10).abs() < 1e-9);
    }

    #[test]
    fn prices_the_lake_and_the_reingested_bytes() {
        // 100 bytes of gzip'd deliveries per 1,000 of raw lines (100 GB per TB), 10 re-ingested.
        let lake = LakeCost::new(Some(0.5), 1000, 100, 10);
        assert!((lake.reingest_amplification - 0.1).abs() < 1e-12);
        assert!((lake.reingest_usd - 10.0 * 0.049).abs() < 1e-9);
        assert!((lake.typed_lake_usd.unwrap() - (0.5 + 110.0 * 0.049)).abs() < 1e-9);
        assert!((GLUE_SERVICE_LOG_USD_PER_TB - 132.0).abs() < 1e-9);
    }
}
