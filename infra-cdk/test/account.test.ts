// What a real account would refuse or silently break, checked on the synthesized template
// (README.md "What changed"): each test names the failure it guards against.
import * as os from 'os';
import * as path from 'path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import {
  CLOUDFORMATION_RESOURCE_LIMIT,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  UNRESOLVED_ENVIRONMENT_VALUE_BYTES,
  codeDir,
} from '../lib/logwrangler-stack';
import { SEVERITIES } from '../lib/constants';
import { asList, assetFile, logicalId, resources, synth } from './helpers';

/** `n` log groups that exist already, each with a log type. */
const manyGroups = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ name: `/estate/site-${String(i).padStart(3, '0')}/support`, logType: 'pexip_support', ...extra }));

const fns = (template: any) => Object.values(resources(template, 'AWS::Lambda::Function')).map((f) => f.Properties);

/** The size Lambda counts for a synthesized environment; intrinsics at their upper estimate. */
const envBytes = (vars: Record<string, unknown>) =>
  Object.entries(vars).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : UNRESOLVED_ENVIRONMENT_VALUE_BYTES),
    0,
  );

describe('1. alarms can notify: CloudWatch may publish to every topic an alarm targets', () => {
  const { template } = synth();
  const policies = Object.values(resources(template, 'AWS::SNS::TopicPolicy')).map((p) => p.Properties);
  const policyOf = (topicRef: any) => policies.filter((p) => p.Topics.some((t: any) => JSON.stringify(t) === JSON.stringify(topicRef)));
  const alarmTopics = new Set(
    Object.values(resources(template, 'AWS::CloudWatch::Alarm')).flatMap((a) => (a.Properties.AlarmActions ?? []).map((x: any) => JSON.stringify(x))),
  );

  test('every alarm action topic has an Allow for cloudwatch.amazonaws.com, limited to alarms of this account and region', () => {
    expect(alarmTopics.size).toBeGreaterThan(0);
    for (const ref of alarmTopics) {
      const [policy] = policyOf(JSON.parse(ref));
      const allow = policy.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
      expect(allow).toEqual([
        {
          Sid: 'AllowCloudWatchAlarmsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: JSON.parse(ref),
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']],
              },
            },
          },
        },
      ]);
      // The SSL deny stays.
      expect(policy.PolicyDocument.Statement.some((s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);
    }
  });

  test('no other service may publish: the topics no alarm targets keep only the SSL deny', () => {
    for (const sev of SEVERITIES) {
      const ref = { Ref: logicalId(template, 'AWS::SNS::Topic', `Topic${sev}`) };
      if (alarmTopics.has(JSON.stringify(ref))) continue;
      const stmts = policyOf(ref).flatMap((p) => p.PolicyDocument.Statement);
      expect(stmts.map((s: any) => s.Effect)).toEqual(['Deny']);
    }
  });
});

