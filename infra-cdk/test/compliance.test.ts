import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { PARQUET_TEST_LOG_GROUPS, synth } from './helpers';

/** cfn-lint: the project's venv first (make test installs it), else PATH. */
function cfnLint(): string {
  const venv = path.join(__dirname, '..', '..', '.venv', 'bin', 'cfn-lint');
  return process.env.CFN_LINT ?? (fs.existsSync(venv) ? venv : 'cfn-lint');
}

// Both API auth modes and both delivery variants (JSON stream only; with Parquet streams, their
// IAM, Glue tables and stream properties), paired to keep the suite fast: the two are independent.
// Pseudonymisation: the generated key secret (SMG4 suppressed), and an imported secret with its
// customer-managed KMS key.
describe.each([
  ['iam', 'JSON stream only', {}],
  ['apiKey', 'with Parquet streams', { logGroups: PARQUET_TEST_LOG_GROUPS }],
  ['iam', 'pseudonymise with a generated key secret', { pseudonymise: true }],
  [
    'apiKey',
    'pseudonymise with an imported key secret and KMS key',
    {
      pseudonymiseKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:logwrangler/pseudonymise-key-AbC123',
      pseudonymiseKeyKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
  ],
  ['iam', 'account-level subscription, reserved concurrency, debug logs', { accountSubscription: true, alertingReservedConcurrency: 10, logLevel: 'debug' }],
])('apiAuth=%s, %s', (apiAuth, _variant, context) => {
  const { stack, template } = synth({ apiAuth, ...context }, { nag: true });

  test('cdk-nag AwsSolutions: no unsuppressed errors', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split('\n')[0]}`)).toEqual([]);
  });

  test('cdk-nag: the only unsuppressed warning is the optional WAF (APIG3)', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((w) => String(w.entry.data).split(':')[0])).toEqual(['AwsSolutions-APIG3']);
  });

  test('every cdk-nag suppression carries a written reason', () => {
    const suppressions = Object.values(template.toJSON().Resources as Record<string, any>).flatMap(
      (r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [],
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) {
      expect(s.id).toMatch(/^AwsSolutions-/);
      expect(String(s.reason).length).toBeGreaterThan(20);
    }
  });

  test('cfn-lint: no errors on the synthesized template', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-cfn-lint-'));
    const file = path.join(dir, 'template.json');
    fs.writeFileSync(file, JSON.stringify(template.toJSON(), null, 1));
    const res = spawnSync(cfnLint(), ['--format', 'parseable', file], { encoding: 'utf8' });
    if (res.error) throw new Error(`cannot run cfn-lint (${cfnLint()}): ${res.error.message}; set CFN_LINT or install it (pip install cfn-lint)`);
    // Exit status bits: 2 errors, 4 warnings, 8 informational; 1 means cfn-lint itself failed.
    const status = res.status ?? 1;
    const errors = res.stdout.split('\n').filter((l) => /:E\d{4}:/.test(l));
    expect({ status: status & 3, errors, stderr: res.stderr.trim() }).toEqual({ status: 0, errors: [], stderr: '' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
