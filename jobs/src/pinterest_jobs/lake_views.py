"""The contract's tables of a lake, and the serving layer's views over them, as temporary views of a Spark session:
how local mode (`npm run local -- query`) reads the local Delta tables under the same names as the catalog."""

from pyspark.sql import SparkSession

from .contract import DECLARED_TABLES, SILVER_TABLES, STREAM_TABLES, TABLES
from .ddl import quoted, serving_views


def register(spark: SparkSession, tables: dict[str, str]) -> list[str]:
    """A temporary view per table (`tables`: contract name -> SQL ref, e.g. delta.`<dir>`), and the serving views
    when the silver and stream tables they read are all there; returns the names of every view registered."""
    unknown = sorted(set(tables) - set(DECLARED_TABLES))
    if unknown:
        raise KeyError(f"not tables of the contract: {', '.join(unknown)}")
    for name, ref in tables.items():
        spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {quoted(name)} AS SELECT * FROM {ref}")
    names = list(tables)
    inputs = [SILVER_TABLES[table] for table in TABLES] + [STREAM_TABLES[table] for table in TABLES]
    if all(name in tables for name in inputs):
        for view, select in serving_views(quoted, quoted, quoted).items():
            spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {quoted(view)} AS {select}")
            names.append(view)
    return names
