"""Batch job: the S3 sink's JSON lines -> silver tables, quarantine and the nine gold tables, all Delta.

python -m pinterest_jobs.batch --input ROOT --output DIR|CATALOG.SCHEMA --checkpoint DIR
    (--prefix PREFIX | --topics pin=T1,geo=T2,user=T3) [--full-refresh] [--summary-json FILE]

Incremental (docs/contract.md section 9): Spark's file source with a checkpoint and an available-now trigger
reads only the sink objects added since the last run; their rows are merged into the silver tables on the key,
their quarantine rows appended once, and the gold tables recomputed from silver.
"""

import argparse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from . import cli
from .cleaning import CLEANERS, Cleaned, deduplicate
from .contract import GOLD_TABLES, QUARANTINE_TABLE, SILVER_TABLES, TABLES, job_tables, topic_dir, topic_names
from .errors import UsageError
from .gold import compute_gold
from .session import get_spark
from .tables import Output

QUERY_NAME = "pinterest-batch"
# Gold tables written at the same time: all nine. Each result is a few rows, so a write is mostly Delta's commit
# work on the driver, which overlaps (at 1M posts the gold phase took 17-22 s with nine threads, 25 s with four).
WRITE_THREADS = 9
NOTHING_NEW = "no new sink objects since the last run: no table changed"


def read_topic(spark: SparkSession, root: str, topic: str) -> DataFrame:
    """A stream of every line of the files below `{root}/topics/{topic}/` (at any depth), as `payload`, with the
    topic as `source`. Spark's file source lists the folder at each trigger and records in the checkpoint which
    files it handed out, so each file is read by one micro-batch only."""
    path = topic_dir(root, topic)
    try:
        lines = spark.readStream.option("recursiveFileLookup", "true").text(path)
    except AnalysisException as error:
        if error.getCondition() != "PATH_NOT_FOUND":
            raise
        raise UsageError(
            f"input has no folder {path}: check --input (the root holding topics/) and --prefix/--topics"
        ) from None
    return lines.select(F.col("value").alias("payload"), F.lit(topic).alias("source"))


def greater_row(new: str, existing: str, columns: tuple[str, ...]) -> Column:
    """Whether the row aliased `new` is greater than the one aliased `existing`, comparing the non-key columns
    as one struct, the same order by which `deduplicate` keeps the greatest row of a key."""
    others = [name for name in columns if name != "ind"]
    return F.struct(*[F.col(f"{new}.{name}") for name in others]) > F.struct(
        *[F.col(f"{existing}.{name}") for name in others]
    )


def merge_greatest(output: Output, table: str, rows: DataFrame) -> int:
    """Merges deduplicated rows into a silver table so that each key keeps its greatest row, which is the row one
    full run over all records keeps; returns the number of new keys. Rows that change nothing (a record delivered
    again) are left out before the merge, so Delta rewrites no file for them, and a merge of nothing is no commit."""
    spark = rows.sparkSession
    name = SILVER_TABLES[table]
    columns = tuple(rows.columns)
    existing = output.read(spark, name)
    changes = (
        rows.alias("s")
        .join(existing.alias("t"), F.col("s.ind") == F.col("t.ind"), "left")
        .where(F.col("t.ind").isNull() | greater_row("s", "t", columns))
        .select(*[F.col(f"s.{c}") for c in columns], F.col("t.ind").isNull().alias("_new_key"))
        .persist()
    )
    try:
        counts = changes.agg(F.count(F.lit(1)).alias("all"), F.count_if("_new_key").alias("new")).first()
        if counts["all"]:
            (
                output.delta(spark, name)
                .alias("t")
                .merge(changes.drop("_new_key").alias("s"), "t.ind = s.ind")
                .whenMatchedUpdateAll(condition=greater_row("s", "t", columns))
                .whenNotMatchedInsertAll()
                .execute()
            )
        return counts["new"]
    finally:
        changes.unpersist()


RUN_COUNTS = ("new_objects", "read", "quarantined", "duplicates_dropped")


