"""What the command-line entry points share: one-line errors, exit codes and the printed/JSON summary."""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from .names import UsageError


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


def run_main(run: Callable[[], object]) -> int:
    """Runs a job; bad input ends it with one line on stderr and exit status 2, without a stack trace."""
    try:
        run()
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
