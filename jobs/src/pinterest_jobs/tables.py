"""Where the jobs write: a directory (one Delta table per name under it) or a Unity Catalog `catalog.schema`."""

import re
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from .contract import table_properties
from .errors import JobFailure, UsageError

_CATALOG_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Output:
    """`catalog.schema` when the location is exactly two identifiers joined by a dot, else a directory."""

    location: str

    def __post_init__(self) -> None:
        if not self.location.strip():
            raise UsageError("--output is empty: give a directory or catalog.schema")

    @property
    def is_catalog(self) -> bool:
        return bool(_CATALOG_SCHEMA.match(self.location))

    def ref(self, name: str) -> str:
        return f"{self.location}.{name}" if self.is_catalog else f"{self.location.rstrip('/')}/{name}"

    def overwrite(self, df: DataFrame, name: str) -> int:
        """Replaces the table's content and schema, so that a re-run gives the same table; returns the number of
        rows written, from the commit's metrics rather than by reading the table back. A table this creates gets
        the contract's properties: Delta stores a write's `delta.`-prefixed options as table properties
        (delta-io/delta@v4.0.0:spark/src/main/scala/org/apache/spark/sql/delta/sources/DeltaDataSource.scala)."""
        writer = (
            df.write.format("delta")
            .mode("overwrite")
            .option("overwriteSchema", "true")
            .options(**table_properties(name))
        )
        if self.is_catalog:
            writer.saveAsTable(self.ref(name))
        else:
            writer.save(self.ref(name))
        return self.rows_written(df.sparkSession, name)

    def replace(self, df: DataFrame, name: str) -> None:
        """Replaces the table's content, keeping its schema, without counting anything afterwards."""
        writer = df.write.format("delta").mode("overwrite").options(**table_properties(name))
        writer.saveAsTable(self.ref(name)) if self.is_catalog else writer.save(self.ref(name))

    def version(self, spark: SparkSession, name: str) -> int:
        """The table's latest version: one look at its log, no data read."""
        (last,) = self.delta(spark, name).history(1).select("version").collect()
        return int(last["version"])

    def read_version(self, spark: SparkSession, name: str, version: int) -> DataFrame:
        """The table as it was at `version` (Delta time travel)."""
        if self.is_catalog:
            return spark.read.option("versionAsOf", version).table(self.ref(name))
        return spark.read.format("delta").option("versionAsOf", version).load(self.ref(name))

    def rows_written(self, spark: SparkSession, name: str) -> int:
        """`numOutputRows` of the table's last commit: Delta records it for every write, the commit info being part
        of the log (delta-io/delta@v4.0.0:spark/src/main/scala/org/apache/spark/sql/delta/DeltaOperations.scala,
        DeltaOperationMetrics.WRITE)."""
        (last,) = self.delta(spark, name).history(1).select("operationMetrics").collect()
        metrics = last["operationMetrics"] or {}
        if "numOutputRows" not in metrics:
            raise JobFailure(
                f"the last commit of {self.ref(name)} has no numOutputRows metric: "
                "set spark.databricks.delta.history.metricsEnabled=true"
            )
        return int(metrics["numOutputRows"])

    def read(self, spark: SparkSession, name: str) -> DataFrame:
        if self.is_catalog:
            return spark.read.table(self.ref(name))
        return spark.read.format("delta").load(self.ref(name))

    def delta(self, spark: SparkSession, name: str) -> DeltaTable:
        if self.is_catalog:
            return DeltaTable.forName(spark, self.ref(name))
        return DeltaTable.forPath(spark, self.ref(name))

    def ensure(self, spark: SparkSession, name: str, schema: StructType) -> None:
        """Creates the Delta table, empty with `schema` and the contract's properties, if it does not exist yet."""
        create_table(spark, self, name, schema)


def create_table(spark: SparkSession, output: Output, name: str, schema: StructType) -> None:
    """The one place a table is created: empty, with `schema` and its properties from the contract
    (docs/contract.md, table properties); nothing when it exists already."""
    builder = DeltaTable.createIfNotExists(spark).addColumns(schema)
    for key, value in table_properties(name).items():
        builder = builder.property(key, value)
    builder = builder.tableName(output.ref(name)) if output.is_catalog else builder.location(output.ref(name))
    builder.execute()
