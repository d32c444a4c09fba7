"""What the command-line entry points share: one-line errors, exit codes and the printed/JSON summary."""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .contract import TABLES
from .errors import FAILURE_EXIT, USAGE_EXIT, JobFailure, UsageError


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one line through UsageError instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see --help)")


def report(summary: dict, summary_json: str | None) -> None:
    for section, counts in summary.items():
        for name, value in counts.items():
            print(f"{section:>18}  {name:<45} {value:>10}")
    if summary_json:
        path = Path(summary_json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


def parse_table_map(text: str, flag: str) -> dict[str, str]:
    """`pin=A,geo=B,user=C` -> {"pin": "A", "geo": "B", "user": "C"}; every table is required."""
    expected = ",".join(f"{table}=NAME" for table in TABLES)
    result: dict[str, str] = {}
    for item in text.split(","):
        table, sep, name = item.partition("=")
        table, name = table.strip(), name.strip()
        if not sep or table not in TABLES or not name or table in result:
            raise UsageError(f"{flag} {text!r} is invalid: give {expected}")
        result[table] = name
    if set(result) != set(TABLES):
        raise UsageError(f"{flag} {text!r} is invalid: give {expected}")
    return result


def add_name_source(parser: argparse.ArgumentParser, flag: str, what: str, example: str) -> None:
    """Either --prefix (names derived by the contract's rule) or an explicit map such as --topics, as the cloud
    job parameters and local mode pass it."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--prefix", help=f"stack prefix; the {what} names follow from it, e.g. {example}")
    expected = ",".join(f"{table}=NAME" for table in TABLES)
    group.add_argument(flag, help=f"{expected}: the {what} names, as the stack outputs give them")


def names_from(
    args: argparse.Namespace, flag: str, from_prefix: Callable[[str], dict[str, str]]
) -> dict[str, str]:
    explicit = getattr(args, flag.lstrip("-").replace("-", "_"))
    return parse_table_map(explicit, flag) if explicit else from_prefix(args.prefix)


def wheel_entry(main: Callable[[], int]) -> Callable[[], None]:
    """The entry point of a Databricks python_wheel_task: Databricks calls it with the task's parameters in
    sys.argv and ignores what it returns, so a failed run must raise to be marked failed."""

    def entry() -> None:
        code = main()
        if code:
            raise SystemExit(code)

    return entry


def run_main(run: Callable[[], object]) -> int:
    """Runs a job; bad input (exit 2) or a failure the user can act on (exit 1) ends it with one line on
    stderr, without a stack trace."""
    try:
        run()
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_EXIT
    except JobFailure as error:
        print(f"error: {error}", file=sys.stderr)
        return FAILURE_EXIT
    return 0
