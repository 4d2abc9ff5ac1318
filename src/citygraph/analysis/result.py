"""A measure's answer as a table, with notes, rendered as text table, CSV or JSON.

Every ``analyze`` subcommand returns one :class:`Result`: rows of plain values under named
columns, plus notes (how it was computed, what the date selection left out) that go to standard
error in table/CSV form and into the document in JSON, so data stays pipeable.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("table", "csv", "json")


@dataclass
class Result:
    """Columns, rows, notes and extra fields for JSON (``meta``)."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def render(self, fmt: str) -> str:
        if fmt == "json":
            document = {
                "title": self.title,
                **self.meta,
                "columns": self.columns,
                "rows": self.records(),
                "notes": self.notes,
            }
            return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([[_cell(v) for v in row] for row in self.rows])
            return buffer.getvalue()
        return self._table()

    def _table(self) -> str:
        cells = [self.columns] + [[_cell(v) for v in row] for row in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        numeric = [
            all(isinstance(row[i], int | float) for row in self.rows) and bool(self.rows)
            for i in range(len(self.columns))
        ]

        def line(row: list[str]) -> str:
            parts = [
                c.rjust(w) if num else c.ljust(w)
                for c, w, num in zip(row, widths, numeric, strict=True)
            ]
            return "  ".join(parts).rstrip()

        out = [line(cells[0]), "  ".join("-" * w for w in widths)]
        out += [line(row) for row in cells[1:]]
        return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)
