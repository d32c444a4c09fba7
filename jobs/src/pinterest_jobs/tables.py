"""Where the jobs write: a directory (one Delta table per name under it) or a Unity Catalog `catalog.schema`."""

import re
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, DataFrameWriter, SparkSession
from pyspark.sql.types import StructType

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
        rows written, from the commit's metrics rather than by reading the table back."""
        self.replace(df, name)
        return self.rows_written(df.sparkSession, name)

    def replace(self, df: DataFrame, name: str) -> None:
        """Replaces the table's content and schema (a new version; Delta keeps the previous ones)."""
        self._save(df.write.format("delta").mode("overwrite").option("overwriteSchema", "true"), name)

    def append_once(self, df: DataFrame, name: str, writer_id: str, version: int) -> None:
        """Appends unless this writer already committed `version` to the table: Delta's idempotent writes
        (txnAppId/txnVersion, docs.delta.io/latest/delta-streaming.html#idempotent-table-writes-in-foreachbatch)."""
        writer = df.write.format("delta").mode("append")
        self._save(writer.option("txnAppId", writer_id).option("txnVersion", version), name)

    def _save(self, writer: DataFrameWriter, name: str) -> None:
        if self.is_catalog:
            writer.saveAsTable(self.ref(name))
        else:
            writer.save(self.ref(name))

    def exists(self, spark: SparkSession, name: str) -> bool:
        if self.is_catalog:
            return spark.catalog.tableExists(self.ref(name))
        return DeltaTable.isDeltaTable(spark, self.ref(name))

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
        """Creates the Delta table, empty with `schema`, if it does not exist yet."""
        builder = DeltaTable.createIfNotExists(spark).addColumns(schema)
        builder = builder.tableName(self.ref(name)) if self.is_catalog else builder.location(self.ref(name))
        builder.execute()
