"""Stream job: the three Kinesis streams -> cleaned Delta tables `{pin,geo,user}_stream` and `stream_quarantine`.

    python -m pinterest_jobs.stream --source kinesis|local-kinesis (--prefix PREFIX | --streams pin=S1,geo=S2,user=S3)
        --output DIR|CATALOG.SCHEMA --checkpoint DIR [--endpoint URL] [--region REGION]
        [--initial-position trim_horizon|latest] [--available-now] [--summary-json FILE]

Each micro-batch is cleaned with the batch job's functions, deduplicated, and merged into its table on `ind`
(insert when new), so a record delivered twice, or a batch replayed after a restart, adds no row. Quarantine
rows are appended with Delta's idempotent-write options, keyed by the micro-batch id.
"""

import argparse
import hashlib
from collections.abc import Callable

from pyspark.errors import AnalysisException, StreamingQueryException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from . import cli
from .cleaning import CLEANERS, deduplicate
from .contract import STREAM_QUARANTINE_TABLE, STREAM_TABLES, TABLES, stream_names
from .errors import JobFailure, UsageError
from .local_kinesis import INITIAL_POSITIONS, LocalKinesisDataSource, kinesis_client
from .session import get_spark, on_databricks
from .tables import Output

SOURCES = ("kinesis", "local-kinesis")
WORKER_START_ATTEMPTS = 3


def _records(spark: SparkSession, args: argparse.Namespace, stream: str) -> DataFrame:
    """The stream's records as `payload` (the row's JSON) and `source` (the stream name)."""
    reader = (
        spark.readStream.format(args.source)
        .option("streamName", stream)
        .option("region", args.region)
        .option("initialPosition", args.initial_position)
    )
    if args.source == "local-kinesis":
        reader = reader.option("endpoint", args.endpoint)
    raw = reader.load()
    return raw.select(F.col("data").cast("string").alias("payload"), F.col("stream").alias("source"))


def _empty_records(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], "payload string, source string")


def _write_batch(output: Output, table: str, writer_id: str):
    target_name = STREAM_TABLES[table]

    def write(batch: DataFrame, batch_id: int) -> None:
        cleaned = CLEANERS[table](batch).persist()
        (
            output.delta(batch.sparkSession, target_name)
            .alias("t")
            .merge(deduplicate(cleaned.rows).alias("s"), "t.ind = s.ind")
            .whenNotMatchedInsertAll()
            .execute()
        )
        quarantine = (
            cleaned.quarantine.write.format("delta")
            .mode("append")
            .option("txnAppId", writer_id)
            .option("txnVersion", batch_id)
        )
        if output.is_catalog:
            quarantine.saveAsTable(output.ref(STREAM_QUARANTINE_TABLE))
        else:
            quarantine.save(output.ref(STREAM_QUARANTINE_TABLE))
        cleaned.unpersist()

    return write


def ensure_tables(spark: SparkSession, output: Output) -> None:
    """Creates the empty Delta tables the micro-batches merge into."""
    for table in TABLES:
        output.ensure(spark, STREAM_TABLES[table], CLEANERS[table](_empty_records(spark)).rows.schema)
    output.ensure(spark, STREAM_QUARANTINE_TABLE, CLEANERS["pin"](_empty_records(spark)).quarantine.schema)


def start_query(
    spark: SparkSession, args: argparse.Namespace, table: str, stream_name: str
) -> StreamingQuery:
    output = Output(args.output)
    checkpoint = f"{args.checkpoint.rstrip('/')}/{table}"
    writer_id = f"pinterest-stream-{table}-{hashlib.sha256(checkpoint.encode()).hexdigest()[:16]}"
    writer = (
        _records(spark, args, stream_name)
        .writeStream.queryName(STREAM_TABLES[table])
        .option("checkpointLocation", checkpoint)
        .foreachBatch(_write_batch(output, table, writer_id))
    )
    return writer.trigger(availableNow=True).start() if args.available_now else writer.start()


def _worker_start_timed_out(error: Exception) -> bool:
    """Spark waits 10 s (fixed) for a new Python worker, which a busy machine can miss; the local source runs in one."""
    return "Python worker" in str(error) and "connect back" in str(error)


