import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  Annotations,
  Aws,
  CfnOutput,
  CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  StackProps,
  Token,
  aws_apigateway as apigw,
  aws_athena as athena,
  aws_cloudwatch as cw,
  aws_cloudwatch_actions as cwActions,
  aws_dynamodb as dynamodb,
  aws_glue as glue,
  aws_iam as iam,
  aws_kinesisfirehose as firehose,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_logs as logs,
  aws_logs_destinations as logsDestinations,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  aws_sns_subscriptions as subs,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { PipelineConfig, parquetLogTypes, resolveConfig, secretArnRegion } from './config';
import {
  ALERTING_FILTERS,
  alertingFilterPattern,
  ATHENA_WORKGROUP,
  GLUE_DATABASE,
  JSON_SERDE,
  LAKE_ERRORS_PREFIX,
  LAKE_LOGS_PREFIX,
  LAKE_PARQUET_PREFIX,
  METRIC_NAMESPACE,
  PARQUET_BUFFER_INTERVAL_S,
  PARQUET_BUFFER_SIZE_MB,
  PARQUET_COMPRESSION,
  PARQUET_INPUT_FORMAT,
  PARQUET_OUTPUT_FORMAT,
  PARQUET_PREFIX_TEMPLATE,
  PARQUET_SERDE,
  PARQUET_STREAM_SUFFIX,
  PARQUET_TABLE_SUFFIX,
  PROCESSOR_BUFFER_INTERVAL_S,
  PROCESSOR_BUFFER_SIZE_MB,
  PROCESSOR_RETRIES,
  PROJECTION_YEAR_FORMAT,
  S3_BUFFER_INTERVAL_S,
  S3_BUFFER_SIZE_MB,
  S3_ERROR_PREFIX_TEMPLATE,
  S3_PREFIX_TEMPLATE,
  SERDE_TIMESTAMP_FORMATS,
  SEVERITIES,
  Severity,
  TRANSFORM_METRIC_DIMENSIONS,
  ALERTING_METRIC_DIMENSIONS,
} from './constants';
import { CollectorHostRole } from './collector-role';
import { LogTypeSchema, QUERIES_DIR, SCHEMAS_DIR, parquetProblems, readQueries, readSchemas } from './schemas';

export interface LogwranglerStackProps extends StackProps {
  /** Overrides the configuration read from context (tests). */
  readonly config?: PipelineConfig;
  /** Directory of `<log_type>.schema.json` files (default ../schemas). */
  readonly schemasDir?: string;
  /** Directory of named Athena queries (default ../schemas/queries). */
  readonly queriesDir?: string;
}

/** infra-cdk/ */
const INFRA_DIR = path.join(__dirname, '..');
export const PLACEHOLDER_ASSET_DIR = path.join(INFRA_DIR, 'assets', 'placeholder');
export const DEFAULT_TRANSFORM_ASSET_DIR = path.join(INFRA_DIR, '..', 'target', 'lambda', 'transform-lambda');
export const DEFAULT_ALERTING_ASSET_DIR = path.join(INFRA_DIR, '..', 'target', 'lambda', 'alerting-lambda');
export const DEFAULT_LOOKUP_ASSET_DIR = path.join(INFRA_DIR, '..', 'target', 'lambda', 'lookup-lambda');
/** The summary table's keys and indexes: one file, also embedded by the Rust side (`logwrangler local-resources`). */
export const TABLE_DEFINITION_FILE = path.join(INFRA_DIR, 'config', 'table.json');

/** The summary table definition (infra-cdk/config/table.json). */
export interface TableDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly timeToLiveAttribute: string;
  readonly globalSecondaryIndexes: { readonly indexName: string; readonly partitionKey: string; readonly sortKey: string }[];
}

/** Reads the summary table definition the local table is created from too. */
export function readTableDefinition(file: string = TABLE_DEFINITION_FILE): TableDefinition {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TableDefinition;
}

/** The command that builds both Lambda assets (named in the errors that ask for it). */
export const LAMBDA_BUILD_COMMAND = 'cargo lambda build --release --arm64 -p transform-lambda -p alerting-lambda -p lookup-lambda';

/**
 * The code directory of a function: the context override, else the cargo-lambda output if it
 * was built, else, only with `allowPlaceholder`, the committed placeholder (with a warning: such
 * a stack synthesizes and passes the checks, but its functions fail on every invocation, so
 * without the flag synth refuses and names the build command).
 */
export function codeDir(scope: Construct, what: string, override: string | undefined, built: string, allowPlaceholder = false): string {
  if (override) {
    const dir = path.resolve(override);
    if (!fs.existsSync(path.join(dir, 'bootstrap'))) {
      throw new Error(`context ${what}CodePath: ${dir} has no bootstrap file (cargo lambda build output expected)`);
    }
    return dir;
  }
  if (fs.existsSync(path.join(built, 'bootstrap'))) return built;
  if (!allowPlaceholder) {
    throw new Error(
      `${what}-lambda: ${built}/bootstrap not found: build the Lambdas first, from the workspace root: ${LAMBDA_BUILD_COMMAND} ` +
        `(or give -c ${what}CodePath=<dir with a bootstrap>; -c allowPlaceholder=true synthesizes with a placeholder ` +
        'whose functions fail on every invocation, for tests and reviews only)',
    );
  }
  const msg =
    `${what}-lambda: ${built}/bootstrap not found, using the placeholder asset ${PLACEHOLDER_ASSET_DIR} ` +
    `(allowPlaceholder: the function will not run). Build it first: ${LAMBDA_BUILD_COMMAND}`;
  if (!process.env.LOGWRANGLER_QUIET_PLACEHOLDER) console.warn(`WARNING: ${msg}`);
  Annotations.of(scope).addWarningV2(`logwrangler:placeholder-${what}`, msg);
  return PLACEHOLDER_ASSET_DIR;
}

/** File name of the source mapping inside each function's code asset. */
export const SOURCES_FILE_NAME = 'sources.json';
/** Where Lambda unpacks a function's code (`LAMBDA_TASK_ROOT`), so where the mapping is read. */
export const LAMBDA_TASK_ROOT = '/var/task';

const stagedCodeDirs: string[] = [];
process.once('exit', () => {
  for (const dir of stagedCodeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A copy of a function's code directory with the source mapping added as `sources.json`: the
 * mapping travels in the code asset (read through `LOGWRANGLER_SOURCES_FILE`) because inline in
 * the environment it would outgrow Lambda's 4 KB at some tens of log groups. The copy lives in a
 * temporary directory until the process exits (CDK copies it into the cloud assembly at synth).
 */
export function codeWithSources(dir: string, sourcesJson: string): string {
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), 'logwrangler-code-'));
  stagedCodeDirs.push(staged);
  fs.cpSync(dir, staged, { recursive: true });
  fs.writeFileSync(path.join(staged, SOURCES_FILE_NAME), sourcesJson);
  return staged;
}

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** What a value CloudFormation fills in at deploy time (an ARN, a generated name) is counted as. */
export const UNRESOLVED_ENVIRONMENT_VALUE_BYTES = 256;

