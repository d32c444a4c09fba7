"""The stream job against a real local Kinesis API server (moto's, as local/kinesis_server.py runs it), on local Spark and Delta."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import moto_kinesis_server
from pyspark.errors import StreamingQueryException

from pinterest_jobs import metrics, stream
from pinterest_jobs.contract import table_properties
from pinterest_jobs.errors import UsageError
from pinterest_jobs.local_kinesis import (
    DEFAULT_MAX_RECORDS_PER_SHARD,
    GET_RECORDS_PAGE,
    LocalKinesisDataSource,
    LocalKinesisReader,
    kinesis_client,
)

PREFIX = "st1"


@pytest.fixture(scope="module")
def kinesis_endpoint():
    with moto_kinesis_server() as endpoint:
        yield endpoint


def put(client, stream_name: str, *payloads) -> None:
    client.put_records(
        StreamName=stream_name,
        Records=[
            {"Data": (p if isinstance(p, str) else json.dumps(p)).encode(), "PartitionKey": str(i)}
            for i, p in enumerate(payloads)
        ],
    )


def pin(ind: int, category: str = "art") -> dict:
    return {
        "index": ind,
        "title": f" Post {ind}\u00a0",
        "follower_count": "2k",
        "category": category,
        "save_location": f"Local save in /data/{category}",
        "downloaded": 1,
    }


def geo(ind: int) -> dict:
    return {
        "ind": ind,
        "timestamp": "2020-08-28 03:52:47",
        "latitude": 1.5,
        "longitude": -2.5,
        "country": "Chad",
    }


def user(ind: int) -> dict:
    return {
        "ind": ind,
        "first_name": "Ann",
        "last_name": f"Lee{ind}",
        "age": 30,
        "date_joined": "2016-01-02T03:04:05",
    }


def run_stream(endpoint: str, output: Path, checkpoint: Path, summary: Path, prefix: str = PREFIX) -> dict:
    code = stream.main(
        [
            "--source",
            "local-kinesis",
            "--prefix",
            prefix,
            "--endpoint",
            endpoint,
            "--output",
            str(output),
            "--checkpoint",
            str(checkpoint),
            "--available-now",
            "--summary-json",
            str(summary),
        ]
    )
    assert code == 0
    return json.loads(summary.read_text())


def rows(spark, path: Path) -> list:
    return spark.read.format("delta").load(str(path)).collect()


def test_stream_job_writes_cleaned_rows_and_restarts_without_loss_or_duplicates(
    spark, kinesis_endpoint, tmp_path
):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    for table, shards in (("pin", 2), ("geo", 1), ("user", 1)):
        client.create_stream(StreamName=f"{PREFIX}-{table}", ShardCount=shards)
    put(client, f"{PREFIX}-pin", pin(1), pin(2), pin(2), pin(3, "travel"), "not json", {"title": "no key"})
    put(client, f"{PREFIX}-geo", geo(1), geo(2), geo(3), geo(3))
    put(client, f"{PREFIX}-user", user(1), user(2), user(3), {"ind": "three"})
    output, checkpoint, summary = tmp_path / "out", tmp_path / "checkpoint", tmp_path / "summary.json"
    sent_by = time.time()

    first = run_stream(kinesis_endpoint, output, checkpoint, summary)
    assert first == {"delta": {"pin": 3, "geo": 3, "user": 3}, "quarantined": {"pin": 2, "geo": 0, "user": 1}}
    pins = {row.ind: row for row in rows(spark, output / "pin_stream")}
    assert sorted(pins) == [1, 2, 3]
    assert (pins[2].title, pins[2].follower_count, pins[3].save_location) == ("Post 2", 2000, "/data/travel")
    # arrived_at is the server's ApproximateArrivalTimestamp (UTC): after the test started, before the job ran.
    arrivals = [
        row.arrived_at for table in ("pin", "geo", "user") for row in rows(spark, output / f"{table}_stream")
    ]
    # (PySpark hands timestamps back as naive local times, which .timestamp() reads as such.)
    assert len(arrivals) == 9
    assert all(sent_by - 120 < arrived.timestamp() <= sent_by for arrived in arrivals)
    geos = rows(spark, output / "geo_stream")
    assert sorted((row.ind, tuple(row.coordinates), row.timestamp.isoformat()) for row in geos) == [
        (i, (1.5, -2.5), "2020-08-28T03:52:47") for i in (1, 2, 3)
    ]
    assert sorted((row.ind, row.user_name, row.age) for row in rows(spark, output / "user_stream")) == [
        (1, "Ann Lee1", 30),
        (2, "Ann Lee2", 30),
        (3, "Ann Lee3", 30),
    ]
    assert sorted(
        (row.table, row.source, row.reason) for row in rows(spark, output / "stream_quarantine")
    ) == [
        ("pin", f"{PREFIX}-pin", "missing key index"),
        ("pin", f"{PREFIX}-pin", "not a JSON object"),
        ("user", f"{PREFIX}-user", "key ind is not an integer"),
    ]

    # Restart from the checkpoint after new records arrived, some of them copies of records already written
    # (at-least-once delivery): the new ones are added, nothing twice, nothing lost.
    put(client, f"{PREFIX}-pin", pin(2), pin(4), pin(5), "{broken")
    put(client, f"{PREFIX}-geo", geo(4), geo(1))
    put(client, f"{PREFIX}-user", user(4), user(5))
    second = run_stream(kinesis_endpoint, output, checkpoint, summary)
    assert second == {
        "delta": {"pin": 5, "geo": 4, "user": 5},
        "quarantined": {"pin": 3, "geo": 0, "user": 1},
    }
    assert len(rows(spark, output / "pin_stream")) == 5
    assert len(rows(spark, output / "stream_quarantine")) == 4


def test_stream_job_names_a_missing_stream_in_one_line(kinesis_endpoint, tmp_path, capsys):
    code = stream.main(
        [
            "--source",
            "local-kinesis",
            "--prefix",
            "nostreams",
            "--endpoint",
            kinesis_endpoint,
            "--output",
            str(tmp_path / "out"),
            "--checkpoint",
            str(tmp_path / "cp"),
            "--available-now",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1  # a missing stream is a failure the user acts on (JobFailure), not bad flags
    assert err.startswith("error: stream nostreams-pin not found at http://127.0.0.1:") and "\n" not in err


def create_streams(client, prefix: str, pin_shards: int = 1) -> None:
    for table, shards in (("pin", pin_shards), ("geo", 1), ("user", 1)):
        client.create_stream(StreamName=f"{prefix}-{table}", ShardCount=shards)


def put_many(client, stream_name: str, payloads: list) -> None:
    """PutRecords takes at most 500 records per call."""
    for first in range(0, len(payloads), 500):
        put(client, stream_name, *payloads[first : first + 500])


def reader(endpoint: str, stream_name: str, **options: str) -> LocalKinesisReader:
    return LocalKinesisReader({"streamName": stream_name, "endpoint": endpoint, **options})


# Sizes above every cap in the local source's path: a GetRecords page holds at most GET_RECORDS_PAGE (10,000)
# records and one micro-batch takes at most DEFAULT_MAX_RECORDS_PER_SHARD (10,000) records from a shard.
ABOVE_EVERY_CAP = max(GET_RECORDS_PAGE, DEFAULT_MAX_RECORDS_PER_SHARD) + 2_000


def test_the_reader_takes_a_bounded_number_per_micro_batch_and_replays_a_batch_exactly(kinesis_endpoint):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    client.create_stream(StreamName="rd1-pin", ShardCount=1)
    put_many(client, "rd1-pin", [pin(i) for i in range(ABOVE_EVERY_CAP)])
    source = reader(kinesis_endpoint, "rd1-pin", maxRecordsPerShard="4000")

    start = source.initialOffset()
    first, middle = source.read(start)
    second, end = source.read(middle)
    assert (len(list(first)), len(list(second))) == (4000, 4000)
    # A replay after a restart (readBetweenOffsets) is not capped: here it spans more than one GetRecords page.
    replayed = list(source.readBetweenOffsets(start, end))
    assert [json.loads(row[1])["index"] for row in replayed] == list(range(8000))
    everything = list(reader(kinesis_endpoint, "rd1-pin", maxRecordsPerShard="1000000").read(start)[0])
    assert len(everything) == ABOVE_EVERY_CAP


def test_the_reader_leaves_records_that_arrived_after_read_until(kinesis_endpoint):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    client.create_stream(StreamName="rd2-pin", ShardCount=1)
    put(client, "rd2-pin", pin(1), pin(2))
    time.sleep(0.05)
    until = time.time()
    time.sleep(0.05)
    put(client, "rd2-pin", pin(3))
    source = reader(kinesis_endpoint, "rd2-pin", readUntil=str(until))
    batch, end = source.read(source.initialOffset())
    assert [json.loads(row[1])["index"] for row in batch] == [1, 2]
    assert list(source.read(end)[0]) == []  # caught up: no new offset, so no new micro-batch
    assert [json.loads(row[1])["index"] for row in reader(kinesis_endpoint, "rd2-pin").read(end)[0]] == [3]


def test_spark_runs_available_now_on_a_python_source_as_one_capped_batch(spark, kinesis_endpoint):
    """Why the job does not use Trigger.AvailableNow with the local source. In Spark 4.0.1,
    PythonMicroBatchStream implements MicroBatchStream and AcceptsLatestSeenOffset only, not
    SupportsTriggerAvailableNow (`javap` on pyspark 4.0.1 jars/spark-sql_2.13-4.0.1.jar), so Spark wraps it in
    AvailableNowDataStreamWrapper, which asks for latestOffset once at the start and then returns that offset
    (apache/spark@v4.0.1:sql/core/src/main/scala/org/apache/spark/sql/execution/streaming/
    AvailableNowDataStreamWrapper.scala); for a SimpleDataSourceStreamReader that one latestOffset is one read()
    (pyspark 4.0.1 pyspark/sql/datasource_internal.py:91-98, _SimpleStreamReaderWrapper.latestOffset), capped
    by maxRecordsPerShard. If a Spark upgrade changes this, this test fails and the workaround can go."""
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    client.create_stream(StreamName="rd3-pin", ShardCount=1)
    put_many(client, "rd3-pin", [pin(i) for i in range(250)])
    spark.dataSource.register(LocalKinesisDataSource)
    query = (
        spark.readStream.format("local-kinesis")
        .option("streamName", "rd3-pin")
        .option("endpoint", kinesis_endpoint)
        .option("maxRecordsPerShard", "100")
        .load()
        .writeStream.format("memory")
        .queryName("available_now_python_source")
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    assert spark.table("available_now_python_source").count() == 100


def test_one_available_now_run_reads_every_record_above_every_cap(spark, kinesis_endpoint, tmp_path):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    create_streams(client, "big")
    put_many(client, "big-pin", [pin(i) for i in range(ABOVE_EVERY_CAP)])
    put(client, "big-geo", geo(1))
    put(client, "big-user", user(1))
    summary = run_stream(kinesis_endpoint, tmp_path / "out", tmp_path / "cp", tmp_path / "s.json", "big")
    assert summary["delta"] == {"pin": ABOVE_EVERY_CAP, "geo": 1, "user": 1}
    pins = spark.read.format("delta").load(str(tmp_path / "out" / "pin_stream"))
    assert pins.count() == ABOVE_EVERY_CAP
    assert metrics_from_scratch_hold(spark, tmp_path / "out")


def metrics_from_scratch_hold(spark, output: Path) -> bool:
    """The metric tables equal the metrics computed from scratch over the cleaned tables."""
    read = lambda name: spark.read.format("delta").load(str(output / name))
    pins, geos = read("pin_stream"), read("geo_stream")
    expected = {
        "category_activity_1m": metrics.category_activity(pins),
        "country_category_activity_1m": metrics.country_category_activity(pins, geos),
        "trending_profiles": metrics.trending_profiles(pins),
    }
    return all(
        read(name).exceptAll(frame).count() == 0 and frame.exceptAll(read(name)).count() == 0
        for name, frame in expected.items()
    )


def test_a_stream_job_killed_mid_run_and_restarted_from_its_checkpoint_is_exact(
    spark, kinesis_endpoint, tmp_path
):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    create_streams(client, "kill", pin_shards=2)
    posts = 1200
    put_many(client, "kill-pin", [pin(i) for i in range(posts)] + [pin(7), pin(8)] + ["bad pin"] * 5)
    put_many(client, "kill-geo", [geo(i) for i in range(0, posts, 2)] + ["bad geo"] * 3)
    put_many(client, "kill-user", [user(i) for i in range(0, posts, 3)])
    output, checkpoint = tmp_path / "out", tmp_path / "cp"
    job = subprocess.Popen(
        [sys.executable, "-m", "pinterest_jobs.stream", "--source", "local-kinesis", "--prefix", "kill"]
        + ["--endpoint", kinesis_endpoint, "--output", str(output), "--checkpoint", str(checkpoint)]
        + ["--available-now", "--max-records-per-shard", "40"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the JVM it starts dies with it
    )
    try:
        deadline = time.time() + 600
        while len(list((checkpoint / "commits").glob("[0-9]*"))) < 3:
            assert job.poll() is None, "the stream job ended before it could be killed mid-run"
            assert time.time() < deadline, "the stream job committed no 3 micro-batches within 600 s"
            time.sleep(0.2)
        os.killpg(job.pid, signal.SIGKILL)
    finally:
        job.wait(timeout=60)
    killed_at = len(list((checkpoint / "commits").glob("[0-9]*")))
    assert killed_at < posts / 2 / 40, "the job was not killed mid-run"

    summary = run_stream(kinesis_endpoint, output, checkpoint, tmp_path / "s.json", "kill")
    assert summary == {
        "delta": {"pin": posts, "geo": posts // 2, "user": posts // 3},
        "quarantined": {"pin": 5, "geo": 3, "user": 0},
    }
    for table, keys in (("pin", posts), ("geo", posts // 2), ("user", posts // 3)):
        assert spark.read.format("delta").load(str(output / f"{table}_stream")).count() == keys
    quarantine = spark.read.format("delta").load(str(output / "stream_quarantine"))
    assert quarantine.count() == 8
    assert metrics_from_scratch_hold(spark, output)


def test_quarantine_appends_after_a_checkpoint_reset_are_kept(spark, kinesis_endpoint, tmp_path):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    create_streams(client, "reset")
    put(client, "reset-pin", pin(1), "first bad record")
    output, checkpoint = tmp_path / "out", tmp_path / "cp"
    run_stream(kinesis_endpoint, output, checkpoint, tmp_path / "s.json", "reset")

    # A new checkpoint at the same path: micro-batch ids start at 0 again. Were the idempotent-write id derived
    # from the path, Delta would take these appends for ones already made and skip them.
    shutil.rmtree(checkpoint)
    put(client, "reset-pin", pin(2), "second bad record")
    run_stream(kinesis_endpoint, output, checkpoint, tmp_path / "s.json", "reset")
    payloads = [
        row.payload for row in spark.read.format("delta").load(str(output / "stream_quarantine")).collect()
    ]
    # The reset re-reads the stream from its start, so the first bad record is quarantined again.
    assert sorted(payloads) == ["first bad record", "first bad record", "second bad record"]
    assert spark.read.format("delta").load(str(output / "pin_stream")).count() == 2


def test_a_micro_batch_replayed_after_a_crash_between_two_table_commits_writes_and_counts_once(
    spark, kinesis_endpoint, tmp_path, monkeypatch
):
    """The cleaned rows are appended, then the job dies before category_activity_1m's MERGE. The restart replays
    the micro-batch from the checkpoint: the state store gives the same new rows (with the same copies kept, so
    the same arrived_at), the appends are skipped by their (query id, batch id) and the increments land once."""
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    create_streams(client, "crash")
    put(client, "crash-pin", pin(1), pin(2), pin(2), pin(3, "travel"), pin(1))
    put(client, "crash-geo", geo(1), geo(2))
    output, checkpoint = tmp_path / "out", tmp_path / "cp"
    kept: list[list[tuple]] = []
    table_rows = stream.table_rows

    def recorded(batch, table):
        rows = table_rows(batch, table)
        if table == "pin":
            kept.append(sorted((row.ind, row.arrived_at) for row in rows.collect()))
        return rows

    def crash(*args, **kwargs):
        raise RuntimeError("killed between the cleaned tables' commits and category_activity_1m's")

    monkeypatch.setattr(stream, "table_rows", recorded)
    monkeypatch.setattr(metrics, "add_category_increments", crash)
    with pytest.raises(StreamingQueryException, match="killed between"):
        run_stream(kinesis_endpoint, output, checkpoint, tmp_path / "s.json", "crash")
    assert len(rows(spark, output / "pin_stream")) == 3
    assert rows(spark, output / "category_activity_1m") == []

    monkeypatch.undo()
    monkeypatch.setattr(stream, "table_rows", recorded)
    summary = run_stream(kinesis_endpoint, output, checkpoint, tmp_path / "s.json", "crash")
    assert summary["delta"] == {"pin": 3, "geo": 2, "user": 0}
    assert len(rows(spark, output / "pin_stream")) == 3  # the replay's appends were skipped
    assert kept[0] == kept[1]  # the replay kept the same copies
    assert sorted((row.category, row.posts) for row in rows(spark, output / "category_activity_1m")) == [
        ("art", 2),
        ("travel", 1),
    ]
    assert metrics_from_scratch_hold(spark, output)


def test_tables_are_created_with_the_contracts_properties(spark, kinesis_endpoint, tmp_path):
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    create_streams(client, "props")
    run_stream(kinesis_endpoint, tmp_path / "out", tmp_path / "cp", tmp_path / "s.json", "props")
    for name in ("pin_stream", "stream_quarantine", "category_activity_1m", "trending_profiles"):
        (detail,) = spark.sql(f"DESCRIBE DETAIL delta.`{tmp_path / 'out' / name}`").collect()
        assert table_properties(name).items() <= detail.properties.items(), name


LOCAL = ["--source", "local-kinesis", "--endpoint", "http://127.0.0.1:1", "--prefix", "p1", "--output", "o"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*LOCAL, "--checkpoint", "c", "--trigger-seconds", "0"], "'0' is not a whole number of at least 1"),
        (
            [*LOCAL, "--checkpoint", "c", "--available-now", "--trigger-seconds", "2"],
            "not allowed with argument",
        ),
        ([*LOCAL, "--checkpoint", "c", "--max-records-per-shard", "x"], "'x' is not a whole number"),
        (
            [*LOCAL, "--checkpoint", "c", "--service-credential", "cred"],
            "for --source kinesis on Databricks only",
        ),
        (
            ["--source", "kinesis", "--prefix", "p1", "--output", "o", "--checkpoint", "c"]
            + ["--max-records-per-shard", "5"],
            "for --source local-kinesis only",
        ),
    ],
)
def test_stream_flags_that_do_not_fit_are_refused_in_one_line(argv, message):
    with pytest.raises(UsageError, match=message):
        stream.parse_args(argv)


def test_continuous_mode_takes_a_processing_time_trigger_and_a_cap():
    args = stream.parse_args(
        [*LOCAL, "--checkpoint", "c", "--trigger-seconds", "3", "--max-records-per-shard", "50"]
    )
    assert (args.available_now, args.trigger_seconds, args.max_records_per_shard) == (False, 3, 50)
