"""Cleaning cell values, and counting every change so that the summary can report it.

Nothing is changed silently: each kind of cleaning (trimmed spaces, a missing-value marker, a
decimal comma, a year taken out of a longer text, a country code alias) is counted per column.
A value that cannot be cleaned into what its column needs raises :class:`CellError`, and the row
is rejected with that reason.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

# The kinds of cleaning, in the order the summary lists them, with how it names them.
CLEANINGS = {
    "trimmed": "spaces trimmed",
    "na": "missing-value markers (NA...) read as empty",
    "decimal-comma": "decimal commas read as points",
    "year-extracted": "years taken from a longer text",
    "country-alias": "country codes mapped to ISO 3166-1",
    "country-case": "country codes upper-cased",
    "url-scheme": "web addresses without http:// given one",
}

_DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_YEAR = re.compile(r"^\d{4}$")
_LEADING_YEAR = re.compile(r"^(\d{4})(?!\d)")
_SPACES = re.compile(r"\s{2,}")


class CellError(ValueError):
    """A value that cannot be read as what its column holds; the reason names the column."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Cleaner:
    """Cleans values and keeps the count of each cleaning per column."""

    def __init__(self, na: tuple[str, ...]) -> None:
        self.na = frozenset(na)
        self.counts: Counter[tuple[str, str]] = Counter()

    def text(self, value: str | None, column: str) -> str | None:
        """Trimmed text (inner runs of spaces made one), or None for an empty cell or NA marker."""
        if value is None:
            return None
        cleaned = _SPACES.sub(" ", value.strip())
        if cleaned != value:
            self.counts["trimmed", column] += 1
        if cleaned in self.na:
            if cleaned:
                self.counts["na", column] += 1
            return None
        return cleaned

    def decimal(self, value: str | None, column: str) -> Decimal | None:
        """A number, accepting a decimal comma (``3,412`` is 3.412)."""
        text = self.text(value, column)
        if text is None:
            return None
        if _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
            self.counts["decimal-comma", column] += 1
        if not _NUMBER.match(text):
            raise CellError("bad-number", f"{column}: {text!r} is not a number")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes these
            raise CellError("bad-number", f"{column}: {text!r} is not a number") from None

    def integer(self, value: str | None, column: str) -> int | None:
        number = self.decimal(value, column)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise CellError("bad-number", f"{column}: {value!r} is not a whole number")
        return int(number)

    def year(self, value: str | None, column: str) -> int | None:
        """A year: ``2013``; or the leading year of ``2008-2012 - CIVITAS PLUS`` (counted)."""
        text = self.text(value, column)
        if text is None:
            return None
        if _YEAR.match(text):
            return int(text)
        match = _LEADING_YEAR.match(text)
        if match:
            self.counts["year-extracted", column] += 1
            return int(match.group(1))
        raise CellError("bad-year", f"{column}: {text!r} is not a year")

    def country(self, value: str | None, column: str, aliases: dict[str, str]) -> str | None:
        """An upper-case country code, after the mapping's aliases (``UK: GB``)."""
        text = self.text(value, column)
        if text is None:
            return None
        if text in aliases:
            self.counts["country-alias", column] += 1
            return aliases[text]
        if text != text.upper():
            self.counts["country-case", column] += 1
            text = text.upper()
        return aliases.get(text, text)

    def summary(self) -> list[tuple[str, str, int]]:
        """(cleaning, column, count) in a fixed order, for the report."""
        order = list(CLEANINGS)
        return sorted(
            ((kind, column, n) for (kind, column), n in self.counts.items()),
            key=lambda t: (order.index(t[0]), t[1]),
        )
