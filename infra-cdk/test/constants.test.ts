import * as fs from 'fs';
import * as path from 'path';
import {
  ALERTING_FILTER_PATTERN,
  ALERTING_METRICS,
  PARQUET_PREFIX_TEMPLATE,
  S3_ERROR_PREFIX_TEMPLATE,
  S3_PREFIX_TEMPLATE,
  TRANSFORM_METRICS,
  replaceLeadingPrefix,
} from '../lib/constants';

const PARTITION_RS = path.join(__dirname, '..', '..', 'crates', 'logwrangler', 'src', 'partition.rs');
const SUBSCRIPTION_RS = path.join(__dirname, '..', '..', 'crates', 'logwrangler', 'src', 'subscription.rs');

/** The value of `pub const NAME: &str = "...";` in a Rust source file. */
function rustStr(source: string, name: string): string {
  const m = source.match(new RegExp(`pub const ${name}: &str =\\s*"((?:[^"\\\\]|\\\\.)*)";`));
  if (!m) throw new Error(`pub const ${name}: &str not found`);
  return JSON.parse(`"${m[1]}"`);
}

describe('constants shared with the Rust workspace', () => {
  const rs = fs.readFileSync(PARTITION_RS, 'utf8');

  test('S3 prefix equals logwrangler::partition::S3_PREFIX_TEMPLATE', () => {
    expect(S3_PREFIX_TEMPLATE).toBe(rustStr(rs, 'S3_PREFIX_TEMPLATE'));
    expect(S3_PREFIX_TEMPLATE).toBe(
      'logs/log_type=!{partitionKeyFromLambda:log_type}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    );
  });

  test('the Parquet prefix is S3_PREFIX_TEMPLATE with its leading logs/ replaced by parquet/', () => {
    expect(PARQUET_PREFIX_TEMPLATE).toBe(`parquet/${S3_PREFIX_TEMPLATE.slice('logs/'.length)}`);
    expect(PARQUET_PREFIX_TEMPLATE).toBe(
      'parquet/log_type=!{partitionKeyFromLambda:log_type}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    );
    expect(() => replaceLeadingPrefix('data/x=1/', 'logs/', 'parquet/')).toThrow('prefix template "data/x=1/" does not start with "logs/"');
  });

  test('error prefix equals logwrangler::partition::S3_ERROR_PREFIX_TEMPLATE', () => {
    expect(S3_ERROR_PREFIX_TEMPLATE).toBe(rustStr(rs, 'S3_ERROR_PREFIX_TEMPLATE'));
    expect(S3_ERROR_PREFIX_TEMPLATE).toBe(
      'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/',
    );
  });

  test('alerting filter pattern equals logwrangler::subscription::ALERTING_FILTER_PATTERN', () => {
    // The local simulator feeds the alerting Lambda through the Rust constant.
    expect(ALERTING_FILTER_PATTERN).toBe(rustStr(fs.readFileSync(SUBSCRIPTION_RS, 'utf8'), 'ALERTING_FILTER_PATTERN'));
  });

  test('every dashboard metric name is emitted by transform-lambda', () => {
    const metrics = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'transform-lambda', 'src', 'metrics.rs'), 'utf8');
    for (const m of TRANSFORM_METRICS) expect(metrics).toContain(`"${m}"`);
    expect(metrics).toContain('"Function"');
  });

  test('every alerting metric on the dashboard is emitted by alerting-lambda', () => {
    const main = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'alerting-lambda', 'src', 'main.rs'), 'utf8');
    for (const m of ALERTING_METRICS) expect(main).toContain(`("${m}", `);
    expect(main).toContain('emf_document("alerting"');
  });
});
