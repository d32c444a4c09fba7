"""Names of topics, streams and tables: derived from the stack prefix here and nowhere else in the jobs.

Mirrors infra/names.ts (topicNames, streamNames, validatePrefix), which is the reference for the whole repository.
"""

import re

TABLES = ("pin", "geo", "user")
PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,18}[a-z0-9]$")

SILVER_TABLES = {table: f"{table}_silver" for table in TABLES}
STREAM_TABLES = {table: f"{table}_stream" for table in TABLES}
QUARANTINE_TABLE = "quarantine"
STREAM_QUARANTINE_TABLE = "stream_quarantine"


class UsageError(Exception):
    """Bad input from the command line or the data layout: reported as one line, exit status 2."""


def validate_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise UsageError(
            f'prefix "{prefix}" is invalid: use 3-20 lowercase letters, digits or hyphens, '
            "starting and ending with a letter or digit"
        )
    return prefix


def topic_names(prefix: str) -> dict[str, str]:
    validate_prefix(prefix)
    return {table: f"{prefix}.{table}" for table in TABLES}


def stream_names(prefix: str) -> dict[str, str]:
    validate_prefix(prefix)
    return {table: f"{prefix}-{table}" for table in TABLES}


def parse_table_map(text: str, flag: str) -> dict[str, str]:
    """`pin=A,geo=B,user=C` -> {"pin": "A", "geo": "B", "user": "C"}; all three tables are required."""
    result: dict[str, str] = {}
    for item in text.split(","):
        table, sep, name = item.partition("=")
        table, name = table.strip(), name.strip()
        if not sep or table not in TABLES or not name or table in result:
            raise UsageError(f"{flag} {text!r} is invalid: give pin=NAME,geo=NAME,user=NAME")
        result[table] = name
    if set(result) != set(TABLES):
        raise UsageError(f"{flag} {text!r} is invalid: give pin=NAME,geo=NAME,user=NAME")
    return result
