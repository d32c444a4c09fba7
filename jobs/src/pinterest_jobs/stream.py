"""Stream job: the three Kinesis streams -> cleaned Delta tables `{pin,geo,user}_stream`, `stream_quarantine` and
the real-time metric tables (docs/contract.md section 7).

    python -m pinterest_jobs.stream --source kinesis|local-kinesis (--prefix PREFIX | --streams pin=S1,geo=S2,user=S3)
        --output DIR|CATALOG.SCHEMA --checkpoint DIR [--endpoint URL] [--region REGION]
        [--initial-position trim_horizon|latest] [--available-now | --trigger-seconds N]
        [--max-records-per-shard N] [--service-credential NAME] [--summary-json FILE]

One streaming query reads the three streams together. Each micro-batch is cleaned with the batch job's
functions, deduplicated, and merged into its table on `ind` (insert when new), so a record delivered twice, or a
batch replayed after a restart, adds no row; each clean row keeps `arrived_at`, the Kinesis arrival time.
Quarantine rows are appended with Delta's idempotent-write options, keyed by the query's id (new for every new
checkpoint) and the micro-batch id. Then the metric tables are brought in line with the cleaned tables.
"""

import argparse
import time
from collections.abc import Callable

from pyspark.errors import AnalysisException, StreamingQueryException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.streaming import DataStreamWriter

from . import cli, metrics
from .cleaning import CLEANERS
from .contract import STREAM_QUARANTINE_TABLE, STREAM_TABLES, TABLES, job_tables, stream_names
from .errors import JobFailure, UsageError
from .local_kinesis import (
    DEFAULT_MAX_RECORDS_PER_SHARD,
    INITIAL_POSITIONS,
    LocalKinesisDataSource,
    kinesis_client,
)
from .metrics import ARRIVED_AT
from .session import get_spark, on_databricks
from .tables import Output

SOURCES = ("kinesis", "local-kinesis")
WORKER_START_ATTEMPTS = 3
QUERY_NAME = "pinterest-stream"


def _records(spark: SparkSession, args: argparse.Namespace, table: str, stream: str) -> DataFrame:
    """The stream's records as `table`, `payload` (the row's JSON), `source` (the stream name) and arrival time.

    Databricks' `kinesis` source has the columns data, stream and approximateArrivalTimestamp
    (https://docs.databricks.com/aws/en/connect/streaming/kinesis, schema; the same as read_kinesis:
    https://docs.databricks.com/sql/language-manual/functions/read_kinesis.html); the local source mirrors them."""
    reader = (
        spark.readStream.format(args.source)
        .option("streamName", stream)
        .option("region", args.region)
        .option("initialPosition", args.initial_position)
    )
    if args.source == "local-kinesis":
        reader = reader.option("endpoint", args.endpoint).option(
            "maxRecordsPerShard", str(args.max_records_per_shard or DEFAULT_MAX_RECORDS_PER_SHARD)
        )
        if args.available_now:
            reader = reader.option("readUntil", str(args.started_at))
    elif args.service_credential:
        # Unity Catalog mode: the source authenticates with this service credential (Databricks Runtime 16.1+;
        # https://docs.databricks.com/structured-streaming/kinesis.html, "serviceCredential option").
        reader = reader.option("serviceCredential", args.service_credential)
    return reader.load().select(
        F.lit(table).alias("table"),
        F.col("data").cast("string").alias("payload"),
        F.col("stream").alias("source"),
        F.col("approximateArrivalTimestamp").alias(ARRIVED_AT),
    )


def _empty_records(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], f"payload string, source string, {ARRIVED_AT} timestamp")


