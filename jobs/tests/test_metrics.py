"""The real-time metrics (docs/contract.md section 7): each on hand-built rows with hand-computed expected rows, then
kept by the stream job's micro-batch function across duplicates, replays and a geo arriving late."""

import json
from datetime import datetime, timedelta
from importlib.resources import files

import pytest

from pinterest_jobs import metrics, stream
from pinterest_jobs.tables import Output

PINS = "ind int, poster_name string, follower_count bigint, category string, arrived_at timestamp"
GEOS = "ind int, country string"
BATCH = "table string, payload string, source string, arrived_at timestamp"
T0 = datetime(2026, 3, 1, 10, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pin_rows(spark, *rows):
    return spark.createDataFrame(list(rows), PINS)


def sorted_rows(frame) -> list[tuple]:
    return sorted((tuple(row) for row in frame.collect()), key=repr)


def test_metric_tables_have_the_contract_columns_and_types(spark):
    contract = json.loads(files("pinterest_jobs").joinpath("contract.json").read_text(encoding="utf-8"))
    pins = spark.createDataFrame([], PINS)
    frames = metrics.empty_metrics(spark, pins.schema, spark.createDataFrame([], GEOS).schema)
    for table in contract["metrics"]:
        schema = frames[table["name"]].schema
        assert [(f.name, f.dataType.simpleString()) for f in schema] == [
            (column["name"], column["type"]) for column in table["columns"]
        ]


def test_category_activity_counts_distinct_posts_per_minute_of_arrival(spark):
    pins = pin_rows(
        spark,
        (1, "a", 10, "art", at(0)),  # the first instant of 10:00
        (2, "b", 10, "art", at(59.999)),  # the last millisecond of 10:00
        (3, "c", 10, "art", at(60)),  # 10:01 exactly
        (4, "d", 10, "travel", at(30)),
        (5, "e", 10, None, at(61)),  # a null category is a group of its own
    )
    assert sorted_rows(metrics.category_activity(pins)) == sorted(
        [
            (at(0), "art", 2),
            (at(60), "art", 1),
            (at(0), "travel", 1),
            (at(60), None, 1),
        ],
        key=repr,
    )


def test_country_category_activity_counts_only_posts_whose_geo_is_there(spark):
    pins = pin_rows(
        spark,
        (1, "a", 10, "art", at(5)),
        (2, "b", 10, "art", at(10)),
        (3, "c", 10, "art", at(65)),
        (4, "d", 10, "art", at(70)),  # no geo row yet
    )
    geos = spark.createDataFrame([(1, "Chad"), (2, "Peru"), (3, "Chad"), (9, "Chad")], GEOS)
    assert sorted_rows(metrics.country_category_activity(pins, geos)) == sorted(
        [(at(0), "Chad", "art", 1), (at(0), "Peru", "art", 1), (at(60), "Chad", "art", 1)], key=repr
    )


def test_trending_profiles_ranks_posters_in_the_last_15_minutes_with_ties_broken_as_the_contract_says(spark):
    latest = at(20 * 60)
    cut = latest - timedelta(minutes=15)
    pins = pin_rows(
        spark,
        # art: ann 2 posts; bob 2 posts but fewer followers; cid 2 posts, null followers (ranks last of the 2s);
        # dee 2 posts, same followers as ann, name after ann; eve 1 post.
        (1, "ann", 500, "art", cut),  # exactly at the 15-minute cut: included
        (2, "ann", 900, "art", latest),  # the newest arrival: included; ann's largest follower_count
        (3, "bob", 800, "art", at(15 * 60)),
        (4, "bob", 100, "art", at(16 * 60)),
        (5, "cid", None, "art", at(15 * 60)),
        (6, "cid", None, "art", at(16 * 60)),
        (7, "dee", 900, "art", at(17 * 60)),
        (8, "dee", 900, "art", at(17 * 60)),
        (9, "eve", 10_000, "art", at(18 * 60)),
        (10, "zed", 1, "art", cut - timedelta(milliseconds=1)),  # just before the cut: left out
        (11, "zed", 1, "art", cut - timedelta(minutes=3)),
        (12, "zed", 1, "art", cut - timedelta(minutes=4)),
        (13, None, 99_999, "art", latest),  # null poster name: left out
        (14, "ann", 1, None, latest),  # null category: left out
        (15, "fay", None, "travel", at(19 * 60)),
    )
    assert sorted_rows(metrics.trending_profiles(pins)) == [
        ("art", 1, "ann", 2, 900),
        ("art", 2, "dee", 2, 900),
        ("art", 3, "bob", 2, 800),
        ("travel", 1, "fay", 1, None),
    ]


def test_trending_profiles_of_no_pins_is_empty(spark):
    assert metrics.trending_profiles(spark.createDataFrame([], PINS)).count() == 0


# The stream job's micro-batch function on hand-built micro-batches, as Spark hands them over.


def pin_record(ind: int, poster: str = "ann", category: str = "art") -> str:
    return json.dumps({"index": ind, "poster_name": poster, "follower_count": "1k", "category": category})


def geo_record(ind: int, country: str = "Chad") -> str:
    return json.dumps({"ind": ind, "country": country, "timestamp": "2020-01-01 00:00:00"})


@pytest.fixture
def job(spark, tmp_path):
    """The micro-batch function of a job writing to tmp_path, with a checkpoint whose query id is fixed, and its
    metric refresh. A hand-built micro-batch goes through the query's own per-record step (stream.new_rows): on a
    static frame, it drops the copies within the micro-batch; across micro-batches the state store does
    (tests/test_stream.py)."""
    output = Output(str(tmp_path / "out"))
    checkpoint = tmp_path / "checkpoint"
    checkpoint.mkdir()
    (checkpoint / "metadata").write_text('{"id":"00000000-0000-0000-0000-000000000001"}\n')
    stream.ensure_tables(spark, output)
    refresh = metrics.MetricRefresh(spark, output)
    write = stream.write_batch(output, str(checkpoint), stream.Seed({}, None), refresh)

    def run(batch_id: int, *records: tuple) -> None:
        write(stream.new_rows(spark.createDataFrame(list(records), BATCH)), batch_id)
        refresh.refresh()

    run.output = output
    return run


def table(spark, output: Output, name: str) -> list[tuple]:
    return sorted_rows(output.read(spark, name))


def test_a_geo_one_batch_after_its_pin_a_duplicate_and_a_replayed_batch_count_each_post_once(spark, job):
    pin_batch = (
        ("pin", pin_record(1), "s-pin", at(10)),
        ("pin", pin_record(1), "s-pin", at(12)),  # a duplicate delivery in the same micro-batch
        ("pin", pin_record(2, "bob"), "s-pin", at(70)),
        ("pin", "not json", "s-pin", at(71)),
        ("geo", geo_record(2), "s-geo", at(71)),
    )
    job(0, *pin_batch)
    assert table(spark, job.output, "category_activity_1m") == [(at(0), "art", 1), (at(60), "art", 1)]
    assert table(spark, job.output, "country_category_activity_1m") == [(at(60), "Chad", "art", 1)]

    job(0, *pin_batch)  # the same micro-batch replayed after a restart
    job(1, ("geo", geo_record(1, "Peru"), "s-geo", at(130)))
    assert table(spark, job.output, "category_activity_1m") == [(at(0), "art", 1), (at(60), "art", 1)]
    assert table(spark, job.output, "country_category_activity_1m") == [
        (at(0), "Peru", "art", 1),  # pin 1's window, from its first arrival, once its geo is there
        (at(60), "Chad", "art", 1),
    ]
    assert table(spark, job.output, "trending_profiles") == [
        ("art", 1, "ann", 1, 1000),
        ("art", 2, "bob", 1, 1000),
    ]
    pins = job.output.read(spark, "pin_stream")
    assert sorted((row.ind, row.arrived_at) for row in pins.collect()) == [(1, at(10)), (2, at(70))]
    assert [row.payload for row in job.output.read(spark, "stream_quarantine").collect()] == ["not json"]


def test_metric_tables_equal_a_from_scratch_computation_after_many_batches(spark, job):
    batches = [
        [
            ("pin", pin_record(i, f"p{i % 4}", ("art", "travel")[i % 2]), "s-pin", at(i * 17))
            for i in range(b, 40, 5)
        ]
        + [
            ("geo", geo_record(i, ("Chad", "Peru")[i % 2]), "s-geo", at(i * 17 + 3))
            for i in range(b + 3, 40, 7)
        ]
        for b in range(5)
    ]
    for batch_id, batch in enumerate(batches):
        job(batch_id, *batch)
    job(len(batches) - 1, *batches[-1])
    pins = job.output.read(spark, "pin_stream")
    geos = job.output.read(spark, "geo_stream")
    assert pins.count() == 40
    assert table(spark, job.output, "category_activity_1m") == sorted_rows(metrics.category_activity(pins))
    assert table(spark, job.output, "country_category_activity_1m") == sorted_rows(
        metrics.country_category_activity(pins, geos)
    )
    assert table(spark, job.output, "trending_profiles") == sorted_rows(metrics.trending_profiles(pins))
