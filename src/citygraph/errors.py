"""The errors a user can cause, each carrying a message that says where and what to do.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; nothing else reaches the user.
"""

from __future__ import annotations


class CitygraphError(Exception):
    """A failure caused by input, with a readable message and the exit code it maps to."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(CitygraphError):
    """The command line itself is wrong (unknown name, bad option value): exit 2."""

    exit_code = 2


class DataError(CitygraphError):
    """An input file cannot be read or does not make sense as data: exit 1."""

    exit_code = 1


class ConformanceError(CitygraphError):
    """The data does not conform to the shapes: exit 1. Carries the report."""

    exit_code = 1

    def __init__(self, message: str, report: object | None = None) -> None:
        super().__init__(message)
        self.report = report


class QueryError(CitygraphError):
    """A query could not be parsed or run: exit 1."""

    exit_code = 1
