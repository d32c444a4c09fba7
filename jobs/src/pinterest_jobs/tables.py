"""Where the jobs write: a directory (one Delta table per name under it) or a Unity Catalog `catalog.schema`."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, DataFrameWriter, SparkSession
from pyspark.sql.types import StructType

from .contract import catalog_table, table_properties
from .ddl import create_table_sql
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
        """Replaces the table's content, so that a re-run gives the same table; returns the number of rows written,
        from the commit's metrics rather than by reading the table back."""
        self.replace(df, name)
        return self.rows_written(df.sparkSession, name)

    def replace(self, df: DataFrame, name: str) -> None:
        """Replaces the table's content (a new version; Delta keeps the previous ones) and keeps its declared schema
        and comments: a frame whose columns differ fails."""
        self._save(df.write.format("delta").mode("overwrite"), name)

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
        DeltaOperationMetrics.WRITE). Auto compaction (the contract's table properties) may commit an OPTIMIZE
        right after the write, so the last commit that is not one counts."""
        commits = self.delta(spark, name).history(2).select("operation", "operationMetrics").collect()
        last = next(commit for commit in commits if commit["operation"] != "OPTIMIZE")
        metrics = last["operationMetrics"] or {}
        # No rows: Delta left the declared, empty table as created, or committed a write of no file without a count.
        if last["operation"] == "CREATE TABLE" or (
            last["operation"] == "WRITE" and metrics.get("numFiles") == "0"
        ):
            return int(metrics.get("numOutputRows", 0))
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

    def sql_ref(self, name: str) -> str:
        r"""How SQL names the table: `catalog.schema.name`, or `delta.\`<dir>/<name>\`` for a path-based table."""
        return self.ref(name) if self.is_catalog else f"delta.`{self.ref(name).replace('`', '``')}`"

    def declare(self, spark: SparkSession, names: Iterable[str]) -> None:
        """Makes sure the jobs write into the tables the contract declares, before they write anything.

        In a directory the contract's DDL (ddl.py) creates a table that is not there yet; in Unity Catalog the tables
        must exist (the Pulumi program declares them). Then each table's columns must be the contract's, in name and
        type; otherwise the job fails in one line naming the table and the column."""
        for name in names:
            if not self.is_catalog:
                spark.sql(create_table_sql(name, self.sql_ref(name)))
            elif not spark.catalog.tableExists(self.ref(name)):
                raise JobFailure(
                    f"table {self.ref(name)} does not exist: declare the catalog's tables first (pulumi up)"
                )
            mismatch = schema_mismatch(name, self.read(spark, name).schema)
            if mismatch:
                raise JobFailure(
                    f"table {self.ref(name)} is not the contract's: {mismatch}; drop it and declare it again "
                    "(pulumi up, or locally a fresh run) or fix contract/contract.json"
                )

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


def schema_mismatch(name: str, schema: StructType) -> str | None:
    """How the columns of `schema` differ from the contract's table `name`, in words, or None."""
    actual = {field.name: field.dataType.simpleString() for field in schema.fields}
    for column in catalog_table(name).columns:
        if column.name not in actual:
            return f"column {column.name} ({column.type}) is missing"
        if actual[column.name] != column.type:
            return f"column {column.name} is {actual[column.name]}, the contract says {column.type}"
    declared = {column.name for column in catalog_table(name).columns}
    extra = [column for column in actual if column not in declared]
    return f"column {extra[0]} is not in the contract" if extra else None
