"""What an import tells the person who ran it: the summary, the rejects file, the report.

* The summary (standard error): rows read, imported, rejected by reason, warnings by check,
  actors and organizations created or matched, cleanings per column.
* The rejects file (CSV): one line per rejected row, ``line,reason,detail`` followed by the row's
  own fields, so that a curator can fix the rows and import them again.
* The report (JSON when the file name ends in ``.json``, readable text otherwise): the summary,
  every warning, every network and every actor with the rows it was made of and the evidence for
  each reconciliation decision, and the overrides that matched nothing.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .clean import CLEANINGS
from .pipeline import ImportResult
from .reconcile import short_iri


def summary(result: ImportResult) -> dict[str, Any]:
    created = [n for n in result.networks if not n.curated]
    data: dict[str, Any] = {
        "table": str(result.table.path),
        "encoding": result.table.encoding,
        "delimiter": result.table.delimiter,
        "rows": result.rows,
        "imported": result.imported,
        "rejected": len(result.rejects),
        "rejected_by_reason": result.rejected_by_reason(),
        "warnings_by_check": result.warnings_by_check(),
        "organizations": {
            "in_table": len(result.networks),
            "matched": len(result.networks) - len(created),
            "created": len(created),
        },
        "cleanings": [
            {"cleaning": kind, "column": column, "count": n}
            for kind, column, n in result.cleaner.summary()
        ],
        "triples": len(result.graph),
    }
    if result.actors:
        matched = [a for a in result.actors if a.curated]
        data["actors"] = {
            "rows": result.records,
            "names_before": len({(r.name, r.country) for a in result.actors for r in a.records}),
            "after_reconciliation": len(result.actors),
            "matched_curated": len(matched),
            "created": len(result.actors) - len(matched),
        }
        data["memberships"] = result.memberships
    return data


def summary_text(result: ImportResult) -> str:
    s = summary(result)
    lines = [
        f"{s['table']}: {s['rows']} rows read ({s['encoding']}, delimiter {s['delimiter']!r}); "
        f"{s['imported']} imported, {s['rejected']} rejected",
    ]
    for reason, n in s["rejected_by_reason"].items():
        lines.append(f"  rejected, {reason}: {n}")
    for check, n in s["warnings_by_check"].items():
        lines.append(f"  warning, {check}: {n}")
    if "actors" in s:
        a = s["actors"]
        lines.append(
            f"actors: {a['names_before']} distinct (name, country) in {a['rows']} rows -> "
            f"{a['after_reconciliation']} after reconciliation ({a['matched_curated']} matched "
            f"to curated entities, {a['created']} created); {s['memberships']} memberships"
        )
    o = s["organizations"]
    lines.append(
        f"organizations: {o['in_table']} in the table, {o['matched']} matched to known ones, "
        f"{o['created']} created"
    )
    for c in s["cleanings"]:
        lines.append(f"  cleaned, {CLEANINGS[c['cleaning']]}: {c['count']} in {c['column']}")
    for entry in result.unused_overrides:
        lines.append(f"  override matched no row: {entry}")
    lines.append(f"{s['triples']} triples")
    return "\n".join(lines)


def rejects_csv(result: ImportResult) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["line", "reason", "detail", *result.table.header])
    for r in result.rejects:
        writer.writerow([r.line, r.reason, r.detail, *r.raw])
    return out.getvalue().encode("utf-8")


def report_data(result: ImportResult) -> dict[str, Any]:
    data = {"summary": summary(result)}
    data["warnings"] = [
        {"line": w.line, "check": w.check, "message": w.message} for w in result.warnings
    ]
    data["organizations"] = [
        {
            "iri": short_iri(n.iri),
            "name": n.name,
            "acronym": n.acronym,
            "code": n.code,
            "matched": n.curated,
            "lines": len(n.lines),
            "first_line": n.lines[0],
            "evidence": n.evidence,
        }
        for n in result.networks
    ]
    data["actors"] = [
        {
            "iri": short_iri(a.iri),
            "label": a.label,
            "country": a.country,
            "kind": a.kind,
            "matched": short_iri(a.curated) if a.curated else None,
            "names": a.names,
            "lines": [r.line for r in a.records],
            "evidence": a.evidence,
        }
        for a in sorted(result.actors, key=lambda a: a.iri)
    ]
    data["unused_overrides"] = result.unused_overrides
    return data


def report_json(result: ImportResult) -> bytes:
    return (json.dumps(report_data(result), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def report_text(result: ImportResult) -> bytes:
    data = report_data(result)
    lines = ["# Import report", "", summary_text(result), "", "## Organizations", ""]
    for n in data["organizations"]:
        state = "matched" if n["matched"] else "created"
        lines.append(
            f"- {n['iri']} ({state}; {n['lines']} rows from line {n['first_line']}): "
            f"{n['name'] or n['acronym'] or n['code']}"
        )
        lines.extend(f"    - {e}" for e in n["evidence"])
    lines += ["", "## Actors", ""]
    for a in data["actors"]:
        state = f"matched {a['matched']}" if a["matched"] else "created"
        lines.append(
            f"- {a['iri']} ({state}; {a['kind']} in {a['country']}; lines "
            f"{', '.join(map(str, a['lines']))}): {' | '.join(a['names'])}"
        )
        lines.extend(f"    - {e}" for e in a["evidence"])
    lines += ["", "## Warnings", ""]
    lines.extend(f"- line {w['line']}: {w['check']}: {w['message']}" for w in data["warnings"])
    return ("\n".join(lines) + "\n").encode("utf-8")