@dataclass
class BatchRun:
    """The foreachBatch function of one run, and the counts of the micro-batches it wrote.

    The first micro-batch of a checkpoint (batch id 0) reads every object there is, so it replaces the tables
    (a first run, a full refresh, or a lost checkpoint all rebuild from everything); a later one merges into
    silver and appends to the quarantine with Delta's idempotent-write options, so a micro-batch that Spark
    replays after a crash (its offsets logged, its commit not) changes nothing twice."""

    output: Output
    checkpoint: str
    topics: dict[str, str]
    tally: dict[str, Counter] = field(default_factory=lambda: {key: Counter() for key in RUN_COUNTS})
    gold: dict[str, int] | None = None
    _writer_ids: list[str] = field(default_factory=list)

    def write(self, records: DataFrame, batch_id: int) -> None:
        replace = batch_id == 0
        with ThreadPoolExecutor(max_workers=len(TABLES)) as pool:
            runs = dict(
                zip(
                    TABLES,
                    pool.map(lambda table: self._clean_and_write_silver(table, records, replace), TABLES),
                    strict=True,
                )
            )
        try:
            self._write_quarantine_and_gold(runs, batch_id, replace)
        finally:
            for cleaned, _ in runs.values():
                cleaned.unpersist()
        for table, (_, counts) in runs.items():
            for key in RUN_COUNTS:
                self.tally[key][table] += counts[key]

    def _write_quarantine_and_gold(self, runs: dict, batch_id: int, replace: bool) -> None:
        cleaned_tables = [cleaned for cleaned, _ in runs.values()]
        spark = cleaned_tables[0].checked.sparkSession
        quarantine = cleaned_tables[0].quarantine
        for cleaned in cleaned_tables[1:]:
            quarantine = quarantine.unionByName(cleaned.quarantine)
        if replace:
            self.output.replace(quarantine, QUARANTINE_TABLE)
        elif any(counts["quarantined"] for _, counts in runs.values()):
            self.output.append_once(quarantine, QUARANTINE_TABLE, self._writer_id(spark), batch_id)
        # Gold reads silver from the tables, not from the cached rows: the scans read only the columns each query
        # uses, and their sizes let the joins broadcast (at 1M posts the gold phase took 25 s this way, 38 s over
        # the cached rows; measured 2026-12-06).
        self.gold = write_gold(
            self.output, {table: self.output.read(spark, SILVER_TABLES[table]) for table in TABLES}
        )

    def _clean_and_write_silver(
        self, table: str, records: DataFrame, replace: bool
    ) -> tuple[Cleaned, dict[str, int]]:
        """Cleans one source's new records (cached, for the quarantine) and writes or merges its silver table from
        the deduplicated rows, cached while this table needs them; returns the cleaned records and the counts."""
        # Which sink object each record came from, carried through cleaning, counts the objects of the run.
        mine = records.where(F.col("source") == self.topics[table]).withColumn("_object", F.input_file_name())
        cleaned = CLEANERS[table](mine).persist()
        counts = cleaned.checked.agg(
            F.count_distinct("_object").alias("objects"),
            F.count(F.lit(1)).alias("read"),
            F.count("reason").alias("quarantined"),
        ).first()
        rows = deduplicate(cleaned.rows).persist()
        try:
            if replace:
                self.output.replace(rows, SILVER_TABLES[table])
                new_keys = rows.count()
            else:
                new_keys = merge_greatest(self.output, table, rows)
        finally:
            rows.unpersist()
        return (
            cleaned,
            {
                "new_objects": counts["objects"],
                "read": counts["read"],
                "quarantined": counts["quarantined"],
                "duplicates_dropped": counts["read"] - counts["quarantined"] - new_keys,
            },
        )

    def _writer_id(self, spark: SparkSession) -> str:
        """`txnAppId` of the quarantine appends: the query's id, which Spark keeps in the checkpoint's `metadata`
        across restarts and which a new checkpoint changes (so appends after a full refresh are not skipped)."""
        if not self._writer_ids:
            query_id = spark.read.json(f"{self.checkpoint.rstrip('/')}/metadata").first()["id"]
            self._writer_ids.append(f"{QUERY_NAME}-{query_id}")
        return self._writer_ids[0]

    def run_counts(self) -> dict[str, dict[str, int]]:
        return {key: {table: self.tally[key][table] for table in TABLES} for key in RUN_COUNTS}


