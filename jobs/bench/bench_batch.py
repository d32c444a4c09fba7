"""Benchmark (not a test): the batch job on local Spark against the same cleaning and nine queries in DuckDB.

    npm run bench:batch -- --posts N [N ...] [--incremental] [--workdir DIR] [--warm-up-posts N]
    (PYTHONPATH=jobs/tests .cache/venv/jobs/bin/python jobs/bench/bench_batch.py ...; dev-only, not in the wheel)

For each N: generates N posts (pin, geo and user records, every 50th sent twice) in the S3 sink layout under
`.cache/bench/N/input` (kept and reused), then on the same files times `run_batch` writing Delta (the job as
deployed, a full run), the same `run_batch` writing plain Parquet, and DuckDB doing the same cleaning,
deduplication and nine queries and writing the 3 silver and 9 gold results as Parquet; checks that Spark's and
DuckDB's gold rows are the same and prints the times and ratios. With several N it also prints how the time
grows with the data.

With --incremental, for each N: the full run over the N posts, then 1% new posts (N/100 new keys, every 50th
sent twice, plus N/1000 records of the history sent again) added as new objects and the incremental run on the
same output and checkpoint, then the run over the 1% alone from scratch; prints the three times and the ratios,
DuckDB's time on the history (the full run's files) for the full run's ratio, and checks that the incremental
run's gold rows equal DuckDB's over all the objects.
A warm-up run first (2,000 posts) keeps the JVM's one-off compilation out of the numbers.
"""

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from synthetic_posts import write_sink_layout

from pinterest_jobs import cli
from pinterest_jobs.batch import run_batch
from pinterest_jobs.cleaning import PIN_PLACEHOLDERS
from pinterest_jobs.contract import GOLD_TABLES, SILVER_TABLES, topic_dir, topic_names
from pinterest_jobs.errors import JobFailure, UsageError
from pinterest_jobs.session import REPO_ROOT, get_spark
from pinterest_jobs.tables import Output

PREFIX = "bench"
DUPLICATE_EVERY = 50
WARM_UP_POSTS = 2000

_TRIM = r"'^[\s\x{00A0}]+|[\s\x{00A0}]+$'"


def _text(column: str) -> str:
    return f"nullif(regexp_replace({column}, {_TRIM}, '', 'g'), '')"


def _pin_text(column: str) -> str:
    placeholders = ", ".join("'" + p.replace("'", "''") + "'" for p in PIN_PLACEHOLDERS)
    return f"(case when {_text(column)} in ({placeholders}) then null else {_text(column)} end)"


