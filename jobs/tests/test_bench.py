"""`npm run bench:batch` as the docs give it, in both modes, at a tiny size on a work folder that does not exist
yet (as `.cache/bench` on a fresh clone): the command must run, and its gold rows agree with DuckDB's."""

import re
import subprocess

import pytest

from pinterest_jobs.session import REPO_ROOT

POSTS = "300"


def bench(*flags: str, workdir) -> str:
    command = ["npm", "run", "--silent", "bench:batch", "--", "--posts", POSTS, "--warm-up-posts", "0"]
    result = subprocess.run(
        [*command, "--workdir", str(workdir), *flags],
        check=False,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def fresh_workdir(tmp_path):
    workdir = tmp_path / "fresh-clone" / ".cache" / "bench"
    assert not workdir.parent.exists()
    return workdir


def value(output: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}\s+(.+)$", output, re.MULTILINE)
    assert match, f"no line {label!r} in:\n{output}"
    return match.group(1)


def test_bench_batch_runs_on_a_fresh_work_folder(fresh_workdir):
    output = bench(workdir=fresh_workdir)
    assert value(output, "posts") == POSTS
    assert value(output, "gold results agree") == "yes"
    assert float(value(output, "ratio spark(Delta)/duckdb")) > 0


def test_bench_batch_incremental_prints_the_three_runs_and_their_ratios(fresh_workdir):
    output = bench("--incremental", workdir=fresh_workdir)
    assert value(output, "posts of history") == POSTS
    # 1% new posts, every 50th sent twice, and 0.1% of the history sent again: 3 + 1 + 1 pin records.
    assert value(output, "new records read (pin)").startswith("5 ")
    for label in ("full run", "incremental run", "the 1% alone"):
        assert value(output, label).endswith(")")
    assert float(value(output, "ratio incremental/full")) > 0
    assert float(value(output, "ratio incremental/alone")) > 0
    assert value(output, "gold results agree").startswith("yes")
