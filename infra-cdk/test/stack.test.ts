import * as fs from 'fs';
import * as path from 'path';
import { Match } from 'aws-cdk-lib/assertions';
import {
  ALERTING_FILTER_PATTERN,
  ALERTING_FILTER_REGEX,
  S3_ERROR_PREFIX_TEMPLATE,
  S3_PREFIX_TEMPLATE,
  SERDE_TIMESTAMP_FORMATS,
  SEVERITIES,
} from '../lib/constants';
import { TEST_LOG_GROUPS, asList, assetFile, logicalId, resources, roleStatements as roleStatementsOf, statementFor, synth } from './helpers';

const SCHEMAS = path.join(__dirname, '..', '..', 'schemas');
const { template, stack, app } = synth();
const json = template.toJSON();

const roleStatements = (rolePrefix: string) => roleStatementsOf(template, rolePrefix);
function fnByDescription(prefix: string): { id: string; props: any } {
  const all = resources(template, 'AWS::Lambda::Function');
  const ids = Object.keys(all).filter((id) => String(all[id].Properties.Description ?? '').startsWith(prefix));
  expect(ids).toHaveLength(1);
  return { id: ids[0], props: all[ids[0]].Properties };
}
const transform = fnByDescription('logwrangler Firehose processor');
const alerting = fnByDescription('logwrangler alerting');

describe('S3 lake', () => {
  const lakeId = logicalId(template, 'AWS::S3::Bucket', 'LakeBucket');
  const lake = resources(template, 'AWS::S3::Bucket')[lakeId].Properties;

  test('encrypted, versioned, public access blocked, access-logged to a separate bucket', () => {
    expect(lake.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(lake.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(lake.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const logBucketId = logicalId(template, 'AWS::S3::Bucket', 'AccessLogBucket');
    expect(lake.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logBucketId });
  });

  test('lifecycle: logs/ to IA after 30 days then expire; errors/ expire after 90 days', () => {
    const rules = lake.LifecycleConfiguration.Rules;
    const logs = rules.find((r: any) => r.Prefix === 'logs/');
    expect(logs.Transitions).toEqual([{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }]);
    expect(logs.ExpirationInDays).toBe(365);
    const errors = rules.find((r: any) => r.Prefix === 'errors/');
    expect(errors.ExpirationInDays).toBe(90);
  });

  test('enforceSSL bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('Firehose delivery stream', () => {
  const streams = resources(template, 'AWS::KinesisFirehose::DeliveryStream');
  const props = Object.values(streams)[0].Properties;
  const dest = props.ExtendedS3DestinationConfiguration;

  test('exactly one stream, named from the stack, encrypted', () => {
    expect(Object.keys(streams)).toHaveLength(1);
    expect(props.DeliveryStreamName).toBe('LwTest-lake');
    expect(props.DeliveryStreamEncryptionConfigurationInput).toEqual({ KeyType: 'AWS_OWNED_CMK' });
  });

  test('prefixes are exactly the shared templates', () => {
    expect(dest.Prefix).toBe(S3_PREFIX_TEMPLATE);
    expect(dest.ErrorOutputPrefix).toBe(S3_ERROR_PREFIX_TEMPLATE);
  });

  test('dynamic partitioning, GZIP, 64 MB / 60 s buffering, delivery error logging', () => {
    expect(dest.DynamicPartitioningConfiguration.Enabled).toBe(true);
    expect(dest.CompressionFormat).toBe('GZIP');
    expect(dest.BufferingHints).toEqual({ SizeInMBs: 64, IntervalInSeconds: 60 });
    expect(dest.CloudWatchLoggingOptions.Enabled).toBe(true);
    expect(dest.CloudWatchLoggingOptions.LogGroupName).toEqual({ Ref: logicalId(template, 'AWS::Logs::LogGroup', 'FirehoseLogGroup') });
  });

  test('the Lambda processor is the transform function, with a sub-1 MB buffer', () => {
    expect(dest.ProcessingConfiguration.Enabled).toBe(true);
    const [proc] = dest.ProcessingConfiguration.Processors;
    expect(proc.Type).toBe('Lambda');
    const params = Object.fromEntries(proc.Parameters.map((p: any) => [p.ParameterName, p.ParameterValue]));
    expect(params.LambdaArn).toEqual({ 'Fn::GetAtt': [transform.id, 'Arn'] });
    expect(Number(params.BufferSizeInMBs)).toBeLessThan(1);
    expect(params.BufferIntervalInSeconds).toBe('60');
    expect(Number(params.NumberOfRetries)).toBeGreaterThan(0);
  });

  test('Firehose role: S3 writes only under logs/ and errors/, invoke only the transform function', () => {
    const stmts = roleStatements('FirehoseRole');
    const put = statementFor(stmts, 's3:PutObject');
    const lakeId = logicalId(template, 'AWS::S3::Bucket', 'LakeBucket');
    expect(put.Resource).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeId, 'Arn'] }, '/logs/*']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeId, 'Arn'] }, '/errors/*']] },
    ]);
    expect(statementFor(stmts, 'lambda:InvokeFunction').Resource).toEqual({ 'Fn::GetAtt': [transform.id, 'Arn'] });
    expect(statementFor(stmts, 'logs:PutLogEvents').Resource).toEqual({
      'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'FirehoseLogGroup'), 'Arn'],
    });
  });
});

