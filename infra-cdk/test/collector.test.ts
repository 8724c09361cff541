import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CollectorHostRole } from '../lib/collector-role';
import { synth } from './helpers';

const REPO = path.join(__dirname, '..', '..');
const AGENT_CONFIG = path.join(REPO, 'collector', 'amazon-cloudwatch-agent.json');
const RSYSLOG_CONF = path.join(REPO, 'collector', 'rsyslog.d', '50-pexip.conf');
const SOURCES = path.join(__dirname, '..', 'config', 'sources.example.json');

interface CollectEntry {
  file_path: string;
  log_group_name: string;
  log_stream_name: string;
}

function agentFiles(): CollectEntry[] {
  const config = JSON.parse(fs.readFileSync(AGENT_CONFIG, 'utf8'));
  return config.logs.logs_collected.files.collect_list as CollectEntry[];
}

function sources(): Array<{ name: string; logType?: string }> {
  return JSON.parse(fs.readFileSync(SOURCES, 'utf8')).logGroups;
}

/** The `file="..."` of every omfile action in the rsyslog configuration, comments skipped. */
function rsyslogFiles(): string[] {
  const text = fs
    .readFileSync(RSYSLOG_CONF, 'utf8')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n');
  const actions = [...text.matchAll(/action\(([^)]*)\)/g)].map((m) => m[1]);
  expect(actions.length).toBeGreaterThan(0);
  return actions.map((a) => {
    expect(a).toMatch(/type="omfile"/);
    const file = /file="([^"]+)"/.exec(a);
    expect(file).not.toBeNull();
    return file![1];
  });
}

describe('collector host configuration (collector/)', () => {
  test('every agent log group is a Pexip group of sources.example.json, with its log type', () => {
    const byName = new Map(sources().map((s) => [s.name, s]));
    const wanted: Record<string, string> = {
      support: 'pexip_support',
      administrator: 'pexip_support',
      audit: 'pexip_audit',
      web: 'pexip_web',
    };
    const files = agentFiles();
    expect(files).toHaveLength(4);
    for (const entry of files) {
      const source = byName.get(entry.log_group_name);
      expect(source).toBeDefined();
      const kind = path.basename(entry.file_path, '.log');
      expect(Object.keys(wanted)).toContain(kind);
      expect(source!.logType).toBe(wanted[kind]);
      // One stream per collector host and log kind: streams never mix kinds.
      expect(entry.log_stream_name).toBe(`{hostname}/${kind}`);
    }
    // Every Pexip group of the example is fed.
    const fed = new Set(files.map((f) => f.log_group_name));
    for (const s of sources().filter((s) => s.logType?.startsWith('pexip_'))) {
      expect(fed).toContain(s.name);
    }
    // No two entries share a stream of a group.
    const streams = files.map((f) => `${f.log_group_name} ${f.log_stream_name}`);
    expect(new Set(streams).size).toBe(streams.length);
  });

  test('every rsyslog rule writes a file the agent ships, and every shipped file has a rule', () => {
    const shipped = agentFiles().map((f) => f.file_path).sort();
    const written = rsyslogFiles();
    expect([...new Set(written)].sort()).toEqual(shipped);
    for (const file of written) {
      expect(shipped).toContain(file);
    }
  });

  test('rsyslog routes audit, administrator and support lines before the catch-all web file', () => {
    const text = fs.readFileSync(RSYSLOG_CONF, 'utf8');
    const order = ['audit.log', 'administrator.log', 'support.log', 'web.log'].map((f) => text.indexOf(`/var/log/pexip/${f}`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toContain('if ($msg contains "msg=audit(") then');
    expect(text).toContain('if ($msg contains "Name=\\"administrator.") then');
  });
});

describe('CollectorHostRole', () => {
  test('least privilege: describe, create streams and put events in the given groups only', () => {
    const app = new App();
    const stack = new Stack(app, 'CollectorTest', { env: { account: '123456789012', region: 'eu-west-1' } });
    new CollectorHostRole(stack, 'Collector', { logGroupNames: ['/pexip/infinity/support', '/pexip/infinity/audit'] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const policies = Object.values(roles)[0].Properties.Policies;
    expect(policies).toHaveLength(1);
    const statements = policies[0].PolicyDocument.Statement;
    const actions = statements.flatMap((s: { Action: string | string[] }) => ([] as string[]).concat(s.Action)).sort();
    expect(actions).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents']);
    const resources = JSON.stringify(statements.map((s: { Resource: unknown }) => s.Resource));
    expect(resources).not.toContain('"*"');
    for (const s of statements) {
      expect(s.Effect).toBe('Allow');
      for (const r of ([] as unknown[]).concat(s.Resource)) {
        const text = JSON.stringify(r);
        expect(text).toMatch(/log-group:\/pexip\/infinity\/(support|audit):/);
      }
    }
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('the stack adds it with context collectorRole, for its pexip_* groups only', () => {
    const without = synth();
    expect(Object.keys(without.template.findResources('AWS::IAM::InstanceProfile'))).toHaveLength(0);
    const { template } = synth({ collectorRole: true });
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })] }) },
    });
    expect(Object.keys(roles)).toHaveLength(1);
    const text = JSON.stringify(Object.values(roles)[0].Properties.Policies);
    expect(text).toContain('/pexip/test/audit');
    expect(text).not.toContain('/aws/vpc/flow');
    expect(text).not.toContain('/my-app/events');
  });

  test('an empty group list is refused', () => {
    const stack = new Stack(new App(), 'Empty');
    expect(() => new CollectorHostRole(stack, 'C', { logGroupNames: [] })).toThrow(/no log groups/);
  });
});
