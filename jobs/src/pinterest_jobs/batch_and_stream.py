"""Local mode: the batch job and the stream job's available-now run side by side in one SparkSession.

python -m pinterest_jobs.batch_and_stream [--summary-json FILE] [--batch-after FILE] [--stream-after FILE]
    [--batch BATCH-FLAGS...] [--stream STREAM-FLAGS...]

BATCH-FLAGS are the batch job's flags, STREAM-FLAGS the stream job's, which must include --available-now; one
section alone runs that job alone. One JVM instead of two, started once, and the stream's small micro-batches
use the cores while the batch job's driver plans and commits. `--batch-after FILE` (`--stream-after FILE`) starts
that job only once FILE exists: local mode starts the process, and so the Spark session, while the traffic is
still being sent, and creates the file when the job's input is complete. The summary is
{"batch": <batch job summary>, "stream": <stream job summary>} (the jobs that ran).
On Databricks the two jobs keep their own entry points (pinterest_jobs.batch, pinterest_jobs.stream).
"""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import batch, cli, stream
from .contract import stream_names, topic_names
from .errors import UsageError
from .local_kinesis import LocalKinesisDataSource
from .session import get_spark
from .tables import Output

USAGE = (
    "give [--summary-json FILE] [--batch-after FILE] [--stream-after FILE] "
    "[--batch <batch job flags>] [--stream <stream job flags> --available-now]"
)
OPTIONS = ("--summary-json", "--batch-after", "--stream-after")


def split_argv(argv: list[str]) -> tuple[dict[str, str], list[str] | None, list[str] | None]:
    """`[--summary-json F] [--batch A...] [--stream B...]` (sections in either order) -> ({option: value}, A, B);
    a section not given is None."""
    sections: dict[str, list[str]] = {}
    options: dict[str, str] = {}
    current = None
    items = iter(argv)
    for item in items:
        if item in ("--batch", "--stream"):
            if item in sections:
                raise UsageError(f"{item} is given twice: {USAGE}")
            current = sections.setdefault(item, [])
        elif current is not None:
            current.append(item)
        elif item in OPTIONS:
            value = next(items, None)
            if value is None:
                raise UsageError(f"{item} needs a file: {USAGE}")
            options[item] = value
        else:
            raise UsageError(f"unexpected {item!r} before --batch/--stream: {USAGE}")
    if not sections:
        raise UsageError(f"--batch or --stream (or both) is needed: {USAGE}")
    return options, sections.get("--batch"), sections.get("--stream")


def wait_for(path: str | None) -> None:
    """Returns once `path` exists (at once without one)."""
    while path is not None and not Path(path).exists():
        time.sleep(0.1)


def write_summary(summary: dict, summary_json: str | None) -> None:
    for job, counts in summary.items():
        print(f"{job} job")
        cli.report(counts, None)
    if summary_json:
        path = Path(summary_json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    def run() -> dict:
        options, batch_argv, stream_argv = split_argv(sys.argv[1:] if argv is None else argv)
        batch_args = None if batch_argv is None else batch.parse_args(batch_argv)
        stream_args = None if stream_argv is None else stream.parse_args(stream_argv)
        if stream_args is not None and not stream_args.available_now:
            raise UsageError(
                "--stream needs --available-now here: a stream that never ends would hold the batch"
            )
        topics = None if batch_args is None else cli.names_from(batch_args, "--topics", topic_names)
        streams = None if stream_args is None else cli.names_from(stream_args, "--streams", stream_names)
        local_kinesis = stream_args is not None and stream_args.source == "local-kinesis"
        if local_kinesis:
            stream.check_streams(stream_args, streams)
        spark = get_spark("pinterest-local")
        if local_kinesis:
            spark.dataSource.register(LocalKinesisDataSource)

        def run_stream() -> None:
            wait_for(options.get("--stream-after"))
            # An available-now run reads what arrived before it started: it starts here, at its gate.
            stream_args.started_at = time.time()
            stream.run_stream(spark, stream_args, streams)

        summary = {}
        with ThreadPoolExecutor(max_workers=1) as pool:
            streaming = None if stream_args is None else pool.submit(run_stream)
            if batch_args is not None:
                wait_for(options.get("--batch-after"))
                summary["batch"] = batch.run_batch(
                    spark,
                    batch_args.input,
                    Output(batch_args.output),
                    topics,
                    batch_args.checkpoint,
                    batch_args.full_refresh,
                )
            if streaming is not None:
                streaming.result()
                summary["stream"] = stream.stream_summary(spark, Output(stream_args.output))
        write_summary(summary, options.get("--summary-json"))
        return summary

    return cli.run_main(run)


if __name__ == "__main__":
    raise SystemExit(main())
