"""The batch command end to end on generated input in the S3 sink layout, checked against plain-Python answers."""

import json
import statistics
from collections import Counter, defaultdict
from datetime import datetime

import pytest
from delta.tables import DeltaTable
from synthetic_posts import posts, write_sink_layout

from pinterest_jobs import batch
from pinterest_jobs.contract import GOLD_TABLES, QUARANTINE_TABLE, SILVER_TABLES, topic_names

PREFIX = "e2e"
POSTS = 400
DUPLICATE_EVERY = 9
MALFORMED = {"pin": ["{oops", '{"title": "no index"}'], "geo": ['{"ind": "seven"}'], "user": []}


def table_versions(spark, output):
    """The latest Delta version of each table the batch job writes."""
    names = [*SILVER_TABLES.values(), QUARANTINE_TABLE, *GOLD_TABLES]
    return {
        name: DeltaTable.forPath(spark, str(output / name)).history(1).first()["version"] for name in names
    }


def follower_number(text):
    if text == "User Info Error":
        return None
    multiplier = {"k": 1000, "M": 1000000}.get(text[-1], 1)
    return int(float(text.rstrip("kM")) * multiplier)


def age_group(age):
    if age is None or age < 18:
        return None
    return "18-24" if age <= 24 else "25-35" if age <= 35 else "36-50" if age <= 50 else "+50"


def top(counts):
    """{group: {name: count}} -> {(group, name, count)}, highest count, ties to the smallest name."""
    return {(g, *min(c.items(), key=lambda item: (-item[1], item[0]))) for g, c in counts.items()}


def expected_gold():
    """The nine answers worked out in plain Python from the generator's rows."""
    rows = list(posts(POSTS))
    country_cat, year_cat, age_cat = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    best_poster, age_f, join_f, join_age_f, people = (
        {},
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        {},
    )
    for pin, geo, user in rows:
        followers, country, category = follower_number(pin["follower_count"]), geo["country"], pin["category"]
        post_year = datetime.fromisoformat(geo["timestamp"]).year
        joined = datetime.fromisoformat(user["date_joined"])
        group, name = age_group(user["age"]), f"{user['first_name']} {user['last_name']}"
        country_cat[country][category] += 1
        if 2018 <= post_year <= 2022:
            year_cat[post_year][category] += 1
        if followers is not None:
            candidate = (-followers, pin["poster_name"])
            best_poster[country] = min(best_poster.get(country, candidate), candidate)
        if group:
            age_cat[group][category] += 1
            if followers is not None:
                age_f[group].append(followers)
        if 2015 <= joined.year <= 2020:
            people.setdefault(joined.year, set()).add((name, joined))
            if followers is not None:
                join_f[joined.year].append(followers)
                if group:
                    join_age_f[(group, joined.year)].append(followers)
    by_country = {(c, p, -f) for c, (f, p) in best_poster.items()}
    best = min(by_country, key=lambda row: (-row[2], row[0]))
    return {
        "popular_category_by_country": top(country_cat),
        "popular_category_by_year": top(year_cat),
        "most_followed_user_by_country": by_country,
        "country_with_most_followed_user": {(best[0], best[2])},
        "popular_category_by_age_group": top(age_cat),
        "median_followers_by_age_group": {(g, float(statistics.median(v))) for g, v in age_f.items()},
        "users_joined_by_year": {(y, len(p)) for y, p in people.items()},
        "median_followers_by_join_year": {(y, float(statistics.median(v))) for y, v in join_f.items()},
        "median_followers_by_join_year_and_age_group": {
            (g, y, float(statistics.median(v))) for (g, y), v in join_age_f.items()
        },
    }


