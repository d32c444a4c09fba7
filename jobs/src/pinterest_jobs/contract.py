"""The Python reader of the pipeline's contract (docs/contract.md): tables, columns and name rules.

The file is `contract.json` inside this package (in the repository, a link to contract/contract.json), so the
wheel carries it and the jobs need nothing from the repository on Databricks.
"""

import json
import re
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
