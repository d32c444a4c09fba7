"""The real-time metrics of the stream path (docs/contract.md section 7), from the cleaned stream tables.

Each metric is a pure function of the cleaned pin rows (with `arrived_at`) and geo rows, in built-in Spark
functions. The stream job keeps the tables equal to them:

- `category_activity_1m` at the end of every micro-batch, by adding the micro-batch's new posts per window and
  category (`add_category_increments`; the stream job makes the MERGE idempotent per micro-batch);
- `country_category_activity_1m` and `trending_profiles` on their own cadence (`MetricRefresh`): the windows
  touched since the last refresh recomputed from the cleaned tables, and the trending posters from the last
  15 minutes of pins; in full when the refresh starts, and at the end of an available-now run.
"""

import json
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.streaming import StreamingQuery

from .contract import (
    METRIC_COLUMNS,
    METRIC_TABLES,
    STREAM_EXTRA_COLUMNS,
    STREAM_TABLES,
    TRENDING_TOP,
    TRENDING_WINDOW_MINUTES,
)
from .tables import Output

CATEGORY_ACTIVITY, COUNTRY_CATEGORY_ACTIVITY, TRENDING_PROFILES = METRIC_TABLES
# Delta writes this session conf into each commit's commitInfo.userMetadata (delta-io/delta@v4.0.0
# DeltaSQLConf.scala, commitInfo.userMetadata).
COMMIT_METADATA = "spark.databricks.delta.commitInfo.userMetadata"
(ARRIVED_AT,) = STREAM_EXTRA_COLUMNS


def window_start(arrived_at: Column) -> Column:
    """The arrival time truncated to the minute (the session zone is UTC)."""
    return F.date_trunc("minute", arrived_at)


def _with_window(pins: DataFrame) -> DataFrame:
    return pins.withColumn("window_start", window_start(F.col(ARRIVED_AT)))


def category_activity(pins: DataFrame) -> DataFrame:
    """Distinct posts per category per minute of arrival; a null category is a group of its own."""
    return (
        _with_window(pins)
        .groupBy("window_start", "category")
        .agg(F.count_distinct("ind").alias("posts"))
        .select(*METRIC_COLUMNS[CATEGORY_ACTIVITY])
    )


def country_category_activity(pins: DataFrame, geos: DataFrame) -> DataFrame:
    """The same per country, for the posts whose geo row is there too (pin joined with geo on `ind`)."""
    return (
        _with_window(pins)
        .join(geos.select("ind", "country"), "ind")
        .groupBy("window_start", "country", "category")
        .agg(F.count_distinct("ind").alias("posts"))
        .select(*METRIC_COLUMNS[COUNTRY_CATEGORY_ACTIVITY])
    )


def trending_profiles(pins: DataFrame) -> DataFrame:
    """Per category, the top posters by posts that arrived in the window up to the newest arrival (both ends
    included); ties by higher follower_count (null last), then poster_name."""
    latest = pins.agg(F.max(ARRIVED_AT).alias("latest"))
    recent = (
        pins.crossJoin(latest)
        .where(
            F.col(ARRIVED_AT).between(
                F.col("latest") - F.make_dt_interval(mins=F.lit(TRENDING_WINDOW_MINUTES)), F.col("latest")
            )
        )
        .where(F.col("poster_name").isNotNull() & F.col("category").isNotNull())
    )
    per_poster = recent.groupBy("category", "poster_name").agg(
        F.count_distinct("ind").alias("posts"), F.max("follower_count").alias("follower_count")
    )
    order = Window.partitionBy("category").orderBy(
        F.col("posts").desc(), F.col("follower_count").desc_nulls_last(), F.col("poster_name").asc()
    )
    return (
        per_poster.withColumn("rank", F.row_number().over(order))
        .where(F.col("rank") <= TRENDING_TOP)
        .select(*METRIC_COLUMNS[TRENDING_PROFILES])
    )


def empty_metrics(spark: SparkSession, pin_schema, geo_schema) -> dict[str, DataFrame]:
    """The metric tables' empty frames, whose schemas the job creates the tables with."""
    pins = spark.createDataFrame([], pin_schema)
    geos = spark.createDataFrame([], geo_schema)
    return {
        CATEGORY_ACTIVITY: category_activity(pins),
        COUNTRY_CATEGORY_ACTIVITY: country_category_activity(pins, geos),
        TRENDING_PROFILES: trending_profiles(pins),
    }


def add_category_increments(
    spark: SparkSession, output: Output, increments: list[tuple[datetime, str | None, int]]
) -> None:
    """Adds new posts per (window_start, category) to category_activity_1m. The condition bounds window_start by
    literals, so Delta skips the files (statistics on window_start) of older windows."""
    source = spark.createDataFrame(increments, "window_start timestamp, category string, posts bigint")
    windows = [window for window, _, _ in increments]
    condition = (
        (F.col("t.window_start") == F.col("s.window_start"))
        & F.col("t.category").eqNullSafe(F.col("s.category"))
        & F.col("t.window_start").between(F.lit(min(windows)), F.lit(max(windows)))
    )
    (
        output.delta(spark, CATEGORY_ACTIVITY)
        .alias("t")
        .merge(source.alias("s"), condition)
        .whenMatchedUpdate(set={"posts": "t.posts + s.posts"})
        .whenNotMatchedInsertAll()
        .execute()
    )