def write_gold(output: Output, silver: dict[str, DataFrame]) -> dict[str, int]:
    """Recomputes the nine gold tables from the silver rows (the SQL of contract/gold); returns each table's row
    count (the results are a few rows each, cached, so they are counted without reading the tables back)."""
    spark = silver["pin"].sparkSession
    gold = compute_gold(spark, silver["pin"], silver["geo"], silver["user"])

    def write(name: str) -> int:
        result = gold[name].persist()
        try:
            rows = result.count()
            output.replace(result, name)
            return rows
        finally:
            result.unpersist()

    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        return dict(zip(gold, pool.map(write, gold), strict=True))


def count_rows(spark: SparkSession, output: Output, name: str) -> int:
    """Rows in a table (Delta answers a plain count from its log), 0 while no run has written it."""
    return output.read(spark, name).count() if output.exists(spark, name) else 0


def table_counts(spark: SparkSession, output: Output) -> dict:
    """Rows in each silver table (a count Delta answers from its log), quarantine rows per source table."""
    silver = {table: count_rows(spark, output, SILVER_TABLES[table]) for table in TABLES}
    by_table = (
        dict(output.read(spark, QUARANTINE_TABLE).groupBy("table").count().collect())
        if output.exists(spark, QUARANTINE_TABLE)
        else {}
    )
    return {"silver": silver, QUARANTINE_TABLE: {table: by_table.get(table, 0) for table in TABLES}}


def delete_checkpoint(spark: SparkSession, checkpoint: str) -> None:
    """Removes the checkpoint folder (any file system Spark writes: a local folder, a volume, the mount)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(checkpoint)
    path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


def run_batch(
    spark: SparkSession,
    input_root: str,
    output: Output,
    topics: dict[str, str],
    checkpoint: str,
    full_refresh: bool = False,
) -> dict:
    """Cleans the sink objects added since the run that last committed to `checkpoint` and brings every table up
    to date; returns the counts of the run (`new_objects`, `read`, `quarantined`, `duplicates_dropped`) and of
    the tables after it (`silver`, `quarantine` per source table, `gold`).

    `full_refresh` starts a new checkpoint, so the run reads every object and replaces the tables (Delta keeps
    their previous versions). Without it a run with nothing new starts no micro-batch and writes nothing."""
    output.declare(spark, job_tables("batch"))
    if full_refresh:
        delete_checkpoint(spark, checkpoint)
    records = [read_topic(spark, input_root, topics[table]) for table in TABLES]
    union = records[0]
    for more in records[1:]:
        union = union.unionByName(more)
    run = BatchRun(output, checkpoint, topics)
    query = (
        union.writeStream.queryName(QUERY_NAME)
        .option("checkpointLocation", checkpoint)
        .foreachBatch(run.write)
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    gold = run.gold
    if gold is None:
        print(NOTHING_NEW)
        gold = {name: count_rows(spark, output, name) for name in GOLD_TABLES}
    return {**run.run_counts(), **table_counts(spark, output), "gold": gold}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser(prog="python -m pinterest_jobs.batch", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input", required=True, help="root folder holding topics/ (the S3 mount on Databricks)"
    )
    parser.add_argument("--output", required=True, help="a directory, or catalog.schema on Databricks")
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="folder of the job's progress record: which sink objects it has cleaned (a volume on Databricks)",
    )
    cli.add_name_source(parser, "--topics", "topic", "PREFIX.pin")
    parser.add_argument(
        "--full-refresh",
        nargs="?",
        const="true",
        default="false",
        choices=("true", "false"),
        help="rebuild every table from all sink objects (a new checkpoint); "
        "`--full-refresh=false` is the default, so a job parameter can pass either",
    )
    parser.add_argument("--summary-json", help="also write the counts to this JSON file")
    args = parser.parse_args(argv)
    args.full_refresh = args.full_refresh == "true"
    return args


def main(argv: list[str] | None = None) -> int:
    def run() -> dict:
        args = parse_args(argv)
        topics = cli.names_from(args, "--topics", topic_names)
        output = Output(args.output)
        spark = get_spark("pinterest-batch")
        summary = run_batch(spark, args.input, output, topics, args.checkpoint, args.full_refresh)
        cli.report(summary, args.summary_json)
        return summary

    return cli.run_main(run)


entry = cli.wheel_entry(main)

if __name__ == "__main__":
    raise SystemExit(main())
