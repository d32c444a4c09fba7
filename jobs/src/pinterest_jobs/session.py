"""The one place that builds the SparkSession: the active one on Databricks, a small local one with Delta elsewhere."""

import os
import sys
from importlib.metadata import version
from pathlib import Path

from pyspark.sql import SparkSession

# The jobs treat every datetime without a zone as UTC (docs/contract.md section 1), so the session zone is fixed.
SESSION_TIME_ZONE = "UTC"
REPO_ROOT = Path(__file__).resolve().parents[3]


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def get_spark(app_name: str = "pinterest-jobs") -> SparkSession:
    """The active session on Databricks; otherwise a local session with Delta Lake, built once per process."""
    if on_databricks():
        spark = SparkSession.builder.getOrCreate()
    else:
        spark = SparkSession.getActiveSession() or _local_session(app_name)
    spark.conf.set("spark.sql.session.timeZone", SESSION_TIME_ZONE)
    return spark


def _cached_delta_jars(folders: list[Path]) -> list[Path]:
    """Delta's jars (and the ANTLR runtime they need) from the first folder that has them all: local mode's install
    copies them into .cache/jars/delta (Maven's names), an earlier Ivy resolution into .cache/ivy/jars (Ivy's names,
    the group prefixed). With them the session needs no network and no resolution."""
    for folder in folders:
        delta = [
            sorted(folder.glob(f"*delta-{name}-{version('delta-spark')}.jar"))
            for name in ("spark_2.13", "storage")
        ]
        antlr = sorted(folder.glob("*antlr4-runtime-*.jar"))
        if all(delta) and antlr:
            return [delta[0][0], delta[1][0], antlr[-1]]
    return []


def _local_session(app_name: str) -> SparkSession:
    from delta import configure_spark_with_delta_pip

    # Delta's jars come from Maven Central once and stay in the repository's ignored cache, not in the home folder.
    ivy_dir = Path(os.environ.get("PINTEREST_JOBS_IVY_DIR", REPO_ROOT / ".cache" / "ivy"))
    warehouse = Path(os.environ.get("PINTEREST_JOBS_WAREHOUSE", REPO_ROOT / ".cache" / "spark-warehouse"))
    # Python workers (the local Kinesis source among them) must run this environment's Python, not the one on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("PINTEREST_JOBS_MASTER", "local[2]"))
        .config("spark.jars.ivy", str(ivy_dir))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.warehouse.dir", str(warehouse))
        .config("spark.sql.shuffle.partitions", os.environ.get("PINTEREST_JOBS_SHUFFLE_PARTITIONS", "4"))
        .config("spark.default.parallelism", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        # PINTEREST_JOBS_UI=1: the Spark UI on 127.0.0.1:4040 while the session runs (off by default: it costs
        # a few seconds of a short local run).
        .config("spark.ui.enabled", "true" if os.environ.get("PINTEREST_JOBS_UI") == "1" else "false")
        .config("spark.ui.port", "4040")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", SESSION_TIME_ZONE)
        # The batch job caches the cleaned records and the silver rows; 1M posts need about 1 GB of it, which a 2 GB
        # heap (0.6 of it for execution and storage) would spill to disk.
        .config("spark.driver.memory", os.environ.get("PINTEREST_JOBS_DRIVER_MEMORY", "4g"))
        .config("spark.databricks.delta.snapshotPartitions", "2")
    )
    # PINTEREST_JOBS_EVENT_LOG=DIR: Spark's event log, which a History Server shows after the run (docs/local-mode.md).
    event_log = os.environ.get("PINTEREST_JOBS_EVENT_LOG")
    if event_log:
        Path(event_log).mkdir(parents=True, exist_ok=True)
        builder = builder.config("spark.eventLog.enabled", "true").config(
            "spark.eventLog.dir", Path(event_log).resolve().as_uri()
        )
    jars = _cached_delta_jars([REPO_ROOT / ".cache" / "jars" / "delta", ivy_dir / "jars"])
    if jars:
        builder = builder.config("spark.jars", ",".join(str(jar) for jar in jars))
    else:
        builder = configure_spark_with_delta_pip(builder)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
