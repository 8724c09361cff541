/**
 * Strings shared with the Rust workspace. They are defined here ONCE for the CDK app;
 * `test/constants.test.ts` asserts they equal the Rust constants in
 * `crates/logwrangler/src/partition.rs` (S3_PREFIX_TEMPLATE, S3_ERROR_PREFIX_TEMPLATE) and
 * `crates/logwrangler/src/subscription.rs` (ALERTING_FILTER_PATTERN).
 */
import * as fs from 'fs';
import * as path from 'path';

/** Firehose S3 prefix: dynamic partitioning on the keys the transform Lambda returns. */
export const S3_PREFIX_TEMPLATE =
  'logs/log_type=!{partitionKeyFromLambda:log_type}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/';

/** Firehose S3 prefix for records that could not be processed or delivered. */
export const S3_ERROR_PREFIX_TEMPLATE =
  'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/';

/** Top-level prefixes of the lake bucket (must match the templates above). */
export const LAKE_LOGS_PREFIX = 'logs/';
export const LAKE_ERRORS_PREFIX = 'errors/';
/** Top-level prefix of the Parquet copies of the log types converted per stream (`parquet: true`). */
export const LAKE_PARQUET_PREFIX = 'parquet/';

/**
 * `template` with its leading `from` replaced by `to`; throws when it does not start with `from`
 * (the Parquet layout is the JSON layout under another top-level prefix, nothing else).
 */
export function replaceLeadingPrefix(template: string, from: string, to: string): string {
  if (!template.startsWith(from)) throw new Error(`prefix template "${template}" does not start with "${from}"`);
  return to + template.slice(from.length);
}

/**
 * Firehose S3 prefix of the Parquet streams: the same partition layout as S3_PREFIX_TEMPLATE
 * (log_type, year, month, day, hour from the transform Lambda), under parquet/ instead of logs/.
 */
export const PARQUET_PREFIX_TEMPLATE = replaceLeadingPrefix(S3_PREFIX_TEMPLATE, LAKE_LOGS_PREFIX, LAKE_PARQUET_PREFIX);

/** Glue database (also the default of LOGWRANGLER_ATHENA_DATABASE in the alerting Lambda). */
export const GLUE_DATABASE = 'logwrangler';

/** Athena workgroup (also the default of LOGWRANGLER_ATHENA_WORKGROUP). */
export const ATHENA_WORKGROUP = 'logwrangler';

/** EMF namespace and the metric names the transform Lambda emits (crates/transform-lambda/src/metrics.rs). */
export const METRIC_NAMESPACE = 'logwrangler';
export const TRANSFORM_METRIC_DIMENSIONS = { Function: 'transform' };
export const TRANSFORM_METRICS = [
  'RecordsIn',
  'RecordsOk',
  'RecordsDropped',
  'RecordsProcessingFailed',
  'EventsIn',
  'EventsUnparsed',
  'EventsReingested',
  'RecordsReingested',
  'ReingestFailed',
  'BytesIn',
  'BytesOut',
] as const;

/** Metric names the alerting Lambda emits per invocation (crates/alerting-lambda/src/main.rs). */
export const ALERTING_METRIC_DIMENSIONS = { Function: 'alerting' };
export const ALERTING_METRICS = [
  'EventsIn',
  'LegsUpdated',
  'SessionsRefreshed',
  'AlertsPublished',
  'AlertsSuppressed',
  'AppEventsStored',
  'AppEventsForwarded',
] as const;

