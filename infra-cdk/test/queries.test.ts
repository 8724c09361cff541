// The named Athena queries as Athena (Trino) reads them: test/athena_sql.py parses each with
// sqlglot's Trino dialect (installed from tests/requirements.txt into ../.venv by make test).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from './helpers';

const SCRIPT = path.join(__dirname, 'athena_sql.py');
const QUERIES = path.join(__dirname, '..', '..', 'schemas', 'queries');

/** The project's venv python first (it has sqlglot), else PATH; PYTHON=... overrides. */
function python(): string {
  const venv = path.join(__dirname, '..', '..', '.venv', 'bin', 'python');
  return process.env.PYTHON ?? (fs.existsSync(venv) ? venv : 'python3');
}

function check(dir: string): { status: number | null; report: Record<string, string[]>; stderr: string } {
  const res = spawnSync(python(), [SCRIPT, dir], { encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run ${python()}: ${res.error.message}`);
  let report: Record<string, string[]> = {};
  try {
    report = JSON.parse(res.stdout);
  } catch {
    throw new Error(`athena_sql.py printed no report (is sqlglot installed? pip install -r tests/requirements.txt): ${res.stderr}`);
  }
  return { status: res.status, report, stderr: res.stderr };
}

describe('5 and 6. named queries are valid Trino SQL with a partition predicate', () => {
  test('every named query parses as Trino, uses no map subscript or DuckDB-only function, and reads a day range', () => {
    const { status, report } = check(QUERIES);
    const files = fs.readdirSync(QUERIES).filter((f) => f.endsWith('.sql'));
    expect(Object.keys(report)).toHaveLength(files.length);
    expect(Object.entries(report).filter(([, p]) => p.length > 0)).toEqual([]);
    expect(status).toBe(0);
  });

  test('the check refuses what Athena would refuse: a map subscript, a DuckDB function, no partition predicate', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lw-sql-'));
    const pred = "concat(year, '-', month, '-', day) BETWEEN ? AND ?";
    fs.writeFileSync(path.join(dir, 'subscript.sql'), `SELECT fields['node'] FROM pexip_support WHERE ${pred};\n`);
    fs.writeFileSync(path.join(dir, 'duckdb.sql'), `SELECT list_value(1, 2), strftime(timestamp, '%Y') FROM pexip_support WHERE ${pred};\n`);
    fs.writeFileSync(path.join(dir, 'everything.sql'), "SELECT count(*) FROM pexip_support WHERE name = 'x';\n");
    fs.writeFileSync(path.join(dir, 'or_escapes.sql'), `SELECT count(*) FROM pexip_support WHERE ${pred} OR name = 'x';\n`);
    fs.writeFileSync(path.join(dir, 'fine.sql'), `SELECT element_at(fields, 'node') FROM pexip_support WHERE ${pred} AND name = 'x';\n`);
    const { status, report } = check(dir);
    expect(status).toBe(1);
    expect(report.subscript).toEqual([expect.stringMatching(/^subscript fields\['node'\]: .*element_at/)]);
    expect(report.duckdb).toEqual(['function list_value: not a Trino function', 'function strftime: not a Trino function']);
    expect(report.everything).toEqual([expect.stringMatching(/^no partition predicate/), 'expected the two day parameters, found 0 parameters']);
    expect(report.or_escapes).toEqual([expect.stringMatching(/^no partition predicate/)]);
    expect(report.fine).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the projection is bounded: year is a date projection from lakeStartYear to NOW', () => {
    const { template } = synth({ lakeStartYear: '2024' });
    for (const t of Object.values(template.findResources('AWS::Glue::Table'))) {
      expect((t as any).Properties.TableInput.Parameters).toMatchObject({
        'projection.year.type': 'date',
        'projection.year.format': 'yyyy',
        'projection.year.range': '2024,NOW',
        'projection.year.interval': '1',
        'projection.year.interval.unit': 'YEARS',
        'projection.month.range': '1,12',
        'projection.day.range': '1,31',
        'projection.hour.range': '0,23',
      });
    }
  });

  test('lakeStartYear must be a year', () => {
    expect(() => synth({ lakeStartYear: '20' })).toThrow(/context lakeStartYear: expected a four-digit year/);
  });
});