/** The size Lambda counts for `env`, with unresolved values at their upper estimate. */
export function environmentBytes(env: Record<string, string>): number {
  return Object.entries(env).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + (Token.isUnresolved(v) ? UNRESOLVED_ENVIRONMENT_VALUE_BYTES : Buffer.byteLength(v)),
    0,
  );
}

/** Throws when `env` would not fit Lambda's 4 KB (the deploy would fail on the function). */
export function checkEnvironmentSize(what: string, env: Record<string, string>): void {
  const bytes = environmentBytes(env);
  if (bytes > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `${what}-lambda: its environment variables take about ${bytes} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} ` +
        `(${Object.keys(env).join(', ')}): the deploy would fail`,
    );
  }
}

/** CloudFormation's limit of resources in one stack's template. */
export const CLOUDFORMATION_RESOURCE_LIMIT = 500;

/**
 * Throws when the stack would have more resources than CloudFormation accepts, naming what takes
 * them and the account-level subscription that needs none per log group. One resource is kept
 * for the `AWS::CDK::Metadata` the CDK CLI adds.
 */
export function checkResourceCount(stack: Stack, config: PipelineConfig): void {
  const count = stack.node.findAll().filter((c) => CfnResource.isCfnResource(c)).length + 1;
  if (count <= CLOUDFORMATION_RESOURCE_LIMIT) return;
  const filters = stack.node.findAll().filter((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Logs::SubscriptionFilter').length;
  throw new Error(
    `logGroups: ${config.logGroups.length} log groups make ${count} resources (${filters} of them subscription filters), ` +
      `over CloudFormation's ${CLOUDFORMATION_RESOURCE_LIMIT} per stack: the deploy would fail. ` +
      (config.accountSubscription
        ? 'Each listed group still takes its alerting filter (and its log group with "create"): list fewer groups, or deploy a second stack for the rest.'
        : 'Subscribe many or all log groups of the account to the lake with -c accountSubscription=true ' +
          '(one CloudWatch Logs account-level subscription filter policy, AWS::Logs::AccountPolicy SUBSCRIPTION_FILTER_POLICY, ' +
          "whose selection criteria exclude the pipeline's own log groups) and list only the groups that need a logType, " +
          'Parquet or alerting.'),
  );
}

/** Statement that lets CloudWatch alarms of this account and region publish to `topic`. */
export function alarmPublishStatement(topic: sns.ITopic): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchAlarmsOfThisAccount',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    },
  });
}

/**
 * The schemas of the log types delivered as Parquet, checked: each has a schema file, no schema
 * file already takes its `<log_type>_parquet` table name, and Firehose can convert every column.
 * Throws a configuration error naming the log type and what to change.
 */
export function parquetSchemas(parquetTypes: readonly string[], schemas: readonly LogTypeSchema[]): LogTypeSchema[] {
  return parquetTypes.map((t) => {
    const schema = schemas.find((s) => s.logType === t);
    if (!schema) {
      throw new Error(
        `logGroups: "parquet": true for log type "${t}", which has no schemas/${t}.schema.json ` +
          '(the Parquet table takes its columns from it): fix the logType or drop "parquet"',
      );
    }
    if (schemas.some((s) => s.logType === `${t}${PARQUET_TABLE_SUFFIX}`)) {
      throw new Error(`logGroups: "parquet": true for log type "${t}", but the Glue table name ${t}${PARQUET_TABLE_SUFFIX} is taken by a schema file`);
    }
    const problems = parquetProblems(schema);
    if (problems.length > 0) {
      throw new Error(
        `logGroups: log type "${t}" cannot be converted to Parquet by Firehose (${problems.join('; ')}): ` +
          'drop "parquet" for its log groups or change the schema',
      );
    }
    return schema;
  });
}

/** The whole pipeline in one stack (README.md "What it deploys"). */
export class LogwranglerStack extends Stack {
  public readonly config: PipelineConfig;
  public readonly deliveryStreamName: string;
  /** The Parquet delivery stream of each log type with `parquet: true` sources. */
  public readonly parquetDeliveryStreamNames: Record<string, string>;
  public readonly lakeBucket: s3.Bucket;
  public readonly transformFunction: lambda.Function;
  public readonly alertingFunction: lambda.Function;
  /** The read API function (GET routes of the REST API; DynamoDB Query only). */
  public readonly lookupFunction: lambda.Function;
  public readonly table: dynamodb.Table;
  public readonly topics: Record<Severity, sns.Topic>;
  /** Names of the log groups this stack writes to itself: never subscribed. */
  public readonly ownLogGroupNames: string[];
  /** ARN of the secret holding the pseudonymisation key (generated or imported); undefined when off. */
  public readonly pseudonymiseKeySecretArn?: string;
  /** The source mapping shipped as `sources.json` in both functions' code assets. */
  public readonly sourcesJson: string;
  /** With accountSubscription: the log groups its selection criteria exclude. */
  public readonly accountSubscriptionExcludes?: string[];

