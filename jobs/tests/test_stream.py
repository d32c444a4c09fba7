"""The stream job against a real local Kinesis API server (moto_server), on local Spark and Delta."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pinterest_jobs import stream
from pinterest_jobs.local_kinesis import kinesis_client

PREFIX = "st1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def kinesis_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"moto_server did not start on port {port}")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


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


def run_stream(endpoint: str, output: Path, checkpoint: Path, summary: Path) -> dict:
    code = stream.main(
        [
            "--source",
            "local-kinesis",
            "--prefix",
            PREFIX,
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

    first = run_stream(kinesis_endpoint, output, checkpoint, summary)
    assert first == {"delta": {"pin": 3, "geo": 3, "user": 3}, "quarantined": {"pin": 2, "geo": 0, "user": 1}}
    pins = {row.ind: row for row in rows(spark, output / "pin_stream")}
    assert sorted(pins) == [1, 2, 3]
    assert (pins[2].title, pins[2].follower_count, pins[3].save_location) == ("Post 2", 2000, "/data/travel")
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
    assert code == 2
    assert err.startswith("error: stream nostreams-pin not found at http://127.0.0.1:") and "\n" not in err