describe('Lambdas', () => {
  test.each([
    ['transform', transform, 512, 120],
    ['alerting', alerting, 256, 60],
  ])('%s: arm64, provided.al2023, bootstrap, memory, timeout, JSON logs to its own log group', (_n, fn, mem, timeout) => {
    const p = fn.props;
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.Runtime).toBe('provided.al2023');
    expect(p.Handler).toBe('bootstrap');
    expect(p.MemorySize).toBe(mem);
    expect(p.Timeout).toBe(timeout);
    expect(p.Environment.Variables.RUST_LOG).toBe('info');
    expect(p.LoggingConfig.LogFormat).toBe('JSON');
    const lg = resources(template, 'AWS::Logs::LogGroup')[p.LoggingConfig.LogGroup.Ref].Properties;
    expect(lg.RetentionInDays).toBe(30);
    expect(lg.LogGroupName).toMatch(/^\/logwrangler\/LwTest\//);
  });

  test('transform env: re-ingest stream by fixed name, source mapping JSON in the code asset', () => {
    const env = transform.props.Environment.Variables;
    expect(env.LOGWRANGLER_REINGEST_STREAM).toBe('LwTest-lake');
    expect(env).not.toHaveProperty('LOGWRANGLER_SOURCES');
    expect(env.LOGWRANGLER_SOURCES_FILE).toBe('/var/task/sources.json');
    expect(JSON.parse(assetFile(app, transform.props, 'sources.json'))).toEqual({
      sources: TEST_LOG_GROUPS.filter((g) => g.logType).map((g) => ({ log_group: g.name, log_type: g.logType })),
    });
  });

  test('transform role: PutRecordBatch on its stream only, its log group only', () => {
    const stmts = roleStatements('TransformRole');
    expect(stmts.flatMap((s) => asList(s.Action)).sort()).toEqual(
      ['firehose:PutRecordBatch', 'logs:CreateLogStream', 'logs:PutLogEvents'].sort(),
    );
    expect(statementFor(stmts, 'firehose:PutRecordBatch').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':firehose:eu-west-1:123456789012:deliverystream/LwTest-lake']],
    });
  });

  test('alerting env: table, five topic ARNs, min severity, retention, app stream, sources', () => {
    const env = alerting.props.Environment.Variables;
    expect(env.LOGWRANGLER_TABLE).toEqual({ Ref: logicalId(template, 'AWS::DynamoDB::Table', 'SummaryTable') });
    for (const sev of SEVERITIES) {
      expect(env[`LOGWRANGLER_TOPIC_${sev.toUpperCase()}_ARN`]).toEqual({
        Ref: logicalId(template, 'AWS::SNS::Topic', `Topic${sev}`),
      });
    }
    expect(env.LOGWRANGLER_ALERT_MIN_SEVERITY).toBe('warning');
    expect(env.LOGWRANGLER_RETENTION_DAYS).toBe('90');
    expect(env.LOGWRANGLER_APP_STREAM).toBe('LwTest-lake');
    expect(env.LOGWRANGLER_SOURCES_FILE).toBe(transform.props.Environment.Variables.LOGWRANGLER_SOURCES_FILE);
    expect(assetFile(app, alerting.props, 'sources.json')).toBe(assetFile(app, transform.props, 'sources.json'));
  });

  test('alerting: no reserved concurrency by default, async retries to an encrypted SSL-only on-failure queue', () => {
    expect(alerting.props.ReservedConcurrentExecutions).toBeUndefined();
    const queueId = logicalId(template, 'AWS::SQS::Queue', 'AlertingFailureQueue');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: alerting.id },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    expect(resources(template, 'AWS::SQS::Queue')[queueId].Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('alerting role: sns:Publish on exactly the five topics, DynamoDB on the table and its two indexes', () => {
    const stmts = roleStatements('AlertingRole');
    const publish = statementFor(stmts, 'sns:Publish');
    expect(asList(publish.Action)).toEqual(['sns:Publish']);
    expect(publish.Resource).toEqual(SEVERITIES.map((s) => ({ Ref: logicalId(template, 'AWS::SNS::Topic', `Topic${s}`) })));
    const tableId = logicalId(template, 'AWS::DynamoDB::Table', 'SummaryTable');
    const ddb = statementFor(stmts, 'dynamodb:Query');
    expect(ddb.Resource).toEqual([
      { 'Fn::GetAtt': [tableId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/gsi1']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/gsi2']] },
    ]);
    expect(statementFor(stmts, 'firehose:PutRecordBatch').Resource['Fn::Join'][1][2]).toBe(
      ':firehose:eu-west-1:123456789012:deliverystream/LwTest-lake',
    );
    const kms = statementFor(stmts, 'kms:GenerateDataKey');
    expect(kms.Resource).toEqual({ 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'TopicKey'), 'Arn'] });
  });
});

