"""Follows Delta tables' logs without Spark and prints what each new commit changed, one JSON line per commit
(for npm run bench:stream). A long-lived process that reads each new commit once and only the Parquet files it
added, so a poll costs what the commits since the last poll hold, not what the tables hold.

    python local/tail_delta.py POLL_MS [@]TABLE_DIR=COL,COL ...

Each line: {"table": DIR, "version": N, "seenAt": epoch ms, "userMetadata": str | null, "dataChange": bool,
"added": [[path, [{COL: v, ...}, ...]], ...], "removed": [path, ...]}. The first line of a table is its files as
of its latest commit ("start": true), with their rows only for a table marked `@` (the small metric tables the
benchmark keeps whole); the others start from their next commit.
"""

import json
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyarrow.parquet as pq
from deltalake import DeltaTable
from read_delta import _json_value


def _file(table: Path, path: str) -> Path:
    parsed = urlparse(path)
    return Path(unquote(parsed.path)) if parsed.scheme else table / unquote(path)


def _rows(table: Path, path: str, columns: list[str]) -> list[dict]:
    return pq.read_table(_file(table, path), columns=columns).to_pylist()


def _commits(log: Path, after: int) -> list[int]:
    return sorted(
        int(p.stem)
        for p in log.glob("*.json")
        if p.stem.isdigit() and int(p.stem) > after
    )


def _emit(line: dict) -> None:
    sys.stdout.write(json.dumps(line, default=_json_value, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    if (
        len(argv) < 2
        or not argv[0].isdigit()
        or any("=" not in arg for arg in argv[1:])
    ):
        print(__doc__, file=sys.stderr)
        return 2
    poll = int(argv[0]) / 1000
    tables = {
        Path(t.lstrip("@")): c.split(",")
        for t, _, c in (arg.rpartition("=") for arg in argv[1:])
    }
    whole = {
        Path(arg.rpartition("=")[0][1:]) for arg in argv[1:] if arg.startswith("@")
    }
    versions: dict[Path, int | None] = {table: None for table in tables}
    while True:
        started = time.monotonic()
        for table, columns in tables.items():
            log = table / "_delta_log"
            if not log.is_dir():
                continue
            if versions[table] is None:
                commits = _commits(log, -1)
                if not commits:
                    continue
                files = (
                    [
                        _file(table, uri)
                        for uri in DeltaTable(
                            str(table), version=commits[-1]
                        ).file_uris()
                    ]
                    if table in whole
                    else []
                )
                _emit(
                    {
                        "table": str(table),
                        "version": commits[-1],
                        "seenAt": int(time.time() * 1000),
                        "userMetadata": None,
                        "dataChange": False,
                        "start": True,
                        "added": [
                            [str(f), pq.read_table(f, columns=columns).to_pylist()]
                            for f in files
                        ],
                        "removed": [],
                    }
                )
                versions[table] = commits[-1]
                continue
            for version in _commits(log, versions[table]):
                actions = [
                    json.loads(line)
                    for line in (log / f"{version:020d}.json").read_text().splitlines()
                ]
                info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
                adds = [a["add"] for a in actions if "add" in a]
                _emit(
                    {
                        "table": str(table),
                        "version": version,
                        "seenAt": int(time.time() * 1000),
                        "userMetadata": info.get("userMetadata"),
                        "dataChange": any(a.get("dataChange", True) for a in adds),
                        "added": [
                            [
                                str(_file(table, a["path"])),
                                _rows(table, a["path"], columns),
                            ]
                            for a in adds
                        ],
                        "removed": [
                            str(_file(table, a["remove"]["path"]))
                            for a in actions
                            if "remove" in a
                        ],
                    }
                )
                versions[table] = version
        sys.stdout.flush()
        time.sleep(max(0.0, poll - (time.monotonic() - started)))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
