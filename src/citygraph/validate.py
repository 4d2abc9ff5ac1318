"""Validation: the SHACL shapes plus the quality queries, one report, grouped by entity.

Two kinds of checks run on the loaded graph:

* the SHACL shapes of ``ontology/shapes.ttl`` (pySHACL, the reference validator, on the union of
  all source graphs, no inference: the exports must carry every standard term themselves);
* the quality queries ``queries/qc/*-violation.rq`` in the manner of the Ontology Development Kit:
  each returns the offending resources; any row is a violation. They catch what shapes cannot see
  well: a link to a resource no file defines, an IRI given incompatible classes in two files,
  a date that does not exist, a membership without its inverse.

A report names each entity with the file and line where it is written, so a curator can go there.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import resources
from .namespaces import SH

if TYPE_CHECKING:
    from rdflib import Graph

    from .graph import KnowledgeGraph

SEVERITIES = ("Violation", "Warning", "Info")
# the SHACL report names each quality query (queries/qc/<name>.rq) as the constraint of its results
QUALITY_QUERIES = "https://w3id.org/citygraph/qc/"


@dataclass(frozen=True)
class Finding:
    """One result: what is wrong with which entity, found by which shape or query."""

    focus: str
    severity: str
    message: str
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    check: str = "shacl"
    graph: str | None = None
    # the value as its RDF term (an IRI or a typed literal), for the SHACL report's sh:value
    term: Any = field(default=None, compare=False, repr=False)

    def __lt__(self, other: Finding) -> bool:
        """Findings sort by their fields in order, a missing one ("None") first: two findings
        that differ only in having a value or not compare too."""
        return self._sort_key() < other._sort_key()

    def _sort_key(self) -> tuple[str, ...]:
        return (
            self.focus,
            self.severity,
            self.message,
            self.path or "",
            self.value or "",
            self.shape or "",
            self.check,
            self.graph or "",
        )


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    shacl_graph: Graph | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        verdict = "conforms" if self.conforms else "does NOT conform"
        return (
            f"validation: {verdict} ({len(self.violations)} violations, "
            f"{len(self.warnings)} warnings)"
        )

    def text(self, kg: KnowledgeGraph | None = None, *, warnings: bool = True) -> str:
        """The report a curator reads: entities in order, each with its place and messages."""
        by_entity: dict[str, list[Finding]] = defaultdict(list)
        for finding in sorted(set(self.findings)):
            if warnings or finding.severity == "Violation":
                by_entity[finding.focus].append(finding)
        # a blank node's label is made anew by each parse: name each by its findings instead,
        # so that the same data gives the same report
        blank = _blank_names(by_entity)
        lines: list[str] = []
        for focus, findings in sorted(
            by_entity.items(),
            key=lambda kv: (
                min(SEVERITIES.index(f.severity) for f in kv[1]),
                blank.get(kv[0], kv[0]),
            ),
        ):
            where = kg.locate(focus, findings[0].graph) if kg is not None else None
            shown = f"{blank[focus]} (a blank node)" if focus in blank else _short(focus)
            lines.append(shown + (f"  ({where})" if where else ""))
            for f in findings:
                detail = f" [{_short(f.path)}]" if f.path else ""
                value = f" value: {blank.get(f.value or '', f.value)}" if f.value else ""
                by = _short(f.shape) if f.shape else f.check
                lines.append(f"  {f.severity}{detail}: {f.message}{value}  <- {by}")
        lines.append(self.summary())
        return "\n".join(lines)

    def turtle(self) -> str:
        """The W3C SHACL validation report graph, quality-query rows added as results."""
        from rdflib import BNode, Graph, Literal, URIRef
        from rdflib.namespace import RDF

        g = Graph()
        if self.shacl_graph is not None:
            for triple in self.shacl_graph:
                g.add(triple)
        g.bind("sh", SH)
        reports = list(g.subjects(RDF.type, SH.ValidationReport))
        report = reports[0] if reports else BNode()
        g.set((report, RDF.type, SH.ValidationReport))
        g.set((report, SH.conforms, Literal(self.conforms)))
        for f in self.findings:
            if f.check == "shacl":
                continue
            result = BNode()
            g.add((report, SH.result, result))
            g.add((result, RDF.type, SH.ValidationResult))
            g.add((result, SH.focusNode, URIRef(f.focus)))
            g.add((result, SH.resultSeverity, SH[f.severity]))
            g.add((result, SH.resultMessage, Literal(f.message)))
            g.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            # the quality query that found it (queries/qc/<name>.rq), as a SPARQL constraint
            g.add((result, SH.sourceConstraint, URIRef(f"{QUALITY_QUERIES}{f.check}")))
            if f.path:
                g.add((result, SH.resultPath, URIRef(f.path)))
            if f.term is not None:
                g.add((result, SH.value, f.term))
        return g.serialize(format="turtle")


def _blank_names(by_entity: dict[str, list[Finding]]) -> dict[str, str]:
    """``_:b1``, ``_:b2``... for the foci that are blank nodes (no IRI scheme), in the order of
    what is found about them (the label the parser gave them changes from run to run)."""
    blanks = [focus for focus in by_entity if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", focus)]
    order = sorted(
        blanks,
        key=lambda b: [(f.severity, f.path or "", f.message, f.shape or "") for f in by_entity[b]],
    )
    return {focus: f"_:b{number}" for number, focus in enumerate(order, 1)}


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    from .namespaces import PREFIXES

    for prefix, base in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(base) and prefix != "id":
            return f"{prefix}:{iri[len(base) :]}"
    return iri.replace("https://w3id.org/citygraph/id/", "id:")


# --- the checks --------------------------------------------------------------------------


def quality_threads() -> int:
    """The threads that run the quality queries from the start, beside the shapes: one per core
    this process may use, less the shapes' own."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # (not Linux)
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def quality_queries(folder: Path | None = None) -> list[Path]:
    return sorted((folder or resources.queries_dir() / "qc").glob("*-violation.rq"))


