#!/usr/bin/env python3
"""Runs the named Athena queries (schemas/queries/*.sql) with DuckDB over a local lake.

DuckDB stands in for Athena (docs/ARCHITECTURE.md §9). One view per log_type plays the Glue
table: it reads `LAKE/logs/log_type=<t>/year=/month=/day=/hour=/*.gz` (GZIP NDJSON, as
Firehose writes it) with the columns and types of `schemas/<t>.schema.json`
(`x-glue-columns`, the same list the CDK stack gives Glue), plus the partition columns.
A log_type with no objects yet is an empty view, as an empty Glue table would be.

Every named query takes two parameters, the first and the last day it reads ('YYYY-MM-DD',
bound to its partition predicate as an Athena prepared statement binds them); by default they
cover the whole lake. `element_at` has Trino's meaning here (the map's value, NULL when the key
is missing), where DuckDB's own returns a list.

Usage: lake_queries.py LAKE_DIR [--schemas DIR] [--queries DIR] [--only NAME ...]
                       [--from YYYY-MM-DD] [--to YYYY-MM-DD]
Prints one JSON document: {"<query>": {"columns": [...], "rows": [[...], ...]}, ...}.
"""

import argparse
import datetime
import glob
import json
import os
import sys

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Glue column type -> DuckDB type. `timestamp` is read as text and cast in the view,
# because the records carry ISO 8601 with a `Z` (what the Glue SerDe format parses).
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "VARCHAR",
    "array<string>": "VARCHAR[]",
    "map<string,string>": "MAP(VARCHAR, VARCHAR)",
}
PARTITION_COLUMNS = ["year", "month", "day", "hour"]
# The day range of the named queries' parameters when none is given: every partition.
ALL_DAYS = ("0000-01-01", "9999-12-31")


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def create_views(con, lake, schemas_dir):
    for path in sorted(glob.glob(os.path.join(schemas_dir, "*.schema.json"))):
        log_type = os.path.basename(path)[: -len(".schema.json")]
        with open(path) as f:
            columns = json.load(f)["x-glue-columns"]
        types = {}
        for column in columns:
            if column["type"] not in DUCKDB_TYPES:
                sys.exit(f"{path}: column {column['name']} has Glue type {column['type']}, unknown here")
            types[column["name"]] = DUCKDB_TYPES[column["type"]]
        timestamps = [c["name"] for c in columns if c["type"] == "timestamp"]
        pattern = os.path.join(lake, "logs", f"log_type={log_type}", "*", "*", "*", "*", "*.gz")
        select = ", ".join(
            f"CAST({quote(c)} AS TIMESTAMP) AS {quote(c)}" if c in timestamps else quote(c) for c in types
        )
        partitions = ", ".join(quote(p) for p in PARTITION_COLUMNS)
        if glob.glob(pattern):
            struct = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in types.items()) + "}"
            source = (
                f"read_json({sql_string(pattern)}, format='newline_delimited', compression='gzip', "
                f"columns={struct}, hive_partitioning=true, hive_types_autocast=false)"
            )
            con.execute(f"CREATE VIEW {quote(log_type)} AS SELECT {select}, {partitions} FROM {source}")
        else:
            empty = ", ".join(f"CAST(NULL AS {t}) AS {quote(c)}" for c, t in types.items())
            empty_partitions = ", ".join(f"CAST(NULL AS VARCHAR) AS {quote(p)}" for p in PARTITION_COLUMNS)
            con.execute(
                f"CREATE VIEW {quote(log_type)} AS SELECT {select}, {partitions} "
                f"FROM (SELECT {empty}, {empty_partitions}) WHERE false"
            )


def plain(value):
    """JSON-friendly value: timestamps as the records write them (UTC, milliseconds, `Z`),
    dates as ISO dates, the rest as is."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lake")
    parser.add_argument("--schemas", default=os.path.join(ROOT, "schemas"))
    parser.add_argument("--queries", default=os.path.join(ROOT, "schemas", "queries"))
    parser.add_argument("--only", nargs="*", help="query names (file names without .sql)")
    parser.add_argument("--from", dest="first_day", default=ALL_DAYS[0], help="first day read (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last_day", default=ALL_DAYS[1], help="last day read (YYYY-MM-DD)")
    args = parser.parse_args()
    if not os.path.isdir(args.lake):
        sys.exit(f"{args.lake}: no such lake directory (run the simulator or `logwrangler replay --lake` first)")

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Trino's element_at(map, key): the value, NULL for a missing key (DuckDB's returns a list).
    con.execute("CREATE MACRO element_at(m, k) AS m[k]")
    create_views(con, args.lake, args.schemas)
    answers = {}
    for path in sorted(glob.glob(os.path.join(args.queries, "*.sql"))):
        name = os.path.basename(path)[:-4]
        if args.only and name not in args.only:
            continue
        with open(path) as f:
            sql = f.read()
        try:
            cursor = con.execute(sql, [args.first_day, args.last_day])
        except duckdb.Error as error:
            sys.exit(f"{name}: {error}")
        answers[name] = {
            "columns": [d[0] for d in cursor.description],
            "rows": [[plain(v) for v in row] for row in cursor.fetchall()],
        }
    json.dump(answers, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
