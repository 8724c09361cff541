#!/usr/bin/env python3
"""Checks the named Athena queries (schemas/queries/*.sql) as Athena's engine (Trino) reads them.

The local checks run the queries with DuckDB, which forgives what Athena refuses: a map
subscript `m['k']` is NULL in DuckDB for a missing key but fails the whole query in Trino, and
DuckDB has functions Trino does not. So each query is parsed with sqlglot's Trino dialect and
refused when it
- does not parse as Trino SQL;
- subscripts a map or an array (`x[...]`): use element_at(x, key), NULL when missing;
- calls a function Trino does not have (a DuckDB-only one, or one sqlglot does not know);
- lacks the partition predicate `concat(year, '-', month, '-', day) BETWEEN ? AND ?` at the
  top level of its WHERE, with exactly those two parameters (without it a query enumerates
  every projected partition and the workgroup's scan cutoff cancels it once the lake grows).

Usage: athena_sql.py [QUERIES_DIR]. Prints {"<query>": ["problem", ...]} and exits 1 when any
query has a problem.
"""

import glob
import json
import os
import sys

import sqlglot
from sqlglot import exp

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Functions of DuckDB (or other engines) that Trino lacks, as sqlglot names them when it does
# not map them to a Trino function.
NOT_TRINO = {
    "list_value", "list_extract", "list_contains", "array_length", "struct_pack", "strftime",
    "strptime", "epoch_ms", "regexp_matches", "string_split", "string_agg", "list_aggregate",
    "map_extract", "map_extract_value", "ifnull", "nvl", "iif", "datediff", "str_split",
}
# Functions sqlglot parses as unknown (Anonymous) that Trino does have.
TRINO_ANONYMOUS = {"count_if"}


def partition_predicate(node):
    """True when `node` is concat(year, '-', month, '-', day) BETWEEN ? AND ?."""
    if not isinstance(node, exp.Between):
        return False
    if not (isinstance(node.args.get("low"), exp.Placeholder) and isinstance(node.args.get("high"), exp.Placeholder)):
        return False
    concat = node.this
    if not isinstance(concat, exp.Concat):
        return False
    parts = concat.expressions
    names = [p.name if isinstance(p, exp.Column) else None for p in parts]
    literals = [p.this if isinstance(p, exp.Literal) and p.is_string else None for p in parts]
    return names[0::2] == ["year", "month", "day"] and literals[1::2] == ["-", "-"] and len(parts) == 5


def conjuncts(node):
    """The terms of a top-level AND chain."""
    if isinstance(node, exp.And):
        return conjuncts(node.this) + conjuncts(node.expression)
    if isinstance(node, exp.Paren):
        return conjuncts(node.this) if isinstance(node.this, exp.And) else [node]
    return [node]


def problems(sql):
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except sqlglot.errors.ParseError as error:
        return [f"does not parse as Trino SQL: {str(error).splitlines()[0]}"]
    if len(statements) != 1:
        return [f"expected one statement, found {len(statements)}"]
    (tree,) = statements
    found = []
    for node in tree.walk():
        if isinstance(node, exp.Bracket) and not node.args.get("safe"):
            found.append(f"subscript {node.sql(dialect='trino')}: fails in Athena when the key is missing; use element_at")
        elif isinstance(node, exp.Anonymous) and node.name.lower() not in TRINO_ANONYMOUS:
            found.append(f"function {node.name}: not a Trino function")
        elif isinstance(node, exp.Func) and not isinstance(node, exp.Anonymous):
            name = node.sql_name().lower()
            if name in NOT_TRINO:
                found.append(f"function {name}: not a Trino function")
    placeholders = list(tree.find_all(exp.Placeholder))
    where = tree.args.get("where")
    if where is None or not any(partition_predicate(c) for c in conjuncts(where.this)):
        found.append("no partition predicate: WHERE concat(year, '-', month, '-', day) BETWEEN ? AND ? (AND ...)")
    if len(placeholders) != 2:
        found.append(f"expected the two day parameters, found {len(placeholders)} parameters")
    return found


def main():
    queries = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "schemas", "queries")
    files = sorted(glob.glob(os.path.join(queries, "*.sql")))
    if not files:
        sys.exit(f"{queries}: no .sql files")
    report = {}
    for path in files:
        with open(path) as f:
            report[os.path.basename(path)[:-4]] = problems(f.read())
    json.dump(report, sys.stdout, indent=1)
    print()
    sys.exit(1 if any(report.values()) else 0)


if __name__ == "__main__":
    main()
