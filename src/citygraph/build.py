"""``citygraph build``: load, validate, and write the distribution, or write nothing at all."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .atomic import staged_folder
from .errors import ConformanceError

if TYPE_CHECKING:
    from .graph import KnowledgeGraph
    from .validate import ValidationReport

_COUNTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s rdf:type ?class } GROUP BY ?class
"""
_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"


@dataclass
class BuildSummary:
    classes: Counter[str] = field(default_factory=Counter)
    triples: int = 0
    quads: int = 0
    graphs: int = 0
    report: ValidationReport | None = None
    files: list[Path] = field(default_factory=list)

    def text(self) -> str:
        from .validate import _short

        shown = [
            "cg:City",
            "cg:CityNetwork",
            "cg:InternationalBody",
            "cg:Programme",
            "cg:Forum",
            "cg:Charter",
            "cg:InternalUnit",
            "org:Membership",
            "org:ChangeEvent",
            "cg:ReportedSize",
            "skos:Concept",
            "dcterms:BibliographicResource",
        ]
        counts = {_short(k): v for k, v in self.classes.items()}
        lines = ["entities by class:"]
        lines += [f"  {name:<32}{counts.get(name, 0):>7}" for name in shown]
        lines.append(f"triples (union of sources): {self.triples}")
        lines.append(f"statements in {self.graphs} source graphs: {self.quads}")
        if self.report is not None:
            lines.append(self.report.summary())
        lines += [f"wrote {p}" for p in self.files]
        return "\n".join(lines)


def summarize(kg: KnowledgeGraph) -> BuildSummary:
    summary = BuildSummary()
    for cls, n in kg.sparql(_COUNTS).rows:
        summary.classes[str(cls)] = int(n)
    summary.triples = int(kg.sparql(_TRIPLES).rows[0][0])
    summary.quads = len(kg)
    summary.graphs = len(kg.engine.graphs())
    return summary


def build(kg: KnowledgeGraph, out: Path, *, validator: str = "auto") -> BuildSummary:
    """Validate; on success write the distribution to ``out`` (atomically), else raise."""
    from . import export

    report = kg.validate(validator=validator)
    if not report.conforms:
        raise ConformanceError(
            "the data does not conform; nothing was written\n" + report.text(kg, warnings=False),
            report,
        )
    summary = summarize(kg)
    summary.report = report
    with staged_folder(out) as stage:
        written = export.write_distribution(kg, stage)
    summary.files = [out / p.relative_to(stage) for p in written]
    return summary
