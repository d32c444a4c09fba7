"""The nine gold queries (docs/contract.md section 5). Each exists once, as SQL over three relations named `pin`,
`geo` and `user` with the silver tables' columns: `contract/gold/<gold table>.sql`, which this package carries
as `gold_sql/` (in the repository, a link to contract/gold). The batch job runs them over the silver tables; the
serving layer's `<gold>_now` views (`ddl.py`) run the same text over the `_now` views."""

from importlib.resources import files

from pyspark.sql import DataFrame, SparkSession

from .contract import GOLD_TABLES, TABLES


def _read_query(name: str) -> str:
    return files(__package__).joinpath("gold_sql", f"{name}.sql").read_text(encoding="utf-8").strip()


GOLD_SQL: dict[str, str] = {name: _read_query(name) for name in GOLD_TABLES}


def _bind(sql: str, relations: dict[str, str]) -> str:
    bound = ", ".join(f"`{table}` AS (SELECT * FROM {relations[table]})" for table in TABLES)
    # The query sits on lines of its own, so that a `--` comment in it ends before the closing parenthesis.
    return f"WITH {bound}\nSELECT * FROM (\n{sql}\n) AS query"


def gold_query_over(name: str, relations: dict[str, str]) -> str:
    """The gold query `name` as one statement that reads `relations[t]` (a table or view name) where the text says
    `t`, for t in pin, geo, user: the three names bound by a WITH clause around the unchanged query."""
    return _bind(GOLD_SQL[name], relations)


def compute_gold(
    spark: SparkSession, pin: DataFrame, geo: DataFrame, user: DataFrame
) -> dict[str, DataFrame]:
    """Every gold table, by name, over these three frames (the silver tables' columns)."""
    # spark.sql binds each `{table}` to its frame (a temporary view); the query's own braces are escaped for that.
    frames = {"pin": pin, "geo": geo, "user": user}
    placeholders = {table: f"{{{table}}}" for table in TABLES}
    return {
        name: spark.sql(_bind(GOLD_SQL[name].replace("{", "{{").replace("}", "}}"), placeholders), **frames)
        for name in GOLD_TABLES
    }
