"""``citygraph build``: load, validate, and write the distribution, or write nothing at all."""

from __future__ import annotations

import threading
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
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { %s } GROUP BY ?class
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


def summarize(kg: KnowledgeGraph, triples: int = 0) -> BuildSummary:
    """Counts for the build's summary (``triples``: the union's size, from the snapshot; a
    build sets it once the snapshot is taken)."""
    summary = BuildSummary()
    # the union; or, where it is still to be made (the default graph holds nothing of its own
    # then), the sources' graphs, which give the same counts without making it here
    pending = kg.engine.union_pending
    where = "GRAPH ?g { ?s rdf:type ?class }" if pending else "?s rdf:type ?class"
    for cls, n in kg.select_text(_COUNTS % where, named_graphs_only=pending)[1]:
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
    close_graph: bool = False,
) -> BuildSummary:
    """Validate; on success write the distribution to ``out`` (atomically), else raise.

    On a large graph (Oxigraph, more than ``export.PARALLEL_THRESHOLD`` statements) the checks
    and the exports overlap. In memory, a forked process runs the checks on its copy of the
    loaded store while this process takes the snapshot, two forked workers render the RDF
    formats and this process writes the CSV tables. (Processes, not threads: every row read
    from a query result takes Python's lock, and two threads reading rows slow each other
    down several times.) On disk (a store is not shared by fork), in memory above
    ``export.PARALLEL_LIMIT`` statements (a forked checker and this process would hold two
    copies of the store between them) or where processes cannot be forked, a thread runs the
    checks: Oxigraph evaluates their queries without Python's lock, and they return few rows,
    while this process takes the snapshot and writes the tables (and forked workers render the
    RDF formats, if the graph is small enough for them). Above ``export.PARALLEL_LIMIT`` the
    RDF formats are rendered once the checks have passed (see ``export.Distribution``), so
    that the checks' memory and the renderers' are not held at once. Either way the files go
    to a staging folder, which is deleted if the checks fail. Otherwise (a small graph, or
    rdflib) the checks come first, and the snapshot of the exports is taken only once they
    pass. ``progress`` is told each stage as it starts (the command says it at a terminal: at
    10 M statements each takes minutes). ``close_graph``: the caller needs the graph no more,
    so it is closed, and its memory given back, as soon as the checks have passed and the
    tables and the snapshot are taken: the RDF formats are rendered from the snapshot alone
    (at 10 M statements in memory, the store's 3.4 GB go back before the writers start).
    """
    from . import export
    from .validate import check_validator

    check_validator(validator)
    tell = progress or (lambda _message: None)

    def release() -> None:
        if close_graph:
            kg.close()
            export.give_back_freed_memory()

    with staged_folder(out) as stage, _Checks(kg, validator, how=_overlap(kg)) as checks:
        if checks.in_background:
            tell("checking the graph while the exports are written")
            passed: list[ValidationReport] = []

            def checks_passed() -> None:  # before the RDF formats are rendered (or waited for)
                if not checks.done():
                    tell("waiting for the checks")
                passed.append(_conforming(kg, checks.report()))
                tell("the checks passed")

            with export.Distribution(kg, stage, tell) as distribution:
                # the counts first, while the workers render (not alone at the end)
                summary = summarize(kg)
                written = distribution.write(before_rendering=checks_passed, release=release)
            report = passed[0]
        else:
            tell("checking the graph: SHACL shapes and quality queries")
            report = _conforming(kg, checks.report())
            tell("writing the exports")
            with export.Distribution(kg, stage) as distribution:
                summary = summarize(kg)
                written = distribution.write(release=release)
        summary.triples = len(distribution.snapshot.triples)
    summary.report = report
    summary.files = [out / p.relative_to(stage) for p in written]
    return summary


def _conforming(kg: KnowledgeGraph, report: ValidationReport) -> ValidationReport:
    """The report, if the graph conforms; else the error that stops the build (and so removes
    its staging folder: the target stays as it was)."""
    if not report.conforms:
        raise ConformanceError(
            "the data does not conform; nothing was written\n" + report.text(kg, warnings=False),
            report,
        )
    return report


def _overlap(kg: KnowledgeGraph) -> str | None:
    """How the build runs its checks beside the exports: "fork", "thread" or not at all."""
    from . import export

    if kg.engine.name != "oxigraph" or not kg.has_more_than(export.PARALLEL_THRESHOLD):
        return None
    # a forked process shares the loaded store's pages, as long as it and this process read
    # them little: at 10 M statements they did not, and between them they held two copies of
    # the store (9 GB instead of 4.5). An on-disk store is not shared by fork at all.
    in_memory = getattr(kg.engine, "path", None) is None
    if in_memory and export.can_fork() and not kg.has_more_than(export.PARALLEL_LIMIT):
        return "fork"
    return "thread"


_SHARED: KnowledgeGraph | None = None


def _validate_shared(validator: str) -> ValidationReport:
    assert _SHARED is not None
    return _SHARED.validate(validator=validator)


class _Checks:
    """The graph's checks: here when the report is asked for, or begun at once in the
    background (``how``: "fork", a forked process that shares the loaded store's pages, or
    "thread", a thread of this process)."""

    def __init__(self, kg: KnowledgeGraph, validator: str, *, how: str | None) -> None:
        self.kg, self.validator = kg, validator
        self.pool: Any = None
        self.thread: threading.Thread | None = None
        self.outcome: list[Any] = []  # the thread's report, or the exception it raised
        if how == "fork":
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            global _SHARED
            _SHARED = kg
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self.future = self.pool.submit(_validate_shared, validator)
        elif how == "thread":
            # a daemon: a build stopped by Ctrl-C does not wait for the query in progress
            self.thread = threading.Thread(target=self._run, name="citygraph-checks", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            self.outcome.append(self.kg.validate(validator=self.validator))
        except BaseException as exc:  # noqa: BLE001 - handed to report(), in the main thread
            self.outcome.append(exc)

    @property
    def in_background(self) -> bool:
        return self.pool is not None or self.thread is not None

    def done(self) -> bool:
        """Whether the report is in (or, here, can be made now)."""
        if self.thread is not None:
            return not self.thread.is_alive()
        return self.pool is None or self.future.done()

    def report(self) -> ValidationReport:
        if self.thread is not None:
            self.thread.join()
            self.thread = None
            (outcome,) = self.outcome
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
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
