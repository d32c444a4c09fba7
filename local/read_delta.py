"""Reads Delta tables without Spark (with delta-rs, the `deltalake` package), as JSON on stdout.

    python local/read_delta.py rows TABLE_DIR...           {"<table dir>": [row, ...], ...}
    python local/read_delta.py distinct COLUMN TABLE_DIR... {"<table dir>": distinct non-null count, ...}
    python local/read_delta.py count-by COL,COL TABLE_DIR... {"<table dir>": [{COL: v, COL: v, "records": n}, ...]}

Local mode prints the gold tables and counts distinct keys with it; a JVM start per read would cost more than the read.
"""

import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, QueryBuilder


def read_table(table: Path) -> pa.Table:
    """The table's current rows, through delta-rs's query engine, which applies deletion vectors (Databricks
    writes them by default); `DeltaTable.to_pyarrow_table` refuses such tables (deltalake 1.6.6)."""
    if not (table / "_delta_log").is_dir():
        raise SystemExit(
            f"read_delta: {table} is not a Delta table (no _delta_log); did the job write it?"
        )
    rows = (
        QueryBuilder().register("t", DeltaTable(str(table))).execute("SELECT * FROM t")
    )
    data = pa.RecordBatchReader.from_stream(rows).read_all()
    # DataFusion answers with string views, which pyarrow's group-by does not take yet.
    schema = pa.schema(
        field.with_type(pa.string()) if pa.types.is_string_view(field.type) else field
        for field in data.schema
    )
    return data.cast(schema)


def _json_value(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "rows":
        result = {t: read_table(Path(t)).to_pylist() for t in argv[1:]}
    elif len(argv) >= 3 and argv[0] == "distinct":
        column = argv[1]
        result = {}
        for t in argv[2:]:
            table = read_table(Path(t))
            result[t] = (
                0
                if table.num_rows == 0
                else len(pc.unique(table.column(column).drop_null()))
            )
    elif len(argv) >= 3 and argv[0] == "count-by":
        columns = argv[1].split(",")
        result = {}
        for t in argv[2:]:
            table = read_table(Path(t))
            groups = (
                []
                if table.num_rows == 0
                else table.group_by(columns).aggregate([([], "count_all")]).to_pylist()
            )
            result[t] = [
                {**{c: g[c] for c in columns}, "records": g["count_all"]}
                for g in groups
            ]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, default=_json_value, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
