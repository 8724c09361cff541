import * as fs from 'fs';
import * as path from 'path';
import { Node } from 'constructs';
import { SEVERITIES, Severity } from './constants';

/** One CloudWatch Logs log group to ship into the pipeline. */
export interface LogGroupSource {
  /** Exact log group name (subscription filters need exact names). */
  readonly name: string;
  /** log_type for the transform Lambda's source mapping (LOGWRANGLER_SOURCES); omit to content-sniff. */
  readonly logType?: string;
  /** Create the log group in this stack (kept on stack deletion). Default false: it must exist. */
  readonly create?: boolean;
  /** Retention of a created log group, in days (a CloudWatch Logs retention value). Default 30. */
  readonly retentionDays?: number;
  /**
   * Deliver this group through the Parquet stream of its `logType` (`<stack>-<logType>-parquet`,
   * Glue table `<logType>_parquet`) instead of the JSON stream. Needs `logType`. Default false.
   */
  readonly parquet?: boolean;
}

export type ApiAuth = 'iam' | 'apiKey';

/** Everything configurable, resolved from context (see README.md "Configuration"). */
export interface PipelineConfig {
  readonly logGroups: LogGroupSource[];
  readonly alertEmails: Partial<Record<Severity, string[]>>;
  readonly alertMinSeverity: Severity;
  /** Days before logs/ objects expire in the lake. */
  readonly lakeRetentionDays: number;
  /** Days before DynamoDB items expire (LOGWRANGLER_RETENTION_DAYS). */
  readonly summaryRetentionDays: number;
  /** Retention of the pipeline's own log groups, in days. */
  readonly pipelineLogRetentionDays: number;
  readonly apiAuth: ApiAuth;
  readonly apiTracing: boolean;
  /** Reserved concurrency of the alerting Lambda; 0 = none. */
  readonly alertingReservedConcurrency: number;
  /** Athena per-query bytes-scanned cutoff. */
  readonly athenaBytesScannedCutoff: number;
  readonly transformCodePath?: string;
  readonly alertingCodePath?: string;
}

/** Valid CloudWatch Logs retention values (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Default config file, relative to the infra-cdk directory. */
export const DEFAULT_SOURCES_FILE = path.join(__dirname, '..', 'config', 'sources.json');

/** Context values given on the command line (-c key=value) arrive as strings: parse JSON then. */
function jsonish(value: unknown, key: string): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new Error(`context ${key}: not valid JSON: ${(e as Error).message}`);
    }
  }
  return value;
}