describe('IAM least privilege', () => {
  const allStatements = () => {
    const out: Array<{ where: string; s: any }> = [];
    for (const [id, p] of Object.entries(resources(template, 'AWS::IAM::Policy'))) {
      for (const s of p.Properties.PolicyDocument.Statement) out.push({ where: id, s });
    }
    for (const [id, r] of Object.entries(resources(template, 'AWS::IAM::Role'))) {
      for (const p of r.Properties.Policies ?? []) for (const s of p.PolicyDocument.Statement) out.push({ where: id, s });
    }
    return out;
  };

  test('no wildcard actions, no Resource "*" in any identity policy', () => {
    const bad = allStatements().filter(
      ({ s }) =>
        asList(s.Action).some((a: string) => a === '*' || a.endsWith(':*')) || asList(s.Resource).some((r: any) => r === '*'),
    );
    expect(bad).toEqual([]);
  });

  test('managed policies only on the API Gateway account CloudWatch role', () => {
    const withManaged = Object.entries(resources(template, 'AWS::IAM::Role')).filter(
      ([, r]) => (r.Properties.ManagedPolicyArns ?? []).length > 0,
    );
    expect(withManaged.map(([id]) => id)).toEqual([expect.stringMatching(/^AppLogApiCloudWatchRole/)]);
  });
});

describe('subscriptions', () => {
  test('every configured log group has filter #1 (to Firehose) and filter #2 (to alerting)', () => {
    const filters = Object.values(resources(template, 'AWS::Logs::SubscriptionFilter')).map((f) => f.Properties);
    expect(filters).toHaveLength(TEST_LOG_GROUPS.length * 2);
    const streamId = logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'DeliveryStream');
    const cwlRoleId = logicalId(template, 'AWS::IAM::Role', 'LogsToFirehoseRole');
    const createdId = logicalId(template, 'AWS::Logs::LogGroup', 'Source0LogGroup');
    const name = (f: any) => (typeof f.LogGroupName === 'string' ? f.LogGroupName : f.LogGroupName.Ref === createdId ? TEST_LOG_GROUPS[0].name : '?');
    for (const g of TEST_LOG_GROUPS) {
      const mine = filters.filter((f) => name(f) === g.name);
      expect(mine).toHaveLength(2);
      const toLake = mine.find((f) => f.DestinationArn['Fn::GetAtt']?.[0] === streamId);
      expect(toLake).toMatchObject({ FilterPattern: '', RoleArn: { 'Fn::GetAtt': [cwlRoleId, 'Arn'] } });
      const toAlert = mine.find((f) => f.DestinationArn['Fn::GetAtt']?.[0] === alerting.id);
      expect(toAlert.FilterPattern).toBe(ALERTING_FILTER_REGEX);
    }
  });

  test('the alerting filter pattern passes conference events, alarms, connectivity and warnings and up', () => {
    for (const term of ['"administrator.conference"', '"administrator.alarm"', 'connectivity', 'WARNING', 'ERROR', 'CRITICAL', '"Task timed out"', 'AccessDenied']) {
      expect(ALERTING_FILTER_PATTERN).toContain(`?${term}`);
    }
  });

  test("logs.amazonaws.com may invoke the alerting Lambda from this account's log groups (one permission), and put into the stream", () => {
    const perms = Object.values(resources(template, 'AWS::Lambda::Permission'))
      .map((p) => p.Properties)
      .filter((p) => p.Principal === 'logs.amazonaws.com');
    expect(perms).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [alerting.id, 'Arn'] },
        Principal: 'logs.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
        },
      },
    ]);
    const stmts = roleStatements('LogsToFirehoseRole');
    expect(stmts).toHaveLength(1);
    expect(stmts[0].Action).toEqual(['firehose:PutRecord', 'firehose:PutRecordBatch']);
    const role = resources(template, 'AWS::IAM::Role')[logicalId(template, 'AWS::IAM::Role', 'LogsToFirehoseRole')];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'logs.amazonaws.com' });
  });

  test('log groups with create: true are created with their retention and kept', () => {
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { LogGroupName: '/pexip/test/support', RetentionInDays: 14 },
      DeletionPolicy: 'Retain',
    });
    expect(
      Object.values(resources(template, 'AWS::Logs::LogGroup')).filter((g) => g.Properties.LogGroupName === '/pexip/test/audit'),
    ).toHaveLength(0);
  });

  test('Logs Insights queries on the raw Pexip groups only', () => {
    const defs = Object.values(resources(template, 'AWS::Logs::QueryDefinition')).map((d) => d.Properties);
    expect(defs.map((d) => d.Name).sort()).toEqual(
      ['call-story-by-call-id', 'conferences-per-day', 'errors-per-module'].map((n) => `logwrangler/LwTest/${n}`),
    );
    for (const d of defs) {
      expect(d.LogGroupNames).toEqual([{ Ref: logicalId(template, 'AWS::Logs::LogGroup', 'Source0LogGroup') }, '/pexip/test/audit']);
    }
    expect(defs.find((d) => d.Name.endsWith('call-story-by-call-id')).QueryString).toContain('CALL_ID_HERE');
  });
});