def run_quality_queries(kg: KnowledgeGraph) -> list[Finding]:
    return [finding for path in quality_queries() for finding in _quality_findings(kg, path)]


def _quality_findings(kg: KnowledgeGraph, path: Path) -> list[Finding]:
    # (each finding once: a statement made by two sources is one finding)
    result = kg.sparql(path.read_text(encoding="utf-8"), distinct_rows=True)
    check = path.stem
    findings = []
    for row in result.rows:
        values = dict(zip(result.vars, row, strict=True))
        entity = values.get("entity")
        message = _name_files(kg, str(values["message"])) if values.get("message") else None
        findings.append(
            Finding(
                focus=str(entity),
                severity="Violation",
                message=message or check.replace("-", " "),
                path=_str(values.get("property")),
                value=_str(values.get("value")),
                check=check,
                graph=_str(values.get("graph")),
                term=values.get("value"),
            )
        )
    return findings


def _name_files(kg: KnowledgeGraph, message: str) -> str:
    """Say which files a graph IRI in a message stands for: curators know files, not graphs."""
    from .namespaces import GRAPH

    def files(match: re.Match[str]) -> str:
        labels = kg.files_of_graph(match.group(0))
        return " and ".join(labels) if labels else match.group(0)

    return re.sub(re.escape(str(GRAPH)) + r"[A-Za-z0-9._-]+", files, message)


def _str(term: object | None) -> str | None:
    return None if term is None else str(term)


def shapes_graph(shapes: Path | None = None) -> Graph:
    from rdflib import Graph

    return Graph().parse(shapes or resources.shapes_file(), format="turtle")


# Above this many statements, "auto" validation uses the compiled validator (fastshacl): pySHACL
# takes about 17 s at 57,000 statements and grows faster than the data.
FAST_VALIDATION_THRESHOLD = 50_000
VALIDATORS = ("auto", "pyshacl", "fast")


def check_validator(validator: str) -> str:
    """The validator's name, or a usage error that lists the known ones."""
    from .errors import UsageError

    if validator not in VALIDATORS:
        raise UsageError(f"unknown validator {validator!r}: use one of {', '.join(VALIDATORS)}")
    return validator


