"""Batch job: the S3 sink's JSON lines -> silver tables, quarantine and the nine gold tables, all Delta.

python -m pinterest_jobs.batch --input ROOT --output DIR|CATALOG.SCHEMA
    (--prefix PREFIX | --topics pin=T1,geo=T2,user=T3) [--summary-json FILE]
"""

import argparse
from concurrent.futures import ThreadPoolExecutor

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import cli
from .cleaning import CLEANERS, Cleaned, deduplicate
from .contract import QUARANTINE_TABLE, SILVER_TABLES, TABLES, job_tables, topic_dir, topic_names
from .errors import UsageError
from .gold import compute_gold
from .session import get_spark
from .tables import Output

# Tables written at the same time in the gold phase; more threads only queue on the two local cores.
WRITE_THREADS = 4


def read_topic(spark: SparkSession, root: str, topic: str) -> DataFrame:
    """Every line of every file below `{root}/topics/{topic}/`, as `payload`, with the topic as `source`."""
    path = topic_dir(root, topic)
    try:
        lines = spark.read.option("recursiveFileLookup", "true").text(path)
    except AnalysisException as error:
        if error.getCondition() != "PATH_NOT_FOUND":
            raise
        raise UsageError(
            f"input has no folder {path}: check --input (the root holding topics/) and --prefix/--topics"
        ) from None
    return lines.select(F.col("value").alias("payload"), F.lit(topic).alias("source"))


def _clean_and_write_silver(
    spark: SparkSession, input_root: str, output: Output, table: str, topic: str
) -> tuple[Cleaned, DataFrame, dict]:
    """Cleans one source (cached) and writes its silver table from the cached, deduplicated rows, which stay
    cached for the gold queries; returns both caches and the table's counts."""
    cleaned = CLEANERS[table](read_topic(spark, input_root, topic)).persist()
    counts = cleaned.checked.agg(
        F.count(F.lit(1)).alias("read"), F.count("reason").alias("quarantined")
    ).first()
    rows = deduplicate(cleaned.rows).persist()
    silver_rows = output.overwrite(rows, SILVER_TABLES[table])
    return (
        cleaned,
        rows,
        {
            "read": counts["read"],
            "quarantined": counts["quarantined"],
            "silver": silver_rows,
            "duplicates_dropped": counts["read"] - counts["quarantined"] - silver_rows,
        },
    )


def run_batch(spark: SparkSession, input_root: str, output: Output, topics: dict[str, str]) -> dict:
    """Writes every table, replacing what a previous run wrote, and returns the counts of the run.

    Each source is parsed and cleaned once (cached); its deduplicated rows are cached too and feed both the silver
    table and the gold queries (the SQL of contract/gold, over the cached rows); row counts come from the Delta commits, so no table
    is read back. Independent tables are computed and written from several threads at once: a single write
    leaves the cores idle while the driver plans and commits."""
    output.declare(spark, job_tables("batch"))
    with ThreadPoolExecutor(max_workers=len(TABLES)) as pool:
        silver_runs = dict(
            zip(
                TABLES,
                pool.map(
                    lambda table: _clean_and_write_silver(spark, input_root, output, table, topics[table]),
                    TABLES,
                ),
                strict=True,
            )
        )
    summary: dict = {
        section: {table: run[2][section] for table, run in silver_runs.items()}
        for section in ("read", "quarantined", "duplicates_dropped", "silver")
    }
    cleaned_tables = [cleaned for cleaned, _, _ in silver_runs.values()]
    silver = {table: rows for table, (_, rows, _) in silver_runs.items()}
    quarantine = cleaned_tables[0].quarantine
    for cleaned in cleaned_tables[1:]:
        quarantine = quarantine.unionByName(cleaned.quarantine)

    gold = compute_gold(spark, silver["pin"], silver["geo"], silver["user"])
    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as pool:
        quarantine_write = pool.submit(output.overwrite, quarantine, QUARANTINE_TABLE)
        gold_writes = {name: pool.submit(output.overwrite, frame, name) for name, frame in gold.items()}
        quarantine_write.result()
        summary["gold"] = {name: write.result() for name, write in gold_writes.items()}
    for cleaned in cleaned_tables:
        cleaned.unpersist()
    for rows in silver.values():
        rows.unpersist()
    return summary


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = cli.ArgumentParser(prog="python -m pinterest_jobs.batch", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--input", required=True, help="root folder holding topics/ (the S3 mount on Databricks)"
    )
    parser.add_argument("--output", required=True, help="a directory, or catalog.schema on Databricks")
    cli.add_name_source(parser, "--topics", "topic", "PREFIX.pin")
    parser.add_argument("--summary-json", help="also write the counts to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    def run() -> dict:
        args = parse_args(argv)
        topics = cli.names_from(args, "--topics", topic_names)
        output = Output(args.output)
        summary = run_batch(get_spark("pinterest-batch"), args.input, output, topics)
        cli.report(summary, args.summary_json)
        return summary

    return cli.run_main(run)


entry = cli.wheel_entry(main)

if __name__ == "__main__":
    raise SystemExit(main())