describe('DynamoDB and SNS', () => {
  test('table: pk/sk, on demand, PITR, TTL expires_at, SSE, gsi1 and gsi2 projecting ALL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: ['gsi1', 'gsi2'].map((g) => ({
        IndexName: g,
        KeySchema: [
          { AttributeName: `${g}pk`, KeyType: 'HASH' },
          { AttributeName: `${g}sk`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
    const attrs = Object.values(resources(template, 'AWS::DynamoDB::Table'))[0].Properties.AttributeDefinitions;
    expect(attrs.every((a: any) => a.AttributeType === 'S')).toBe(true);
  });

  test('the GSI names are the ones alerting-lambda queries', () => {
    const store = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'alerting-lambda', 'src', 'store', 'dynamo.rs'), 'utf8');
    for (const name of ['"gsi1"', '"gsi2"', '"gsi1pk"', '"gsi2sk"', '"expires_at"']) expect(store).toContain(name);
  });

  test('five KMS-encrypted topics with an SSL-only policy; email subscriptions from context', () => {
    const topics = resources(template, 'AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(5);
    const keyId = logicalId(template, 'AWS::KMS::Key', 'TopicKey');
    for (const t of Object.values(topics)) expect(t.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(Object.keys(resources(template, 'AWS::SNS::TopicPolicy'))).toHaveLength(5);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: logicalId(template, 'AWS::SNS::Topic', 'Topiccritical') },
    });
  });
});

describe('API Gateway', () => {
  test('POST /logs with AWS_IAM auth, body validation, proxy to the alerting Lambda', () => {
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'logs' });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'AWS_IAM',
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [alerting.id, 'Arn'] }])] }),
      },
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
  });

  test('stage: throttling, access logs, execution logging', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Logs::LogGroup', 'ApiAccessLogGroup'), 'Arn'] } },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR' })],
    });
  });
});

