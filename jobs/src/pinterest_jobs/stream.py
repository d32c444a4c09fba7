"""Stream job: the three Kinesis streams -> cleaned Delta tables `{pin,geo,user}_stream`, `stream_quarantine` and
the real-time metric tables (docs/contract.md section 7).

    python -m pinterest_jobs.stream --source kinesis|local-kinesis (--prefix PREFIX | --streams pin=S1,geo=S2,user=S3)
        --output DIR|CATALOG.SCHEMA --checkpoint DIR [--endpoint URL] [--region REGION]
        [--initial-position trim_horizon|latest] [--available-now | --trigger-seconds N]
        [--max-records-per-shard N] [--service-credential NAME] [--summary-json FILE]

One streaming query reads the three streams through one source, cleans each record with the batch job's
functions and drops the copies of a clean row already seen, by (table, key), in Spark's state store (RocksDB,
changelog checkpointing). Each micro-batch then costs what it holds (docs/jobs.md, stream job):

- the clean rows and the quarantine rows are appended, each append keyed by (query id, batch id) with Delta's
  idempotent-write options, so a replayed micro-batch adds nothing twice;
- `category_activity_1m` gets the micro-batch's increments, by a MERGE under the same key;
- `country_category_activity_1m` and `trending_profiles` are refreshed from the cleaned tables on their own cadence
  (metrics.MetricRefresh), exactly at the end of an available-now run.
"""

import argparse
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from pyspark.errors import AnalysisException, StreamingQueryException
from pyspark.sql import DataFrame, Row, SparkSession
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
# Seconds between two refreshes of country_category_activity_1m and trending_profiles: with a refresh's own
# duration they stay within the 10 s the contract allows (docs/contract.md section 7).
REFRESH_SECONDS = 4
# A new checkpoint starts with an empty dedup state. Clean rows that arrived up to this long after the newest row
# already in the tables are checked against the tables' keys (the copies a producer's retry makes arrive seconds
# apart); later rows cannot be copies of rows written before the checkpoint was created.
SEED_MARGIN = timedelta(minutes=5)

# The state store of the dedup: RocksDB with changelog checkpointing commits only the keys a micro-batch added
# (SPARK-43421). Databricks ships its own provider class (https://docs.databricks.com/structured-streaming/
# rocksdb-state-store.html); the open-source one is in Spark since 3.2. Shuffle partitions are fixed when a
# checkpoint is created: the state is split into that many stores, and a later value is ignored.
STATE_STORE_PROVIDERS = {
    "kinesis": "com.databricks.sql.streaming.state.RocksDBStateStoreProvider",
    "local-kinesis": "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider",
}
STREAM_SHUFFLE_PARTITIONS = 2
# Delta's idempotent-DML session confs, read by MERGE (delta-io/delta@v4.0.0: DeltaSQLConf.scala write.txnAppId,
# write.txnVersion; MergeIntoCommand.scala hasBeenExecuted).
TXN_APP_ID = "spark.databricks.delta.write.txnAppId"
TXN_VERSION = "spark.databricks.delta.write.txnVersion"
TXN_AUTO_RESET = "spark.databricks.delta.write.txnVersion.autoReset.enabled"


@contextmanager
def stream_settings(spark: SparkSession, source: str):
    """The session settings the stream query starts with, the same on Databricks and here. Spark gives each query
    a copy of the session when it starts (StreamExecution.sparkSessionForStream), so they are set around the
    start only, and a batch job running beside it in the same session (pinterest_jobs.batch_and_stream) keeps its
    own."""
    settings = {
        "spark.sql.streaming.stateStore.providerClass": STATE_STORE_PROVIDERS[source],
        "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled": "true",
        "spark.sql.shuffle.partitions": str(STREAM_SHUFFLE_PARTITIONS),
        # The one MERGE of a micro-batch takes its increments from a local relation, fixed once built: nothing to
        # materialise (Delta's `auto` would, for any source that is not only Delta scans: delta-io/delta@v4.0.0
        # MergeIntoMaterializeSource.scala shouldMaterializeSource).
        "spark.databricks.delta.merge.materializeSource": "none",
    }
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)