  constructor(scope: Construct, id: string, props: LogwranglerStackProps = {}) {
    super(scope, id, props);
    // Server access logging grants by bucket policy, not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const config = props.config ?? resolveConfig(this.node);
    this.config = config;
    const stackName = this.stackName;
    const retention = config.pipelineLogRetentionDays as logs.RetentionDays;

    // A fixed name so the Lambdas can be told the stream without a reference (no cycle:
    // the stream references the transform Lambda's ARN).
    this.deliveryStreamName = `${stackName}-lake`.slice(0, 64);
    const streamArnOf = (name: string) => this.formatArn({ service: 'firehose', resource: 'deliverystream', resourceName: name });
    const streamArn = streamArnOf(this.deliveryStreamName);

    // Log types delivered as Parquet: one stream each (conversion takes ONE Glue schema per
    // stream, the main stream carries every log type). Checked before anything is built.
    const schemas = readSchemas(props.schemasDir ?? SCHEMAS_DIR);
    const parquetTypeSchemas = parquetSchemas(parquetLogTypes(config.logGroups), schemas);
    const parquetTypes = parquetTypeSchemas.map((s) => s.logType);
    const parquetStreamNames: Record<string, string> = {};
    for (const t of parquetTypes) {
      const name = `${stackName}-${t}${PARQUET_STREAM_SUFFIX}`;
      if (name.length > 64) {
        throw new Error(`logGroups: the Parquet stream name "${name}" is longer than 64 characters: use a shorter stackName`);
      }
      parquetStreamNames[t] = name;
    }
    this.parquetDeliveryStreamNames = parquetStreamNames;
    const parquetStreamArns = parquetTypes.map((t) => streamArnOf(parquetStreamNames[t]));

    // ---- the pipeline's own log groups -------------------------------------------------
    const ownPrefix = `/logwrangler/${stackName}/`;
    const ownLogGroup = (cid: string, leaf: string) =>
      new logs.LogGroup(this, cid, {
        logGroupName: `${ownPrefix}${leaf}`,
        retention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    const transformLogGroup = ownLogGroup('TransformLogGroup', 'transform');
    const alertingLogGroup = ownLogGroup('AlertingLogGroup', 'alerting');
    const firehoseLogGroup = ownLogGroup('FirehoseLogGroup', 'firehose');
    const apiAccessLogGroup = ownLogGroup('ApiAccessLogGroup', 'api-access');
    this.ownLogGroupNames = [transformLogGroup, alertingLogGroup, firehoseLogGroup, apiAccessLogGroup].map(
      (g) => (g.node.defaultChild as logs.CfnLogGroup).logGroupName as string,
    );
    for (const src of config.logGroups) {
      if (this.ownLogGroupNames.includes(src.name) || src.name.startsWith(ownPrefix)) {
        throw new Error(
          `logGroups: "${src.name}" is one of this pipeline's own log groups (${ownPrefix}*); ` +
            'subscribing it would feed the pipeline its own logs in a loop',
        );
      }
    }

    // ---- S3: access logs, lake, Athena results -----------------------------------------
    const accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(accessLogBucket, [
      { id: 'AwsSolutions-S1', reason: 'This is the server access log target bucket; logging it into itself would loop.' },
    ]);

    const lake = new s3.Bucket(this, 'LakeBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'lake/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'logs',
          prefix: LAKE_LOGS_PREFIX,
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
          expiration: Duration.days(config.lakeRetentionDays),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          id: 'errors',
          prefix: LAKE_ERRORS_PREFIX,
          expiration: Duration.days(90),
          noncurrentVersionExpiration: Duration.days(7),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        // The Parquet copies age like the JSON records they replace.
        ...(parquetTypes.length === 0
          ? []
          : [
              {
                id: 'parquet',
                prefix: LAKE_PARQUET_PREFIX,
                transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
                expiration: Duration.days(config.lakeRetentionDays),
                noncurrentVersionExpiration: Duration.days(7),
                abortIncompleteMultipartUploadAfter: Duration.days(7),
              },
            ]),
      ],
    });
    this.lakeBucket = lake;

    const resultsBucket = new s3.Bucket(this, 'AthenaResultsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{ id: 'expire', expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- source mapping for the Lambdas ------------------------------------------------
    // A file in each code asset, not an environment variable: the environment of a function is
    // limited to 4 KB, which some tens of log groups would fill.
    const sourcesJson = JSON.stringify({
      sources: config.logGroups
        .filter((g) => g.logType)
        .map((g) => ({ log_group: g.name, log_type: g.logType })),
    });
    this.sourcesJson = sourcesJson;
    const sourcesFileEnv = { LOGWRANGLER_SOURCES_FILE: `${LAMBDA_TASK_ROOT}/${SOURCES_FILE_NAME}` };

    // ---- pseudonymisation key (README.md "Pseudonymisation") ---------------------------
    // Both Lambdas read the same secret at cold start, so their tokens join; a function that
    // cannot read it refuses to start rather than write personal data in clear.
    let keySecretArn: string | undefined;
    if (config.pseudonymiseKeySecretArn) {
      const region = secretArnRegion(config.pseudonymiseKeySecretArn);
      if (!Token.isUnresolved(this.region) && region !== this.region) {
        throw new Error(
          `context pseudonymiseKeySecretArn: the secret is in ${region} but the stack deploys to ${this.region}, ` +
            `and the Lambdas read it in their own region: replicate the secret to ${this.region} and give the replica's ARN`,
        );
      }
      keySecretArn = config.pseudonymiseKeySecretArn;
    } else if (config.pseudonymise) {
      const keySecret = new secretsmanager.Secret(this, 'PseudonymiseKey', {
        description:
          'logwrangler pseudonymisation key (64 hex digits, HMAC-SHA-256) read by the transform and alerting Lambdas. ' +
          'Replacing or changing it changes every token: new records no longer join older ones.',
        // 32 random bytes as 64 lowercase hex digits: digits and a-f only.
        generateSecretString: {
          passwordLength: 64,
          excludeUppercase: true,
          excludePunctuation: true,
          includeSpace: false,
          excludeCharacters: 'ghijklmnopqrstuvwxyz',
        },
        // Losing the key makes every token already in the lake, DynamoDB and alerts unmatchable.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      NagSuppressions.addResourceSuppressions(keySecret, [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'The pseudonymisation key is not rotated on purpose: a new key changes every token and breaks joins with older data; it is replaced deliberately (README.md "Pseudonymisation").',
        },
      ]);
      keySecretArn = keySecret.secretArn;
    }
    this.pseudonymiseKeySecretArn = keySecretArn;
    const keyEnv: Record<string, string> = keySecretArn ? { LOGWRANGLER_PSEUDONYMISE_KEY_SECRET: keySecretArn } : {};
    /** Exactly secretsmanager:GetSecretValue on the key secret (and kms:Decrypt on its customer-managed key, if named). */
    const grantKeyRead = (role: iam.Role) => {
      if (!keySecretArn) return;
      role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [keySecretArn] }));
      if (config.pseudonymiseKeyKmsKeyArn) {
        // Only for decrypting this secret through Secrets Manager (its encryption context).
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [config.pseudonymiseKeyKmsKeyArn],
            conditions: { StringEquals: { 'kms:EncryptionContext:SecretARN': keySecretArn } },
          }),
        );
      }
    };

    // ---- transform Lambda (Firehose processor) -----------------------------------------
    const transformRole = new iam.Role(this, 'TransformRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'logwrangler transform-lambda: its log group, re-ingest into its own stream',
    });
    transformRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [transformLogGroup.logGroupArn],
      }),
    );
    // Re-ingest goes back into the stream that delivered the record: the JSON stream or a
    // Parquet stream.
    transformRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [streamArn, ...parquetStreamArns] }),
    );
    grantKeyRead(transformRole);
    const transformEnv: Record<string, string> = {
      RUST_LOG: config.logLevel,
      // The variable overrides the stream named in each request's deliveryStreamArn. With one
      // stream both agree; with Parquet streams the function serves several, so it is left
      // unset and a record is re-ingested into the stream it came from.
      ...(parquetTypes.length === 0 ? { LOGWRANGLER_REINGEST_STREAM: this.deliveryStreamName } : {}),
      ...sourcesFileEnv,
      ...keyEnv,
    };
    checkEnvironmentSize('transform', transformEnv);
    const transformFn = new lambda.Function(this, 'TransformFunction', {
      description: 'logwrangler Firehose processor: log lines to typed NDJSON with partition keys',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(
        codeWithSources(
          codeDir(this, 'transform', config.transformCodePath, DEFAULT_TRANSFORM_ASSET_DIR, config.allowPlaceholder),
          sourcesJson,
        ),
      ),
      memorySize: 512,
      timeout: Duration.seconds(120),
      role: transformRole,
      logGroup: transformLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: transformEnv,
    });
    this.transformFunction = transformFn;

    // ---- Firehose delivery stream ------------------------------------------------------
    const deliveryLogStream = new logs.LogStream(this, 'FirehoseDeliveryLogStream', {
      logGroup: firehoseLogGroup,
      logStreamName: 'DestinationDelivery',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const firehoseRole = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'logwrangler Firehose: write the lake, invoke the processor, log delivery errors',
    });
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [lake.bucketArn],
      }),
    );
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [
          lake.arnForObjects(`${LAKE_LOGS_PREFIX}*`),
          lake.arnForObjects(`${LAKE_ERRORS_PREFIX}*`),
          ...(parquetTypes.length === 0 ? [] : [lake.arnForObjects(`${LAKE_PARQUET_PREFIX}*`)]),
        ],
      }),
    );
    if (parquetTypes.length > 0) {
      // Format conversion reads the table's schema (the catalog and database are part of the lookup).
      firehoseRole.addToPolicy(
        new iam.PolicyStatement({
          actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
          resources: [
            this.formatArn({ service: 'glue', resource: 'catalog' }),
            this.formatArn({ service: 'glue', resource: 'database', resourceName: GLUE_DATABASE }),
            ...parquetTypes.map((t) =>
              this.formatArn({ service: 'glue', resource: 'table', resourceName: `${GLUE_DATABASE}/${t}${PARQUET_TABLE_SUFFIX}` }),
            ),
          ],
        }),
      );
    }
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [transformFn.functionArn],
      }),
    );
    firehoseRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['logs:PutLogEvents'], resources: [firehoseLogGroup.logGroupArn] }),
    );
    // Every stream runs the same processor with the same parameters.
    const processingConfiguration: firehose.CfnDeliveryStream.ProcessingConfigurationProperty = {
      enabled: true,
      processors: [
        {
          type: 'Lambda',
          parameters: [
            { parameterName: 'LambdaArn', parameterValue: transformFn.functionArn },
            { parameterName: 'BufferSizeInMBs', parameterValue: PROCESSOR_BUFFER_SIZE_MB },
            { parameterName: 'BufferIntervalInSeconds', parameterValue: PROCESSOR_BUFFER_INTERVAL_S },
            { parameterName: 'NumberOfRetries', parameterValue: PROCESSOR_RETRIES },
          ],
        },
      ],
    };
    const dynamicPartitioningConfiguration = { enabled: true, retryOptions: { durationInSeconds: 300 } };
    const stream = new firehose.CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamName: this.deliveryStreamName,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
      extendedS3DestinationConfiguration: {
        bucketArn: lake.bucketArn,
        roleArn: firehoseRole.roleArn,
        prefix: S3_PREFIX_TEMPLATE,
        errorOutputPrefix: S3_ERROR_PREFIX_TEMPLATE,
        compressionFormat: 'GZIP',
        bufferingHints: { sizeInMBs: S3_BUFFER_SIZE_MB, intervalInSeconds: S3_BUFFER_INTERVAL_S },
        dynamicPartitioningConfiguration,
        processingConfiguration,
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: firehoseLogGroup.logGroupName,
          logStreamName: deliveryLogStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
      },
    });
    // Firehose checks its role when the stream is created: the policy must exist first.
    stream.node.addDependency(firehoseRole.node.findChild('DefaultPolicy'));

    // ---- Glue database; Parquet tables and streams -------------------------------------
    const database = new glue.CfnDatabase(this, 'GlueDatabase', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: GLUE_DATABASE, description: 'logwrangler lake: one table per log_type' },
    });
    /** Table parameters of partition projection over the Firehose layout under `base`. */
    const projection = (base: string): Record<string, string> => ({
      'projection.enabled': 'true',
      'projection.year.type': 'date',
      'projection.year.format': PROJECTION_YEAR_FORMAT,
      'projection.year.range': `${config.lakeStartYear},NOW`,
      'projection.year.interval': '1',
      'projection.year.interval.unit': 'YEARS',
      'projection.month.type': 'integer',
      'projection.month.range': '1,12',
      'projection.month.digits': '2',
      'projection.day.type': 'integer',
      'projection.day.range': '1,31',
      'projection.day.digits': '2',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': `${base}year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`,
    });
    const partitionKeys = ['year', 'month', 'day', 'hour'].map((name) => ({ name, type: 'string' }));
    const glueColumns = (schema: LogTypeSchema) => schema.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment }));

    const parquetStreams: Record<string, firehose.CfnDeliveryStream> = {};
    for (const schema of parquetTypeSchemas) {
      const t = schema.logType;
      const tableName = `${t}${PARQUET_TABLE_SUFFIX}`;
      const base = `s3://${lake.bucketName}/${LAKE_PARQUET_PREFIX}log_type=${t}/`;
      const table = new glue.CfnTable(this, `GlueParquetTable-${t}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: GLUE_DATABASE,
        tableInput: {
          name: tableName,
          description: `${(schema.description ?? `logwrangler ${t} records`).slice(0, 1900)} (Parquet, written by ${parquetStreamNames[t]})`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'parquet',
            'parquet.compression': PARQUET_COMPRESSION,
            ...projection(base),
          },
          partitionKeys,
          storageDescriptor: {
            location: base,
            columns: glueColumns(schema),
            inputFormat: PARQUET_INPUT_FORMAT,
            outputFormat: PARQUET_OUTPUT_FORMAT,
            serdeInfo: { serializationLibrary: PARQUET_SERDE, parameters: { 'serialization.format': '1' } },
          },
        },
      });
      table.addResourceDependency(database);

      const logStream = new logs.LogStream(this, `FirehoseParquetLogStream-${t}`, {
        logGroup: firehoseLogGroup,
        logStreamName: `ParquetDelivery-${t}`,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const parquetStream = new firehose.CfnDeliveryStream(this, `ParquetDeliveryStream-${t}`, {
        deliveryStreamName: parquetStreamNames[t],
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        extendedS3DestinationConfiguration: {
          bucketArn: lake.bucketArn,
          roleArn: firehoseRole.roleArn,
          prefix: PARQUET_PREFIX_TEMPLATE,
          errorOutputPrefix: S3_ERROR_PREFIX_TEMPLATE,
          // Parquet compresses its pages itself (SNAPPY); S3-level compression must be off.
          compressionFormat: 'UNCOMPRESSED',
          bufferingHints: { sizeInMBs: PARQUET_BUFFER_SIZE_MB, intervalInSeconds: PARQUET_BUFFER_INTERVAL_S },
          dynamicPartitioningConfiguration,
          processingConfiguration,
          dataFormatConversionConfiguration: {
            enabled: true,
            // OpenX reads the records' timestamp form (2026-03-02T10:15:42.911Z, the
            // SERDE_TIMESTAMP_FORMATS of the JSON tables) natively: Firehose's OpenX
            // deserializer has no format list, it accepts yyyy-MM-dd'T'HH:mm:ss[.S]'Z'.
            inputFormatConfiguration: {
              deserializer: { openXJsonSerDe: { caseInsensitive: true, convertDotsInJsonKeysToUnderscores: false } },
            },
            outputFormatConfiguration: { serializer: { parquetSerDe: { compression: PARQUET_COMPRESSION } } },
            schemaConfiguration: {
              catalogId: Aws.ACCOUNT_ID,
              databaseName: GLUE_DATABASE,
              tableName,
              region: Aws.REGION,
              roleArn: firehoseRole.roleArn,
              versionId: 'LATEST',
            },
          },
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: firehoseLogGroup.logGroupName,
            logStreamName: logStream.logStreamName,
          },
          s3BackupMode: 'Disabled',
        },
      });
      parquetStream.node.addDependency(firehoseRole.node.findChild('DefaultPolicy'));
      parquetStream.addResourceDependency(table);
      parquetStreams[t] = parquetStream;
    }

    // ---- alerting: DynamoDB, SNS, on-failure queue -------------------------------------
    const tableDef = readTableDefinition();
    const table = new dynamodb.Table(this, 'SummaryTable', {
      partitionKey: { name: tableDef.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: tableDef.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: tableDef.timeToLiveAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of tableDef.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: { name: gsi.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: gsi.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.table = table;

    const topicKey = new kms.Key(this, 'TopicKey', {
      description: 'logwrangler SNS alert topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the (encrypted) error topic.
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    const topics = {} as Record<Severity, sns.Topic>;
    for (const sev of SEVERITIES) {
      const topic = new sns.Topic(this, `Topic-${sev}`, {
        displayName: `logwrangler ${sev}`,
        masterKey: topicKey,
        enforceSSL: true,
      });
      for (const email of config.alertEmails[sev] ?? []) {
        topic.addSubscription(new subs.EmailSubscription(email));
      }
      topics[sev] = topic;
    }
    this.topics = topics;

    const failureQueue = new sqs.Queue(this, 'AlertingFailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(failureQueue, [
      {
        id: 'AwsSolutions-SQS3',
        reason: "This queue is itself the alerting Lambda's on-failure destination (a dead-letter queue).",
      },
    ]);

    // ---- alerting Lambda ---------------------------------------------------------------
    const alertingRole = new iam.Role(this, 'AlertingRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'logwrangler alerting-lambda: summaries, alerts, app events',
    });
    alertingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [alertingLogGroup.logGroupArn],
      }),
    );
    alertingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        resources: [table.tableArn, `${table.tableArn}/index/gsi1`, `${table.tableArn}/index/gsi2`],
      }),
    );
    alertingRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        resources: SEVERITIES.map((s) => topics[s].topicArn),
      }),
    );
    alertingRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [topicKey.keyArn] }),
    );
    alertingRole.addToPolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [streamArn] }));
    grantKeyRead(alertingRole);

    const topicEnv: Record<string, string> = {};
    for (const sev of SEVERITIES) topicEnv[`LOGWRANGLER_TOPIC_${sev.toUpperCase()}_ARN`] = topics[sev].topicArn;
    const alertingEnv: Record<string, string> = {
      RUST_LOG: config.logLevel,
      LOGWRANGLER_TABLE: table.tableName,
      ...topicEnv,
      LOGWRANGLER_ALERT_MIN_SEVERITY: config.alertMinSeverity,
      LOGWRANGLER_RETENTION_DAYS: String(config.summaryRetentionDays),
      LOGWRANGLER_APP_STREAM: this.deliveryStreamName,
      ...sourcesFileEnv,
      LOGWRANGLER_ATHENA_DATABASE: GLUE_DATABASE,
      LOGWRANGLER_ATHENA_WORKGROUP: ATHENA_WORKGROUP,
      ...keyEnv,
    };
    checkEnvironmentSize('alerting', alertingEnv);
    const alertingFn = new lambda.Function(this, 'AlertingFunction', {
      description: 'logwrangler alerting: conference summaries, severity routing, POST /logs',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(
        codeWithSources(
          codeDir(this, 'alerting', config.alertingCodePath, DEFAULT_ALERTING_ASSET_DIR, config.allowPlaceholder),
          sourcesJson,
        ),
      ),
      memorySize: 256,
      timeout: Duration.seconds(60),
      role: alertingRole,
      logGroup: alertingLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: config.alertingReservedConcurrency > 0 ? config.alertingReservedConcurrency : undefined,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(failureQueue),
      environment: alertingEnv,
    });
    this.alertingFunction = alertingFn;

    // ---- lookup Lambda (the read API) --------------------------------------------------
    // A function of its own so the read path holds no write permission: Query on the table
    // and its indexes, nothing else (no secret either: the API takes an alias as the table
    // holds it, its token when pseudonymisation is on).
    const lookupLogGroup = new logs.LogGroup(this, 'LookupLogGroup', {
      logGroupName: `${ownPrefix}lookup`,
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const lookupRole = new iam.Role(this, 'LookupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'logwrangler lookup-lambda: the read API (DynamoDB Query only)',
    });
    lookupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [lookupLogGroup.logGroupArn],
      }),
    );
    lookupRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [table.tableArn, ...tableDef.globalSecondaryIndexes.map((g) => `${table.tableArn}/index/${g.indexName}`)],
      }),
    );
    // No environment: the table comes with each request as the stage variable `summaryTable`
    // (the REST API's stage is the read API's configuration), RUST_LOG defaults to info.
    const lookupFn = new lambda.Function(this, 'LookupFunction', {
      description: 'logwrangler lookup: the read API (GET conferences, sessions, calls, participants, apps)',
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(codeDir(this, 'lookup', config.lookupCodePath, DEFAULT_LOOKUP_ASSET_DIR, config.allowPlaceholder)),
      memorySize: 256,
      timeout: Duration.seconds(29),
      role: lookupRole,
      logGroup: lookupLogGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
    });
    this.lookupFunction = lookupFn;

    // ---- subscriptions of the configured log groups ------------------------------------
    const cwlRole = new iam.Role(this, 'LogsToFirehoseRole', {
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:*` },
        },
      }),
      description: 'CloudWatch Logs subscription filters: put into the logwrangler stream',
    });
    cwlRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [stream.attrArn, ...parquetTypes.map((t) => parquetStreams[t].attrArn)],
      }),
    );
    // One invoke permission for every subscribed group: CloudWatch Logs of this account and
    // region. One permission per group would fill the function's 20 KB resource policy at about
    // 50 groups.
    const logsInvokeAlerting =
      config.logGroups.length === 0
        ? undefined
        : new lambda.CfnPermission(this, 'AlertingInvokeFromLogs', {
            action: 'lambda:InvokeFunction',
            functionName: alertingFn.functionArn,
            principal: 'logs.amazonaws.com',
            sourceAccount: Aws.ACCOUNT_ID,
            sourceArn: `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          });
    // Filter #2: the term pattern (default) or the regex generated from the severity rules.
    const alertingFilter = this.node.tryGetContext('alertingFilter') ?? 'regex';
    if (!(ALERTING_FILTERS as readonly string[]).includes(alertingFilter)) {
      throw new Error(`alertingFilter: expected one of ${ALERTING_FILTERS.join(', ')}, got ${JSON.stringify(alertingFilter)}`);
    }
    const alertingPattern = alertingFilterPattern(alertingFilter, config.alertMinSeverity);
    const pexipGroups: logs.ILogGroup[] = [];
    config.logGroups.forEach((src, i) => {
      const cid = `Source${i}`;
      const group: logs.ILogGroup = src.create
        ? new logs.LogGroup(this, `${cid}LogGroup`, {
            logGroupName: src.name,
            retention: (src.retentionDays ?? 30) as logs.RetentionDays,
            removalPolicy: RemovalPolicy.RETAIN,
          })
        : logs.LogGroup.fromLogGroupName(this, `${cid}LogGroup`, src.name);
      // A Parquet group's events go to its log type's Parquet stream only (never written twice).
      // With the account-level subscription the other groups reach the JSON stream through it.
      const isParquet = Boolean(src.parquet && src.logType);
      if (isParquet || !config.accountSubscription) {
        const lakeStream = isParquet ? parquetStreams[src.logType as string] : stream;
        const toLake = new logs.CfnSubscriptionFilter(this, `${cid}ToFirehose`, {
          logGroupName: group.logGroupName,
          filterName: 'logwrangler-lake',
          filterPattern: '',
          destinationArn: lakeStream.attrArn,
          roleArn: cwlRole.roleArn,
        });
        toLake.node.addDependency(cwlRole.node.findChild('DefaultPolicy'));
      }
      const toAlerting = new logs.SubscriptionFilter(this, `${cid}ToAlerting`, {
        logGroup: group,
        filterName: 'logwrangler-alerting',
        destination: new logsDestinations.LambdaDestination(alertingFn, { addPermissions: false }),
        filterPattern: logs.FilterPattern.literal(alertingPattern),
      });
      // CloudWatch Logs checks the permission when the filter is created.
      if (logsInvokeAlerting) toAlerting.node.addDependency(logsInvokeAlerting);
      if (src.logType?.startsWith('pexip_')) pexipGroups.push(group);
    });

    // ---- optional: the syslog collector host's role (collector/, context collectorRole) ----
    const collectorRole = this.node.tryGetContext('collectorRole');
    if (collectorRole === true || collectorRole === 'true') {
      if (pexipGroups.length === 0) {
        throw new Error('collectorRole: no logGroups with a pexip_* logType for the collector to write into');
      }
      new CollectorHostRole(this, 'CollectorHost', { logGroupNames: pexipGroups.map((g) => g.logGroupName) });
    }

    // ---- Logs Insights saved queries on the raw Pexip log groups -----------------------
    if (pexipGroups.length > 0) {
      const groupNames = pexipGroups.map((g) => g.logGroupName);
      const insights: Array<[string, string]> = [
        [
          'conferences-per-day',
          [
            'filter @message like /Name="administrator.conference"/ and @message like /Participant has joined/',
            '| parse @message /Conference="(?<conference>[^"]+)"/',
            '| stats count_distinct(conference) as conferences, count(*) as joins by bin(1d) as day',
            '| sort day desc',
          ].join('\n'),
        ],
        [
          'errors-per-module',
          [
            'filter @message like /Level="(ERROR|CRITICAL)"/',
            '| parse @message /Name="(?<module>[^"]+)"/',
            '| stats count(*) as errors by module',
            '| sort errors desc',
          ].join('\n'),
        ],
        [
          'call-story-by-call-id',
          [
            '# replace CALL_ID_HERE with the Call-id (or Participant-id / Conference-ID) to follow',
            'filter @message like "CALL_ID_HERE"',
            '| fields @timestamp, @logStream, @message',
            '| sort @timestamp asc',
            '| limit 10000',
          ].join('\n'),
        ],
      ];
      for (const [name, queryString] of insights) {
        new logs.CfnQueryDefinition(this, `Insights-${name}`, {
          name: `logwrangler/${stackName}/${name}`,
          queryString,
          logGroupNames: groupNames,
        });
      }
    }

    // ---- API Gateway: POST /logs -------------------------------------------------------
    const api = new apigw.RestApi(this, 'AppLogApi', {
      restApiName: `${stackName}-app-logs`,
      description: 'logwrangler app log API: POST /logs',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: config.apiTracing,
        accessLogDestination: new apigw.LogGroupLogDestination(apiAccessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        // The read API's configuration, handed to lookup-lambda with every request.
        variables: { summaryTable: table.tableName },
      },
    });
    const model = api.addModel('AppLogModel', {
      contentType: 'application/json',
      modelName: 'AppLogEvents',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'AppLogEvents',
        description: 'One app log event or an array of up to 500 (fields are checked by the Lambda)',
        type: [apigw.JsonSchemaType.OBJECT, apigw.JsonSchemaType.ARRAY],
        maxItems: 500,
        items: { type: apigw.JsonSchemaType.OBJECT },
      },
    });
    const validator = api.addRequestValidator('BodyValidator', {
      requestValidatorName: 'body',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const useKey = config.apiAuth === 'apiKey';
    const method = api.root.addResource('logs').addMethod('POST', new apigw.LambdaIntegration(alertingFn, { proxy: true }), {
      authorizationType: useKey ? apigw.AuthorizationType.NONE : apigw.AuthorizationType.IAM,
      apiKeyRequired: useKey,
      requestValidator: validator,
      // `$default` too: a model bound to application/json only lets any other content type
      // through unvalidated (the Lambda answers those 415).
      requestModels: { 'application/json': model, $default: model },
    });
    if (useKey) {
      const plan = api.addUsagePlan('UsagePlan', {
        name: `${stackName}-app-logs`,
        throttle: { rateLimit: 50, burstLimit: 100 },
        apiStages: [{ api, stage: api.deploymentStage }],
      });
      const key = api.addApiKey('ApiKey', { description: 'logwrangler app log API key' });
      plan.addApiKey(key);
      new CfnOutput(this, 'ApiKeyId', { value: key.keyId, description: 'aws apigateway get-api-key --include-value --api-key <id>' });
      NagSuppressions.addResourceSuppressions(method, [
        { id: 'AwsSolutions-APIG4', reason: 'apiAuth=apiKey was chosen: the method requires an API key (usage plan with throttling).' },
        { id: 'AwsSolutions-COG4', reason: 'apiAuth=apiKey was chosen: clients authenticate with an API key, not Cognito.' },
      ]);
    } else {
      NagSuppressions.addResourceSuppressions(method, [
        { id: 'AwsSolutions-COG4', reason: 'The method uses IAM (SigV4) authorization; app clients are AWS principals, not Cognito users.' },
      ]);
    }
    // ---- the read API: GET routes, same authorisation as POST /logs ----------------------
    // One greedy GET resource: the function routes the six paths (GET /conferences/{name}/sessions,
    // /sessions/{id}, /calls/{call_id}, /participants/{alias}/calls, /conferences/active,
    // /apps/{source}/events) and answers 404 for any other, so the read API costs 7
    // CloudFormation resources, not 36 (the stack stays under 500 with 200 log groups).
    // POST /logs keeps its own resource, which API Gateway matches first.
    const readMethod = api.root.addResource('{proxy+}').addMethod(
      'GET',
      new apigw.LambdaIntegration(lookupFn, { proxy: true, allowTestInvoke: false }),
      {
        authorizationType: useKey ? apigw.AuthorizationType.NONE : apigw.AuthorizationType.IAM,
        apiKeyRequired: useKey,
      },
    );
    NagSuppressions.addResourceSuppressions(readMethod, [
      ...(useKey
        ? [{ id: 'AwsSolutions-APIG4', reason: 'apiAuth=apiKey was chosen: the method requires an API key (usage plan with throttling).' }]
        : []),
      {
        id: 'AwsSolutions-COG4',
        reason: useKey
          ? 'apiAuth=apiKey was chosen: clients authenticate with an API key, not Cognito.'
          : 'The method uses IAM (SigV4) authorization; readers are AWS principals, not Cognito users.',
      },
    ]);

    NagSuppressions.addResourceSuppressions(
      api,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason: 'The account-level API Gateway CloudWatch role uses the AWS managed AmazonAPIGatewayPushToCloudWatchLogs policy, the documented set-up for execution logging.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
        },
      ],
      true,
    );

    // ---- account-level subscription (accountSubscription) -------------------------------
    if (config.accountSubscription) {
      // Every log group of the account and region goes to the JSON stream, except the
      // pipeline's own (subscribing them would feed the pipeline its own logs in a loop), the
      // API's execution log group, and the Parquet groups (they keep their own filter #1).
      // CloudWatch Logs allows one such policy per account and region.
      const excluded = [
        ...this.ownLogGroupNames,
        `API-Gateway-Execution-Logs_${api.restApiId}/${api.deploymentStage.stageName}`,
        ...config.logGroups.filter((g) => g.parquet && g.logType).map((g) => g.name),
      ];
      const accountPolicy = new logs.CfnAccountPolicy(this, 'AccountSubscription', {
        policyName: `logwrangler-${stackName}-lake`,
        policyType: 'SUBSCRIPTION_FILTER_POLICY',
        scope: 'ALL',
        policyDocument: this.toJsonString({ DestinationArn: stream.attrArn, RoleArn: cwlRole.roleArn, FilterPattern: '' }),
        selectionCriteria: `LogGroupName NOT IN [${excluded.map((n) => `"${n}"`).join(', ')}]`,
      });
      accountPolicy.node.addDependency(cwlRole.node.findChild('DefaultPolicy'));
      this.accountSubscriptionExcludes = excluded;
    }

    // ---- Glue and Athena ---------------------------------------------------------------
    for (const schema of schemas) {
      const t = schema.logType;
      const base = `s3://${lake.bucketName}/${LAKE_LOGS_PREFIX}log_type=${t}/`;
      const table = new glue.CfnTable(this, `GlueTable-${t}`, {
        catalogId: Aws.ACCOUNT_ID,
        databaseName: GLUE_DATABASE,
        tableInput: {
          name: t,
          description: (schema.description ?? `logwrangler ${t} records`).slice(0, 2048),
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'json',
            compressionType: 'gzip',
            ...projection(base),
          },
          partitionKeys,
          storageDescriptor: {
            location: base,
            columns: glueColumns(schema),
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            compressed: true,
            serdeInfo: {
              serializationLibrary: JSON_SERDE,
              parameters: {
                'timestamp.formats': SERDE_TIMESTAMP_FORMATS,
                'ignore.malformed.json': 'true',
              },
            },
          },
        },
      });
      table.addResourceDependency(database);
    }

    const workgroup = new athena.CfnWorkGroup(this, 'AthenaWorkGroup', {
      name: ATHENA_WORKGROUP,
      description: 'logwrangler queries over the lake',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: config.athenaBytesScannedCutoff,
        resultConfiguration: {
          outputLocation: `s3://${resultsBucket.bucketName}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    for (const q of readQueries(props.queriesDir ?? QUERIES_DIR)) {
      const nq = new athena.CfnNamedQuery(this, `NamedQuery-${q.name}`, {
        name: q.name,
        description: q.description,
        database: GLUE_DATABASE,
        queryString: q.sql,
        workGroup: workgroup.ref,
      });
      nq.addResourceDependency(database);
    }

    // ---- operations: dashboard and alarms ----------------------------------------------
    const emf = (metricName: string, label?: string) =>
      new cw.Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: TRANSFORM_METRIC_DIMENSIONS,
        statistic: cw.Stats.SUM,
        period: Duration.minutes(5),
        label,
      });
    const fhMetric = (metricName: string, statistic: string, streamName: string = this.deliveryStreamName) =>
      new cw.Metric({
        namespace: 'AWS/Firehose',
        metricName,
        dimensionsMap: { DeliveryStreamName: streamName },
        statistic,
        period: Duration.minutes(5),
      });
    const dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: `${stackName}-logwrangler`.slice(0, 255),
    });
    const fnWidgets = (fn: lambda.Function, name: string) => [
      new cw.GraphWidget({
        title: `${name}: errors and throttles`,
        left: [fn.metricErrors(), fn.metricThrottles()],
        width: 8,
      }),
      new cw.GraphWidget({
        title: `${name}: duration`,
        left: [fn.metricDuration({ statistic: cw.Stats.AVERAGE }), fn.metricDuration({ statistic: cw.Stats.p(99) })],
        width: 8,
      }),
    ];
    dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'transform: records in/out',
        left: ['RecordsIn', 'RecordsOk', 'RecordsDropped', 'RecordsProcessingFailed'].map((m) => emf(m)),
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'transform: events, unparsed, re-ingested',
        left: ['EventsIn', 'EventsUnparsed', 'EventsReingested', 'RecordsReingested', 'ReingestFailed'].map((m) => emf(m)),
        width: 8,
      }),
      new cw.GraphWidget({ title: 'transform: bytes', left: [emf('BytesIn'), emf('BytesOut')], width: 8 }),
    );
    dashboard.addWidgets(...fnWidgets(transformFn, 'transform'), ...fnWidgets(alertingFn, 'alerting'));
    dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Firehose delivery to S3',
        left: [fhMetric('DeliveryToS3.Success', cw.Stats.AVERAGE), fhMetric('DeliveryToS3.Records', cw.Stats.SUM)],
        right: [fhMetric('DeliveryToS3.DataFreshness', cw.Stats.MAXIMUM)],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'Firehose active partitions (quota 500 by default)',
        left: [fhMetric('PartitionCount', cw.Stats.MAXIMUM)],
        right: [fhMetric('PartitionCountExceeded', cw.Stats.MAXIMUM)],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'DynamoDB throttles',
        left: [
          table.metric('ReadThrottleEvents', { statistic: cw.Stats.SUM }),
          table.metric('WriteThrottleEvents', { statistic: cw.Stats.SUM }),
        ],
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'alerting: alerts sent and suppressed',
        left: ['AlertsPublished', 'AlertsSuppressed'].map(
          (metricName) =>
            new cw.Metric({
              namespace: METRIC_NAMESPACE,
              metricName,
              dimensionsMap: ALERTING_METRIC_DIMENSIONS,
              statistic: cw.Stats.SUM,
              period: Duration.minutes(5),
            }),
        ),
        width: 8,
      }),
      new cw.GraphWidget({
        title: 'SNS messages published',
        left: SEVERITIES.map((s) => topics[s].metricNumberOfMessagesPublished({ label: s })),
        right: [failureQueue.metricApproximateNumberOfMessagesVisible({ label: 'alerting on-failure queue' })],
        width: 8,
      }),
    );

    // One row per Parquet stream: delivery, freshness and format conversion.
    for (const t of parquetTypes) {
      const name = parquetStreamNames[t];
      dashboard.addWidgets(
        new cw.GraphWidget({
          title: `Firehose ${t} Parquet: delivery to S3`,
          left: [fhMetric('DeliveryToS3.Success', cw.Stats.AVERAGE, name), fhMetric('DeliveryToS3.Records', cw.Stats.SUM, name)],
          right: [fhMetric('DeliveryToS3.DataFreshness', cw.Stats.MAXIMUM, name)],
          width: 8,
        }),
        new cw.GraphWidget({
          title: `Firehose ${t} Parquet: format conversion`,
          left: [fhMetric('SucceedConversion.Records', cw.Stats.SUM, name), fhMetric('FailedConversion.Records', cw.Stats.SUM, name)],
          width: 8,
        }),
      );
    }

    // enforceSSL gives each topic a policy that replaces SNS's default one, so the topic an
    // alarm notifies must allow CloudWatch (this account's alarms in this region) to publish.
    const alarmTopic = topics.error;
    alarmTopic.addToResourcePolicy(alarmPublishStatement(alarmTopic));
    const alarmAction = new cwActions.SnsAction(alarmTopic);
    const alarm = (cid: string, metric: cw.IMetric, threshold: number, description: string) => {
      const a = new cw.Alarm(this, cid, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(alarmAction);
      return a;
    };
    alarm('TransformErrorsAlarm', transformFn.metricErrors({ period: Duration.minutes(5) }), 0, 'transform-lambda invocations failed (Firehose retries, then writes errors/)');
    alarm('RecordsProcessingFailedAlarm', emf('RecordsProcessingFailed'), 0, 'records answered ProcessingFailed: look under errors/ in the lake');
    alarm('ReingestFailedAlarm', emf('ReingestFailed'), 0, 're-ingest into the delivery stream failed');
    alarm('AlertingErrorsAlarm', alertingFn.metricErrors({ period: Duration.minutes(5) }), 0, 'alerting-lambda invocations failed');
    alarm(
      'AlertingFailureQueueAlarm',
      failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cw.Stats.MAXIMUM }),
      0,
      'alerting-lambda events exhausted their retries and wait in the on-failure queue',
    );
    alarm('FirehoseFreshnessAlarm', fhMetric('DeliveryToS3.DataFreshness', cw.Stats.MAXIMUM), 900, 'the oldest record in Firehose is older than 15 minutes');
    // Beyond the active-partition quota (500 per stream by default) Firehose writes the records
    // under errors/activePartitionExceeded/ and nothing else says so.
    alarm(
      'FirehosePartitionCountExceededAlarm',
      fhMetric('PartitionCountExceeded', cw.Stats.MAXIMUM),
      0,
      `${this.deliveryStreamName}: more active partitions than the stream's quota (500 by default); records go to errors/activePartitionExceeded/`,
    );
    for (const t of parquetTypes) {
      const name = parquetStreamNames[t];
      alarm(`ParquetFreshnessAlarm-${t}`, fhMetric('DeliveryToS3.DataFreshness', cw.Stats.MAXIMUM, name), 900, `the oldest record in ${name} is older than 15 minutes`);
      alarm(
        `ParquetConversionFailedAlarm-${t}`,
        fhMetric('FailedConversion.Records', cw.Stats.SUM, name),
        0,
        `${name}: records failed Parquet conversion (kept as JSON under errors/format-conversion-failed/)`,
      );
      alarm(
        `ParquetPartitionCountExceededAlarm-${t}`,
        fhMetric('PartitionCountExceeded', cw.Stats.MAXIMUM, name),
        0,
        `${name}: more active partitions than the stream's quota (500 by default); records go to errors/activePartitionExceeded/`,
      );
    }

    // ---- justified nag findings on wildcard resources ----------------------------------
    NagSuppressions.addResourceSuppressions(
      [transformRole, alertingRole],
      [
        {
          id: 'AwsSolutions-IAM5',
          reason: "A log group ARN ends in ':*' (its log streams); the statement is scoped to the function's own log group.",
          appliesTo: [{ regex: '/^Resource::<(Transform|Alerting)LogGroup[0-9A-F]+\\.Arn>$/' }],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(
      firehoseRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            "Firehose writes objects with generated names under the logs/, errors/ and parquet/ prefixes only; the log group ARN ends in ':*' (its streams).",
          appliesTo: [
            { regex: '/^Resource::<LakeBucket[0-9A-F]+\\.Arn>\\/(logs|errors|parquet)\\/\\*$/' },
            { regex: '/^Resource::<FirehoseLogGroup[0-9A-F]+\\.Arn>$/' },
          ],
        },
      ],
      true,
    );

    new CfnOutput(this, 'LakeBucketName', { value: lake.bucketName });
    new CfnOutput(this, 'DeliveryStreamName', { value: this.deliveryStreamName });
    if (parquetTypes.length > 0) {
      new CfnOutput(this, 'ParquetDeliveryStreamNames', {
        value: parquetTypes.map((t) => parquetStreamNames[t]).join(','),
        description: 'Parquet delivery streams, one per log type with parquet: true',
      });
    }
    new CfnOutput(this, 'ApiUrl', { value: `${api.url}logs` });
    new CfnOutput(this, 'SummaryTableName', { value: table.tableName });
    new CfnOutput(this, 'AlertingFailureQueueUrl', { value: failureQueue.queueUrl });
    if (keySecretArn) {
      new CfnOutput(this, 'PseudonymiseKeySecretArn', {
        value: keySecretArn,
        description: 'Secrets Manager secret holding the pseudonymisation key of both Lambdas (aws secretsmanager get-secret-value --secret-id <arn>)',
      });
      if (config.pseudonymiseKeySecretArn) {
        new CfnOutput(this, 'PseudonymiseKeyReaderRoleArns', {
          value: [transformRole.roleArn, alertingRole.roleArn].join(','),
          description: 'Roles that read the imported key secret: allow them in its resource policy (and KMS key policy) when it is in another account',
        });
      }
    }

    checkResourceCount(this, config);
  }
}
