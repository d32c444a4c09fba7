"""Reads Delta tables without Spark (the log's add/remove actions, then the Parquet files), as JSON on stdout.

    python local/read_delta.py rows TABLE_DIR...           {"<table dir>": [row, ...], ...}
    python local/read_delta.py distinct COLUMN TABLE_DIR... {"<table dir>": distinct non-null count, ...}
    python local/read_delta.py count-by COL,COL TABLE_DIR... {"<table dir>": [{COL: v, COL: v, "records": n}, ...]}

Local mode prints the gold tables and counts distinct keys with it; a JVM start per read would cost more than the read.
"""

import json
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def _checkpoint_files(log: Path, info: dict) -> list[Path]:
    version = info["version"]
    parts = info.get("parts")
    if parts:
        return [
            log / f"{version:020d}.checkpoint.{i:010d}.{parts:010d}.parquet"
            for i in range(1, parts + 1)
        ]
    return [log / f"{version:020d}.checkpoint.parquet"]


def active_files(table: Path) -> list[Path]:
    log = table / "_delta_log"
    if not log.is_dir():
        raise SystemExit(
            f"read_delta: {table} is not a Delta table (no _delta_log); did the job write it?"
        )
    adds: dict[str, dict] = {}
    first_commit = 0
    last_checkpoint = log / "_last_checkpoint"
    if last_checkpoint.exists():
        info = json.loads(last_checkpoint.read_text())
        for part in _checkpoint_files(log, info):
            for add in pq.read_table(part, columns=["add"]).column("add").to_pylist():
                if add:
                    adds[add["path"]] = add
        first_commit = info["version"] + 1
    commits = sorted(
        p
        for p in log.glob("*.json")
        if p.stem.isdigit() and int(p.stem) >= first_commit
    )
    for commit in commits:
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action:
                adds[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                adds.pop(action["remove"]["path"], None)
    if any(add.get("deletionVector") for add in adds.values()):
        raise SystemExit(
            f"read_delta: {table} uses deletion vectors, which this reader does not apply"
        )
    files = []
    for path in adds:
        parsed = urlparse(path)
        files.append(
            Path(unquote(parsed.path)) if parsed.scheme else table / unquote(path)
        )
    return files


def read_table(table: Path) -> pa.Table:
    files = active_files(table)
    if not files:
        return pa.table({})
    return pa.concat_tables(
        [pq.read_table(f) for f in files], promote_options="default"
    )


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
