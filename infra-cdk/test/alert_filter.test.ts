import { ALERTING_FILTER_PATTERN, ALERTING_FILTER_REGEX, alertingFilterPattern } from '../lib/constants';
import { resources, synth } from './helpers';

function alertingPatterns(context: Record<string, unknown>): string[] {
  const { template } = synth(context);
  return Object.values(resources(template, 'AWS::Logs::SubscriptionFilter'))
    .map((f) => f.Properties)
    .filter((p) => p.FilterName === 'logwrangler-alerting')
    .map((p) => p.FilterPattern);
}

describe('subscription filter #2 (alertingFilter)', () => {
  test('the generated regex is a CloudWatch Logs regex pattern within its limits', () => {
    expect(ALERTING_FILTER_REGEX).toMatch(/^%[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]+%$/);
    expect(ALERTING_FILTER_REGEX.length).toBeLessThanOrEqual(1024);
    const re = new RegExp(ALERTING_FILTER_REGEX.slice(1, -1));
    for (const line of [
      '{"log_level":"critical","message":"db down"}',
      '{"level":"fatal"}',
      'level=error msg=x',
      'Error: boom',
      'Level="WARNING" Name="support.sip"',
      'Level="INFO" Name="administrator.conference" Message="Participant has joined."',
      '2019-06-07T19:11:23.562Z abc Task timed out after 3.00 seconds',
      '{"errorCode":"AccessDenied"}',
    ]) {
      expect(re.test(line)).toBe(true);
    }
    expect(re.test('Level="INFO" Name="support.sip" Message="Incoming SIP request"')).toBe(false);
  });

  test('every group gets the regex by default, the term pattern with alertingFilter=terms', () => {
    const byDefault = alertingPatterns({});
    expect(byDefault.length).toBeGreaterThan(0);
    expect(new Set(byDefault)).toEqual(new Set([ALERTING_FILTER_REGEX]));
    const terms = alertingPatterns({ alertingFilter: 'terms' });
    expect(terms).toHaveLength(byDefault.length);
    expect(new Set(terms)).toEqual(new Set([ALERTING_FILTER_PATTERN]));
    // A minimum of info needs every event.
    expect(new Set(alertingPatterns({ alertingFilter: 'regex', alertMinSeverity: 'info' }))).toEqual(new Set(['']));
    expect(alertingFilterPattern('regex', 'critical')).toBe(ALERTING_FILTER_REGEX);
    expect(() => synth({ alertingFilter: 'fuzzy' })).toThrow(/alertingFilter: expected one of terms, regex/);
  });
});
