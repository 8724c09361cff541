import * as fs from 'fs';
import * as path from 'path';

/** The workspace's generated schemas (one per log_type): the single source of the Glue columns. */
export const SCHEMAS_DIR = path.join(__dirname, '..', '..', 'schemas');
export const QUERIES_DIR = path.join(SCHEMAS_DIR, 'queries');

export interface GlueColumn {
  readonly name: string;
  readonly type: string;
  readonly comment?: string;
}

export interface LogTypeSchema {
  /** log_type, from the file name `<log_type>.schema.json`. */
  readonly logType: string;
  readonly description?: string;
  readonly columns: GlueColumn[];
}

const GLUE_TYPE = /^(bigint|int|smallint|tinyint|double|float|string|boolean|timestamp|date|array<[a-z<>,]+>|map<[a-z<>,]+>|struct<.+>)$/;
const PARTITION_KEYS = ['year', 'month', 'day', 'hour'];

/** Reads every `<log_type>.schema.json` in `dir` (sorted), checking the x-glue-columns list. */
export function readSchemas(dir: string = SCHEMAS_DIR): LogTypeSchema[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no *.schema.json files (run \`make schemas\`)`);
  return files.map((f) => {
    const file = path.join(dir, f);
    const logType = f.slice(0, -'.schema.json'.length);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      description?: string;
      'x-glue-columns'?: GlueColumn[];
    };
    const cols = doc['x-glue-columns'];
    if (!Array.isArray(cols) || cols.length === 0) throw new Error(`${file}: no x-glue-columns list`);
    const seen = new Set<string>();
    for (const c of cols) {
      if (!/^[a-z_][a-z0-9_]*$/.test(c.name)) throw new Error(`${file}: column name "${c.name}" is not a Glue column name`);
      if (!GLUE_TYPE.test(c.type)) throw new Error(`${file}: column ${c.name}: "${c.type}" is not a lower-case Hive type`);
      if (PARTITION_KEYS.includes(c.name)) throw new Error(`${file}: column ${c.name} collides with a partition key`);
      if (seen.has(c.name)) throw new Error(`${file}: column ${c.name} twice`);
      seen.add(c.name);
    }
    return {
      logType,
      description: doc.description,
      columns: cols.map((c) => ({
        name: c.name,
        type: c.type,
        // Glue column comments are limited to 255 characters.
        comment: c.comment === undefined ? undefined : c.comment.slice(0, 255),
      })),
    };
  });
}

export interface NamedQueryFile {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** Reads every `<name>.sql` in `dir` (sorted); the description is the leading `--` comment. */
export function readQueries(dir: string = QUERIES_DIR): NamedQueryFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      const first = sql.split('\n').find((l) => l.startsWith('--'));
      const description = (first ? first.replace(/^--\s*/, '') : f).slice(0, 1024);
      return { name: f.slice(0, -'.sql'.length), description, sql };
    });
}
