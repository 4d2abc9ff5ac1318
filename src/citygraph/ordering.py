"""A SELECT's final ORDER BY, applied in Python to the rows the engine returns unsorted.

Oxigraph sorts by comparing the terms' text, which it reads again from its storage at every
comparison: on the on-disk store (RocksDB) that is most of the time of a query returning
thousands of rows (at M, ``sources-of-entity`` for the largest network: 604 ms with ORDER BY,
83 ms without; at L, ``wikidata-links``: 3.8 s against 0.8 s). The rows, once read, sort in
Python in a few milliseconds.

Only the simplest final clause is taken over: ``ORDER BY`` at the very end of the query (no
LIMIT or OFFSET after it, which would need the order first) whose conditions are each a
variable, ``STR(?v)``, or ``COALESCE(that, constant)``, optionally in ``ASC()`` or ``DESC()``.
Anything else stays with the engine. Each variable must be one of the results' columns.

The order is SPARQL's (section 15.1): unbound, then blank nodes, then IRIs, then literals;
IRIs and strings in code point order; numbers by value. Where SPARQL leaves the order open
(literals of kinds that do not compare, such as a year and a full date) it is fixed here: dates
of every precision by their text (``2009`` < ``2009-05`` < ``2009-05-01`` < ``2010``), other
kinds by datatype then text. Rows equal on every condition keep a fixed order: by their
columns, so that the same data always gives the same output.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_VAR = r"\?(?P<var>[A-Za-z_][A-Za-z0-9_]*)"
_CONSTANT = r'(?P<constant>""|-?[0-9]+)'
_KEY = (
    rf"(?:{_VAR}|STR\s*\(\s*\?(?P<strvar>[A-Za-z_][A-Za-z0-9_]*)\s*\)"
    rf"|COALESCE\s*\(\s*(?:\?(?P<cvar>[A-Za-z_][A-Za-z0-9_]*)"
    rf"|STR\s*\(\s*\?(?P<cstrvar>[A-Za-z_][A-Za-z0-9_]*)\s*\))\s*,\s*{_CONSTANT}\s*\))"
)
_KEY_AT = re.compile(rf"\s*{_KEY}", re.IGNORECASE)
_DIRECTION = re.compile(r"\s*(?P<dir>ASC|DESC)\s*\(", re.IGNORECASE)
_CLOSE = re.compile(r"\s*\)")
_TAIL = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)

_NUMERIC = {
    str(XSD[name])
    for name in (
        "integer",
        "decimal",
        "float",
        "double",
        "long",
        "int",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_DATES = {str(XSD[name]) for name in ("date", "dateTime", "gYear", "gYearMonth")}
_STRING = str(XSD.string)


@dataclass(frozen=True)
class Condition:
    """One ORDER BY condition: a variable, read as itself or as its text (``STR``), with the
    constant COALESCE puts in place of an unbound value or an error, ascending or not."""

    var: str
    text: bool = False
    default: Literal | None = None
    descending: bool = False


def split_order(sparql: str) -> tuple[str, list[Condition]] | None:
    """The query without its final ORDER BY, and that clause's conditions; None when the query
    has no such clause, or one this module does not take over."""
    matches = list(_TAIL.finditer(sparql))
    if not matches:
        return None
    start = matches[-1].start()
    rest = sparql[matches[-1].end() :]
    conditions: list[Condition] = []
    position = 0
    while position < len(rest):
        if not rest[position:].strip():
            break
        direction = _DIRECTION.match(rest, position)
        found = _KEY_AT.match(rest, direction.end() if direction else position)
        if found is None:
            return None
        position = found.end()
        if direction:
            close = _CLOSE.match(rest, position)
            if close is None:
                return None
            position = close.end()
        descending = bool(direction) and direction.group("dir").upper() == "DESC"
        conditions.append(_condition(found, descending))
    if not conditions:
        return None
    return sparql[:start], conditions


def _condition(found: re.Match[str], descending: bool) -> Condition:
    groups = {k: v for k, v in found.groupdict().items() if v is not None}
    default = None
    if "constant" in groups:
        constant = groups["constant"]
        default = Literal("") if constant == '""' else Literal(int(constant))
    for name, text in (("var", False), ("strvar", True), ("cvar", False), ("cstrvar", True)):
        if name in groups:
            return Condition(groups[name], text, default, descending)
    raise AssertionError(found.group(0))  # the pattern always names a variable


def sort_rows(
    variables: Sequence[str], rows: list[tuple[Any, ...]], conditions: Sequence[Condition]
) -> list[tuple[Any, ...]] | None:
    """The rows in the order of ``conditions``, then of their columns (so that the same data
    always gives the same output); None if a condition's variable is not a column (the engine
    must then sort)."""
    index = {name: i for i, name in enumerate(variables)}
    if any(c.var not in index for c in conditions):
        return None
    columns = [(index[c.var], _key_of(c)) for c in conditions]
    # the conditions' keys, one tuple per row; then only rows that tie on all of them are ordered
    # by their columns (keys for every column of every row cost more than the sort itself)
    keys = [tuple(k(row[i]) for i, k in columns) for row in rows]
    order = list(range(len(rows)))
    if not any(c.descending for c in conditions):
        order.sort(key=keys.__getitem__)
    else:  # stable sorts, the last condition first
        for at in reversed(range(len(conditions))):
            order.sort(key=lambda r, at=at: keys[r][at], reverse=conditions[at].descending)
    ordered = [rows[r] for r in order]
    start = 0
    for end in range(1, len(order) + 1):
        if end == len(order) or keys[order[end]] != keys[order[start]]:
            if end - start > 1:
                ordered[start:end] = sorted(ordered[start:end], key=_row_key)
            start = end
    return ordered


def _row_key(row: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple(term_key(t) for t in row)


def _key_of(condition: Condition) -> Callable[[Any], tuple[Any, ...]]:
    default = term_key(condition.default) if condition.default is not None else (0,)
    if not condition.text:
        if condition.default is None:
            return term_key
        return lambda term: default if term is None else term_key(term)

    def text_key(term: Any) -> tuple[Any, ...]:
        if term is None or isinstance(term, BNode):  # STR() of these is an error: unbound
            return default
        return (3, 0, str(term))

    return text_key


def term_key(term: Any) -> tuple[Any, ...]:
    """A sort key that puts terms in SPARQL's order (and fixes it where SPARQL does not)."""
    kind = type(term)  # (not isinstance: rdflib's terms are checked against ABCs, slowly)
    if kind is URIRef:
        return (2, str(term))
    if term is None:
        return (0,)
    if kind is Literal:
        if term.language is not None:
            return (3, 2, str(term), term.language)
        datatype = str(term.datatype) if term.datatype is not None else _STRING
        if datatype == _STRING:
            return (3, 0, str(term))
        if datatype in _NUMERIC:
            number = _number(term)
            if number is not None:
                return (3, 1, number, str(term))
        if datatype in _DATES:
            return (3, 3, str(term), datatype)
        return (3, 4, datatype, str(term))
    if kind is BNode:
        return (1, str(term))
    if isinstance(term, URIRef):  # subclasses
        return (2, str(term))
    if isinstance(term, Literal):
        return term_key(Literal(str(term), lang=term.language, datatype=term.datatype))
    if isinstance(term, BNode):
        return (1, str(term))
    return (4, str(term))


def _number(term: Literal) -> Decimal | None:
    try:
        value = Decimal(str(term).strip())
    except InvalidOperation:
        return None
    return None if value.is_nan() else value
