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

/**
 * Primitive Hive types that Firehose's OpenX JSON deserializer can fill from JSON and its Parquet
 * serializer can write (decimal, char and varchar with their parameters).
 */
const PARQUET_PRIMITIVE = /^(string|boolean|tinyint|smallint|int|bigint|float|double|timestamp|date|decimal\(\d{1,2},\d{1,2}\)|char\(\d+\)|varchar\(\d+\))$/;

/** Types a Glue column may name that Firehose cannot convert from JSON to Parquet, and why. */
const PARQUET_REFUSED: Record<string, string> = {
  binary: 'JSON carries no binary values for the deserializer to fill; use string',
  uniontype: 'Parquet has no union type',
};

/** A Hive type string that does not parse (reported as one problem). */
class TypeSyntaxError extends Error {}

/**
 * Why the Hive type `type` cannot be converted from JSON to Parquet by Firehose: one message per
 * problem, empty when it can. Nested types are checked all the way down: map keys must be
 * primitive, a struct needs at least one field, and nested field names must be lower case
 * because the deserializer lower-cases JSON keys before matching them.
 */
export function parquetTypeProblems(type: string): string[] {
  const text = type.replace(/\s+/g, '');
  const problems: string[] = [];
  let pos = 0;
  const syntax = (what: string): never => {
    throw new TypeSyntaxError(`"${type}" is not a Hive type: expected ${what} at position ${pos}`);
  };
  const take = (token: string) => {
    if (!text.startsWith(token, pos)) syntax(`"${token}"`);
    pos += token.length;
  };
  /** Parses the type at `pos`; returns its text and whether it is primitive. */
  const parse = (): { text: string; primitive: boolean } => {
    const start = pos;
    const word = /^[a-z]+(\(\d+(,\d+)?\))?/.exec(text.slice(pos))?.[0] ?? syntax('a type');
    pos += word.length;
    if (PARQUET_REFUSED[word]) problems.push(`${word}: ${PARQUET_REFUSED[word]}`);
    if (!['array', 'map', 'struct', 'uniontype'].includes(word)) {
      if (!PARQUET_REFUSED[word] && !PARQUET_PRIMITIVE.test(word)) problems.push(`${word}: not a type Firehose converts to Parquet`);
      return { text: word, primitive: true };
    }
    take('<');
    if (word === 'map') {
      const key = parse();
      if (!key.primitive) problems.push(`map key type ${key.text} is not primitive (Parquet map keys must be)`);
      take(',');
      parse();
    } else if (word === 'struct') {
      const fields = new Set<string>();
      if (text[pos] === '>') problems.push('struct<> has no field (Parquet cannot write an empty group)');
      while (text[pos] !== '>') {
        const field = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos))?.[0] ?? syntax('a field name');
        if (field !== field.toLowerCase()) {
          problems.push(`struct field "${field}" is not lower case (the deserializer lower-cases JSON keys: it would stay null)`);
        }
        if (fields.has(field.toLowerCase())) problems.push(`struct field "${field}" appears twice`);
        fields.add(field.toLowerCase());
        pos += field.length;
        take(':');
        parse();
        if (text[pos] === ',') pos += 1;
        else if (text[pos] !== '>') syntax('"," or ">"');
      }
    } else {
      parse();
      while (word === 'uniontype' && text[pos] === ',') {
        pos += 1;
        parse();
      }
    }
    take('>');
    return { text: text.slice(start, pos), primitive: false };
  };
  try {
    parse();
    if (pos !== text.length) syntax('the end');
  } catch (e) {
    if (!(e instanceof TypeSyntaxError)) throw e;
    problems.push(e.message);
  }
  return problems;
}

/**
 * Why `schema` cannot back a Firehose Parquet conversion: `column <name>: <problem>` for every
 * column whose type Firehose cannot convert; empty when every column converts.
 */
export function parquetProblems(schema: LogTypeSchema): string[] {
  return schema.columns.flatMap((c) => parquetTypeProblems(c.type).map((p) => `column ${c.name}: ${p}`));
}