describe('2. reserved concurrency: none by default, opt in by context', () => {
  test('default: no ReservedConcurrentExecutions on any function', () => {
    for (const f of fns(synth().template)) expect(f.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('-c alertingReservedConcurrency=10 reserves 10 for the alerting function', () => {
    const alerting = fns(synth({ alertingReservedConcurrency: '10' }).template).find((f) => f.Environment?.Variables?.LOGWRANGLER_TABLE);
    expect(alerting.ReservedConcurrentExecutions).toBe(10);
  });
});

describe('3. the source mapping travels in the code asset: each environment stays under 4 KB', () => {
  const { template, app } = synth({ logGroups: manyGroups(100), pseudonymise: true });

  test.each(['transform', 'alerting'])('%s with 100 log groups: environment under 4 KB, mapping in sources.json', (what) => {
    const f = fns(template).find((p) => String(p.Description).includes(what === 'transform' ? 'Firehose processor' : 'alerting'));
    const vars = f.Environment.Variables;
    expect(vars).not.toHaveProperty('LOGWRANGLER_SOURCES');
    expect(vars.LOGWRANGLER_SOURCES_FILE).toBe('/var/task/sources.json');
    expect(envBytes(vars)).toBeLessThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(JSON.parse(assetFile(app, f, 'sources.json')).sources).toHaveLength(100);
    // The binary is in the same asset.
    expect(assetFile(app, f, 'bootstrap').length).toBeGreaterThan(0);
  });

  test('the alerting Lambda reads LOGWRANGLER_SOURCES_FILE (as the transform does)', () => {
    const fs = require('fs') as typeof import('fs');
    for (const crate of ['transform-lambda', 'alerting-lambda']) {
      const config = fs.readFileSync(path.join(__dirname, '..', '..', 'crates', crate, 'src', 'config.rs'), 'utf8');
      expect(config).toContain('"LOGWRANGLER_SOURCES_FILE"');
    }
  });
});

describe('4. one Lambda permission for all subscribed log groups', () => {
  test('100 groups: exactly one logs.amazonaws.com permission on the alerting function, scoped to this account and region', () => {
    const { template } = synth({ logGroups: manyGroups(100) });
    const perms = Object.values(resources(template, 'AWS::Lambda::Permission')).map((p) => p.Properties);
    const fromLogs = perms.filter((p) => p.Principal === 'logs.amazonaws.com');
    expect(fromLogs).toHaveLength(1);
    expect(fromLogs[0].SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(fromLogs[0].SourceArn)).toContain(':log-group:*');
    // Every alerting filter waits for it (CloudWatch Logs checks the permission on creation).
    const permId = logicalId(template, 'AWS::Lambda::Permission', 'AlertingInvokeFromLogs');
    const filters = Object.values(resources(template, 'AWS::Logs::SubscriptionFilter')).filter(
      (f) => f.Properties.FilterName === 'logwrangler-alerting',
    );
    expect(filters).toHaveLength(100);
    for (const f of filters) expect(asList(f.DependsOn)).toContain(permId);
  });
});

describe('7. Firehose active partitions: an alarm per stream', () => {
  test('PartitionCountExceeded > 0 alarms on the JSON stream and on each Parquet stream', () => {
    const { template } = synth({ logGroups: [...manyGroups(1), { name: '/aws/vpc/flow', logType: 'vpc_flow', parquet: true }] });
    const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((a) => a.MetricName === 'PartitionCountExceeded');
    expect(alarms.map((a) => a.Dimensions[0].Value).sort()).toEqual(['LwTest-lake', 'LwTest-vpc_flow-parquet']);
    for (const a of alarms) expect(a).toMatchObject({ Namespace: 'AWS/Firehose', Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });
});

describe('8. no placeholder deploy by accident', () => {
  const noBuild = path.join(os.tmpdir(), 'no-such-build');
  const stack = () => {
    const s = new Stack(new App(), 'S');
    new CfnWaitConditionHandle(s, 'Something');
    return s;
  };

  test('without a build and without allowPlaceholder, synth refuses and names the build command', () => {
    expect(() => codeDir(stack(), 'transform', undefined, noBuild)).toThrow(
      /transform-lambda: .*bootstrap not found: build the Lambdas first, from the workspace root: cargo lambda build --release --arm64 -p transform-lambda -p alerting-lambda .*allowPlaceholder=true/,
    );
  });

  test('the whole stack refuses the same way when no code path is given and nothing is built', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], logGroups: [] } });
    const { LogwranglerStack, DEFAULT_TRANSFORM_ASSET_DIR } = require('../lib/logwrangler-stack');
    const fs = require('fs') as typeof import('fs');
    if (fs.existsSync(path.join(DEFAULT_TRANSFORM_ASSET_DIR, 'bootstrap'))) return; // built here: nothing to refuse
    expect(() => new LogwranglerStack(app, 'NoBuild')).toThrow(/cargo lambda build/);
    const allowed = new App({ context: { 'aws:cdk:bundling-stacks': [], logGroups: [], allowPlaceholder: 'true' } });
    expect(() => new LogwranglerStack(allowed, 'Allowed')).not.toThrow();
  });
});

describe('9. athenaBytesScannedCutoff respects Athena minimum', () => {
  test.each([[1], [9_999_999]])('%d bytes is refused', (n) => {
    expect(() => synth({ athenaBytesScannedCutoff: n })).toThrow(/below Athena's minimum of 10000000 bytes/);
  });

  test('10,000,000 bytes is accepted', () => {
    synth({ athenaBytesScannedCutoff: 10_000_000 }).template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 10_000_000 },
    });
  });
});