def clean(table: str, records: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The clean rows with `arrived_at` (one per record, not yet deduplicated) and the quarantine rows.

    The batch job's cleaning functions carry the arrival time through, beside `payload` and `source`."""
    cleaned = CLEANERS[table](records.select("payload", "source", ARRIVED_AT))
    rows = cleaned.checked.where(F.col("reason").isNull()).select(*cleaned.columns, ARRIVED_AT)
    return rows, cleaned.quarantine


def first_arrival(rows: DataFrame) -> DataFrame:
    """One row per `ind`, with the earliest arrival among its copies. Copies of one record are identical
    otherwise; if two ever differ, the greatest one wins, so the choice does not depend on arrival order."""
    others = [name for name in rows.columns if name not in ("ind", ARRIVED_AT)]
    return (
        rows.groupBy("ind")
        .agg(F.min(ARRIVED_AT).alias(ARRIVED_AT), F.max(F.struct(*others)).alias("row"))
        .select("ind", *[f"row.{name}" for name in others], ARRIVED_AT)
    )


def query_id(spark: SparkSession, checkpoint: str) -> str:
    """The streaming query's id, which Spark writes to `metadata` when it creates the checkpoint and keeps across
    restarts from it; a new checkpoint gets a new id, so idempotent-write ids never collide across checkpoints."""
    return spark.read.json(f"{checkpoint.rstrip('/')}/metadata").first()["id"]


def write_batch(output: Output, checkpoint: str) -> Callable[[DataFrame, int], None]:
    writer_ids: list[str] = []

    def write(batch: DataFrame, batch_id: int) -> None:
        spark = batch.sparkSession
        if not writer_ids:
            writer_ids.append(f"{QUERY_NAME}-{query_id(spark, checkpoint)}")
        batch = batch.persist()
        cleaned = {table: clean(table, batch.where(F.col("table") == table)) for table in TABLES}
        clean_rows = {table: first_arrival(cleaned[table][0]).persist() for table in TABLES}

        def merge(table: str) -> bool:
            # A micro-batch often holds records of one or two streams only; a merge of nothing costs a commit.
            if clean_rows[table].isEmpty():
                return False
            (
                output.delta(spark, STREAM_TABLES[table])
                .alias("t")
                .merge(clean_rows[table].alias("s"), "t.ind = s.ind")
                .whenNotMatchedInsertAll()
                .execute()
            )
            return True

        def append_quarantine() -> None:
            quarantine = cleaned[TABLES[0]][1]
            for table in TABLES[1:]:
                quarantine = quarantine.unionByName(cleaned[table][1])
            if quarantine.isEmpty():
                return
            writer = (
                quarantine.write.format("delta")
                .mode("append")
                .option("txnAppId", writer_ids[0])
                .option("txnVersion", batch_id)
            )
            if output.is_catalog:
                writer.saveAsTable(output.ref(STREAM_QUARANTINE_TABLE))
            else:
                writer.save(output.ref(STREAM_QUARANTINE_TABLE))

        merged = [table for table in TABLES if merge(table)]
        append_quarantine()
        if "pin" in merged or "geo" in merged:
            metrics.update_metrics(
                spark,
                output,
                output.read(spark, STREAM_TABLES["pin"]),
                output.read(spark, STREAM_TABLES["geo"]),
                clean_rows["pin"].select("ind"),
                clean_rows["geo"].select("ind"),
            )
        for frame in clean_rows.values():
            frame.unpersist()
        batch.unpersist()

    return write


def ensure_tables(spark: SparkSession, output: Output) -> None:
    """Creates the empty Delta tables the micro-batches merge into."""
    rows = {table: clean(table, _empty_records(spark))[0].schema for table in TABLES}
    for table in TABLES:
        output.ensure(spark, STREAM_TABLES[table], rows[table])
    output.ensure(spark, STREAM_QUARANTINE_TABLE, clean("pin", _empty_records(spark))[1].schema)
    for name, frame in metrics.empty_metrics(spark, rows["pin"], rows["geo"]).items():
        output.ensure(spark, name, frame.schema)


def stream_writer(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> DataStreamWriter:
    records = [_records(spark, args, table, streams[table]) for table in TABLES]
    union = records[0]
    for more in records[1:]:
        union = union.unionByName(more)
    return (
        union.writeStream.queryName(QUERY_NAME)
        .option("checkpointLocation", args.checkpoint)
        .foreachBatch(write_batch(Output(args.output), args.checkpoint))
    )


def run_available_now(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> None:
    """Everything that arrived before the run started, then stop.

    Databricks' `kinesis` source supports Trigger.AvailableNow. A Python data source in Spark 4.0.1 does not
    (PythonMicroBatchStream implements neither SupportsAdmissionControl nor SupportsTriggerAvailableNow), so
    Spark would wrap it and take the one latestOffset it asks for at the start, which for a simple reader is one
    capped read: a single micro-batch. The local source instead reads up to `readUntil` (the run's start), a
    capped number per shard per micro-batch, and processAllAvailable returns once a trigger finds nothing new.
    """
    if args.source == "kinesis":
        stream_writer(spark, args, streams).trigger(availableNow=True).start().awaitTermination()
        return
    query = stream_writer(spark, args, streams).start()
    try:
        query.processAllAvailable()
    finally:
        query.stop()


def _worker_start_timed_out(error: Exception) -> bool:
    """Spark waits 10 s (fixed) for a new Python worker, which a busy machine can miss; the local source runs in one."""
    return "Python worker" in str(error) and "connect back" in str(error)


def _retry_slow_worker_start(run: Callable[[], None]) -> None:
    """A query that failed only because its Python worker started too slowly is started again from its
    checkpoint, which is exactly what a restart after a failure does."""
    for attempt in range(1, WORKER_START_ATTEMPTS + 1):
        try:
            run()
            return
        except (StreamingQueryException, AnalysisException) as error:
            if attempt == WORKER_START_ATTEMPTS or not _worker_start_timed_out(error):
                raise


def run_stream(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> None:
    """With --available-now, up to what is there now, then it stops; without it, a query that runs until it
    fails or the job is cancelled, one micro-batch every --trigger-seconds (or as soon as the last ended)."""
    Output(args.output).declare(spark, job_tables("stream"))
    ensure_tables(spark, Output(args.output))
    if args.available_now:
        _retry_slow_worker_start(lambda: run_available_now(spark, args, streams))
        return

    def run_continuously() -> None:
        writer = stream_writer(spark, args, streams)
        if args.trigger_seconds:
            writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
        writer.start().awaitTermination()

    _retry_slow_worker_start(run_continuously)


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


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser(prog="python -m pinterest_jobs.stream", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", required=True, choices=SOURCES, help="kinesis on Databricks, local-kinesis here"
    )
    cli.add_name_source(parser, "--streams", "stream", "PREFIX-pin")
    parser.add_argument("--output", required=True, help="a directory, or catalog.schema on Databricks")
    parser.add_argument(
        "--checkpoint", required=True, help="checkpoint directory of the one query (all three streams)"
    )
    parser.add_argument("--endpoint", help="Kinesis API URL of the local server (local-kinesis only)")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--initial-position", default="trim_horizon", choices=INITIAL_POSITIONS)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--available-now", action="store_true", help="process what is there, then exit")
    mode.add_argument(
        "--trigger-seconds",
        type=positive_int,
        help="run continuously, one micro-batch every N seconds (default: each as soon as the last ended)",
    )
    parser.add_argument(
        "--max-records-per-shard",
        type=positive_int,
        help=f"local-kinesis only: the most records one micro-batch takes from a shard "
        f"(default {DEFAULT_MAX_RECORDS_PER_SHARD})",
    )
    parser.add_argument(
        "--service-credential",
        help="kinesis only: the Unity Catalog service credential the Kinesis source authenticates with",
    )
    parser.add_argument("--summary-json", help="also write the counts to this JSON file")
    args = parser.parse_args(argv)
    args.started_at = time.time()
    if args.source == "local-kinesis" and not args.endpoint:
        raise UsageError(
            "--source local-kinesis needs --endpoint http://127.0.0.1:PORT of the local Kinesis server"
        )
    if args.source == "kinesis" and args.endpoint:
        raise UsageError(
            "--endpoint is for --source local-kinesis only; the kinesis source uses the AWS region"
        )
    if args.source == "local-kinesis" and args.service_credential:
        raise UsageError("--service-credential is for --source kinesis on Databricks only")
    if args.source == "kinesis" and args.max_records_per_shard:
        raise UsageError(
            "--max-records-per-shard is for --source local-kinesis only; on Databricks set the kinesis "
            "source's own options"
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


entry = cli.wheel_entry(main)

if __name__ == "__main__":
    raise SystemExit(main())
