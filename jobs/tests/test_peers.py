"""Our jobs against a published implementation (../shared/data/peers, read in place, never copied).

1lekshmi__pinterest-data-pipeline449 published the raw pin rows its notebook read (571 records, 564 posts) and
the results of its cleaning and queries. Its geo and user input rows are the same posts' rows of the full
table dumps in ptrGSKA__pinterest-data-pipeline754 (see both SOURCE.txt files). Where its rules equal ours, the
results must be equal; where they differ (tie-breaks, the `50+` label, users counted as rows), the test says how.
"""

import csv
import json
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from pinterest_jobs.batch import run_batch
from pinterest_jobs.contract import topic_names
from pinterest_jobs.tables import Output

PREFIX = "peer"
LEKSHMI = "1lekshmi__pinterest-data-pipeline449/clean_data.outputs"
DUMPS = "ptrGSKA__pinterest-data-pipeline754"
AGE_LABELS = {"50+": "+50"}


def published(peers: Path, cell: str) -> list[dict]:
    with open(peers / LEKSHMI / f"{cell}_0.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def raw_pin_rows(peers: Path) -> list[dict]:
    rows = []
    for row in published(peers, "cell002"):
        value = {k: (None if v == "null" else v) for k, v in row.items()}
        rows.append({**value, "index": int(row["index"]), "downloaded": int(row["downloaded"])})
    return rows


def dump_rows(peers: Path, name: str, keys: set[int], numbers: dict) -> list[dict]:
    with open(peers / DUMPS / name, encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if int(row["ind"]) in keys]
    return [{k: numbers.get(k, str)(v) for k, v in row.items() if k} for row in rows]


@pytest.fixture(scope="module")
def peer_run(spark, peers, tmp_path_factory):
    root = tmp_path_factory.mktemp("peers")
    topics = topic_names(PREFIX)
    pins = raw_pin_rows(peers)
    keys = {row["index"] for row in pins}
    inputs = {
        "pin": pins,
        "geo": dump_rows(
            peers, "geolocation_data.csv", keys, {"ind": int, "latitude": float, "longitude": float}
        ),
        "user": dump_rows(peers, "user_data.csv", keys, {"ind": int, "age": int}),
    }
    for table, rows in inputs.items():
        folder = root / "input" / "topics" / topics[table] / "partition=0"
        folder.mkdir(parents=True)
        (folder / "records.json").write_text(
            "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
        )
    output = Output(str(root / "output"))
    summary = run_batch(spark, str(root / "input"), output, topics, str(root / "checkpoint"))
    return output, summary


def table(spark, output, name):
    return output.read(spark, name)


def test_peer_input_counts(peer_run):
    _, summary = peer_run
    assert summary["read"] == {"pin": 571, "geo": 564, "user": 564}
    assert summary["duplicates_dropped"] == {"pin": 7, "geo": 0, "user": 0}
    assert summary["silver"] == {"pin": 564, "geo": 564, "user": 564}
    assert summary["quarantined"] == {"pin": 0, "geo": 0, "user": 0}


def test_cleaned_geo_and_user_equal_the_published_ones(spark, peers, peer_run):
    output, _ = peer_run
    geo = {row.ind: row for row in table(spark, output, "geo_silver").collect()}
    for row in published(peers, "cell007"):
        ours = geo[int(row["ind"])]
        latitude, longitude = row["coordinates"].removeprefix("List(").removesuffix(")").split(", ")
        assert ours.country == row["country"]
        assert ours.coordinates == [float(latitude), float(longitude)]
        assert ours.timestamp.strftime("%Y-%m-%dT%H:%M:%S.000+0000") == row["timestamp"]
    user = {row.ind: row for row in table(spark, output, "user_silver").collect()}
    for row in published(peers, "cell009"):
        ours = user[int(row["ind"])]
        assert (ours.user_name, ours.age) == (row["user_name"], int(row["age"]))
        assert ours.date_joined.strftime("%Y-%m-%dT%H:%M:%S.000+0000") == row["date_joined"]
    assert len(geo) == len(published(peers, "cell007")) and len(user) == len(published(peers, "cell009"))


def test_cleaned_pin_follower_counts_and_paths_equal_the_published_ones(spark, peers, peer_run):
    output, _ = peer_run
    pin = {row.ind: row for row in table(spark, output, "pin_silver").collect()}
    published_pins = published(peers, "cell005")
    assert len(pin) == len(published_pins)
    for row in published_pins:
        ours = pin[int(row["ind"])]
        theirs_followers = None if row["follower_count"] == "null" else int(row["follower_count"])
        assert (ours.follower_count, ours.save_location, ours.category) == (
            theirs_followers,
            row["save_location"],
            row["category"],
        )


def assert_top_rows_agree(spark, ours_df, theirs, group, name, count, counts_df):
    """Same groups and winning counts; the winner's name equal, or a tie that we broke to the smaller name."""
    ours = {str(row[group]): row for row in ours_df.collect()}
    assert set(ours) == {AGE_LABELS.get(row[group], row[group]) for row in theirs}
    counts = {(str(row[group]), row[name]): row["n"] for row in counts_df.collect()}
    for row in theirs:
        key = AGE_LABELS.get(row[group], row[group])
        assert ours[key][count] == int(row[list(row)[2]]), key
        if ours[key][name] != row[name].strip():
            assert (
                counts[(key, row[name].strip())] == ours[key][count] and ours[key][name] < row[name].strip()
            ), key


def test_popular_category_by_country_year_and_age_group_agree(spark, peers, peer_run):
    output, _ = peer_run
    pin, geo, user = (table(spark, output, f"{t}_silver") for t in ("pin", "geo", "user"))
    posts = pin.join(geo, "ind").withColumn("post_year", F.year("timestamp"))
    by_age = pin.join(user, "ind").withColumn(
        "age_group",
        F.when(F.col("age") <= 24, "18-24")
        .when(F.col("age") <= 35, "25-35")
        .when(F.col("age") <= 50, "36-50")
        .otherwise("+50"),
    )
    cases = [
        ("popular_category_by_country", "cell014", "country", posts),
        ("popular_category_by_year", "cell016", "post_year", posts),
        ("popular_category_by_age_group", "cell023", "age_group", by_age),
    ]
    for name, cell, group, source in cases:
        counts = source.groupBy(group, "category").agg(F.count("*").alias("n"))
        assert_top_rows_agree(
            spark,
            table(spark, output, name),
            published(peers, cell),
            group,
            "category",
            "category_count",
            counts,
        )


def test_most_followed_user_by_country_agrees(spark, peers, peer_run):
    output, _ = peer_run
    pin, geo = table(spark, output, "pin_silver"), table(spark, output, "geo_silver")
    counts = pin.join(geo, "ind").groupBy("country", "poster_name").agg(F.max("follower_count").alias("n"))
    assert_top_rows_agree(
        spark,
        table(spark, output, "most_followed_user_by_country"),
        published(peers, "cell019"),
        "country",
        "poster_name",
        "follower_count",
        counts,
    )
    ((theirs_country, theirs_followers),) = [tuple(row.values()) for row in published(peers, "cell021")]
    (ours,) = table(spark, output, "country_with_most_followed_user").collect()
    assert ours.follower_count == int(theirs_followers)
    assert (
        ours.country <= theirs_country
    )  # their pick is one of the tied countries; ours is the smallest name


def medians(spark, output, name, columns):
    return {
        tuple(str(row[c]) for c in columns): row["median_follower_count"]
        for row in table(spark, output, name).collect()
    }


def test_medians_equal_the_published_exact_medians(spark, peers, peer_run):
    output, _ = peer_run
    cases = [
        ("median_followers_by_age_group", "cell025", ["age_group"]),
        ("median_followers_by_join_year", "cell029", ["post_year"]),
        ("median_followers_by_join_year_and_age_group", "cell031", ["age_group", "post_year"]),
    ]
    for name, cell, columns in cases:
        theirs = {
            tuple(AGE_LABELS.get(row[c], row[c]) for c in columns): float(row["median_follower_count"])
            for row in published(peers, cell)
        }
        assert medians(spark, output, name, columns) == theirs, name


def test_users_joined_by_year_counts_people_where_the_peer_counted_rows(spark, peers, peer_run):
    output, _ = peer_run
    user = table(spark, output, "user_silver")
    rows_per_year = {
        str(r.y): r.n
        for r in user.groupBy(F.year("date_joined").alias("y"))
        .count()
        .withColumnRenamed("count", "n")
        .collect()
    }
    theirs = {row["post_year"]: int(row["number_usesrs_joined"]) for row in published(peers, "cell027")}
    assert rows_per_year == theirs  # their rule: one per user row
    ours = {
        str(row.post_year): row.number_users_joined
        for row in table(spark, output, "users_joined_by_year").collect()
    }
    people = user.select(F.year("date_joined").alias("y"), "user_name", "date_joined").distinct()
    assert ours == {str(r.y): r["count"] for r in people.groupBy("y").count().collect()}
    assert all(ours[year] <= theirs[year] for year in theirs)
