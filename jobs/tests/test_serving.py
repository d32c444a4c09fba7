"""The serving layer's views (docs/contract.md section 8) on a hand-built lake: pin_now, geo_now and user_now hold
silver plus the stream's rows with new keys (a key in both once, from silver), and each <gold>_now equals the gold
query over that union, built here by hand."""

from pyspark.sql import functions as F
from test_gold import geos, pins, result, users

from pinterest_jobs.contract import GOLD_COLUMNS, SILVER_TABLES, STREAM_TABLES, TABLES, job_tables
from pinterest_jobs.ddl import GOLD_NOW_VIEWS, NOW_VIEWS
from pinterest_jobs.gold import compute_gold
from pinterest_jobs.lake_views import register
from pinterest_jobs.tables import Output

# pin: (ind, category, follower_count, poster_name); geo: (ind, country, timestamp); user: (ind, name, age, joined)
SILVER = {
    "pin": [(1, "art", 100, "Ann"), (2, "art", 50, "Bo")],
    "geo": [(1, "Chad", "2019-01-01"), (2, "Chad", "2019-02-01")],
    "user": [(1, "Ann Lee", 20, "2016-01-01"), (2, "Bo Ray", 30, "2016-05-01")],
}
STREAM = {
    # ind 2 is in silver too, with other values: the views must keep silver's row.
    "pin": [
        (2, "travel", 9999, "Zed"),
        (3, "travel", 70, "Cy"),
        (4, "travel", 10, "Di"),
        (5, "travel", 5, "Ed"),
    ],
    "geo": [
        (2, "Peru", "2022-01-01"),
        (3, "Chad", "2020-01-01"),
        (4, "Chad", "2020-02-01"),
        (5, "Chad", "2021-01-01"),
    ],
    "user": [
        (2, "Zed Zu", 60, "2019-01-01"),
        (3, "Cy Dunn", 40, "2017-01-01"),
        (4, "Di Roe", 22, "2017-03-01"),
    ],
}
# The union by hand: silver, and the stream rows whose key silver lacks (3, 4, 5; user 3, 4).
UNION = {table: SILVER[table] + [row for row in STREAM[table] if row[0] != 2] for table in TABLES}
FRAMES = {"pin": pins, "geo": geos, "user": users}


def lake(spark, tmp_path):
    """The silver and stream tables of both jobs' outputs, created by the contract's DDL; the views registered."""
    batch, stream = Output(str(tmp_path / "batch")), Output(str(tmp_path / "stream"))
    batch.declare(spark, job_tables("batch"))
    stream.declare(spark, job_tables("stream"))
    for table in TABLES:
        FRAMES[table](spark, SILVER[table]).write.format("delta").mode("append").save(
            batch.ref(SILVER_TABLES[table])
        )
        FRAMES[table](spark, STREAM[table]).withColumn("arrived_at", F.current_timestamp()).write.format(
            "delta"
        ).mode("append").save(stream.ref(STREAM_TABLES[table]))
    refs = {SILVER_TABLES[t]: batch.sql_ref(SILVER_TABLES[t]) for t in TABLES}
    refs.update({STREAM_TABLES[t]: stream.sql_ref(STREAM_TABLES[t]) for t in TABLES})
    return register(spark, refs)


def test_now_views_hold_silver_and_the_streams_new_keys_once_from_silver(spark, tmp_path):
    names = lake(spark, tmp_path)
    assert set(NOW_VIEWS.values()) | set(GOLD_NOW_VIEWS.values()) <= set(names)
    pin_now = spark.table(NOW_VIEWS["pin"])
    assert pin_now.columns[-1] == "origin"
    assert result(
        pin_now.select("ind", "category", "poster_name", "origin"),
        ["ind", "category", "poster_name", "origin"],
    ) == [
        (1, "art", "Ann", "batch"),
        (2, "art", "Bo", "batch"),
        (3, "travel", "Cy", "stream"),
        (4, "travel", "Di", "stream"),
        (5, "travel", "Ed", "stream"),
    ]
    assert result(
        spark.table(NOW_VIEWS["user"]).select("ind", "user_name", "origin"), ["ind", "user_name", "origin"]
    ) == [(1, "Ann Lee", "batch"), (2, "Bo Ray", "batch"), (3, "Cy Dunn", "stream"), (4, "Di Roe", "stream")]
    assert spark.table(NOW_VIEWS["geo"]).where("ind = 2").select("country").first()[0] == "Chad"


def test_each_gold_now_view_is_the_gold_query_over_the_union(spark, tmp_path):
    lake(spark, tmp_path)
    union = {table: FRAMES[table](spark, UNION[table]) for table in TABLES}
    expected = compute_gold(spark, union["pin"], union["geo"], union["user"])
    for name, view in GOLD_NOW_VIEWS.items():
        columns = list(GOLD_COLUMNS[name])
        assert result(spark.table(view), columns) == result(expected[name], columns), name
    # By hand: Chad has art 2 (silver) and travel 3 (stream only); silver alone says art.
    assert result(
        spark.table(GOLD_NOW_VIEWS["popular_category_by_country"]),
        list(GOLD_COLUMNS["popular_category_by_country"]),
    ) == [("Chad", "travel", 3)]
    assert result(
        spark.table(GOLD_NOW_VIEWS["users_joined_by_year"]), ["post_year", "number_users_joined"]
    ) == [
        (2016, 2),
        (2017, 2),
    ]
