"""``citygraph build``: load, validate, and write the distribution, or write nothing at all."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import staged_folder
from .errors import ConformanceError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .graph import KnowledgeGraph
    from .validate import ValidationReport

_COUNTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s rdf:type ?class } GROUP BY ?class
"""


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


def summarize(kg: KnowledgeGraph, triples: int) -> BuildSummary:
    """Counts for the build's summary (``triples``: the union's size, from the snapshot)."""
    summary = BuildSummary()
    for cls, n in kg.select_text(_COUNTS)[1]:
        summary.classes[str(cls)] = int(n or 0)
    summary.triples = triples
    summary.quads = len(kg)
    summary.graphs = len(kg.engine.graphs())
    return summary


def build(
    kg: KnowledgeGraph,
    out: Path,
    *,
    validator: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Validate; on success write the distribution to ``out`` (atomically), else raise.

    On a large graph (Oxigraph in memory, more than ``export.PARALLEL_THRESHOLD`` statements)
    the checks and the rendering overlap: a forked process runs the checks on its copy of the
    loaded store while this process takes the snapshot, two forked workers render the RDF
    formats and this process writes the CSV tables. (Processes, not threads: every row read
    from a query result takes Python's lock, and two threads reading rows slow each other
    down several times.) Nothing is written before the checks have passed. Otherwise the
    checks come first, and the snapshot of the exports is taken only once they pass.
    ``progress`` is told each stage as it starts (the command says it at a terminal: at 10 M
    statements each takes minutes).
    """
    from . import export
    from .validate import check_validator

    check_validator(validator)
    tell = progress or (lambda _message: None)
    overlap = (
        kg.engine.name == "oxigraph"
        and getattr(kg.engine, "path", None) is None  # an on-disk store is not shared by fork
        and export.can_fork()
        and kg.has_more_than(export.PARALLEL_THRESHOLD)
    )
    with staged_folder(out) as stage, _Checks(kg, validator, in_background=overlap) as checks:
        background = checks.in_background  # (false again once the report is in)
        if background:
            tell("checking the graph while the exports are written")
            with export.Distribution(kg, stage) as distribution:
                # the counts first, while the workers render (not alone at the end)
                summary = summarize(kg, len(distribution.snapshot.triples))
                written = distribution.write()  # meanwhile the checks run
                report = checks.report()
        else:
            tell("checking the graph: SHACL shapes and quality queries")
            report = checks.report()
        if not report.conforms:  # the staging folder goes, the target stays as it was
            raise ConformanceError(
                "the data does not conform; nothing was written\n"
                + report.text(kg, warnings=False),
                report,
            )
        if not background:
            tell("writing the exports")
            with export.Distribution(kg, stage) as distribution:
                written = distribution.write()
                summary = summarize(kg, len(distribution.snapshot.triples))
    summary.report = report
    summary.files = [out / p.relative_to(stage) for p in written]
    return summary


_SHARED: KnowledgeGraph | None = None


def _validate_shared(validator: str) -> ValidationReport:
    assert _SHARED is not None
    return _SHARED.validate(validator=validator)


class _Checks:
    """The graph's checks, here or in a forked process that shares the loaded store's pages."""

    def __init__(self, kg: KnowledgeGraph, validator: str, *, in_background: bool) -> None:
        self.kg, self.validator = kg, validator
        self.pool: Any = None
        if in_background:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            global _SHARED
            _SHARED = kg
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self.future = self.pool.submit(_validate_shared, validator)

    @property
    def in_background(self) -> bool:
        return self.pool is not None

    def report(self) -> ValidationReport:
        if self.pool is not None:
            try:
                return self.future.result()
            except Exception:  # noqa: BLE001 - the worker died or failed: check here instead,
                pass  # which gives the real error, if there is one, with its own message
            finally:
                self.close()
        return self.kg.validate(validator=self.validator)

    def close(self) -> None:
        global _SHARED
        pool, self.pool = self.pool, None
        _SHARED = None
        if pool is not None:
            from .export import stop_pool

            stop_pool(pool, [self.future])

    def __enter__(self) -> _Checks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
