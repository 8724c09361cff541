import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LogwranglerStack } from '../lib/logwrangler-stack';

process.env.LOGWRANGLER_QUIET_PLACEHOLDER = '1';

export const PLACEHOLDER = path.join(__dirname, '..', 'assets', 'placeholder');

/** The log groups of the test configuration. */
export const TEST_LOG_GROUPS = [
  { name: '/pexip/test/support', logType: 'pexip_support', create: true, retentionDays: 14 },
  { name: '/pexip/test/audit', logType: 'pexip_audit' },
  { name: '/aws/vpc/flow', logType: 'vpc_flow' },
  { name: '/my-app/events' },
];

/**
 * The test configuration with Parquet on: both VPC flow groups share the vpc_flow Parquet stream,
 * the CloudTrail group has its own; the other groups stay on the JSON stream.
 */
export const PARQUET_TEST_LOG_GROUPS = [
  ...TEST_LOG_GROUPS.map((g) => (g.logType === 'vpc_flow' ? { ...g, parquet: true } : g)),
  { name: '/aws/vpc/flow-eu', logType: 'vpc_flow', parquet: true },
  { name: '/aws/cloudtrail/management', logType: 'cloudtrail', parquet: true },
];

export interface Synth {
  app: App;
  stack: LogwranglerStack;
  template: Template;
}

/**
 * Synthesizes the stack offline: bundling skipped, the placeholder assets (deterministic,
 * whatever is in ../target), the given context on top of the test configuration.
 */
export function synth(context: Record<string, unknown> = {}, opts: { nag?: boolean } = {}): Synth {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      logGroups: TEST_LOG_GROUPS,
      alertEmails: { critical: ['oncall@example.com'], error: ['ops@example.com'] },
      transformCodePath: PLACEHOLDER,
      alertingCodePath: PLACEHOLDER,
      lookupCodePath: PLACEHOLDER,
      ...context,
    },
  });
  const stack = new LogwranglerStack(app, 'LwTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  if (opts.nag) Aspects.of(app).add(new AwsSolutionsChecks());
  const template = Template.fromStack(stack);
  return { app, stack, template };
}

/**
 * A file of a function's code asset in the synthesized cloud assembly (`Code.S3Key` is the
 * asset hash plus `.zip`; the assembly keeps the staged directory as `asset.<hash>`).
 */
export function assetFile(app: App, fnProps: any, file: string): string {
  const hash = String(fnProps.Code.S3Key).replace(/\.zip$/, '');
  return fs.readFileSync(path.join(app.synth().directory, `asset.${hash}`, file), 'utf8');
}

/** The resources of one type in a synthesized template. */
export function resources(template: Template, type: string): Record<string, { Properties: any; [k: string]: any }> {
  return template.findResources(type) as Record<string, { Properties: any }>;
}

/** The logical id of the only resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(resources(template, type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`${type} ${prefix}*: ${ids.length} matches (${ids.join(', ')})`);
  return ids[0];
}

/** All statements of all IAM policies attached to the role with logical id prefix `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): any[] {
  const roleId = logicalId(template, 'AWS::IAM::Role', rolePrefix);
  const out: any[] = [];
  for (const p of Object.values(resources(template, 'AWS::IAM::Policy'))) {
    if ((p.Properties.Roles ?? []).some((r: any) => r.Ref === roleId)) out.push(...p.Properties.PolicyDocument.Statement);
  }
  for (const p of resources(template, 'AWS::IAM::Role')[roleId].Properties.Policies ?? []) {
    out.push(...p.PolicyDocument.Statement);
  }
  return out;
}

export const asList = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The only statement of `stmts` that allows `action`. */
export function statementFor(stmts: any[], action: string): any {
  const found = stmts.filter((s) => asList(s.Action).includes(action));
  expect(found).toHaveLength(1);
  return found[0];
}

export { Stack };
