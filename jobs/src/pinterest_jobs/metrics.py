"""The real-time metrics of the stream path (docs/contract.md section 7), from the cleaned stream tables.

Each metric is a pure function of the cleaned pin rows (with `arrived_at`) and geo rows, in built-in Spark
functions. The stream job keeps the metric tables equal to these functions of its cleaned tables at the end of
every micro-batch: it recomputes the one-minute windows the micro-batch touched and merges them in (a window's
count only grows, since the cleaned tables only gain posts), and rewrites `trending_profiles`, which is small.
A replayed micro-batch or a copy of a record changes no cleaned row, so it changes no metric either.
"""

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from .contract import (
    METRIC_COLUMNS,
    METRIC_TABLES,
    STREAM_EXTRA_COLUMNS,
    TRENDING_TOP,
    TRENDING_WINDOW_MINUTES,
)
from .tables import Output

CATEGORY_ACTIVITY, COUNTRY_CATEGORY_ACTIVITY, TRENDING_PROFILES = METRIC_TABLES
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


def _touched_windows(pins: DataFrame, inds: DataFrame) -> DataFrame:
    """The windows that hold the stored pins with these keys."""
    return _with_window(pins.join(inds, "ind", "left_semi")).select("window_start").distinct()


def _in_windows(pins: DataFrame, windows: DataFrame) -> DataFrame:
    return _with_window(pins).join(F.broadcast(windows), "window_start", "left_semi").drop("window_start")


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


def update_metrics(
    spark: SparkSession,
    output: Output,
    pins: DataFrame,
    geos: DataFrame,
    batch_pin_inds: DataFrame,
    batch_geo_inds: DataFrame,
) -> None:
    """Brings the metric tables in line with the cleaned tables `pins` and `geos` after a micro-batch whose
    clean rows had these keys."""
    pin_windows = _touched_windows(pins, batch_pin_inds).persist()
    joined_windows = pin_windows.union(_touched_windows(pins, batch_geo_inds)).distinct()
    _merge_counts(output, spark, CATEGORY_ACTIVITY, category_activity(_in_windows(pins, pin_windows)))
    _merge_counts(
        output,
        spark,
        COUNTRY_CATEGORY_ACTIVITY,
        country_category_activity(_in_windows(pins, joined_windows), geos),
    )
    output.overwrite(trending_profiles(pins), TRENDING_PROFILES)
    pin_windows.unpersist()
