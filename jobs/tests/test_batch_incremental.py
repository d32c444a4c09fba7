"""The incremental batch job (docs/contract.md section 9): runs with sink objects added between them give the tables
one full run over all objects gives; a run that fails between silver and gold and is run again, too."""

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.errors import StreamingQueryException
from synthetic_posts import write_sink_layout

from pinterest_jobs import batch
from pinterest_jobs.contract import (
    GOLD_TABLES,
    QUARANTINE_TABLE,
    SILVER_TABLES,
    TABLES,
    topic_dir,
    topic_names,
)
from pinterest_jobs.tables import Output

PREFIX = "inc"
TOPICS = topic_names(PREFIX)
ALL_TABLES = (*SILVER_TABLES.values(), QUARANTINE_TABLE, *GOLD_TABLES)


def write_lines(root: Path, table: str, partition: int, name: str, lines: list[str]) -> None:
    folder = Path(topic_dir(str(root), TOPICS[table])) / f"partition={partition}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def sink_lines(root: Path, table: str, partition: int, keys: set[int]) -> list[str]:
    """The lines of records with these keys among the objects already in one partition folder (to send again)."""
    key = "index" if table == "pin" else "ind"
    folder = Path(topic_dir(str(root), TOPICS[table])) / f"partition={partition}"
    lines = [line for path in sorted(folder.glob("*.json")) for line in path.read_text().splitlines()]
    chosen = {json.loads(line)[key]: line for line in lines if line.startswith("{") and '"' in line}
    return [chosen[k] for k in sorted(keys & set(chosen))]


def changed(line: str, **values) -> str:
    return json.dumps({**json.loads(line), **values})


def add_objects(root: Path, stage: int) -> None:
    """Stage 1: 120 posts (every 7th sent twice) and bad lines. Stage 2: 40 new posts, stage-1 records sent again,
    pin 5 with a greater title (it replaces the row), geo 6 with a smaller country (it does not), the same bad line
    again. Stage 3: 30 new posts, user 130 (from stage 2) with other content, more copies, a key that is text."""
    if stage == 1:
        write_sink_layout(root, TOPICS, 120, duplicate_every=7, partition=0)
        write_lines(root, "pin", 9, "bad-1.json", ["{oops", '{"title": "no index"}'])
        write_lines(root, "geo", 9, "bad-1.json", ['{"ind": "seven"}'])
    elif stage == 2:
        write_sink_layout(root, TOPICS, 40, first_index=120, partition=1)
        for table in TABLES:
            write_lines(root, table, 3, "again-2.json", sink_lines(root, table, 0, {3, 4, 10, 11}))
        (pin5,) = sink_lines(root, "pin", 0, {5})
        (geo6,) = sink_lines(root, "geo", 0, {6})
        write_lines(root, "pin", 3, "changed-2.json", [changed(pin5, title="Zz a newer title")])
        write_lines(root, "geo", 3, "changed-2.json", [changed(geo6, country="AAA")])
        write_lines(root, "pin", 9, "bad-2.json", ["{oops"])
    else:
        write_sink_layout(root, TOPICS, 30, duplicate_every=4, first_index=160, partition=2)
        (user130,) = sink_lines(root, "user", 1, {130})
        write_lines(root, "user", 4, "changed-3.json", [changed(user130, first_name="Zzzz", age=99)])
        write_lines(root, "user", 4, "again-3.json", sink_lines(root, "user", 1, {121, 125, 130}))
        write_lines(root, "user", 9, "bad-3.json", ['{"ind": "twelve"}', ""])


def run(spark, root: Path, output: Path, checkpoint: Path, full_refresh: bool = False) -> dict:
    return batch.run_batch(
        spark, str(root), Output(str(output)), TOPICS, str(checkpoint), full_refresh=full_refresh
    )


def tables(spark, output: Path) -> dict[str, Counter]:
    """Every table's rows, as a multiset."""
    return {
        name: Counter(
            repr(tuple(row)) for row in spark.read.format("delta").load(str(output / name)).collect()
        )
        for name in ALL_TABLES
    }


def versions(spark, output: Path) -> dict[str, int]:
    return {
        name: DeltaTable.forPath(spark, str(output / name)).history(1).first()["version"]
        for name in ALL_TABLES
    }


@pytest.fixture(scope="module")
def staged(spark, tmp_path_factory):
    """Three incremental runs with objects added before each, and one full run over all the objects."""
    base = tmp_path_factory.mktemp("incremental")
    root = base / "input"
    summaries = []
    for stage in (1, 2, 3):
        add_objects(root, stage)
        summaries.append(run(spark, root, base / "out", base / "checkpoint"))
    full = run(spark, root, base / "full", base / "full-checkpoint")
    return base, summaries, full


