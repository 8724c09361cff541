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
      ...context,
    },
  });
  const stack = new LogwranglerStack(app, 'LwTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  if (opts.nag) Aspects.of(app).add(new AwsSolutionsChecks());
  const template = Template.fromStack(stack);
  return { app, stack, template };
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

export { Stack };
