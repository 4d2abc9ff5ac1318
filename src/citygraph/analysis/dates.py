"""Partial dates (year, year-month, full date) and the rule that compares them.

Sources give dates at three precisions: ``xsd:gYear`` ("1986"), ``xsd:gYearMonth`` ("1991-11")
and ``xsd:date`` ("1998-07-09"). A partial date names a *period*: "1991-11" is every day from
1991-11-01 to 1991-11-30. The date given to ``--as-of`` is read the same way.

The rule (documented in notes/issue-5.md and in the CLI help): two periods are compared by
**overlap**. Something that began in period B and ended in period E (either may be unknown) is
in force *as of* period D when

* it began no later than the last day of D (``B.first <= D.last``), and
* it had not ended before the first day of D (``E.last >= D.first``; an unknown end never ends it).

So "as of 1998-01-01" includes a membership begun in "1991-11"; "as of 1991" includes one begun in
"1991-11" (it may have begun by then: we do not drop what the precision of a source cannot rule
out); and "as of 1991-10" does not.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..errors import UsageError

_FORM = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
AS_OF_FORM = "YYYY, YYYY-MM or YYYY-MM-DD"


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, the month or the day, as the period of days it names."""

    first: date
    last: date
    text: str

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month"}.get(len(self.text), "day")

    def __str__(self) -> str:
        return self.text


def _build(year: int, month: int | None, day: int | None, text: str) -> PartialDate:
    if month is None:
        return PartialDate(date(year, 1, 1), date(year, 12, 31), text)
    if day is None:
        last = calendar.monthrange(year, month)[1]
        return PartialDate(date(year, month, 1), date(year, month, last), text)
    exact = date(year, month, day)
    return PartialDate(exact, exact, text)


def parse_partial(text: str) -> PartialDate | None:
    """A literal of the data (gYear, gYearMonth, date or dateTime) as a period; None if unreadable.

    Data is not rejected here: validation owns that. An unreadable date is simply unknown.
    """
    match = _FORM.match(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        return _build(
            int(year), int(month) if month else None, int(day) if day else None, match.group(0)
        )
    except ValueError:
        return None


def parse_as_of(text: str) -> PartialDate:
    """The ``--as-of`` value; anything but YYYY, YYYY-MM or YYYY-MM-DD is a usage error."""
    value = text.strip()
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
        raise UsageError(
            f"--as-of {text!r}: not a date; expected {AS_OF_FORM} (e.g. 1998, 1998-07, 1998-07-09)"
        )
    parsed = parse_partial(value)
    if parsed is None or parsed.text != value:
        raise UsageError(
            f"--as-of {text!r}: no such day or month; expected {AS_OF_FORM} "
            "with a month 01-12 and a day that exists in that month"
        )
    return parsed


def in_force(begin: PartialDate | None, end: PartialDate | None, as_of: PartialDate) -> bool:
    """Whether something begun in ``begin`` and ended in ``end`` overlaps the period ``as_of``.

    An unknown beginning is not a reason to exclude (callers supply a fallback first, see
    :mod:`citygraph.analysis.facts`); an unknown end never ends it.
    """
    if begin is not None and begin.first > as_of.last:
        return False
    return not (end is not None and end.last < as_of.first)


def earliest(dates: list[PartialDate]) -> PartialDate | None:
    """The earliest of several dates (sources disagree): the union view believes the earliest.

    It picks one: where the others must not be lost (the README says nothing is silently
    picked), keep them with :func:`claims_by_date` and say so with :func:`disagreement`."""
    return min(dates, key=lambda d: (d.first, d.last)) if dates else None


# each date sources give (its text), earliest first, with the sources that give it
DateClaims = tuple[tuple[str, tuple[str, ...]], ...]


def claims_by_date(claims: Iterable[tuple[PartialDate, str]]) -> DateClaims:
    """Each date the sources give, earliest first (as :func:`earliest` orders them), with the
    sources that give it, sorted: ``(("2015-11-06", ("maire-info-...", ...)), ("2016-01-01",
    ("gazette-...",)))``. One entry when they agree."""
    sources: dict[PartialDate, set[str]] = {}
    for when, source in claims:
        sources.setdefault(when, set()).add(source)
    ordered = sorted(sources, key=lambda d: (d.first, d.last, d.text))
    return tuple((d.text, tuple(sorted(sources[d]))) for d in ordered)


def disagreement(subject: str, claims: DateClaims) -> str | None:
    """The note that says which date is shown for ``subject`` and which other dates which
    sources give; None when the sources give one date (or none).

    ``event/merger-france-urbaine is dated 2015-11-06, the earliest date its sources give
    (maire-info-france-urbaine, wikipedia-fr-amgvf); gazette-communes-france-urbaine gives
    2016-01-01``"""
    if len(claims) < 2:
        return None
    (shown, by), *others = claims
    said = "; ".join(
        f"{', '.join(them)} {'gives' if len(them) == 1 else 'give'} {when}" for when, them in others
    )
    return (
        f"{subject} is dated {shown}, the earliest date its sources give ({', '.join(by)}); {said}"
    )


def latest(dates: list[PartialDate]) -> PartialDate | None:
    return max(dates, key=lambda d: (d.last, d.first)) if dates else None