def records(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> DataFrame:
    """Every record of the three streams, from one source, as `table`, `payload` (the row's JSON), `source` (the
    stream name) and `arrived_at` (Kinesis' arrival time).

    Databricks' `kinesis` source takes a comma-separated streamName and has the columns data, stream and
    approximateArrivalTimestamp (https://docs.databricks.com/aws/en/connect/streaming/kinesis; read_kinesis, the
    same source: "streamName: comma-separated list of one or more kinesis streams",
    https://docs.databricks.com/sql/language-manual/functions/read_kinesis.html); the local source mirrors them.
    This is the one place the two sources differ."""
    reader = (
        spark.readStream.format(args.source)
        .option("streamName", ",".join(streams[table] for table in TABLES))
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
    table_of = F.create_map(*[F.lit(value) for table in TABLES for value in (streams[table], table)])
    return reader.load().select(
        table_of[F.col("stream")].alias("table"),
        F.col("data").cast("string").alias("payload"),
        F.col("stream").alias("source"),
        F.col("approximateArrivalTimestamp").alias(ARRIVED_AT),
    )


def _empty_records(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([], f"table string, payload string, source string, {ARRIVED_AT} timestamp")


def clean(table: str, records: DataFrame) -> tuple[DataFrame, DataFrame]:
    """The clean rows with `arrived_at` (one per record, not deduplicated) and the quarantine rows of one table."""
    cleaned = CLEANERS[table](records.select("payload", "source", ARRIVED_AT))
    rows = cleaned.checked.where(F.col("reason").isNull()).select(*cleaned.columns, ARRIVED_AT)
    return rows, cleaned.quarantine


def new_rows(records: DataFrame) -> DataFrame:
    """The records cleaned, in one frame for the three tables: `table`, `reason` (null for a clean row), every
    table's columns, `arrived_at`, `source` and `payload` (kept for quarantine rows only). A clean row whose
    (table, key) was seen before is dropped: in a streaming query by the state store, across micro-batches;
    in a static frame, within it. The first copy in the source's order is kept, so in a shard, where Kinesis
    keeps a key's records in arrival order (the producer's partition key is the table and key), the earliest."""
    checked = None
    for table in TABLES:
        cleaned = CLEANERS[table](
            records.where(F.col("table") == table).select("payload", "source", ARRIVED_AT)
        )
        frame = cleaned.checked.withColumn("table", F.lit(table))
        checked = frame if checked is None else checked.unionByName(frame, allowMissingColumns=True)
    clean_rows = (
        checked.where(F.col("reason").isNull())
        .withColumn("payload", F.lit(None).cast("string"))
        .dropDuplicates(["table", "ind"])
    )
    return clean_rows.unionByName(checked.where(F.col("reason").isNotNull()))


def table_rows(batch: DataFrame, table: str) -> DataFrame:
    """The clean rows of one table, with exactly its columns."""
    rows, _ = clean(table, _empty_records(batch.sparkSession))
    return batch.where((F.col("table") == table) & F.col("reason").isNull()).select(*rows.columns)


def quarantine_rows(batch: DataFrame) -> DataFrame:
    return batch.where(F.col("reason").isNotNull()).select("table", "source", "reason", "payload")


def query_id(spark: SparkSession, checkpoint: str) -> str:
    """The streaming query's id, which Spark writes to `metadata` when it creates the checkpoint and keeps across
    restarts from it; a new checkpoint gets a new id, so idempotent-write ids never collide across checkpoints."""
    return spark.read.json(f"{checkpoint.rstrip('/')}/metadata").first()["id"]


@dataclass(frozen=True)
class Seed:
    """What a new checkpoint's first micro-batches check clean rows against: the stream tables' versions when the
    checkpoint was created, and the newest arrival in them (None: the tables were empty)."""

    versions: dict[str, int]
    newest: datetime | None

    @property
    def until(self) -> datetime | None:
        return None if self.newest is None else self.newest + SEED_MARGIN


def _read_json(spark: SparkSession, path: str) -> Row | None:
    try:
        return spark.read.json(path).first()
    except AnalysisException:
        return None


def seed_of(spark: SparkSession, output: Output, checkpoint: str) -> Seed:
    """The checkpoint's seed, written once, before the query first runs (so a new checkpoint's first batch sees
    the tables as they were, also when it is replayed)."""
    path = f"{checkpoint.rstrip('/')}/seed"
    if _read_json(spark, f"{checkpoint.rstrip('/')}/metadata") is None:
        versions = {table: output.version(spark, STREAM_TABLES[table]) for table in TABLES}
        newest = None
        for table in TABLES:
            (row,) = output.read(spark, STREAM_TABLES[table]).agg(F.max(ARRIVED_AT).alias("newest")).collect()
            if row["newest"] is not None:
                newest = row["newest"] if newest is None else max(newest, row["newest"])
        text = json.dumps({"versions": versions, "newest": newest.isoformat() if newest else None})
        spark.createDataFrame([(text,)], "value string").coalesce(1).write.mode("overwrite").text(path)
    try:
        saved = spark.read.text(path).first()
    except AnalysisException:  # a checkpoint created before seeds were written
        saved = None
    if saved is None:
        return Seed({}, None)
    data = json.loads(saved["value"])
    return Seed(data["versions"], datetime.fromisoformat(data["newest"]) if data["newest"] else None)


def _summary(batch: DataFrame) -> list[Row]:
    """One small job over the cached micro-batch: per table and kind, the rows, the earliest arrival and, for clean
    pins, the increments of category_activity_1m; for clean geos, their keys (for the metric refresh)."""
    clean_pin = (F.col("table") == "pin") & F.col("reason").isNull()
    clean_geo = (F.col("table") == "geo") & F.col("reason").isNull()
    return (
        batch.groupBy(
            "table",
            F.col("reason").isNull().alias("clean"),
            F.when(clean_pin, metrics.window_start(F.col(ARRIVED_AT))).alias("window_start"),
            F.when(clean_pin, F.col("category")).alias("category"),
        )
        .agg(
            F.count("*").alias("rows"),
            F.min(ARRIVED_AT).alias("earliest"),
            F.collect_list(F.when(clean_geo, F.col("ind"))).alias("geo_keys"),
        )
        .collect()
    )


@contextmanager
def idempotent_dml(spark: SparkSession, app_id: str, version: int):
    """Delta's idempotent-DML confs around one MERGE: Delta skips it when the table's transaction for app_id is
    already at `version` or later. The confs are the session's; the stream query runs in its own session (Spark
    clones it for each query), so no other write picks them up."""
    spark.conf.set(TXN_APP_ID, app_id)
    spark.conf.set(TXN_VERSION, str(version))
    spark.conf.set(TXN_AUTO_RESET, "true")
    try:
        yield
    finally:
        spark.conf.unset(TXN_APP_ID)
        spark.conf.unset(TXN_VERSION)


def write_batch(
    output: Output, checkpoint: str, seed: Seed, refresh: "metrics.MetricRefresh | None"
) -> Callable[[DataFrame, int], None]:
    writer_ids: list[str] = []

    def append(frame: DataFrame, name: str, batch_id: int) -> None:
        writer = (
            frame.write.format("delta")
            .mode("append")
            .option("txnAppId", writer_ids[0])
            .option("txnVersion", batch_id)
        )
        writer.saveAsTable(output.ref(name)) if output.is_catalog else writer.save(output.ref(name))

    def write(batch: DataFrame, batch_id: int) -> None:
        spark = batch.sparkSession

        def step(name: str) -> None:
            """Names the Spark jobs of what follows (Spark UI, event log: local/micro_batch_breakdown.py)."""
            spark.sparkContext.setJobDescription(f"micro-batch {batch_id}: {name}")

        if not writer_ids:
            writer_ids.append(f"{QUERY_NAME}-{query_id(spark, checkpoint)}")
        step("dedup and summary")
        cached = [batch.persist()]
        summary = _summary(cached[0])
        if seed.until is not None and any(row["clean"] and row["earliest"] <= seed.until for row in summary):
            step("check against the seed")
            cached.append(_without_seeded_keys(spark, output, cached[0], seed).persist())
            summary = _summary(cached[-1])
        rows = cached[-1]
        tables = {row["table"] for row in summary if row["clean"]}
        for table in TABLES:
            if table in tables:
                step(f"append {STREAM_TABLES[table]}")
                append(table_rows(rows, table), STREAM_TABLES[table], batch_id)
        increments = [
            (row["window_start"], row["category"], row["rows"])
            for row in summary
            if row["clean"] and row["table"] == "pin"
        ]
        if increments:
            step(f"merge {metrics.CATEGORY_ACTIVITY}")
            with idempotent_dml(spark, writer_ids[0], batch_id):
                metrics.add_category_increments(spark, output, increments)
        if any(not row["clean"] for row in summary):
            step(f"append {STREAM_QUARANTINE_TABLE}")
            append(quarantine_rows(rows), STREAM_QUARANTINE_TABLE, batch_id)
        if refresh is not None:
            refresh.note(
                windows={window for window, _, _ in increments},
                geo_keys={key for row in summary for key in row["geo_keys"]},
            )
        for frame in cached:
            frame.unpersist()
        spark.sparkContext.setJobDescription(None)

    return write


def _without_seeded_keys(spark: SparkSession, output: Output, batch: DataFrame, seed: Seed) -> DataFrame:
    """The micro-batch less its clean rows, up to the seed's horizon, whose key was in the table when the
    checkpoint was created (read at that version, so a replay drops the same rows)."""
    kept = batch.where(F.col("reason").isNotNull() | (F.col(ARRIVED_AT) > F.lit(seed.until)))
    for table in TABLES:
        written = output.read_version(spark, STREAM_TABLES[table], seed.versions[table]).select("ind")
        candidates = batch.where(
            (F.col("table") == table) & F.col("reason").isNull() & (F.col(ARRIVED_AT) <= F.lit(seed.until))
        )
        kept = kept.unionByName(candidates.join(written, "ind", "left_anti"))
    return kept


def ensure_tables(spark: SparkSession, output: Output) -> None:
    """Creates the empty Delta tables the micro-batches write to."""
    empty = _empty_records(spark)
    rows = {table: clean(table, empty)[0].schema for table in TABLES}
    for table in TABLES:
        output.ensure(spark, STREAM_TABLES[table], rows[table])
    output.ensure(spark, STREAM_QUARANTINE_TABLE, clean("pin", empty)[1].schema)
    for name, frame in metrics.empty_metrics(spark, rows["pin"], rows["geo"]).items():
        output.ensure(spark, name, frame.schema)


def stream_writer(
    spark: SparkSession,
    args: argparse.Namespace,
    streams: dict[str, str],
    refresh: "metrics.MetricRefresh | None",
) -> DataStreamWriter:
    output = Output(args.output)
    return (
        new_rows(records(spark, args, streams))
        .writeStream.queryName(QUERY_NAME)
        .option("checkpointLocation", args.checkpoint)
        .foreachBatch(write_batch(output, args.checkpoint, seed_of(spark, output, args.checkpoint), refresh))
    )


def run_available_now(spark: SparkSession, args: argparse.Namespace, streams: dict[str, str]) -> None:
    """Everything that arrived before the run started, then stop; the metrics refreshed once at the end.

    Databricks' `kinesis` source supports Trigger.AvailableNow. A Python data source in Spark 4.0.1 does not
    (PythonMicroBatchStream implements neither SupportsAdmissionControl nor SupportsTriggerAvailableNow), so
    Spark would wrap it and take the one latestOffset it asks for at the start, which for a simple reader is one
    capped read: a single micro-batch. The local source instead reads up to `readUntil` (the run's start), a
    capped number per shard per micro-batch, and processAllAvailable returns once a trigger finds nothing new.
    """
    if args.source == "kinesis":
        with stream_settings(spark, args.source):
            query = stream_writer(spark, args, streams, None).trigger(availableNow=True).start()
        query.awaitTermination()
    else:
        with stream_settings(spark, args.source):
            query = stream_writer(spark, args, streams, None).start()
        try:
            query.processAllAvailable()
        finally:
            query.stop()
    metrics.MetricRefresh(spark, Output(args.output)).refresh()


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
    fails or the job is cancelled, one micro-batch every --trigger-seconds (or as soon as the last ended), with
    the metric refresh beside it."""
    Output(args.output).declare(spark, job_tables("stream"))
    ensure_tables(spark, Output(args.output))
    if args.available_now:
        _retry_slow_worker_start(lambda: run_available_now(spark, args, streams))
        return

    def run_continuously() -> None:
        refresh = metrics.MetricRefresh(spark, Output(args.output))
        writer = stream_writer(spark, args, streams, refresh)
        if args.trigger_seconds:
            writer = writer.trigger(processingTime=f"{args.trigger_seconds} seconds")
        with stream_settings(spark, args.source):
            query = writer.start()
        with refresh.every(REFRESH_SECONDS, query):
            query.awaitTermination()

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
