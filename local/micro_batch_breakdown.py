"""Where one micro-batch of the stream job spent its time, from a Spark event log (docs/benchmarks.md).

    python local/micro_batch_breakdown.py EVENT_LOG [BATCH_ID]

EVENT_LOG is an event log file or Spark 4's rolling event log folder (eventlog_v2_<app id>: events_N_<app id>
files, zstd-compressed by default, spark.eventLog.compression.codec).

Run the stream job with `PYSPARK_SUBMIT_ARGS="--conf spark.eventLog.enabled=true --conf
spark.eventLog.dir=DIR pyspark-shell"` to get one. Prints the query's own phases of the micro-batch (Spark's
QueryProgressEvent durationMs: latestOffset = the source, queryPlanning, addBatch = the foreachBatch function,
walCommit/commitOffsets = the checkpoint), then every SQL execution that started within addBatch, in order, with
its description (the job names its steps) and duration. Without BATCH_ID: the micro-batch of median duration
among those with rows.
"""

import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyarrow as pa

PROGRESS = "org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent"
SQL_START = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart"
SQL_END = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd"


def _ms(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp() * 1000)


def _rows(progress: dict) -> int:
    """Spark's numInputRows of the micro-batch, summed over its sources (Spark 4 logs it per source only)."""
    return sum(source.get("numInputRows", 0) for source in progress.get("sources", []))


def _kept(progress: dict) -> int:
    """Rows the state store's dedup kept: what the micro-batch wrote. Spark's numInputRows for the local Python
    source is about six times what the micro-batch held (2026-12-06: 9,924 reported for a micro-batch whose dedup
    kept 1,654 rows), so it is printed but not taken for a count."""
    return sum(op.get("numRowsUpdated", 0) for op in progress.get("stateOperators", []))


def _lines(path: Path) -> Iterator[str]:
    """The event log's lines, over the files of a rolling log in their order, decompressed."""
    if path.is_dir():
        files = sorted(
            path.glob("events_*"),
            key=lambda f: int(re.match(r"events_(\d+)_", f.name).group(1)),
        )
    else:
        files = [path]
    for file in files:
        codec = file.suffix.lstrip(".")
        raw = (
            pa.CompressedInputStream(pa.OSFile(str(file)), codec)
            if codec in ("zstd", "lz4", "snappy")
            else pa.OSFile(str(file))
        )
        with raw:
            yield from io.TextIOWrapper(
                io.BufferedReader(raw), encoding="utf-8", newline="\n"
            )


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    progress, starts, ends = [], {}, {}
    for line in _lines(Path(argv[0])):
        if line.strip():
            event = json.loads(line)
            kind = event.get("Event")
            if kind == PROGRESS:
                progress.append(event["progress"])
            elif kind == SQL_START:
                starts[event["executionId"]] = event
            elif kind == SQL_END:
                ends[event["executionId"]] = event["time"]
    batches = [p for p in progress if _rows(p) > 0]
    if not batches:
        print(
            "micro_batch_breakdown: no micro-batch with rows in this event log",
            file=sys.stderr,
        )
        return 1
    if len(argv) == 2:
        chosen = next((p for p in progress if p["batchId"] == int(argv[1])), None)
        if chosen is None:
            print(
                f"micro_batch_breakdown: no micro-batch {argv[1]} in this event log",
                file=sys.stderr,
            )
            return 1
    else:
        chosen = sorted(batches, key=lambda p: p["durationMs"]["triggerExecution"])[
            len(batches) // 2
        ]
    durations = chosen["durationMs"]
    start = _ms(chosen["timestamp"])
    print(
        f"micro-batch {chosen['batchId']}: {_kept(chosen)} rows kept by the dedup state "
        f"(Spark's numInputRows: {_rows(chosen)}), "
        f"{durations['triggerExecution'] / 1000:.2f} s in all ({len(batches)} micro-batches with rows in the log)"
    )
    for phase in (
        "latestOffset",
        "getBatch",
        "queryPlanning",
        "addBatch",
        "walCommit",
        "commitOffsets",
    ):
        if phase in durations:
            print(f"  {phase:<16}{durations[phase] / 1000:7.2f} s")
    window_end = start + durations["triggerExecution"]
    print(
        "  SQL executions within the micro-batch (start offset, duration, description):"
    )
    for execution_id, event in sorted(starts.items(), key=lambda item: item[1]["time"]):
        if start <= event["time"] <= window_end and execution_id in ends:
            description = (event.get("description") or "").splitlines()[0][:90]
            print(
                f"    +{(event['time'] - start) / 1000:6.2f} s  {(ends[execution_id] - event['time']) / 1000:6.2f} s  "
                f"{description}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