@pytest.fixture(scope="module")
def batch_run(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    topics = topic_names(PREFIX)
    write_sink_layout(root / "input", topics, POSTS, duplicate_every=DUPLICATE_EVERY)
    for table, lines in MALFORMED.items():
        extra = root / "input" / "topics" / topics[table] / "partition=1" / "late.json"
        extra.parent.mkdir(parents=True)
        extra.write_text("".join(line + "\n" for line in lines))
    argv = [
        "--input",
        str(root / "input"),
        "--output",
        str(root / "output"),
        "--checkpoint",
        str(root / "checkpoint"),
        "--prefix",
        PREFIX,
    ]
    summaries, versions = [], []
    for run in (1, 2):
        summary_file = root / f"summary{run}.json"
        assert batch.main([*argv, "--summary-json", str(summary_file)]) == 0
        summaries.append(json.loads(summary_file.read_text()))
        versions.append(table_versions(spark, root / "output"))
    return root / "output", summaries, versions


def test_batch_counts_every_record(batch_run):
    _, (summary, _), _ = batch_run
    copies = len(range(0, POSTS, DUPLICATE_EVERY))
    assert summary["new_objects"] == {t: 1 + bool(MALFORMED[t]) for t in ("pin", "geo", "user")}
    assert summary["read"] == {t: POSTS + copies + len(MALFORMED[t]) for t in ("pin", "geo", "user")}
    assert summary["quarantined"] == {t: len(MALFORMED[t]) for t in ("pin", "geo", "user")}
    assert summary["quarantine"] == summary["quarantined"]
    assert summary["duplicates_dropped"] == {t: copies for t in ("pin", "geo", "user")}
    assert summary["silver"] == {t: POSTS for t in ("pin", "geo", "user")}


def test_batch_gold_tables_equal_the_plain_python_answers(spark, batch_run):
    output, (summary, _), _ = batch_run
    expected = expected_gold()
    for name, rows in expected.items():
        actual = {tuple(row) for row in spark.read.format("delta").load(str(output / name)).collect()}
        assert actual == rows, name
        assert summary["gold"][name] == len(rows)


def test_batch_writes_quarantine_with_reasons(spark, batch_run):
    output, _, _ = batch_run
    quarantine = spark.read.format("delta").load(str(output / "quarantine")).collect()
    assert sorted((row.table, row.source, row.reason, row.payload) for row in quarantine) == [
        ("geo", "e2e.geo", "key ind is not an integer", '{"ind": "seven"}'),
        ("pin", "e2e.pin", "missing key index", '{"title": "no index"}'),
        ("pin", "e2e.pin", "not a JSON object", "{oops"),
    ]


def test_batch_run_with_nothing_new_changes_no_table_and_says_so(batch_run):
    _, (first, second), (versions_after_first, versions_after_second) = batch_run
    assert versions_after_second == versions_after_first
    nothing = {t: 0 for t in ("pin", "geo", "user")}
    assert {key: second[key] for key in batch.RUN_COUNTS} == {key: nothing for key in batch.RUN_COUNTS}
    assert {key: second[key] for key in ("silver", "quarantine", "gold")} == {
        key: first[key] for key in ("silver", "quarantine", "gold")
    }


def test_batch_reports_a_missing_topic_folder_in_one_line(tmp_path, capsys):
    argv = ["--input", str(tmp_path), "--output", str(tmp_path / "out"), "--checkpoint", str(tmp_path / "c")]
    code = batch.main([*argv, "--prefix", "nothing"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == (
        f"error: input has no folder {tmp_path}/topics/nothing.pin: "
        "check --input (the root holding topics/) and --prefix/--topics"
    )


def test_batch_rejects_a_bad_prefix_in_one_line(tmp_path, capsys):
    argv = ["--input", str(tmp_path), "--output", str(tmp_path), "--checkpoint", str(tmp_path / "c")]
    assert batch.main([*argv, "--prefix", "Bad_Prefix"]) == 2
    assert capsys.readouterr().err.strip().startswith('error: prefix "Bad_Prefix" is invalid')


def test_wheel_entry_point_raises_the_exit_code_so_databricks_marks_the_run_failed(tmp_path, monkeypatch):
    # A python_wheel_task gets its parameters in sys.argv and ignores the return value.
    monkeypatch.setattr("sys.argv", ["pinterest-batch", "--input", str(tmp_path), "--output", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        batch.entry()
    assert exit_info.value.code == 2
