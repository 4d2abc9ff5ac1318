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
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEADING_YEAR = re.compile(r"^(\d{4})(?!\d)")


def date_exists(text: str) -> bool:
    """Whether ``YYYY-MM`` or ``YYYY-MM-DD`` names a month or a day that exists."""
    import datetime

    try:
        datetime.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return False
    return True


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

    def date(self, value: str | None, column: str) -> str | None:
        """A date at the precision the table gives it: ``2013``, ``2001-05`` or ``1991-11-09``
        (a month or a day that does not exist is refused, not cut to its year); else the
        leading year of a longer text such as ``2008-2012 - CIVITAS PLUS`` (counted)."""
        text = self.text(value, column)
        if text is None:
            return None
        if _YEAR.match(text):
            return text
        if _ISO_MONTH.match(text) or _ISO_DAY.match(text):
            if date_exists(text):
                return text
            raise CellError(
                "bad-date",
                f"{column}: {text!r} is not a date (no such month or day); "
                "write YYYY, YYYY-MM or YYYY-MM-DD",
            )
        match = _LEADING_YEAR.match(text)
        if match:
            self.counts["year-extracted", column] += 1
            return match.group(1)
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
