"""The Python reader of the pipeline's contract (docs/contract.md): tables, columns and name rules.

The file is `contract.json` inside this package (in the repository, a link to contract/contract.json), so the
wheel carries it and the jobs need nothing from the repository on Databricks.
"""

import json
import re
from dataclasses import dataclass
from importlib.resources import files

from .errors import UsageError

_CONTRACT = json.loads(files(__package__).joinpath("contract.json").read_text(encoding="utf-8"))

TABLES: tuple[str, ...] = tuple(_CONTRACT["tables"])
PREFIX_PATTERN = re.compile(_CONTRACT["prefix"]["pattern"])
PREFIX_RULE: str = _CONTRACT["prefix"]["rule"]
NAME_RULES: dict[str, str] = _CONTRACT["names"]

SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    table: tuple(column["name"] for column in spec["columns"]) for table, spec in _CONTRACT["source"].items()
}
SOURCE_TABLES: dict[str, str] = {table: spec["table"] for table, spec in _CONTRACT["source"].items()}
SOURCE_KEYS: dict[str, str] = {table: spec["key"] for table, spec in _CONTRACT["source"].items()}
PLACEHOLDERS: dict[str, str] = _CONTRACT["placeholders"]

SILVER_TABLES: dict[str, str] = {table: spec["name"] for table, spec in _CONTRACT["silver"].items()}
SILVER_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(column["name"] for column in spec["columns"]) for table, spec in _CONTRACT["silver"].items()
}
SILVER_TYPES: dict[str, dict[str, str]] = {
    table: {column["name"]: column["type"] for column in spec["columns"]}
    for table, spec in _CONTRACT["silver"].items()
}
STREAM_TABLES: dict[str, str] = _CONTRACT["stream"]["tables"]
STREAM_EXTRA_COLUMNS: tuple[str, ...] = tuple(
    column["name"] for column in _CONTRACT["stream"]["extraColumns"]
)
QUARANTINE_TABLE: str = _CONTRACT["quarantine"]["batch"]
STREAM_QUARANTINE_TABLE: str = _CONTRACT["quarantine"]["stream"]
QUARANTINE_COLUMNS: tuple[str, ...] = tuple(column["name"] for column in _CONTRACT["quarantine"]["columns"])

GOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    table["name"]: tuple(column["name"] for column in table["columns"]) for table in _CONTRACT["gold"]
}
GOLD_TABLES: tuple[str, ...] = tuple(GOLD_COLUMNS)
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    table["name"]: tuple(column["name"] for column in table["columns"]) for table in _CONTRACT["metrics"]
}
METRIC_TABLES: tuple[str, ...] = tuple(METRIC_COLUMNS)
TRENDING_WINDOW_MINUTES: int = _CONTRACT["trending"]["windowMinutes"]
TRENDING_TOP: int = _CONTRACT["trending"]["top"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str


@dataclass(frozen=True)
class CatalogTable:
    """A Delta table the jobs write, as the catalog declares it; `schema` is `batch` or `stream`."""

    name: str
    schema: str
    comment: str
    columns: tuple[Column, ...]


def _columns(columns: list[dict]) -> tuple[Column, ...]:
    return tuple(Column(column["name"], column["type"], column["comment"]) for column in columns)


def _catalog_tables() -> tuple[CatalogTable, ...]:
    silver, stream, quarantine = _CONTRACT["silver"], _CONTRACT["stream"], _CONTRACT["quarantine"]
    extra = _columns(stream["extraColumns"])

    def named(schema: str, table: dict) -> CatalogTable:
        return CatalogTable(table["name"], schema, table["comment"], _columns(table["columns"]))

    return (
        *(named("batch", silver[table]) for table in TABLES),
        CatalogTable(
            quarantine["batch"], "batch", quarantine["comments"]["batch"], _columns(quarantine["columns"])
        ),
        *(named("batch", table) for table in _CONTRACT["gold"]),
        *(
            CatalogTable(
                stream["tables"][table],
                "stream",
                stream["comments"][table],
                _columns(silver[table]["columns"]) + extra,
            )
            for table in TABLES
        ),
        CatalogTable(
            quarantine["stream"], "stream", quarantine["comments"]["stream"], _columns(quarantine["columns"])
        ),
        *(named("stream", table) for table in _CONTRACT["metrics"]),
    )


# Every table the jobs write, with its schema, comment and columns, in the order of contract/index.ts.
CATALOG_TABLES: tuple[CatalogTable, ...] = _catalog_tables()
ORIGIN_COLUMN: Column = _columns([_CONTRACT["serving"]["origin"]])[0]


def catalog_table(name: str) -> CatalogTable:
    for table in CATALOG_TABLES:
        if table.name == name:
            return table
    raise KeyError(f"contract.json has no table {name}")


def now_view_name(name: str) -> str:
    """The serving layer's view of a relation (pin, geo, user) or of a gold table (docs/contract.md, section 8)."""
    return render_name("nowView", name=name)


def now_view_comment(table: str) -> str:
    template = _CONTRACT["serving"]["comments"]["table"]
    return template.format(silver=SILVER_TABLES[table], stream=STREAM_TABLES[table])


def gold_now_view_comment(gold: str) -> str:
    return _CONTRACT["serving"]["comments"]["gold"].format(comment=catalog_table(gold).comment)


def validate_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise UsageError(f'prefix "{prefix}" is invalid: use {PREFIX_RULE}')
    return prefix


def render_name(rule: str, **values: str) -> str:
    def fill(match: re.Match) -> str:
        if match.group(1) not in values:
            raise KeyError(f"name rule {rule} needs {{{match.group(1)}}}")
        return values[match.group(1)]

    return re.sub(r"\{(\w+)\}", fill, NAME_RULES[rule])


def topic_names(prefix: str) -> dict[str, str]:
    validate_prefix(prefix)
    return {table: render_name("topic", prefix=prefix, table=table) for table in TABLES}


def stream_names(prefix: str) -> dict[str, str]:
    validate_prefix(prefix)
    return {table: render_name("stream", prefix=prefix, table=table) for table in TABLES}


def topic_dir(root: str, topic: str) -> str:
    """Where the S3 sink writes one topic below the bucket root (the volume or mount on Databricks)."""
    return f"{root.rstrip('/')}/{render_name('topicDir', topic=topic)}"


DECLARED_TABLES: tuple[str, ...] = (
    *SILVER_TABLES.values(),
    *STREAM_TABLES.values(),
    QUARANTINE_TABLE,
    STREAM_QUARANTINE_TABLE,
    *GOLD_TABLES,
    *METRIC_TABLES,
)
_TABLE_PROPERTIES: dict[str, dict[str, str]] = _CONTRACT["tableProperties"]


def table_properties(name: str) -> dict[str, str]:
    """The Delta properties a table is created with: the contract's defaults merged with the table's own
    (docs/contract.md, table properties)."""
    if name not in DECLARED_TABLES:
        raise KeyError(f"table {name} is not in contract.json: use one of {', '.join(DECLARED_TABLES)}")
    return {**_TABLE_PROPERTIES["default"], **_TABLE_PROPERTIES.get(name, {})}


def job_tables(job: str) -> tuple[str, ...]:
    """The tables one job writes ("batch" or "stream", the catalog schema that holds them), in the contract's order."""
    return tuple(table.name for table in CATALOG_TABLES if table.schema == job)
