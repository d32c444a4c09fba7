"""The jobs' two kinds of failure, with the exit codes every CLI of the project uses (docs/architecture.md)."""

USAGE_EXIT = 2
FAILURE_EXIT = 1


class UsageError(Exception):
    """Bad input from the command line: one line on stderr, exit status 2."""


class JobFailure(Exception):
    """The job could not do its work (missing input, unreachable service): one line on stderr, exit status 1."""