def run_shacl(
    kg: KnowledgeGraph, shapes: Path | None = None, *, validator: str = "auto"
) -> tuple[list[Finding], Graph]:
    """The SHACL shapes on the union of the sources, no inference (the exports carry none either).

    ``validator``: "pyshacl" (the reference), "fast" (:mod:`citygraph.fastshacl`: each constraint
    one SPARQL query over all focus nodes on Oxigraph; same results, linear time) or "auto" (fast
    above ``FAST_VALIDATION_THRESHOLD`` statements on the Oxigraph engine, else pyshacl).
    """
    from rdflib import URIRef
    from rdflib.namespace import RDF

    check_validator(validator)
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals are reported
    if validator == "auto":
        # "More than N statements?" without counting them all (a count scans the whole store).
        big = kg.engine.name == "oxigraph" and kg.has_more_than(FAST_VALIDATION_THRESHOLD)
        validator = "fast" if big else "pyshacl"
    if validator == "fast":
        from . import fastshacl

        outcome = fastshacl.validate(kg.engine, shapes_graph(shapes))
        fast = [
            Finding(
                focus=r.focus,
                severity=r.severity,
                message=r.message,
                path=r.path,
                value=r.value,
                shape=None if r.shape.startswith("_:") else r.shape,
            )
            for r in outcome.results
        ]
        return fast, fastshacl.ReportGraph(outcome.results)

    import pyshacl

    from .engine import to_rdflib_graph

    data = to_rdflib_graph(kg.engine)
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph(shapes), inference="none", advanced=False, meta_shacl=False
    )
    findings = []
    # Only the report's own results: nested sh:detail results (from sh:node) explain them.
    top = [
        r
        for report in results.subjects(RDF.type, SH.ValidationReport)
        for r in results.objects(report, SH.result)
    ]
    for result in top:
        severity = results.value(result, SH.resultSeverity)
        message = results.value(result, SH.resultMessage)
        shape = results.value(result, SH.sourceShape)
        findings.append(
            Finding(
                focus=str(results.value(result, SH.focusNode)),
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                message=str(message) if message else "constraint not met",
                path=_path(results, results.value(result, SH.resultPath)),
                value=_str(results.value(result, SH.value)),
                shape=str(shape) if isinstance(shape, URIRef) else None,
            )
        )
    return findings, results


def _path(results: Graph, path: object | None) -> str | None:
    """A result path: the IRI, or a complex path written as SPARQL (as fastshacl names it)."""
    from .fastshacl import result_path

    return result_path(results, path)  # type: ignore[arg-type]


def validate(
    kg: KnowledgeGraph,
    *,
    shapes: Path | None = None,
    quality: bool = True,
    validator: str = "auto",
) -> ValidationReport:
    """Every check on the loaded graph. The report says whether it conforms and why not.

    ``validator`` chooses the SHACL engine ("auto", "pyshacl" or "fast"; see :func:`run_shacl`).
    """
    findings: list[Finding] = []
    if quality and kg.engine.name == "oxigraph":
        # the quality queries in other threads, beside the shapes: Oxigraph evaluates them
        # without holding Python's lock, and they return few rows, so they cost the shapes'
        # thread little. One thread per core the shapes leave; once the shapes are done, their
        # thread takes the queries no other has taken yet (on 2 cores, more threads than that
        # slowed the M graph's checks: 6.6 s instead of 5.5 s)
        from concurrent.futures import ThreadPoolExecutor

        paths = quality_queries()
        left = queue.SimpleQueue()  # the queries no thread has taken yet
        for path in paths:
            left.put(path)
        found: dict[Path, list[Finding]] = {}

        def take_queries() -> None:
            while True:
                try:
                    path = left.get_nowait()
                except queue.Empty:
                    return
                found[path] = _quality_findings(kg, path)

        threads = quality_threads()
        with ThreadPoolExecutor(threads, thread_name_prefix="quality-queries") as pool:
            workers = [pool.submit(take_queries) for _ in range(threads)]
            try:
                shacl_findings, shacl_results = run_shacl(kg, shapes, validator=validator)
                take_queries()  # the shapes are done: this thread takes the queries left
            except BaseException:  # (Ctrl-C too) no query is begun any more; those running end
                with contextlib.suppress(queue.Empty):
                    while True:
                        left.get_nowait()
                raise
            for worker in workers:
                worker.result()  # (a query's error is raised here)
        findings += [finding for path in paths for finding in found[path]]
    else:
        if quality:
            findings += run_quality_queries(kg)
        shacl_findings, shacl_results = run_shacl(kg, shapes, validator=validator)
    findings += shacl_findings
    return ValidationReport(
        findings=sorted(set(findings), key=Finding._sort_key), shacl_graph=shacl_results
    )
