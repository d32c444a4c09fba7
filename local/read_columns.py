"""Some columns of Delta tables, read without Spark, as JSON on stdout (for npm run bench:stream's polling).

    python local/read_columns.py TABLE_DIR=COL,COL ...    {"<table dir>": [{COL: v, ...}, ...], ...}

One process reads every table of a poll; a table not written yet gives no rows.
"""

import json
import sys
from pathlib import Path

from read_delta import _json_value, read_table


def main(argv: list[str]) -> int:
    if not argv or any("=" not in arg for arg in argv):
        print(__doc__, file=sys.stderr)
        return 2
    result = {}
    for arg in argv:
        table, _, columns = arg.rpartition("=")
        if not (Path(table) / "_delta_log").is_dir():
            result[table] = []
            continue
        data = read_table(Path(table))
        result[table] = (
            [] if data.num_rows == 0 else data.select(columns.split(",")).to_pylist()
        )
    json.dump(result, sys.stdout, default=_json_value, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
