import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { parquetLogTypes } from '../lib/config';
import { PARQUET_PREFIX_TEMPLATE, S3_ERROR_PREFIX_TEMPLATE } from '../lib/constants';
import { LogwranglerStack, parquetSchemas } from '../lib/logwrangler-stack';
import { parquetTypeProblems, readSchemas } from '../lib/schemas';
import {
  PARQUET_TEST_LOG_GROUPS,
  PLACEHOLDER,
  TEST_LOG_GROUPS,
  asList,
  assetFile,
  logicalId,
  resources,
  roleStatements,
  statementFor,
  synth,
} from './helpers';

const SCHEMAS = path.join(__dirname, '..', '..', 'schemas');
const PARQUET_TYPES = ['cloudtrail', 'vpc_flow'];
const { template, stack, app } = synth({ logGroups: PARQUET_TEST_LOG_GROUPS });

const lakeId = logicalId(template, 'AWS::S3::Bucket', 'LakeBucket');
const lakeArn = { 'Fn::GetAtt': [lakeId, 'Arn'] };
const firehoseRoleArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::IAM::Role', 'FirehoseRole'), 'Arn'] };
const streams = resources(template, 'AWS::KinesisFirehose::DeliveryStream');
const mainId = logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'DeliveryStream');
const parquetId = (t: string) => logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', `ParquetDeliveryStream${t.replace(/_/g, '')}`);
const parquetDest = (t: string) => streams[parquetId(t)].Properties.ExtendedS3DestinationConfiguration;
const arn = (service: string, resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:eu-west-1:123456789012:${resource}`]],
});
const transform = Object.entries(resources(template, 'AWS::Lambda::Function')).find(([, f]) =>
  String(f.Properties.Description).startsWith('logwrangler Firehose processor'),
) as [string, { Properties: any }];

describe('Parquet delivery streams', () => {
  test('one stream per log type with parquet sources, named <stack>-<log_type>-parquet, next to the JSON stream', () => {
    expect(Object.keys(streams)).toHaveLength(1 + PARQUET_TYPES.length);
    for (const t of PARQUET_TYPES) {
      expect(streams[parquetId(t)].Properties).toMatchObject({
        DeliveryStreamName: `LwTest-${t}-parquet`,
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      });
    }
    expect(stack.parquetDeliveryStreamNames).toEqual({ cloudtrail: 'LwTest-cloudtrail-parquet', vpc_flow: 'LwTest-vpc_flow-parquet' });
    expect(template.toJSON().Outputs.ParquetDeliveryStreamNames.Value).toBe('LwTest-cloudtrail-parquet,LwTest-vpc_flow-parquet');
  });

  test.each(PARQUET_TYPES)('%s: prefix under parquet/, the JSON error prefix, no S3 compression, 128 MB / 300 s', (t) => {
    const dest = parquetDest(t);
    expect(dest.Prefix).toBe(PARQUET_PREFIX_TEMPLATE);
    expect(dest.Prefix).toBe(
      'parquet/log_type=!{partitionKeyFromLambda:log_type}/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    );
    expect(dest.ErrorOutputPrefix).toBe(S3_ERROR_PREFIX_TEMPLATE);
    expect(dest.BucketARN).toEqual(lakeArn);
    expect(dest.RoleARN).toEqual(firehoseRoleArn);
    expect(dest.CompressionFormat).toBe('UNCOMPRESSED');
    expect(dest.BufferingHints).toEqual({ SizeInMBs: 128, IntervalInSeconds: 300 });
    expect(dest.BufferingHints.SizeInMBs).toBeGreaterThanOrEqual(64);
  });

  test.each(PARQUET_TYPES)('%s: the JSON stream processor and dynamic partitioning, delivery errors to its own log stream', (t) => {
    const dest = parquetDest(t);
    const main = streams[mainId].Properties.ExtendedS3DestinationConfiguration;
    expect(dest.ProcessingConfiguration).toEqual(main.ProcessingConfiguration);
    expect(dest.ProcessingConfiguration.Processors[0].Parameters[0]).toEqual({
      ParameterName: 'LambdaArn',
      ParameterValue: { 'Fn::GetAtt': [transform[0], 'Arn'] },
    });
    expect(dest.DynamicPartitioningConfiguration).toEqual(main.DynamicPartitioningConfiguration);
    expect(dest.DynamicPartitioningConfiguration.Enabled).toBe(true);
    const logStreamId = logicalId(template, 'AWS::Logs::LogStream', `FirehoseParquetLogStream${t.replace(/_/g, '')}`);
    expect(dest.CloudWatchLoggingOptions).toEqual({
      Enabled: true,
      LogGroupName: { Ref: logicalId(template, 'AWS::Logs::LogGroup', 'FirehoseLogGroup') },
      LogStreamName: { Ref: logStreamId },
    });
    expect(resources(template, 'AWS::Logs::LogStream')[logStreamId].Properties.LogStreamName).toBe(`ParquetDelivery-${t}`);
  });

  test.each(PARQUET_TYPES)('%s: conversion from JSON (OpenX) to Parquet (SNAPPY) with the schema of the %s_parquet table', (t) => {
    expect(parquetDest(t).DataFormatConversionConfiguration).toEqual({
      Enabled: true,
      InputFormatConfiguration: {
        Deserializer: { OpenXJsonSerDe: { CaseInsensitive: true, ConvertDotsInJsonKeysToUnderscores: false } },
      },
      OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
      SchemaConfiguration: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: 'logwrangler',
        TableName: `${t}_parquet`,
        Region: { Ref: 'AWS::Region' },
        RoleARN: firehoseRoleArn,
        VersionId: 'LATEST',
      },
    });
    // Created after the table it reads and the role policy it needs.
    expect(streams[parquetId(t)].DependsOn).toEqual(
      expect.arrayContaining([
        logicalId(template, 'AWS::Glue::Table', `GlueParquetTable${t.replace(/_/g, '')}`),
        logicalId(template, 'AWS::IAM::Policy', 'FirehoseRoleDefaultPolicy'),
      ]),
    );
  });

  test("the OpenX deserializer reads the records' timestamps natively (yyyy-MM-dd'T'HH:mm:ss[.S]'Z')", () => {
    // Firehose's OpenX deserializer takes no format list; the form the core writes must be one it accepts.
    const time = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'logwrangler', 'src', 'time.rs'), 'utf8');
    const form = time.match(/let mut out = \*b"([^"]+)";/)?.[1];
    expect(form).toBe('0000-00-00T00:00:00.000Z');
    expect(form).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);
  });
});

describe('Glue Parquet tables', () => {
  const tables = Object.values(resources(template, 'AWS::Glue::Table')).map((t) => t.Properties.TableInput);
  const schemaFiles = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json'));

  test('the JSON tables stay, plus one <log_type>_parquet table per Parquet log type', () => {
    expect(tables.map((t) => t.Name).sort()).toEqual(
      [...schemaFiles.map((f) => f.replace('.schema.json', '')), ...PARQUET_TYPES.map((t) => `${t}_parquet`)].sort(),
    );
  });

  test.each(PARQUET_TYPES)('%s_parquet: the schema columns, Parquet storage under parquet/, partition projection', (t) => {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS, `${t}.schema.json`), 'utf8'));
    const table = tables.find((x) => x.Name === `${t}_parquet`);
    const base = `/parquet/log_type=${t}/`;
    expect(table.StorageDescriptor).toEqual({
      Columns: schema['x-glue-columns'].map((c: any) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
      Location: { 'Fn::Join': ['', ['s3://', { Ref: lakeId }, base]] },
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: {
        SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        Parameters: { 'serialization.format': '1' },
      },
    });
    expect(table.TableType).toBe('EXTERNAL_TABLE');
    expect(table.PartitionKeys).toEqual(['year', 'month', 'day', 'hour'].map((n) => ({ Name: n, Type: 'string' })));
    const json = tables.find((x) => x.Name === t);
    const jsonProjection = Object.fromEntries(Object.entries(json.Parameters).filter(([k]) => k.startsWith('projection.')));
    expect(table.Parameters).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'parquet.compression': 'SNAPPY',
      ...jsonProjection,
      'storage.location.template': {
        'Fn::Join': ['', ['s3://', { Ref: lakeId }, `${base}year=\${year}/month=\${month}/day=\${day}/hour=\${hour}/`]],
      },
    });
  });
});

describe('IAM for the Parquet streams', () => {
  test('Firehose role: PutObject under logs/, errors/ and parquet/; Glue schema reads on the catalog, the database and the two tables', () => {
    const stmts = roleStatements(template, 'FirehoseRole');
    expect(stmts.flatMap((s) => asList(s.Action)).sort()).toEqual(
      [
        'glue:GetTable',
        'glue:GetTableVersion',
        'glue:GetTableVersions',
        'lambda:GetFunctionConfiguration',
        'lambda:InvokeFunction',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
      ].sort(),
    );
    expect(statementFor(stmts, 's3:PutObject')).toEqual({
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: ['logs', 'errors', 'parquet'].map((p) => ({ 'Fn::Join': ['', [lakeArn, `/${p}/*`]] })),
    });
    expect(statementFor(stmts, 'glue:GetTable')).toEqual({
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [
        arn('glue', 'catalog'),
        arn('glue', 'database/logwrangler'),
        arn('glue', 'table/logwrangler/cloudtrail_parquet'),
        arn('glue', 'table/logwrangler/vpc_flow_parquet'),
      ],
    });
  });

  test('transform role: re-ingest into the JSON stream and the Parquet streams, nothing else', () => {
    const stmts = roleStatements(template, 'TransformRole');
    expect(statementFor(stmts, 'firehose:PutRecordBatch')).toEqual({
      Effect: 'Allow',
      Action: 'firehose:PutRecordBatch',
      Resource: ['LwTest-lake', 'LwTest-cloudtrail-parquet', 'LwTest-vpc_flow-parquet'].map((n) => arn('firehose', `deliverystream/${n}`)),
    });
  });

  test('subscription role: put into the JSON stream and the Parquet streams', () => {
    const stmts = roleStatements(template, 'LogsToFirehoseRole');
    expect(stmts).toEqual([
      {
        Effect: 'Allow',
        Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        Resource: [mainId, parquetId('cloudtrail'), parquetId('vpc_flow')].map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
      },
    ]);
  });

  test('no wildcard action and no Resource "*" in any identity policy', () => {
    const statements = [
      ...Object.values(resources(template, 'AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement),
      ...Object.values(resources(template, 'AWS::IAM::Role')).flatMap((r) =>
        (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
      ),
    ];
    const bad = statements.filter(
      (s) => asList(s.Action).some((a: string) => a === '*' || a.endsWith(':*')) || asList(s.Resource).some((r: any) => r === '*'),
    );
    expect(bad).toEqual([]);
  });
});

describe('re-ingest goes back into the stream a record came from', () => {
  test('LOGWRANGLER_REINGEST_STREAM is not set: the function serves several streams', () => {
    const env = transform[1].Properties.Environment.Variables;
    expect(env).not.toHaveProperty('LOGWRANGLER_REINGEST_STREAM');
    expect(JSON.parse(assetFile(app, transform[1].Properties, 'sources.json')).sources).toEqual(
      PARQUET_TEST_LOG_GROUPS.filter((g) => g.logType).map((g) => ({ log_group: g.name, log_type: g.logType })),
    );
  });

  test('transform-lambda re-ingests into the stream of the request ARN when the variable is unset', () => {
    const lib = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'transform-lambda', 'src', 'lib.rs'), 'utf8');
    expect(lib).toMatch(/config\s*\.reingest_stream\s*\.as_deref\(\)\s*\.or_else\(\|\|\s*stream_name_from_arn\(&request\.delivery_stream_arn\)\)/);
    const config = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', 'transform-lambda', 'src', 'config.rs'), 'utf8');
    expect(config).toContain('var("LOGWRANGLER_REINGEST_STREAM")');
  });
});

describe('subscriptions with Parquet', () => {
  test('filter #1 of a Parquet group goes to its log type stream only; filter #2 still goes to alerting', () => {
    const filters = Object.values(resources(template, 'AWS::Logs::SubscriptionFilter')).map((f) => f.Properties);
    expect(filters).toHaveLength(PARQUET_TEST_LOG_GROUPS.length * 2);
    const alertingId = logicalId(template, 'AWS::Lambda::Function', 'AlertingFunction');
    const createdId = logicalId(template, 'AWS::Logs::LogGroup', 'Source0LogGroup');
    const name = (f: any) => (typeof f.LogGroupName === 'string' ? f.LogGroupName : f.LogGroupName.Ref === createdId ? PARQUET_TEST_LOG_GROUPS[0].name : '?');
    for (const g of PARQUET_TEST_LOG_GROUPS) {
      const mine = filters.filter((f) => name(f) === g.name);
      const toLake = mine.filter((f) => f.FilterName === 'logwrangler-lake');
      const expected = 'parquet' in g && g.parquet ? parquetId(g.logType as string) : mainId;
      expect(toLake.map((f) => f.DestinationArn)).toEqual([{ 'Fn::GetAtt': [expected, 'Arn'] }]);
      expect(mine.filter((f) => f.FilterName === 'logwrangler-alerting').map((f) => f.DestinationArn)).toEqual([
        { 'Fn::GetAtt': [alertingId, 'Arn'] },
      ]);
    }
  });
});

describe('lake and operations with Parquet', () => {
  test('lifecycle: parquet/ ages like logs/', () => {
    const rules = resources(template, 'AWS::S3::Bucket')[lakeId].Properties.LifecycleConfiguration.Rules;
    const logs = rules.find((r: any) => r.Prefix === 'logs/');
    const parquet = rules.find((r: any) => r.Prefix === 'parquet/');
    expect(parquet.Id).toBe('parquet');
    expect({ ...parquet, Id: logs.Id, Prefix: logs.Prefix }).toEqual(logs);
  });

  test('dashboard: delivery, freshness and conversion of each Parquet stream', () => {
    const body = JSON.stringify(Object.values(resources(template, 'AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const t of PARQUET_TYPES) {
      for (const m of ['DeliveryToS3.Success', 'DeliveryToS3.Records', 'DeliveryToS3.DataFreshness', 'SucceedConversion.Records', 'FailedConversion.Records']) {
        expect(body).toContain(`\\"AWS/Firehose\\",\\"${m}\\",\\"DeliveryStreamName\\",\\"LwTest-${t}-parquet\\"`);
      }
    }
  });

  test('alarms: freshness and failed conversion of each Parquet stream, to the error topic', () => {
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(7 + 3 * PARQUET_TYPES.length);
    const errorTopic = { Ref: logicalId(template, 'AWS::SNS::Topic', 'Topicerror') };
    for (const t of PARQUET_TYPES) {
      const mine = alarms.filter((a) => a.Dimensions?.[0]?.Value === `LwTest-${t}-parquet`);
      expect(mine.map((a) => [a.MetricName, a.Threshold, a.AlarmActions]).sort()).toEqual([
        ['DeliveryToS3.DataFreshness', 900, [errorTopic]],
        ['FailedConversion.Records', 0, [errorTopic]],
        ['PartitionCountExceeded', 0, [errorTopic]],
      ]);
    }
  });
});

describe('without Parquet sources', () => {
  test('"parquet": false changes nothing: same template as without the key', () => {
    const off = TEST_LOG_GROUPS.map((g) => ({ ...g, parquet: false }));
    const plain = synth().template.toJSON();
    expect(synth({ logGroups: off }).template.toJSON()).toEqual(plain);
    expect(Object.keys(plain.Resources).filter((id) => /parquet/i.test(id))).toEqual([]);
    expect(JSON.stringify(plain)).not.toMatch(/glue:GetTable|\/parquet\/|_parquet/);
    expect(plain.Outputs.ParquetDeliveryStreamNames).toBeUndefined();
  });
});

describe('Parquet configuration errors', () => {
  test('parquetLogTypes: each log type once, sorted, only with parquet: true', () => {
    expect(parquetLogTypes(PARQUET_TEST_LOG_GROUPS)).toEqual(PARQUET_TYPES);
    expect(parquetLogTypes(TEST_LOG_GROUPS)).toEqual([]);
  });

  test('a log type without a schema file is refused at synth', () => {
    expect(() => synth({ logGroups: [{ name: '/x/syslog', logType: 'syslog', parquet: true }] })).toThrow(
      /"parquet": true for log type "syslog", which has no schemas\/syslog\.schema\.json/,
    );
  });

  test('a schema with columns Firehose cannot convert is refused, naming the columns', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-schemas-'));
    const columns = [
      { name: 'log_type', type: 'string' },
      { name: 'lookup', type: 'map<array<string>,string>' },
      { name: 'nested', type: 'array<struct<>>' },
    ];
    fs.writeFileSync(path.join(dir, 'odd.schema.json'), JSON.stringify({ 'x-glue-columns': columns }));
    fs.writeFileSync(path.join(dir, 'fine.schema.json'), JSON.stringify({ 'x-glue-columns': columns.slice(0, 1) }));
    const schemas = readSchemas(dir);
    expect(parquetSchemas(['fine'], schemas).map((s) => s.logType)).toEqual(['fine']);
    expect(() => parquetSchemas(['fine', 'odd'], schemas)).toThrow(
      'logGroups: log type "odd" cannot be converted to Parquet by Firehose (' +
        'column lookup: map key type array<string> is not primitive (Parquet map keys must be); ' +
        'column nested: struct<> has no field (Parquet cannot write an empty group)): ' +
        'drop "parquet" for its log groups or change the schema',
    );
    expect(() => parquetSchemas(['fine'], [...schemas, { logType: 'fine_parquet', columns: [] }])).toThrow(
      /Glue table name fine_parquet is taken by a schema file/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a Parquet stream name over 64 characters is refused', () => {
    const app = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        logGroups: [{ name: '/a', logType: 'pexip_support', parquet: true }],
        transformCodePath: PLACEHOLDER,
        alertingCodePath: PLACEHOLDER,
        lookupCodePath: PLACEHOLDER,
      },
    });
    expect(() => new LogwranglerStack(app, 'S'.repeat(45))).toThrow(/Parquet stream name "S+-pexip_support-parquet" is longer than 64 characters/);
  });

  test.each([
    ['string', []],
    ['timestamp', []],
    ['decimal(10,2)', []],
    ['array<struct<name:string,tags:map<string,array<timestamp>>>>', []],
    ['map<array<string>,string>', ['map key type array<string> is not primitive (Parquet map keys must be)']],
    ['array<struct<>>', ['struct<> has no field (Parquet cannot write an empty group)']],
    ['struct<Name:string>', ['struct field "Name" is not lower case (the deserializer lower-cases JSON keys: it would stay null)']],
    ['struct<a:int,a:string>', ['struct field "a" appears twice']],
    ['uniontype<int,string>', ['uniontype: Parquet has no union type']],
    ['binary', ['binary: JSON carries no binary values for the deserializer to fill; use string']],
    ['geometry', ['geometry: not a type Firehose converts to Parquet']],
    ['map<string>', ['"map<string>" is not a Hive type: expected "," at position 10']],
    ['array<int>x', ['"array<int>x" is not a Hive type: expected the end at position 10']],
  ])('parquetTypeProblems(%s)', (type, problems) => {
    expect(parquetTypeProblems(type)).toEqual(problems);
  });

  test('every shipped schema converts (so any log type may use parquet: true)', () => {
    const all = readSchemas().map((s) => s.logType);
    expect(parquetSchemas(all, readSchemas()).map((s) => s.logType)).toEqual(all);
  });
});