/** The five severities, highest first (one SNS topic each; LOGWRANGLER_TOPIC_<SEVERITY>_ARN). */
export const SEVERITIES = ['critical', 'error', 'warning', 'info', 'debug'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Subscription filter #2 (to the alerting Lambda): Pexip conference and alarm events, call
 * quality changes, connectivity events, warnings and up, Lambda timeouts and crashes,
 * CloudTrail refusals and console logins. Everything else only goes to the lake (filter #1).
 * CloudWatch Logs term matching is case-sensitive, hence both spellings of connectivity.
 */
export const ALERTING_FILTER_PATTERN = [
  '?"administrator.conference"',
  '?"administrator.alarm"',
  '?"call quality"',
  '?Connectivity',
  '?connectivity',
  '?WARNING',
  '?ERROR',
  '?CRITICAL',
  '?"Task timed out"',
  '?"Runtime.ExitError"',
  '?AccessDenied',
  '?UnauthorizedOperation',
  '?ConsoleLogin',
].join(' ');

/**
 * Subscription filter #2 as a CloudWatch Logs regex pattern, generated from the built-in severity
 * rules by `tests/e2e/alert_filter.rs` (which also proves, on every fixture line, peer sample and a
 * generated day, that no line the core publishes at `warning` or above, and no line the summaries
 * read, is filtered out): every level name the core accepts, in any case, the literal terms of the
 * rules at or above `warning`, and the summaries' Pexip lines. Deployed with context
 * `alertingFilter: "regex"`, the default (`alertingFilter: "terms"` deploys the term pattern above).
 */
export const ALERTING_FILTER_REGEX: string = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'logwrangler', 'rules', 'alerting-filter-regex.json'), 'utf8'),
).pattern;

/** Which pattern filter #2 uses: the term pattern, or the regex generated from the rules. */
export const ALERTING_FILTERS = ['terms', 'regex'] as const;

/**
 * The filter #2 pattern for `alertingFilter` and the alert minimum: with the regex, a minimum of
 * `info` or `debug` needs every event, so the pattern is empty (CloudWatch's match-all).
 */
export function alertingFilterPattern(filter: (typeof ALERTING_FILTERS)[number], minSeverity: Severity): string {
  if (filter === 'terms') return ALERTING_FILTER_PATTERN;
  return minSeverity === 'info' || minSeverity === 'debug' ? '' : ALERTING_FILTER_REGEX;
}

/** Firehose Lambda processor: stay well under the 6 MB response limit (output grows vs input). */
export const PROCESSOR_BUFFER_SIZE_MB = '0.5';
export const PROCESSOR_BUFFER_INTERVAL_S = '60';
export const PROCESSOR_RETRIES = '3';

/** S3 buffering: dynamic partitioning needs at least 64 MB. */
export const S3_BUFFER_SIZE_MB = 64;
export const S3_BUFFER_INTERVAL_S = 60;

/**
 * S3 buffering of the Parquet streams: format conversion needs at least 64 MB; the largest
 * buffer and a longer interval give fewer, larger Parquet files (cheaper to list and scan),
 * still well inside the 15-minute freshness alarm.
 */
export const PARQUET_BUFFER_SIZE_MB = 128;
export const PARQUET_BUFFER_INTERVAL_S = 300;

/** Glue / Athena JSON SerDe: the timestamp form the records carry (2026-03-02T10:15:42.911Z). */
export const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';
export const SERDE_TIMESTAMP_FORMATS = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

/**
 * Partition projection of the `year` column: a `date` projection (format `yyyy`, one year apart)
 * from the configured first year to `NOW`, so Athena projects only years that can hold data
 * (about 9,000 hours per year and table instead of the 760,000 of a fixed 2015..2099 range).
 */
export const PROJECTION_YEAR_FORMAT = 'yyyy';

/**
 * Glue / Athena Parquet storage of the `<log_type>_parquet` tables (what Firehose writes with the
 * Parquet serializer).
 */
export const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
export const PARQUET_INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
export const PARQUET_OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';
export const PARQUET_COMPRESSION = 'SNAPPY';
/** Suffix of the Glue table and of the delivery stream of a log type converted to Parquet. */
export const PARQUET_TABLE_SUFFIX = '_parquet';
export const PARQUET_STREAM_SUFFIX = '-parquet';
