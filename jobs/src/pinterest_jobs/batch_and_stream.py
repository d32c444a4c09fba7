"""Local mode: the batch job and the stream job's available-now run side by side in one SparkSession.

python -m pinterest_jobs.batch_and_stream [--summary-json FILE] --batch BATCH-FLAGS... --stream STREAM-FLAGS...

BATCH-FLAGS are the batch job's flags, STREAM-FLAGS the stream job's, which must include --available-now.
One JVM instead of two, started once, and the stream's small micro-batches use the cores while the batch job's
driver plans and commits. The summary is {"batch": <batch job summary>, "stream": <stream job summary>}.
On Databricks the two jobs keep their own entry points (pinterest_jobs.batch, pinterest_jobs.stream).
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import batch, cli, stream
from .contract import stream_names, topic_names
from .errors import UsageError
from .local_kinesis import LocalKinesisDataSource
from .session import get_spark
from .tables import Output

USAGE = "give [--summary-json FILE] --batch <batch job flags> --stream <stream job flags> --available-now"


def split_argv(argv: list[str]) -> tuple[str | None, list[str], list[str]]:
    """`[--summary-json F] --batch A... --stream B...` (the two sections in either order) -> (F, A, B)."""
    sections: dict[str, list[str]] = {}
    summary_json, current = None, None
    items = iter(argv)
    for item in items:
        if item in ("--batch", "--stream"):
            if item in sections:
                raise UsageError(f"{item} is given twice: {USAGE}")
            current = sections.setdefault(item, [])
        elif current is not None:
            current.append(item)
        elif item == "--summary-json":
            summary_json = next(items, None)
            if summary_json is None:
                raise UsageError(f"--summary-json needs a file: {USAGE}")
        else:
            raise UsageError(f"unexpected {item!r} before --batch/--stream: {USAGE}")
    if set(sections) != {"--batch", "--stream"}:
        raise UsageError(f"both --batch and --stream are needed: {USAGE}")
    return summary_json, sections["--batch"], sections["--stream"]


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
        summary_json, batch_argv, stream_argv = split_argv(sys.argv[1:] if argv is None else argv)
        batch_args = batch.parse_args(batch_argv)
        stream_args = stream.parse_args(stream_argv)
        if not stream_args.available_now:
            raise UsageError(
                "--stream needs --available-now here: a stream that never ends would hold the batch"
            )
        topics = cli.names_from(batch_args, "--topics", topic_names)
        streams = cli.names_from(stream_args, "--streams", stream_names)
        if stream_args.source == "local-kinesis":
            stream.check_streams(stream_args, streams)
        spark = get_spark("pinterest-local")
        if stream_args.source == "local-kinesis":
            spark.dataSource.register(LocalKinesisDataSource)
        with ThreadPoolExecutor(max_workers=1) as pool:
            streaming = pool.submit(stream.run_stream, spark, stream_args, streams)
            batch_summary = batch.run_batch(spark, batch_args.input, Output(batch_args.output), topics)
            streaming.result()
        summary = {"batch": batch_summary, "stream": stream.stream_summary(spark, Output(stream_args.output))}
        write_summary(summary, summary_json)
        return summary

    return cli.run_main(run)


if __name__ == "__main__":
    raise SystemExit(main())