def _run_to_end(start: Callable[[], StreamingQuery]) -> None:
    """Runs an available-now query to its end; a query that failed only because its Python worker started too
    slowly is started again from its checkpoint, which is exactly what a restart after a failure does."""
    for attempt in range(1, WORKER_START_ATTEMPTS + 1):
        try:
            start().awaitTermination()
            return
        except (StreamingQueryException, AnalysisException) as error:
            if attempt == WORKER_START_ATTEMPTS or not _worker_start_timed_out(error):
                raise


def run_stream(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> None:
    """With --available-now, the three streams one after the other (each up to what is there now, then it
    stops); without it, three queries that run until one fails or the job is cancelled."""
    ensure_tables(spark, Output(args.output))
    if args.available_now:
        for table in TABLES:
            _run_to_end(lambda table=table: start_query(spark, args, table, streams[table]))
        return
    for table in TABLES:
        start_query(spark, args, table, streams[table])
    spark.streams.awaitAnyTermination()


def stream_summary(spark: SparkSession, output: Output) -> dict:
    quarantine = output.read(spark, STREAM_QUARANTINE_TABLE)
    quarantined = {
        row["table"]: row["records"]
        for row in quarantine.groupBy("table").agg(F.count("*").alias("records")).collect()
    }
    return {
        "delta": {
            table: output.read(spark, STREAM_TABLES[table]).select("ind").distinct().count()
            for table in TABLES
        },
        "quarantined": {table: quarantined.get(table, 0) for table in TABLES},
    }


def check_streams(args: argparse.Namespace, streams: dict[str, str]) -> None:
    """Fails early, in one line, when the local server or a stream is not there."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = kinesis_client(args.endpoint, args.region)
    for stream in streams.values():
        try:
            client.describe_stream_summary(StreamName=stream)
        except ClientError as error:
            raise JobFailure(
                f"stream {stream} not found at {args.endpoint} ({error.response['Error']['Code']}): "
                "create it or check --prefix/--streams"
            ) from None
        except BotoCoreError as error:
            raise JobFailure(
                f"cannot reach the Kinesis API at {args.endpoint}: {error}; check --endpoint"
            ) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser(prog="python -m pinterest_jobs.stream", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", required=True, choices=SOURCES, help="kinesis on Databricks, local-kinesis here"
    )
    cli.add_name_source(parser, "--streams", "stream", "PREFIX-pin")
    parser.add_argument("--output", required=True, help="a directory, or catalog.schema on Databricks")
    parser.add_argument(
        "--checkpoint", required=True, help="checkpoint directory (one sub-folder per stream)"
    )
    parser.add_argument("--endpoint", help="Kinesis API URL of the local server (local-kinesis only)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--initial-position", default="trim_horizon", choices=INITIAL_POSITIONS)
    parser.add_argument("--available-now", action="store_true", help="process what is there, then exit")
    parser.add_argument("--summary-json", help="also write the counts to this JSON file")
    args = parser.parse_args(argv)
    if args.source == "local-kinesis" and not args.endpoint:
        raise UsageError(
            "--source local-kinesis needs --endpoint http://127.0.0.1:PORT of the local Kinesis server"
        )
    if args.source == "kinesis" and args.endpoint:
        raise UsageError(
            "--endpoint is for --source local-kinesis only; the kinesis source uses the AWS region"
        )
    if args.source == "kinesis" and not on_databricks():
        raise UsageError(
            "--source kinesis runs on Databricks only; here use --source local-kinesis --endpoint URL"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    def run() -> None:
        args = parse_args(argv)
        streams = cli.names_from(args, "--streams", stream_names)
        if args.source == "local-kinesis":
            check_streams(args, streams)
        spark = get_spark("pinterest-stream")
        if args.source == "local-kinesis":
            spark.dataSource.register(LocalKinesisDataSource)
        run_stream(spark, args, streams)
        cli.report(stream_summary(spark, Output(args.output)), args.summary_json)

    return cli.run_main(run)


if __name__ == "__main__":
    raise SystemExit(main())