describe('Glue and Athena', () => {
  const schemaFiles = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).sort();
  const tables = Object.values(resources(template, 'AWS::Glue::Table')).map((t) => t.Properties);

  test('database logwrangler', () => {
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'logwrangler' } });
  });

  test('one table per schema file', () => {
    expect(schemaFiles.length).toBeGreaterThan(0);
    expect(tables.map((t) => t.TableInput.Name).sort()).toEqual(schemaFiles.map((f) => f.replace('.schema.json', '')));
  });

  test.each(schemaFiles)('%s: columns, location, SerDe, projection', (file) => {
    const logType = file.replace('.schema.json', '');
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'));
    const t = tables.find((x) => x.TableInput.Name === logType).TableInput;
    expect(t.StorageDescriptor.Columns).toEqual(
      schema['x-glue-columns'].map((c: any) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
    );
    const lakeId = logicalId(template, 'AWS::S3::Bucket', 'LakeBucket');
    expect(t.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: lakeId }, `/logs/log_type=${logType}/`]] });
    expect(t.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
      Parameters: { 'timestamp.formats': SERDE_TIMESTAMP_FORMATS, 'ignore.malformed.json': 'true' },
    });
    expect(t.PartitionKeys).toEqual(['year', 'month', 'day', 'hour'].map((n) => ({ Name: n, Type: 'string' })));
    expect(t.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.year.type': 'date',
      'projection.year.format': 'yyyy',
      'projection.year.range': '2020,NOW',
      'projection.year.interval': '1',
      'projection.year.interval.unit': 'YEARS',
      'projection.month.type': 'integer',
      'projection.month.digits': '2',
      'projection.day.type': 'integer',
      'projection.day.digits': '2',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
      'storage.location.template': {
        'Fn::Join': ['', ['s3://', { Ref: lakeId }, `/logs/log_type=${logType}/year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`]],
      },
    });
  });

  test('workgroup: enforced, encrypted results, bytes-scanned cutoff', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'logwrangler',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          OutputLocation: Match.anyValue(),
        },
      },
    });
  });

  test('one named query per .sql file, with its text, in database logwrangler', () => {
    const dir = path.join(SCHEMAS, 'queries');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
    const queries = Object.values(resources(template, 'AWS::Athena::NamedQuery')).map((q) => q.Properties);
    expect(queries.map((q) => q.Name).sort()).toEqual(files.map((f) => f.replace('.sql', '')));
    for (const f of files) {
      const q = queries.find((x) => x.Name === f.replace('.sql', ''));
      expect(q.Database).toBe('logwrangler');
      expect(q.QueryString).toBe(fs.readFileSync(path.join(dir, f), 'utf8'));
      expect(q.WorkGroup).toEqual({ Ref: logicalId(template, 'AWS::Athena::WorkGroup', 'AthenaWorkGroup') });
    }
  });
});

describe('operations', () => {
  test('dashboard shows the EMF metrics, Lambda, DynamoDB, Firehose and SNS metrics', () => {
    const dash = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
    const body = JSON.stringify(dash);
    for (const m of ['RecordsIn', 'RecordsOk', 'EventsUnparsed', 'EventsReingested', 'RecordsProcessingFailed', 'ReingestFailed', 'BytesOut']) {
      expect(body).toContain(`\\"logwrangler\\",\\"${m}\\",\\"Function\\",\\"transform\\"`);
    }
    for (const m of ['AlertsPublished', 'AlertsSuppressed']) {
      expect(body).toContain(`\\"logwrangler\\",\\"${m}\\",\\"Function\\",\\"alerting\\"`);
    }
    for (const m of ['Errors', 'Throttles', 'Duration', 'ReadThrottleEvents', 'WriteThrottleEvents', 'DeliveryToS3.Success', 'DeliveryToS3.DataFreshness', 'NumberOfMessagesPublished']) {
      expect(body).toContain(`\\"${m}\\"`);
    }
  });

  test('alarms wired to the error topic', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const errorTopic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'Topicerror') };
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    expect(byMetric('Errors')).toHaveLength(2);
    expect(byMetric('RecordsProcessingFailed')[0]).toMatchObject({ Namespace: 'logwrangler', Threshold: 0 });
    expect(byMetric('ReingestFailed')[0]).toMatchObject({ Namespace: 'logwrangler', Threshold: 0 });
    expect(byMetric('ApproximateNumberOfMessagesVisible')).toHaveLength(1);
    expect(byMetric('DeliveryToS3.DataFreshness')).toHaveLength(1);
    expect(byMetric('PartitionCountExceeded')).toEqual([
      expect.objectContaining({ Namespace: 'AWS/Firehose', Statistic: 'Maximum', Threshold: 0, Dimensions: [{ Name: 'DeliveryStreamName', Value: 'LwTest-lake' }] }),
    ]);
    expect(alarms).toHaveLength(7);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([errorTopic]);
      expect(a.ComparisonOperator).toBe('GreaterThanThreshold');
    }
    // CloudWatch may use the topics' key.
    const key = resources(template, 'AWS::KMS::Key')[logicalId(template, 'AWS::KMS::Key', 'TopicKey')].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
  });
});

test('the stack exposes the names the rest of the project needs', () => {
  expect(stack.deliveryStreamName).toBe('LwTest-lake');
  expect(json.Outputs.DeliveryStreamName.Value).toBe('LwTest-lake');
});