def duckdb_sql(root: Path, topics: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Statements that build the cleaned tables, and the nine gold queries, in DuckDB's SQL."""

    def source(table: str, columns: list[str]) -> str:
        spec = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
        return (
            f"read_json('{topic_dir(str(root), topics[table])}/**/*.json', format='newline_delimited', "
            f"columns={{{spec}}}, ignore_errors=true)"
        )

    followers = _pin_text("follower_count")
    number = (
        f"try_cast(regexp_extract({followers}, '^([0-9]+(\\.[0-9]+)?)\\s*([kKmM]?)$', 1) as decimal(20,3))"
    )
    unit = f"lower(regexp_extract({followers}, '^([0-9]+(\\.[0-9]+)?)\\s*([kKmM]?)$', 3))"
    pin_columns = ["index", "unique_id", "title", "description", "poster_name", "follower_count", "tag_list",
                   "is_image_or_video", "image_src", "downloaded", "save_location", "category"]  # fmt: skip
    setup = [
        f"""create or replace table pin as select distinct on (ind) * from (select
            try_cast(index as integer) as ind, {_pin_text("unique_id")} as unique_id, {_pin_text("title")} as title,
            {_pin_text("description")} as description,
            cast(round({number} * case {unit} when 'k' then 1000 when 'm' then 1000000 else 1 end) as bigint)
              as follower_count,
            {_pin_text("poster_name")} as poster_name, {_pin_text("tag_list")} as tag_list,
            {_pin_text("is_image_or_video")} as is_image_or_video, {_pin_text("image_src")} as image_src,
            regexp_replace({_pin_text("save_location")}, '^Local save in\\s*', '') as save_location,
            {_pin_text("category")} as category
            from {source("pin", pin_columns)}) where ind is not null order by ind""",
        f"""create or replace table geo as select distinct on (ind) * from (select
            try_cast(ind as integer) as ind, {_text("country")} as country,
            [try_cast(latitude as double), try_cast(longitude as double)] as coordinates,
            try_cast({_text("timestamp")} as timestamp) as timestamp
            from {source("geo", ["ind", "timestamp", "latitude", "longitude", "country"])})
            where ind is not null order by ind""",
        f"""create or replace table "user" as select distinct on (ind) * from (select
            try_cast(ind as integer) as ind,
            nullif(concat_ws(' ', {_text("first_name")}, {_text("last_name")}), '') as user_name,
            try_cast({_text("age")} as integer) as age, try_cast({_text("date_joined")} as timestamp) as date_joined
            from {source("user", ["ind", "first_name", "last_name", "age", "date_joined"])})
            where ind is not null order by ind""",
        """create or replace view aged as select *, case when age between 18 and 24 then '18-24'
            when age between 25 and 35 then '25-35' when age between 36 and 50 then '36-50'
            when age >= 51 then '+50' end as age_group, year(date_joined) as join_year from pin join "user" using (ind)""",
        """create or replace view by_country as select country, poster_name, follower_count from pin join geo using (ind)
            where country is not null and poster_name is not null and follower_count is not null
            qualify row_number() over (partition by country order by follower_count desc, poster_name) = 1""",
    ]

    def top(source_sql: str, group: str) -> str:
        return f"""select {group}, category, category_count from (select {group}, category,
            count(*) as category_count from {source_sql} where {group} is not null and category is not null
            group by {group}, category)
            qualify row_number() over (partition by {group} order by category_count desc, category) = 1"""

    def median(groups: str, where: str) -> str:
        return f"""select {groups}, quantile_cont(follower_count, 0.5) as median_follower_count from aged
            where follower_count is not null and {where} group by all"""

    join_years = "join_year between 2015 and 2020"
    queries = {
        "popular_category_by_country": top("pin join geo using (ind)", "country"),
        "popular_category_by_year": top(
            "(select *, year(timestamp) as post_year from pin join geo using (ind)) where post_year between 2018 and 2022",
            "post_year",
        ).replace("where post_year is not null", "and post_year is not null"),
        "most_followed_user_by_country": "select * from by_country",
        "country_with_most_followed_user": """select country, follower_count from by_country
            order by follower_count desc, country limit 1""",
        "popular_category_by_age_group": top("aged", "age_group"),
        "median_followers_by_age_group": median("age_group", "age_group is not null"),
        "users_joined_by_year": """select year(date_joined) as post_year,
            count(distinct (user_name, date_joined)) as number_users_joined from "user"
            where user_name is not null and year(date_joined) between 2015 and 2020 group by all""",
        "median_followers_by_join_year": median("join_year as post_year", join_years),
        "median_followers_by_join_year_and_age_group": median(
            "age_group, join_year as post_year", f"{join_years} and age_group is not null"
        ),
    }
    return setup, queries


def run_duckdb(root: Path, topics: dict[str, str], out: Path) -> tuple[float, dict[str, set]]:
    """Times DuckDB reading the files and writing the three silver tables and the nine gold results as Parquet
    under `out`; returns the time and the gold rows read back from those files afterwards."""
    import duckdb

    setup, queries = duckdb_sql(root, topics)
    out.mkdir(parents=True)
    connection = duckdb.connect()
    started = time.perf_counter()
    for statement in setup:
        connection.execute(statement)
    for table, name in SILVER_TABLES.items():
        connection.execute(f"""copy "{table}" to '{out / name}.parquet' (format parquet)""")
    for name, sql in queries.items():
        connection.execute(f"copy ({sql}) to '{out / name}.parquet' (format parquet)")
    seconds = time.perf_counter() - started
    results = {
        name: set(connection.execute(f"select * from '{out / name}.parquet'").fetchall()) for name in queries
    }
    return seconds, results


@dataclass(frozen=True)
class ParquetOutput(Output):
    """The batch job's full run writing plain Parquet: the job without Delta's costs."""

    def replace(self, df: DataFrame, name: str) -> None:
        df.write.mode("overwrite").parquet(self.ref(name))

    def read(self, spark: SparkSession, name: str) -> DataFrame:
        return spark.read.parquet(self.ref(name))

    def exists(self, spark: SparkSession, name: str) -> bool:
        return Path(self.ref(name)).is_dir()

    def declare(self, spark: SparkSession, names: Iterable[str]) -> None:
        """Plain Parquet has no declared tables: each write makes its folder."""


def timed_batch(spark: SparkSession, root: Path, output: Output, checkpoint: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    summary = run_batch(spark, str(root), output, topic_names(PREFIX), str(checkpoint))
    return time.perf_counter() - started, summary


def input_for(workdir: Path, posts: int, first_index: int = 0, name: str = "input") -> Path:
    """Generated input (`posts` posts, keys from `first_index`), written on first use and kept for later runs."""
    root = workdir / str(posts) / name
    complete = root.parent / f"{name}.complete"
    if not complete.exists():
        shutil.rmtree(root, ignore_errors=True)
        started = time.perf_counter()
        write_sink_layout(
            root, topic_names(PREFIX), posts, duplicate_every=DUPLICATE_EVERY, first_index=first_index
        )
        complete.write_text("")
        print(f"generated {posts} posts in {time.perf_counter() - started:.1f} s under {root}", flush=True)
    return root


def new_input_for(workdir: Path, posts: int) -> Path:
    """1% new posts after `posts` posts of history (new keys, every 50th sent twice) and 0.1% of the history's
    records sent again, in the sink layout under partition=1 (object names apart from the history's); kept."""
    root = workdir / str(posts) / "new"
    complete = root.parent / "new.complete"
    if not complete.exists():
        shutil.rmtree(root, ignore_errors=True)
        topics = topic_names(PREFIX)
        new_posts = max(posts // 100, 1)
        write_sink_layout(
            root, topics, new_posts, duplicate_every=DUPLICATE_EVERY, first_index=posts, partition=1
        )
        again = max(posts // 1000, 1)
        write_sink_layout(root, topics, again, partition=2)
        complete.write_text("")
    return root


def link_tree(source: Path, target: Path) -> None:
    """Hard links of every file below `source` under `target` (instant, and the files keep their times)."""
    for path in source.rglob("*"):
        if path.is_file():
            linked = target / path.relative_to(source)
            linked.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, linked)


def gold_rows(spark: SparkSession, output: Output) -> dict[str, set]:
    return {name: {tuple(row) for row in output.read(spark, name).collect()} for name in GOLD_TABLES}


def check_agree(spark_results: dict[str, set], duck_results: dict[str, set], what: str) -> str:
    disagree = [name for name in GOLD_TABLES if spark_results[name] != duck_results[name]]
    if disagree:
        raise JobFailure(f"Spark and DuckDB disagree on {', '.join(disagree)} for {what}")
    return "yes"


def print_rows(rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        print(f"{label:<27} {value}", flush=True)


def measure(spark: SparkSession, workdir: Path, posts: int) -> dict:
    root = input_for(workdir, posts)
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        delta = Output(str(Path(scratch) / "delta"))
        delta_seconds, summary = timed_batch(spark, root, delta, Path(scratch) / "delta-checkpoint")
        spark_results = gold_rows(spark, delta)
        parquet = ParquetOutput(str(Path(scratch) / "parquet"))
        parquet_seconds, _ = timed_batch(spark, root, parquet, Path(scratch) / "parquet-checkpoint")
        duck_seconds, duck_results = run_duckdb(root, topic_names(PREFIX), Path(scratch) / "duckdb")
    print_rows(
        [
            ("posts", f"{posts}"),
            ("records read (pin)", f"{summary['read']['pin']}"),
            ("spark, writing Delta", f"{delta_seconds:.1f} s   (the batch job as deployed: 13 Delta tables)"),
            ("spark, writing Parquet", f"{parquet_seconds:.1f} s   (same job, plain Parquet)"),
            ("delta's share", f"{delta_seconds - parquet_seconds:.1f} s"),
            ("duckdb, writing Parquet", f"{duck_seconds:.1f} s   (3 silver + 9 gold Parquet files)"),
            ("ratio spark/duckdb", f"{parquet_seconds / duck_seconds:.1f}   (both writing Parquet)"),
            ("ratio spark(Delta)/duckdb", f"{delta_seconds / duck_seconds:.1f}"),
            ("gold results agree", check_agree(spark_results, duck_results, f"{posts} posts")),
        ]
    )
    return {"delta": delta_seconds, "parquet": parquet_seconds, "duckdb": duck_seconds}


def measure_incremental(spark: SparkSession, workdir: Path, posts: int) -> dict:
    history, new = input_for(workdir, posts), new_input_for(workdir, posts)
    with tempfile.TemporaryDirectory(dir=workdir) as scratch_dir:
        scratch = Path(scratch_dir)
        root = scratch / "input"
        link_tree(history, root)
        output, checkpoint = Output(str(scratch / "delta")), scratch / "checkpoint"
        full_seconds, _ = timed_batch(spark, root, output, checkpoint)
        link_tree(new, root)
        incremental_seconds, summary = timed_batch(spark, root, output, checkpoint)
        alone_seconds, _ = timed_batch(
            spark, new, Output(str(scratch / "alone")), scratch / "alone-checkpoint"
        )
        duck_seconds, _ = run_duckdb(history, topic_names(PREFIX), scratch / "duckdb-history")
        _, duck_results = run_duckdb(root, topic_names(PREFIX), scratch / "duckdb")
        agree = check_agree(gold_rows(spark, output), duck_results, f"{posts} posts plus 1% new")
    print_rows(
        [
            ("posts of history", f"{posts}"),
            (
                "new records read (pin)",
                f"{summary['read']['pin']}   ({summary['new_objects']['pin']} new objects)",
            ),
            ("full run", f"{full_seconds:.1f} s   (the history, from scratch, writing Delta)"),
            (
                "incremental run",
                f"{incremental_seconds:.1f} s   (the new objects, merged into the same output)",
            ),
            ("the 1% alone", f"{alone_seconds:.1f} s   (the new objects, from scratch)"),
            ("ratio incremental/full", f"{incremental_seconds / full_seconds:.2f}"),
            ("ratio incremental/alone", f"{incremental_seconds / alone_seconds:.2f}"),
            ("duckdb, the history", f"{duck_seconds:.1f} s   (the full run's files, writing Parquet)"),
            ("ratio full/duckdb", f"{full_seconds / duck_seconds:.1f}"),
            ("gold results agree", agree + "   (incremental output against DuckDB on every object)"),
        ]
    )
    return {"full": full_seconds, "incremental": incremental_seconds, "alone": alone_seconds}


def main(argv: list[str] | None = None) -> int:
    def run() -> None:
        parser = cli.ArgumentParser(prog="npm run bench:batch --", description=__doc__.splitlines()[0])
        parser.add_argument(
            "--posts",
            type=int,
            nargs="+",
            required=True,
            help="numbers of posts, e.g. --posts 250000 1000000",
        )
        parser.add_argument(
            "--incremental",
            action="store_true",
            help="time the full run, the incremental run with 1%% new posts, and the 1%% alone",
        )
        parser.add_argument("--workdir", default=str(REPO_ROOT / ".cache" / "bench"), help="where data goes")
        parser.add_argument(
            "--warm-up-posts", type=int, default=WARM_UP_POSTS, help="posts of the warm-up run (0: none)"
        )
        args = parser.parse_args(argv)
        if any(posts < 1 for posts in args.posts):
            raise UsageError("--posts takes positive numbers of posts, e.g. --posts 250000 1000000")
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        spark = get_spark("pinterest-bench")
        # The first job of a JVM compiles most of Spark's code; a small run first keeps that out of every number.
        if args.warm_up_posts > 0:
            with tempfile.TemporaryDirectory(dir=workdir) as scratch:
                warm_up = input_for(workdir, args.warm_up_posts)
                timed_batch(spark, warm_up, Output(f"{scratch}/warm-up"), Path(scratch) / "checkpoint")
        if args.incremental:
            for posts in args.posts:
                measure_incremental(spark, workdir, posts)
            return
        times = {posts: measure(spark, workdir, posts) for posts in args.posts}
        sizes = sorted(times)
        for small, large in itertools.pairwise(sizes):
            for kind in ("delta", "parquet"):
                ratio = times[large][kind] / times[small][kind]
                print(f"scaling ({kind}) {large}/{small} posts: {large / small:.1f}x data, {ratio:.2f}x time")

    return cli.run_main(run)


if __name__ == "__main__":
    raise SystemExit(main())
