r"""The DDL of every table the contract declares, and the SQL of the serving layer's views (docs/contract.md,
declared tables and section 8), generated from the contract: nothing here lists a table or a column.

A `ref` is how a statement names a table: `catalog.schema.name` in Unity Catalog, or `delta.\`<directory>\`` for a
path-based Delta table (local mode, mount mode); `Output.sql_ref` in tables.py gives it for an output location.
"""

from .contract import (
    ORIGIN_COLUMN,
    SILVER_COLUMNS,
    SILVER_TABLES,
    STREAM_TABLES,
    TABLES,
    catalog_table,
    now_view_name,
    table_properties,
)
from .gold import GOLD_SQL, gold_query_over

# The values of the `_now` views' origin column: a row of the silver table, or a stream row whose key silver lacks.
BATCH_ORIGIN, STREAM_ORIGIN = "batch", "stream"


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def create_table_sql(name: str, ref: str) -> str:
    """`CREATE TABLE IF NOT EXISTS` for the contract's table `name`: columns, types, comments, properties."""
    spec = catalog_table(name)
    columns = ",\n".join(
        f"  {quoted(column.name)} {column.type} COMMENT {sql_string(column.comment)}"
        for column in spec.columns
    )
    properties = ",\n".join(
        f"  {sql_string(key)} = {sql_string(value)}" for key, value in table_properties(name).items()
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {ref} (\n{columns}\n)\nUSING DELTA\nCOMMENT {sql_string(spec.comment)}\n"
        f"TBLPROPERTIES (\n{properties}\n)"
    )


NOW_VIEWS: dict[str, str] = {table: now_view_name(table) for table in TABLES}
GOLD_NOW_VIEWS: dict[str, str] = {name: now_view_name(name) for name in GOLD_SQL}


def now_view_sql(table: str, silver_ref: str, stream_ref: str) -> str:
    """The silver table, plus the cleaned stream rows whose key is not in it, with `origin`: a key in both counts
    once, from silver (docs/contract.md section 8)."""
    columns = ", ".join(quoted(column) for column in SILVER_COLUMNS[table])
    streamed = ", ".join(f"s.{quoted(column)}" for column in SILVER_COLUMNS[table])
    origin = quoted(ORIGIN_COLUMN.name)
    return (
        f"SELECT {columns}, {sql_string(BATCH_ORIGIN)} AS {origin} FROM {silver_ref}\n"
        f"UNION ALL\n"
        f"SELECT {streamed}, {sql_string(STREAM_ORIGIN)} AS {origin} FROM {stream_ref} AS s\n"
        f"WHERE NOT EXISTS (SELECT 1 FROM {silver_ref} AS b WHERE b.ind = s.ind)"
    )


def gold_now_view_sql(name: str, now_refs: dict[str, str]) -> str:
    """The gold query `name` over the three `_now` views (`now_refs`: pin, geo, user -> the view's name)."""
    return gold_query_over(name, now_refs)


def serving_views(batch_ref, stream_ref, view_ref) -> dict[str, str]:
    """Every view of the serving layer, in an order in which each reads only views before it: name -> SELECT.

    `batch_ref(name)` and `stream_ref(name)` name the jobs' tables, `view_ref(name)` a view."""
    views = {
        NOW_VIEWS[table]: now_view_sql(
            table, batch_ref(SILVER_TABLES[table]), stream_ref(STREAM_TABLES[table])
        )
        for table in TABLES
    }
    now_refs = {table: view_ref(NOW_VIEWS[table]) for table in TABLES}
    views.update({GOLD_NOW_VIEWS[name]: gold_now_view_sql(name, now_refs) for name in GOLD_SQL})
    return views
