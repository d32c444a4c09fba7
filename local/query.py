"""Runs SQL against a local lake under the contract's table and view names, as JSON lines on stdout.

    python local/query.py --table NAME=DIR [--table NAME=DIR ...] SQL [SQL ...]

Each NAME=DIR is a Delta table of the contract at DIR; the serving layer's views (pin_now, ..., <gold>_now) are
there too when the silver and stream tables are. For each SQL it prints one line,
{"columns": [...], "rows": [[value, ...], ...]}. A SQL error ends it with one line on stderr, exit status 2.
"""

import argparse
import json
import sys

from pinterest_jobs.lake_views import register
from pinterest_jobs.session import get_spark
from pyspark.errors import PySparkException


def _value(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="local/query.py", description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="append", default=[], help="NAME=DIR of a Delta table")
    parser.add_argument("sql", nargs="+")
    args = parser.parse_args(argv)
    tables = dict(item.split("=", 1) for item in args.table)
    spark = get_spark("pinterest-query")
    try:
        register(spark, {name: f"delta.`{path.replace('`', '``')}`" for name, path in tables.items()})
        for sql in args.sql:
            frame = spark.sql(sql)
            rows = [list(row) for row in frame.collect()]
            print(json.dumps({"columns": frame.columns, "rows": rows}, default=_value, ensure_ascii=False))
    except PySparkException as error:
        print(f"query: {str(error).strip().splitlines()[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
