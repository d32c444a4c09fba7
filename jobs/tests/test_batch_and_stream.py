"""Local mode's one-session entry point: both jobs side by side give what each job gives on its own."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import moto_kinesis_server
from synthetic_posts import write_sink_layout

from pinterest_jobs import batch, batch_and_stream, stream
from pinterest_jobs.contract import topic_names
from pinterest_jobs.errors import UsageError
from pinterest_jobs.local_kinesis import kinesis_client
from pinterest_jobs.tables import Output

PREFIX = "bs1"
POSTS = 60


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--batch", "a", "--stream", "b", "c"], ({}, ["a"], ["b", "c"])),
        (["--summary-json", "f", "--stream", "b", "--batch", "a"], ({"--summary-json": "f"}, ["a"], ["b"])),
        (["--batch", "--summary-json", "x", "--stream"], ({}, ["--summary-json", "x"], [])),
        (["--batch-after", "g", "--batch", "a"], ({"--batch-after": "g"}, ["a"], None)),
        (["--stream-after", "h", "--stream", "b"], ({"--stream-after": "h"}, None, ["b"])),
    ],
)
def test_split_argv_gives_each_job_its_flags(argv, expected):
    assert batch_and_stream.split_argv(argv) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--batch or --stream"),
        (["--summary-json", "f"], "--batch or --stream"),
        (["--input", "x", "--batch", "a", "--stream"], "unexpected '--input' before --batch/--stream"),
        (["--batch", "--stream", "--batch"], "--batch is given twice"),
        (["--summary-json"], "--summary-json needs a file"),
        (["--batch-after"], "--batch-after needs a file"),
    ],
)
def test_split_argv_rejects_bad_input_in_one_line(argv, message):
    with pytest.raises(UsageError, match=message):
        batch_and_stream.split_argv(argv)


def test_a_stream_without_available_now_is_refused(tmp_path, capsys):
    argv = ["--batch", "--input", str(tmp_path), "--output", str(tmp_path / "b"), "--prefix", PREFIX]
    argv += ["--checkpoint", str(tmp_path / "bc")]
    argv += ["--stream", "--source", "local-kinesis", "--endpoint", "http://127.0.0.1:9", "--prefix", PREFIX]
    argv += ["--output", str(tmp_path / "s"), "--checkpoint", str(tmp_path / "c")]
    assert batch_and_stream.main(argv) == 2
    assert "--stream needs --available-now" in capsys.readouterr().err


@pytest.fixture
def kinesis_endpoint():
    with moto_kinesis_server() as endpoint:
        yield endpoint


def test_both_jobs_in_one_session_match_the_batch_job_alone_and_fill_the_stream_tables(
    spark, kinesis_endpoint, tmp_path
):
    write_sink_layout(tmp_path / "mount", topic_names(PREFIX), POSTS, duplicate_every=7)
    client = kinesis_client(kinesis_endpoint, "us-east-1")
    for table in ("pin", "geo", "user"):
        client.create_stream(StreamName=f"{PREFIX}-{table}", ShardCount=1)
    batch_flags = ["--input", str(tmp_path / "mount"), "--prefix", PREFIX]
    stream_out = tmp_path / "stream"
    gate = tmp_path / "go"
    argv = ["--summary-json", str(tmp_path / "summary.json"), "--batch-after", str(gate)]
    argv += ["--stream-after", str(gate), "--batch", *batch_flags]
    argv += ["--output", str(tmp_path / "batch"), "--checkpoint", str(tmp_path / "batch-checkpoint")]
    argv += ["--stream", "--source", "local-kinesis"]
    argv += ["--endpoint", kinesis_endpoint, "--prefix", PREFIX, "--output", str(stream_out)]
    argv += ["--checkpoint", str(tmp_path / "checkpoint"), "--available-now"]

    # Local mode starts the process before the traffic is sent; the stream records arrive before the gate opens,
    # after the process started, and the available-now run must read them.
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(batch_and_stream.main, argv)
        time.sleep(1)
        for table in ("pin", "geo", "user"):
            client.put_records(
                StreamName=f"{PREFIX}-{table}",
                Records=[
                    {"Data": json.dumps({"index": i, "ind": i}).encode(), "PartitionKey": str(i)}
                    for i in range(5)
                ],
            )
        gate.touch()
        assert running.result() == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert (
        batch.main(
            [
                *batch_flags,
                "--output",
                str(tmp_path / "alone"),
                "--checkpoint",
                str(tmp_path / "alone-checkpoint"),
                "--summary-json",
                str(tmp_path / "alone.json"),
            ]
        )
        == 0
    )
    assert set(summary) == {"batch", "stream"}
    assert summary["batch"] == json.loads((tmp_path / "alone.json").read_text())
    assert summary["batch"]["silver"] == {"pin": POSTS, "geo": POSTS, "user": POSTS}
    assert summary["stream"] == json.loads(json.dumps(stream.stream_summary(spark, Output(str(stream_out)))))
    for table in ("pin", "geo", "user"):
        inds = {
            row.ind for row in spark.read.format("delta").load(str(stream_out / f"{table}_stream")).collect()
        }
        assert inds == set(range(5)), table


def test_a_job_starts_only_once_its_gate_file_exists(tmp_path):
    gate = tmp_path / "go-batch"
    threading.Timer(0.3, gate.touch).start()
    batch_and_stream.wait_for(str(gate))
    assert gate.exists()
    batch_and_stream.wait_for(None)
