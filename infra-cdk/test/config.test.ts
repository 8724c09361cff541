import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PLACEHOLDER_ASSET_DIR, codeDir } from '../lib/logwrangler-stack';
import { parseLogGroups } from '../lib/config';
import { assetFile, resources, synth } from './helpers';

describe('own log groups are never subscribed', () => {
  test.each(['/logwrangler/LwTest/transform', '/logwrangler/LwTest/alerting', '/logwrangler/LwTest/firehose', '/logwrangler/LwTest/api-access'])(
    '%s is rejected at synth',
    (name) => {
      expect(() => synth({ logGroups: [{ name: '/pexip/ok/support', logType: 'pexip_support' }, { name }] })).toThrow(
        new RegExp(`"${name}" is one of this pipeline's own log groups`),
      );
    },
  );
});

describe('configuration validation', () => {
  test.each([
    [[{ name: '/a', logTyp: 'x' }], /unknown key "logTyp"/],
    [[{ name: 'bad name!' }], /\[0\]\.name/],
    [[{ name: '/a' }, { name: '/a' }], /listed twice/],
    [[{ name: '/a', logType: 'Pexip' }], /logType/],
    [[{ name: '/a', create: true, retentionDays: 31 }], /retentionDays: expected one of/],
    [[{ name: '/a', retentionDays: 30 }], /only applies with "create": true/],
    [[{ name: '/a', parquet: true }], /\[0\]\.parquet: needs "logType": Parquet conversion writes every record with the Glue table of one log type/],
    [[{ name: '/a', logType: 'vpc_flow', parquet: 'yes' }], /\[0\]\.parquet: expected true or false/],
    [{ name: '/a' }, /expected an array/],
  ])('logGroups %j is rejected', (value, message) => {
    expect(() => parseLogGroups(value, 'context logGroups')).toThrow(message);
  });

  test.each([
    [{ alertMinSeverity: 'loud' }, /alertMinSeverity/],
    [{ apiAuth: 'cognito' }, /apiAuth/],
    [{ alertEmails: { urgent: ['a@b.c'] } }, /unknown severity "urgent"/],
    [{ alertEmails: { critical: ['not-an-address'] } }, /alertEmails.critical/],
    [{ lakeRetentionDays: 20 }, /lakeRetentionDays/],
    [{ sourcesConfig: '/nonexistent/sources.json' }, /does not exist/],
    [{ transformCodePath: os.tmpdir() }, /has no bootstrap file/],
  ])('context %j is rejected with a clear message', (ctx, message) => {
    const context: Record<string, unknown> = { ...ctx };
    if ('sourcesConfig' in ctx) context.logGroups = undefined;
    expect(() => synth(context)).toThrow(message);
  });
});

describe('configuration sources', () => {
  test('config file (the shipped example) and logGroups as a JSON string give the same stack', () => {
    const example = path.join(__dirname, '..', 'config', 'sources.example.json');
    const fromFile = synth({ logGroups: undefined, sourcesConfig: example }).template;
    const groups = JSON.parse(fs.readFileSync(example, 'utf8')).logGroups;
    const fromString = synth({ logGroups: JSON.stringify(groups) }).template;
    expect(fromFile.toJSON()).toEqual(fromString.toJSON());
    expect(Object.keys(resources(fromFile, 'AWS::Logs::SubscriptionFilter'))).toHaveLength(groups.length * 2);
    expect(Object.keys(resources(fromFile, 'AWS::Logs::QueryDefinition'))).toHaveLength(3);
  });

  test('no log groups: no subscriptions, no Insights queries, empty source mapping', () => {
    const { template, app } = synth({ logGroups: [] });
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    template.resourceCountIs('AWS::Logs::QueryDefinition', 0);
    for (const f of Object.values(resources(template, 'AWS::Lambda::Function')).filter((f) => f.Properties.Environment)) {
      expect(assetFile(app, f.Properties, 'sources.json')).toBe('{"sources":[]}');
    }
  });

  test('apiAuth=apiKey: usage plan with throttling, API key, key-required method', () => {
    const { template } = synth({ apiAuth: 'apiKey', alertMinSeverity: 'error', alertingReservedConcurrency: 0 });
    template.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: 'POST', AuthorizationType: 'NONE', ApiKeyRequired: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { RateLimit: 50, BurstLimit: 100 } });
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 1);
    const fns = Object.values(resources(template, 'AWS::Lambda::Function')).map((f) => f.Properties);
    const alerting = fns.find((f) => f.Environment?.Variables?.LOGWRANGLER_TABLE);
    expect(alerting.Environment.Variables.LOGWRANGLER_ALERT_MIN_SEVERITY).toBe('error');
    expect(alerting.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('Lambda code assets', () => {
  test('without a cargo-lambda build the placeholder is used only with allowPlaceholder, with a warning', () => {
    const stack = new Stack(new App(), 'S');
    new CfnWaitConditionHandle(stack, 'Something'); // a stack must have a resource to synthesize cleanly
    const dir = codeDir(stack, 'transform', undefined, path.join(os.tmpdir(), 'no-such-build'), true);
    expect(dir).toBe(PLACEHOLDER_ASSET_DIR);
    expect(fs.existsSync(path.join(PLACEHOLDER_ASSET_DIR, 'bootstrap'))).toBe(true);
    Annotations.fromStack(stack).hasWarning('/S', Match.stringLikeRegexp('transform-lambda: .*bootstrap not found.*placeholder'));
  });

  test('a cargo-lambda output directory is used when it exists; the context override wins', () => {
    const built = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-build-'));
    fs.writeFileSync(path.join(built, 'bootstrap'), 'x');
    const stack = new Stack(new App(), 'S');
    new CfnWaitConditionHandle(stack, 'Something'); // a stack must have a resource to synthesize cleanly
    expect(codeDir(stack, 'alerting', undefined, built)).toBe(built);
    expect(codeDir(stack, 'alerting', PLACEHOLDER_ASSET_DIR, built)).toBe(PLACEHOLDER_ASSET_DIR);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});