describe('10. POST /logs validates every content type', () => {
  test('the method binds the model to application/json and $default', () => {
    const { template } = synth();
    const method = Object.values(resources(template, 'AWS::ApiGateway::Method')).find((m) => m.Properties.HttpMethod === 'POST');
    const model = { Ref: logicalId(template, 'AWS::ApiGateway::Model', 'AppLogApiAppLogModel') };
    expect(method?.Properties.RequestModels).toEqual({ 'application/json': model, $default: model });
  });
});

describe('11. log level of both Lambdas', () => {
  test('default info; -c logLevel=debug sets RUST_LOG=debug on both', () => {
    for (const f of fns(synth().template).filter((p) => p.Environment)) expect(f.Environment.Variables.RUST_LOG).toBe('info');
    const debug = fns(synth({ logLevel: 'debug' }).template).filter((p) => p.Environment);
    expect(debug).toHaveLength(2);
    for (const f of debug) expect(f.Environment.Variables.RUST_LOG).toBe('debug');
  });

  test('an unknown level is refused', () => {
    expect(() => synth({ logLevel: 'verbose' })).toThrow(/context logLevel: expected one of error, warn, info, debug, trace/);
  });
});

describe('12. CloudFormation resource limit and the account-level subscription', () => {
  test('250 log groups are refused at synth, naming accountSubscription', () => {
    expect(() => synth({ logGroups: manyGroups(250) })).toThrow(
      new RegExp(`over CloudFormation's ${CLOUDFORMATION_RESOURCE_LIMIT} per stack.*-c accountSubscription=true.*AWS::Logs::AccountPolicy`),
    );
  });

  test('200 log groups fit (one permission, not 200)', () => {
    const { template } = synth({ logGroups: manyGroups(200) });
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
  });

  test('accountSubscription: one AccountPolicy to the JSON stream, excluding own groups and Parquet groups; no filter #1 for JSON groups', () => {
    const groups = [...manyGroups(3), { name: '/aws/vpc/flow', logType: 'vpc_flow', parquet: true }];
    const { template, stack } = synth({ logGroups: groups, accountSubscription: true });
    const policies = Object.values(resources(template, 'AWS::Logs::AccountPolicy')).map((p) => p.Properties);
    expect(policies).toHaveLength(1);
    const [p] = policies;
    expect(p).toMatchObject({ PolicyName: 'logwrangler-LwTest-lake', PolicyType: 'SUBSCRIPTION_FILTER_POLICY', Scope: 'ALL' });
    const doc = JSON.stringify(p.PolicyDocument);
    expect(doc).toContain(logicalId(template, 'AWS::KinesisFirehose::DeliveryStream', 'DeliveryStream'));
    expect(doc).toContain(logicalId(template, 'AWS::IAM::Role', 'LogsToFirehoseRole'));
    const criteria = JSON.stringify(p.SelectionCriteria);
    expect(criteria).toMatch(/^"LogGroupName NOT IN \[|"Fn::Join"/);
    for (const own of ['transform', 'alerting', 'firehose', 'api-access']) expect(criteria).toContain(`/logwrangler/LwTest/${own}`);
    expect(criteria).toContain('API-Gateway-Execution-Logs_');
    expect(criteria).toContain('/aws/vpc/flow');
    expect(stack.accountSubscriptionExcludes).toHaveLength(4 + 1 + 1);
    const filters = Object.values(resources(template, 'AWS::Logs::SubscriptionFilter')).map((f) => f.Properties);
    expect(filters.filter((f) => f.FilterName === 'logwrangler-lake').map((f) => f.LogGroupName)).toEqual(['/aws/vpc/flow']);
    expect(filters.filter((f) => f.FilterName === 'logwrangler-alerting')).toHaveLength(groups.length);
  });

  test('accountSubscription lets 400 groups keep their alerting filter within the limit', () => {
    const { template } = synth({ logGroups: manyGroups(400), accountSubscription: true });
    expect(Object.keys(template.toJSON().Resources).length).toBeLessThan(CLOUDFORMATION_RESOURCE_LIMIT);
  });

  test('without accountSubscription there is no account policy', () => {
    synth().template.resourceCountIs('AWS::Logs::AccountPolicy', 0);
  });
});