def _merge_counts(output: Output, spark: SparkSession, name: str, counts: DataFrame) -> None:
    keys = [column for column in METRIC_COLUMNS[name] if column != "posts"]
    condition = " AND ".join(f"t.{key} <=> s.{key}" for key in keys)
    (
        output.delta(spark, name)
        .alias("t")
        .merge(counts.alias("s"), condition)
        .whenMatchedUpdate(condition="t.posts <> s.posts", set={"posts": "s.posts"})
        .whenNotMatchedInsertAll()
        .execute()
    )


class MetricRefresh:
    """Keeps country_category_activity_1m and trending_profiles equal to the metrics of the cleaned tables.

    The stream job's micro-batches `note` what they added: the windows of new pins, the keys of new geos. A
    refresh recomputes the country counts of those windows and of the windows of the pins the new geos belong to
    (counts only grow: the cleaned tables only gain posts), and the trending posters from the pins of the last
    TRENDING_WINDOW_MINUTES, which it finds by a range on arrived_at (statistics prune the older files). The first
    refresh, and any refresh with `full=True`, recomputes both tables whole, which also covers what a crashed
    run's last micro-batches noted and never refreshed."""

    def __init__(self, spark: SparkSession, output: Output) -> None:
        # Its own session: the commit metadata it sets reaches no other write.
        self.spark = spark.newSession()
        self.spark.conf.set("spark.sql.session.timeZone", spark.conf.get("spark.sql.session.timeZone"))
        # Its MERGE reads the cleaned tables at fixed versions, so its source cannot change between the MERGE's two
        # passes: nothing to materialise. Delta's `auto` did, about 2 s of each refresh on two cores (event log of
        # 2026-12-06, docs/benchmarks.md), taken from the micro-batches beside it.
        self.spark.conf.set("spark.databricks.delta.merge.materializeSource", "none")
        self.output = output
        self._lock = threading.Lock()
        self._windows: set[datetime] = set()
        self._geo_keys: set[int] = set()
        self._full = True

    def note(self, windows: set[datetime], geo_keys: set[int]) -> None:
        with self._lock:
            self._windows |= windows
            self._geo_keys |= geo_keys

    def refresh(self) -> None:
        self.spark.sparkContext.setJobDescription("metric refresh")
        with self._lock:
            windows, geo_keys, full = self._windows, self._geo_keys, self._full
            self._windows, self._geo_keys, self._full = set(), set(), False
        # The versions read are the commits' metadata, so a reader knows which rows a refresh covers
        # (npm run bench:stream measures with it).
        versions = {table: self.output.version(self.spark, STREAM_TABLES[table]) for table in ("pin", "geo")}
        self.spark.conf.set(
            COMMIT_METADATA,
            json.dumps({STREAM_TABLES[table]: version for table, version in versions.items()}),
        )
        pins = self.output.read_version(self.spark, STREAM_TABLES["pin"], versions["pin"])
        geos = self.output.read_version(self.spark, STREAM_TABLES["geo"], versions["geo"])
        if full:
            self.output.replace(country_category_activity(pins, geos), COUNTRY_CATEGORY_ACTIVITY)
            self.output.replace(trending_profiles(pins), TRENDING_PROFILES)
            return
        if geo_keys:
            paired = pins.where(F.col("ind").isin(sorted(geo_keys)))
            windows |= {
                row["w"]
                for row in paired.select(window_start(F.col(ARRIVED_AT)).alias("w")).distinct().collect()
            }
        if windows:
            in_windows = pins.where(
                F.col(ARRIVED_AT).between(F.lit(min(windows)), F.lit(max(windows) + timedelta(minutes=1)))
            ).where(window_start(F.col(ARRIVED_AT)).isin(sorted(windows)))
            _merge_counts(
                self.output,
                self.spark,
                COUNTRY_CATEGORY_ACTIVITY,
                country_category_activity(in_windows, geos),
            )
            self.output.replace(trending_profiles(self._recent(pins, max(windows))), TRENDING_PROFILES)

    def _recent(self, pins: DataFrame, newest_window: datetime) -> DataFrame:
        """The pins of the trending window: those that arrived within TRENDING_WINDOW_MINUTES of the newest
        arrival, which lies in the newest window a micro-batch noted or later."""
        (row,) = (
            pins.where(F.col(ARRIVED_AT) >= F.lit(newest_window))
            .agg(F.max(ARRIVED_AT).alias("latest"))
            .collect()
        )
        latest = row["latest"] or newest_window
        return pins.where(F.col(ARRIVED_AT) >= F.lit(latest - timedelta(minutes=TRENDING_WINDOW_MINUTES)))

    @contextmanager
    def every(self, seconds: float, query: StreamingQuery):
        """Refreshes every `seconds`, in a thread of its own, while the block runs and the query is active. A
        refresh that fails stops the query, and the error is raised here: the job fails as a whole."""
        stop = threading.Event()
        errors: list[Exception] = []

        def loop() -> None:
            try:
                while not stop.wait(seconds) and query.isActive:
                    self.refresh()
            except Exception as error:  # noqa: BLE001 - raised again in the job's thread, below
                errors.append(error)
                query.stop()

        thread = threading.Thread(target=loop, name="metric-refresh", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
        if errors:
            raise errors[0]