def test_three_runs_with_objects_added_between_them_equal_one_full_run(spark, staged):
    base, _, _ = staged
    incremental, full = tables(spark, base / "out"), tables(spark, base / "full")
    for name in ALL_TABLES:
        assert incremental[name] == full[name], name
    pin5 = spark.read.format("delta").load(str(base / "out" / "pin_silver")).where("ind = 5").first()
    geo6 = spark.read.format("delta").load(str(base / "out" / "geo_silver")).where("ind = 6").first()
    user130 = spark.read.format("delta").load(str(base / "out" / "user_silver")).where("ind = 130").first()
    assert pin5.title == "Zz a newer title" and geo6.country != "AAA" and user130.age == 99


def test_each_run_counts_only_its_new_objects_and_together_they_count_what_the_full_run_counts(staged):
    _, summaries, full = staged
    assert [summary["new_objects"] for summary in summaries] == [
        {"pin": 2, "geo": 2, "user": 1},
        {"pin": 4, "geo": 3, "user": 2},
        {"pin": 1, "geo": 1, "user": 4},
    ]
    for key in ("read", "quarantined"):
        assert {t: sum(s[key][t] for s in summaries) for t in TABLES} == full[key], key
    for key in ("silver", "quarantine", "gold"):
        assert summaries[-1][key] == full[key], key
    assert summaries[1]["read"]["pin"] == 40 + 4 + 1 + 1
    assert summaries[1]["duplicates_dropped"]["pin"] == 4 + 1  # sent again, and pin 5 (no new key)
    assert full["quarantine"] == {"pin": 3, "geo": 1, "user": 2}


def test_a_run_with_nothing_new_changes_no_table_version(spark, staged, capsys):
    base, summaries, _ = staged
    before = versions(spark, base / "out")
    summary = run(spark, base / "input", base / "out", base / "checkpoint")
    assert versions(spark, base / "out") == before
    assert batch.NOTHING_NEW in capsys.readouterr().out
    assert all(summary[key] == {t: 0 for t in TABLES} for key in batch.RUN_COUNTS)
    assert {key: summary[key] for key in ("silver", "quarantine", "gold")} == {
        key: summaries[-1][key] for key in ("silver", "quarantine", "gold")
    }


def test_full_refresh_rebuilds_from_every_object_and_keeps_the_previous_versions(spark, staged):
    base, _, _ = staged
    before = versions(spark, base / "out")
    summary = run(spark, base / "input", base / "out", base / "checkpoint", full_refresh=True)
    assert summary["new_objects"] == {"pin": 7, "geo": 6, "user": 7}
    assert tables(spark, base / "out") == tables(spark, base / "full")
    after = versions(spark, base / "out")
    assert all(after[name] > before[name] for name in ALL_TABLES)
    previous = spark.read.format("delta").option("versionAsOf", before["pin_silver"])
    assert previous.load(str(base / "out" / "pin_silver")).count() == 190


def test_a_run_failing_between_silver_and_gold_then_run_again_gives_the_full_run(
    spark, staged, tmp_path, monkeypatch
):
    base, _, _ = staged
    root, output, checkpoint = tmp_path / "input", tmp_path / "out", tmp_path / "checkpoint"
    add_objects(root, 1)
    run(spark, root, output, checkpoint)
    add_objects(root, 2)
    add_objects(root, 3)
    gold_before = versions(spark, output)

    def fail_before_gold(*_):
        raise RuntimeError("killed between silver and gold")

    monkeypatch.setattr(batch, "write_gold", fail_before_gold)
    with pytest.raises(StreamingQueryException, match="killed between silver and gold"):
        run(spark, root, output, checkpoint)
    failed = versions(spark, output)
    assert failed["pin_silver"] > gold_before["pin_silver"]
    assert failed["quarantine"] > gold_before["quarantine"]
    assert all(failed[name] == gold_before[name] for name in GOLD_TABLES)
    monkeypatch.undo()
    summary = run(spark, root, output, checkpoint)
    assert summary["new_objects"] == {"pin": 5, "geo": 4, "user": 6}
    assert tables(spark, output) == tables(spark, base / "full")


def test_a_run_killed_after_its_silver_merge_then_run_again_gives_the_full_run(spark, staged, tmp_path):
    """The real thing: the job in its own process, killed with SIGKILL as soon as its merge into pin_silver has
    committed (gold, and maybe the other silver tables and the quarantine, not yet written)."""
    base, _, _ = staged
    root, output, checkpoint = tmp_path / "input", tmp_path / "out", tmp_path / "checkpoint"
    add_objects(root, 1)
    run(spark, root, output, checkpoint)
    add_objects(root, 2)
    log = output / "pin_silver" / "_delta_log"
    commits = set(log.glob("*.json"))
    job = subprocess.Popen(
        [sys.executable, "-m", "pinterest_jobs.batch", "--input", str(root), "--output", str(output)]
        + ["--checkpoint", str(checkpoint), "--prefix", PREFIX],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while job.poll() is None and set(log.glob("*.json")) == commits:
        time.sleep(0.02)
    job.send_signal(signal.SIGKILL)
    assert job.wait(timeout=60) == -signal.SIGKILL, "the job ended before it could be killed"
    add_objects(root, 3)
    run(spark, root, output, checkpoint)
    assert tables(spark, output) == tables(spark, base / "full")