function num(node: Node, key: string, dflt: number): number {
  const v = node.tryGetContext(key);
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n < 0 || !Number.isInteger(n)) {
    throw new Error(`context ${key}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return n;
}

function bool(node: Node, key: string, dflt: boolean): boolean {
  const v = node.tryGetContext(key);
  if (v === undefined || v === null || v === '') return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new Error(`context ${key}: expected true or false, got ${JSON.stringify(v)}`);
}

/** The keys a logGroups entry may have. */
const LOG_GROUP_KEYS = ['name', 'logType', 'create', 'retentionDays', 'parquet'];

/**
 * The log types delivered as Parquet (at least one group with `parquet: true`), sorted, each once.
 */
export function parquetLogTypes(groups: readonly LogGroupSource[]): string[] {
  return [...new Set(groups.filter((g) => g.parquet && g.logType).map((g) => g.logType as string))].sort();
}

/** Validates the logGroups array (from context or a config file). */
export function parseLogGroups(value: unknown, origin: string): LogGroupSource[] {
  let v = jsonish(value, origin);
  if (v && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { logGroups?: unknown }).logGroups)) {
    v = (v as { logGroups: unknown }).logGroups;
  }
  if (!Array.isArray(v)) {
    throw new Error(`${origin}: expected an array of {name, logType?, create?, retentionDays?, parquet?} (or {"logGroups": [...]})`);
  }
  const seen = new Set<string>();
  return v.map((e, i) => {
    const where = `${origin}[${i}]`;
    if (!e || typeof e !== 'object') throw new Error(`${where}: expected an object`);
    const o = e as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!LOG_GROUP_KEYS.includes(k)) {
        throw new Error(`${where}: unknown key "${k}" (allowed: ${LOG_GROUP_KEYS.join(', ')})`);
      }
    }
    if (typeof o.name !== 'string' || !/^[\w\-/.#]{1,512}$/.test(o.name)) {
      throw new Error(`${where}.name: expected a log group name ([A-Za-z0-9_-/.#], 1..512 characters)`);
    }
    if (seen.has(o.name)) throw new Error(`${where}.name: "${o.name}" is listed twice`);
    seen.add(o.name);
    if (o.logType !== undefined && (typeof o.logType !== 'string' || !/^[a-z][a-z0-9_]*$/.test(o.logType))) {
      throw new Error(`${where}.logType: expected a log_type such as "pexip_support"`);
    }
    if (o.create !== undefined && typeof o.create !== 'boolean') {
      throw new Error(`${where}.create: expected true or false`);
    }
    if (o.retentionDays !== undefined) {
      if (!LOG_RETENTION_DAYS.includes(o.retentionDays as number)) {
        throw new Error(`${where}.retentionDays: expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
      }
      if (!o.create) throw new Error(`${where}.retentionDays: only applies with "create": true`);
    }
    if (o.parquet !== undefined && typeof o.parquet !== 'boolean') {
      throw new Error(`${where}.parquet: expected true or false`);
    }
    if (o.parquet && o.logType === undefined) {
      throw new Error(
        `${where}.parquet: needs "logType": Parquet conversion writes every record with the Glue table of one log type, ` +
          'and a group without logType is content-sniffed (name its log type, or drop "parquet")',
      );
    }
    return {
      name: o.name,
      logType: o.logType as string | undefined,
      create: o.create as boolean | undefined,
      retentionDays: o.retentionDays as number | undefined,
      parquet: o.parquet as boolean | undefined,
    };
  });
}

function parseAlertEmails(value: unknown): Partial<Record<Severity, string[]>> {
  const v = jsonish(value, 'alertEmails');
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new Error('context alertEmails: expected {"critical": ["ops@example.com"], "error": [...]}');
  }
  const out: Partial<Record<Severity, string[]>> = {};
  for (const [sev, list] of Object.entries(v as Record<string, unknown>)) {
    if (!(SEVERITIES as readonly string[]).includes(sev)) {
      throw new Error(`context alertEmails: unknown severity "${sev}" (one of ${SEVERITIES.join(', ')})`);
    }
    if (!Array.isArray(list) || !list.every((a) => typeof a === 'string' && /^[^@\s]+@[^@\s]+$/.test(a))) {
      throw new Error(`context alertEmails.${sev}: expected an array of email addresses`);
    }
    out[sev as Severity] = list as string[];
  }
  return out;
}

/**
 * Reads the configuration from context. logGroups come from context `logGroups` (array or JSON
 * string) or else from the file named by context `sourcesConfig` (default config/sources.json,
 * if it exists).
 */
export function resolveConfig(node: Node): PipelineConfig {
  let logGroups: LogGroupSource[] = [];
  const ctxGroups = node.tryGetContext('logGroups');
  if (ctxGroups !== undefined && ctxGroups !== null && ctxGroups !== '') {
    logGroups = parseLogGroups(ctxGroups, 'context logGroups');
  } else {
    const file = node.tryGetContext('sourcesConfig') as string | undefined;
    const p = file ? path.resolve(file) : DEFAULT_SOURCES_FILE;
    if (file && !fs.existsSync(p)) throw new Error(`context sourcesConfig: ${p} does not exist`);
    if (fs.existsSync(p)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(p, 'utf8'));
      } catch (e) {
        throw new Error(`${p}: not valid JSON: ${(e as Error).message}`);
      }
      logGroups = parseLogGroups(parsed, p);
    }
  }

  const minSev = (node.tryGetContext('alertMinSeverity') ?? 'warning') as string;
  if (!(SEVERITIES as readonly string[]).includes(minSev)) {
    throw new Error(`context alertMinSeverity: expected one of ${SEVERITIES.join(', ')}`);
  }
  const apiAuth = (node.tryGetContext('apiAuth') ?? 'iam') as string;
  if (apiAuth !== 'iam' && apiAuth !== 'apiKey') {
    throw new Error(`context apiAuth: expected "iam" or "apiKey", got ${JSON.stringify(apiAuth)}`);
  }
  const pipelineLogRetentionDays = num(node, 'pipelineLogRetentionDays', 30);
  if (!LOG_RETENTION_DAYS.includes(pipelineLogRetentionDays)) {
    throw new Error(`context pipelineLogRetentionDays: expected one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const lakeRetentionDays = num(node, 'lakeRetentionDays', 365);
  if (lakeRetentionDays <= 30) {
    throw new Error('context lakeRetentionDays: must be more than 30 (objects move to Infrequent Access after 30 days)');
  }
  return {
    logGroups,
    alertEmails: parseAlertEmails(node.tryGetContext('alertEmails')),
    alertMinSeverity: minSev as Severity,
    lakeRetentionDays,
    summaryRetentionDays: num(node, 'summaryRetentionDays', 90),
    pipelineLogRetentionDays,
    apiAuth,
    apiTracing: bool(node, 'apiTracing', false),
    alertingReservedConcurrency: num(node, 'alertingReservedConcurrency', 10),
    athenaBytesScannedCutoff: num(node, 'athenaBytesScannedCutoff', 10 * 1024 * 1024 * 1024),
    transformCodePath: node.tryGetContext('transformCodePath'),
    alertingCodePath: node.tryGetContext('alertingCodePath'),
  };
}
