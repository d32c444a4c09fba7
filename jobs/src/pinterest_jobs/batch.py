"""Batch job: the S3 sink's JSON lines -> silver tables, quarantine and the nine gold tables, all Delta.

python -m pinterest_jobs.batch --input ROOT --output DIR|CATALOG.SCHEMA
    (--prefix PREFIX | --topics pin=T1,geo=T2,user=T3) [--summary-json FILE]
"""

import argparse

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from . import cli
from .cleaning import CLEANERS, deduplicate
from .contract import QUARANTINE_TABLE, SILVER_TABLES, TABLES, topic_dir, topic_names
from .errors import UsageError
from .gold import GOLD_QUERIES, gold_input
from .session import get_spark
from .tables import Output


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


def run_batch(spark: SparkSession, input_root: str, output: Output, topics: dict[str, str]) -> dict:
    """Writes every table, replacing what a previous run wrote, and returns the counts of the run.

    Each source is parsed and cleaned once (cached), its deduplicated rows are cached too and feed both the silver
    table and the one pruned join behind the gold queries; row counts come from the Delta commits, so no table
    is read back."""
    summary: dict = {"read": {}, "quarantined": {}, "duplicates_dropped": {}, "silver": {}, "gold": {}}
    cleaned_tables, silver = [], {}
    for table in TABLES:
        cleaned = CLEANERS[table](read_topic(spark, input_root, topics[table])).persist()
        cleaned_tables.append(cleaned)
        counts = cleaned.checked.agg(
            F.count(F.lit(1)).alias("read"), F.count("reason").alias("quarantined")
        ).first()
        silver[table] = deduplicate(cleaned.rows).persist()
        silver_rows = output.overwrite(silver[table], SILVER_TABLES[table])
        summary["read"][table] = counts["read"]
        summary["quarantined"][table] = counts["quarantined"]
        summary["silver"][table] = silver_rows
        summary["duplicates_dropped"][table] = counts["read"] - counts["quarantined"] - silver_rows
    quarantine = cleaned_tables[0].quarantine
    for cleaned in cleaned_tables[1:]:
        quarantine = quarantine.unionByName(cleaned.quarantine)
    output.overwrite(quarantine, QUARANTINE_TABLE)
    for cleaned in cleaned_tables:
        cleaned.unpersist()

    gold = gold_input(silver["pin"], silver["geo"], silver["user"]).persist()
    for name, query in GOLD_QUERIES.items():
        summary["gold"][name] = output.overwrite(query(gold), name)
    gold.unpersist()
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


if __name__ == "__main__":
    raise SystemExit(main())
