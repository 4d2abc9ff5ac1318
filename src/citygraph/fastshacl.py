"""A SHACL Core validator that scales: each constraint is one SPARQL query over all focus nodes.

Why: pySHACL, the reference validator, walks the data graph in Python focus node by focus node
(about 17 s for 57,000 triples, hours for ten million). Our shapes (``ontology/shapes.ttl``) use
SHACL Core only, and every Core constraint can be written as a SPARQL query that returns the
offending (focus node, value) pairs for *all* focus nodes at once. Oxigraph answers those queries
in time linear in the data, so validation grows like loading does.

What it compiles (everything ``shapes.ttl`` uses): ``sh:targetClass``; node-level and property
constraints ``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:pattern`` (with ``sh:flags``),
``sh:in``, ``sh:languageIn``, ``sh:hasValue``, ``sh:minInclusive``/``maxInclusive``/
``minExclusive``/``maxExclusive``, ``sh:minLength``/``maxLength``, ``sh:minCount``/``maxCount``,
``sh:uniqueLang``, ``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``MaxCount`` (not
disjoint), ``sh:node``, ``sh:or``, ``sh:and``, ``sh:xone``, ``sh:not`` of shapes built from those,
and paths made of IRIs, ``sh:inversePath``, ``sh:alternativePath``, sequences and the
``sh:zeroOrMorePath`` family. A targeted shape that uses anything else (``sh:sparql``,
``sh:closed``, ``sh:equals``, other targets...) is left to pySHACL: :func:`validate` runs pySHACL
on the data with a shapes graph in which only those shapes keep their targets, and says which.

Results are the ones pySHACL gives (focus node, path, source shape, severity, value, message),
one per constraint component that fails, so a differential test can compare the two. Known
differences, both on ill-formed data only: a literal is checked for lexical validity of its
datatype by Oxigraph first and confirmed with rdflib (pySHACL's notion), so a literal rdflib rejects
but Oxigraph accepts would be missed; and language tags are compared in lower case (Oxigraph
normalises them).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from . import collector

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)

# Constraint parameters we know how to compile; a shape with any other sh: parameter falls back.
_VALUE_PARAMS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH["in"],
    SH.languageIn,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["or"],
    SH["and"],
    SH.xone,
    SH["not"],
}
_COUNT_PARAMS = {
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.hasValue,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
}
_DESCRIPTIVE = {
    RDF.type,
    RDFS.comment,
    RDFS.label,
    SH.name,
    SH.description,
    SH.message,
    SH.severity,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.property,
    SH.path,
    SH.deactivated,
}
# Datatypes whose lexical form pySHACL checks (through rdflib); others only compare the IRI.
_LEXICAL = {
    XSD.integer: "integer",
    XSD.decimal: "decimal",
    XSD.boolean: "boolean",
    XSD.date: "date",
    XSD.dateTime: "dateTime",
    XSD.float: "float",
    XSD.time: "time",
}
_COMPONENT = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH.qualifiedMinCount: "QualifiedMinCountConstraintComponent",
    SH.qualifiedMaxCount: "QualifiedMaxCountConstraintComponent",
}


class Unsupported(Exception):
    """A shape uses a construct this compiler does not handle (the shape goes to pySHACL)."""


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL would report it."""

    focus: str
    path: str | None
    shape: str
    severity: str
    value: str | None
    message: str
    component: str

    def sort_key(self) -> tuple[str, ...]:
        return (
            self.focus,
            self.path or "",
            self.shape,
            self.severity,
            self.value or "",
            self.component,
        )


@dataclass
class Outcome:
    """What :func:`validate` found, and which shapes it left to pySHACL."""

    results: list[Result] = field(default_factory=list)
    fallback_shapes: list[str] = field(default_factory=list)
    queries: int = 0


def _n3(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} used as a constant")


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL path as a SPARQL property path; also how results name a path that is not an IRI."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{path_text(graph, inverse)}"
    alternative = graph.value(path, SH.alternativePath)
    if alternative is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternative)) + ")"
    for prop, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        inner = graph.value(path, prop)
        if inner is not None:
            return f"({path_text(graph, inner)}){suffix}"
    if graph.value(path, RDF.first) is not None:
        return "(" + "/".join(path_text(graph, p) for p in Collection(graph, path)) + ")"
    raise Unsupported(f"path {path} is not a SHACL path")


def result_path(graph: Graph, path: Node | None) -> str | None:
    """How a Finding names a path: the IRI itself, or the SPARQL text of a complex path."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    try:
        return path_text(graph, path)
    except Unsupported:
        return None


class _Compiler:
    """Turns shapes into SPARQL boolean tests on a variable (value constraints)."""

    def __init__(self, shapes: Graph, subclasses: bool) -> None:
        self.shapes = shapes
        self.type_path = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" + (
            "/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*" if subclasses else ""
        )
        self._names = itertools.count()

    def fresh(self) -> str:
        return f"?_v{next(self._names)}"

    def params(self, shape: Node) -> set[Node]:
        return {p for p in self.shapes.predicates(shape) if str(p).startswith(str(SH))}

    def value_test(self, param: Node, arg: Node, shape: Node, var: str) -> str:
        """A SPARQL expression true when ``var`` meets one constraint (never raises an error)."""
        g = self.shapes
        if param == SH["class"]:
            return f"EXISTS {{ {var} {self.type_path} {_n3(arg)} }}"
        if param == SH.datatype:
            if arg == RDF.langString:
                return f'COALESCE(isLiteral({var}) && LANG({var}) != "", false)'
            test = f"isLiteral({var}) && DATATYPE({var}) = {_n3(arg)}"
            if arg == XSD.string:
                test += f' && LANG({var}) = ""'
            if arg in _LEXICAL:
                test += f" && sameTerm(<{arg}>(STR({var})), <{arg}>(STR({var})))"
            return f"COALESCE({test}, false)"
        if param == SH.nodeKind:
            kinds = {
                SH.IRI: f"isIRI({var})",
                SH.Literal: f"isLiteral({var})",
                SH.BlankNode: f"isBlank({var})",
                SH.BlankNodeOrIRI: f"!isLiteral({var})",
                SH.BlankNodeOrLiteral: f"!isIRI({var})",
                SH.IRIOrLiteral: f"!isBlank({var})",
            }
            if arg not in kinds:
                raise Unsupported(f"sh:nodeKind {arg}")
            return kinds[arg]
        if param == SH.pattern:
            flags = g.value(shape, SH.flags)
            extra = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            regex = f"REGEX(STR({var}), {Literal(str(arg)).n3()}{extra})"
            return f"COALESCE(!isBlank({var}) && {regex}, false)"
        if param == SH["in"]:
            members = [_n3(m) for m in Collection(g, arg)]
            return (
                "(" + " || ".join(f"sameTerm({var}, {m})" for m in members) + ")"
                if members
                else "false"
            )
        if param == SH.languageIn:
            tags = [Literal(str(t).lower()).n3() for t in Collection(g, arg)]
            test = " || ".join(f"LANGMATCHES(LANG({var}), {t})" for t in tags) or "false"
            return f"COALESCE(isLiteral({var}) && ({test}), false)"
        comparisons = {
            SH.minInclusive: ">=",
            SH.maxInclusive: "<=",
            SH.minExclusive: ">",
            SH.maxExclusive: "<",
        }
        if param in comparisons:
            return f"COALESCE(isLiteral({var}) && {var} {comparisons[param]} {_n3(arg)}, false)"
        if param in (SH.minLength, SH.maxLength):
            op = ">=" if param == SH.minLength else "<="
            return f"COALESCE(!isBlank({var}) && STRLEN(STR({var})) {op} {int(arg)}, false)"
        if param == SH.node:
            return self.conforms(arg, var)
        if param in (SH["or"], SH["and"], SH.xone):
            parts = [self.conforms(member, var) for member in Collection(g, arg)]
            if param == SH["or"]:
                return "(" + " || ".join(parts) + ")" if parts else "false"
            if param == SH["and"]:
                return "(" + " && ".join(parts) + ")" if parts else "true"
            return "(" + " + ".join(f"IF({p}, 1, 0)" for p in parts) + ") = 1" if parts else "false"
        if param == SH["not"]:
            return f"!({self.conforms(arg, var)})"
        raise Unsupported(f"{param}")

    def conforms(self, shape: Node, var: str) -> str:
        """A SPARQL expression true when ``var`` conforms to a whole (nested) shape."""
        g = self.shapes
        if (shape, SH.deactivated, Literal(True)) in g:
            return "true"
        tests: list[str] = []
        path = g.value(shape, SH.path)
        params = self.params(shape)
        unknown = params - _VALUE_PARAMS - _COUNT_PARAMS - _DESCRIPTIVE
        if unknown:
            raise Unsupported(", ".join(sorted(str(p) for p in unknown)))
        if path is None:
            if params & (_COUNT_PARAMS - {SH.hasValue}):
                raise Unsupported(f"count constraint on node shape {shape}")
            for param in sorted(params & _VALUE_PARAMS - {SH.flags}):
                for arg in g.objects(shape, param):
                    tests.append(self.value_test(param, arg, shape, var))
            for value in g.objects(shape, SH.hasValue):
                tests.append(f"sameTerm({var}, {_n3(value)})")
            for prop in g.objects(shape, SH.property):
                tests.append(self.conforms_property(prop, var))
        else:
            tests.append(self.conforms_property(shape, var))
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def conforms_property(self, prop: Node, focus: str) -> str:
        """A property shape as a test on its focus node (only what a nested check needs)."""
        g = self.shapes
        sparql_path = path_text(g, g.value(prop, SH.path))
        params = self.params(prop)
        allowed = (_VALUE_PARAMS | {SH.minCount, SH.maxCount, SH.hasValue}) - {SH.flags}
        if params - allowed - _DESCRIPTIVE - {SH.flags}:
            raise Unsupported(f"nested property shape {prop} with {params - allowed}")
        tests = []
        value = self.fresh()
        value_tests = [
            self.value_test(param, arg, prop, value)
            for param in sorted(params & _VALUE_PARAMS - {SH.flags})
            for arg in g.objects(prop, param)
        ]
        if value_tests:
            tests.append(
                f"NOT EXISTS {{ {focus} {sparql_path} {value} "
                f"FILTER(!({' && '.join(value_tests)})) }}"
            )
        for count in g.objects(prop, SH.minCount):
            n = int(count)
            if n == 1:
                tests.append(f"EXISTS {{ {focus} {sparql_path} {self.fresh()} }}")
            elif n > 1:
                raise Unsupported("nested sh:minCount above 1")
        for count in g.objects(prop, SH.maxCount):
            if int(count) != 0:
                raise Unsupported("nested sh:maxCount other than 0")
            tests.append(f"NOT EXISTS {{ {focus} {sparql_path} {self.fresh()} }}")
        for hv in g.objects(prop, SH.hasValue):
            tests.append(f"EXISTS {{ {focus} {sparql_path} {_n3(hv)} }}")
        return "(" + " && ".join(tests) + ")" if tests else "true"


@dataclass
class _Check:
    """One compiled query and how to turn its rows into results."""

    sparql: str
    shape: Node
    path: str | None
    severity: str
    message: str | None
    components: list[tuple[str, Node | None, Node]]  # (column, datatype to confirm, param)
    kind: str  # "value" (rows: focus, value, flags), "focus" (rows: focus), "lang" (focus, lang)
    classes: tuple[str, ...] = ()  # the target classes: no instance, nothing to check
    needs: str | None = None  # a predicate without which the check cannot find anything
    then: str | None = None  # for a test of distinct values: joins the failing ones to focus nodes
    full: str | None = None  # the same check in one query (when a failing value is a blank node)
    # for an sh:minCount 1 or sh:maxCount 1 without a test: so that it can run together with
    # the others of the same targets (see FastValidator._run_together)
    together: _Together | None = None


class _Together(NamedTuple):
    """An ``sh:minCount 1`` (``at_most_one`` false: fails where the path has no value) or an
    ``sh:maxCount 1`` (true: fails where it has two different values) without a value test."""

    targets: str  # the pattern of the shape's targets, ?focus
    path: str  # the property path, as SPARQL
    at_most_one: bool

    def flag(self, i: int) -> str:
        """The pattern whose presence at a focus node is the test, its variables numbered i."""
        value = f"?focus {self.path} ?_v{i}"
        if self.at_most_one:
            return f"{value} . ?focus {self.path} ?_w{i} FILTER(!sameTerm(?_v{i}, ?_w{i}))"
        return value


class FastValidator:
    """Compiles a shapes graph once; :meth:`run` validates an engine's union graph."""

    def __init__(self, shapes: Graph, *, subclasses: bool = False) -> None:
        self.shapes = shapes
        self.executed = 0
        self._classes: list[Node] = []
        self.compiler = _Compiler(shapes, subclasses)
        self.checks: list[_Check] = []
        self.fallback: list[Node] = []
        other_targets = {
            shape
            for kind in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
            for shape in shapes.subjects(kind, None)
        }
        for shape in sorted(set(shapes.subjects(SH.targetClass, None)) | other_targets, key=str):
            if (shape, SH.deactivated, Literal(True)) in shapes:
                continue
            try:
                if shape in other_targets:
                    raise Unsupported("targets other than sh:targetClass")
                self.checks += list(self._compile(shape))
            except Unsupported as exc:
                log.info("fastshacl: %s goes to pySHACL (%s)", shape, exc)
                self.fallback.append(shape)

    # --- compiling ----------------------------------------------------------------------

    def _severity(self, shape: Node) -> str:
        severity = self.shapes.value(shape, SH.severity)
        return str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"

    def _message(self, shape: Node) -> str | None:
        message = self.shapes.value(shape, SH.message)
        return str(message) if message is not None else None

    def _targets(self, shape: Node) -> str:
        classes = sorted(self.shapes.objects(shape, SH.targetClass), key=str)
        type_path = self.compiler.type_path
        if len(classes) == 1:
            return f"?focus {type_path} {_n3(classes[0])} ."
        values = " ".join(_n3(c) for c in classes)
        return (
            f"{{ SELECT DISTINCT ?focus WHERE {{ VALUES ?_class {{ {values} }} "
            f"?focus {type_path} ?_class }} }}"
        )

    def _compile(self, shape: Node) -> Iterator[_Check]:
        g = self.shapes
        params = self.compiler.params(shape)
        unknown = params - _VALUE_PARAMS - {SH.hasValue} - _DESCRIPTIVE
        if unknown or SH.closed in params:
            raise Unsupported(", ".join(sorted(str(p) for p in unknown)))
        targets = self._targets(shape)
        self._classes = list(g.objects(shape, SH.targetClass))
        classes = tuple(sorted(str(c) for c in self._classes))
        checks: list[_Check] = []
        # Node-level constraints: the focus node is the value node.
        components = []
        binds = []
        for param in sorted(params & _VALUE_PARAMS - {SH.flags}):
            for arg in g.objects(shape, param):
                column = f"?k{len(components)}"
                binds.append(
                    f"BIND({self.compiler.value_test(param, arg, shape, '?focus')} AS {column})"
                )
                components.append((column, arg if param == SH.datatype else None, param))
        if components:
            failing = " || ".join(f"!{c}" for c, _, _ in components)
            columns = " ".join(c for c, _, _ in components)
            checks.append(
                _Check(
                    f"SELECT DISTINCT ?focus (?focus AS ?value) {columns} "
                    f"WHERE {{ {targets} {' '.join(binds)} "
                    f"FILTER({failing}) }}",
                    shape,
                    None,
                    self._severity(shape),
                    self._message(shape),
                    components,
                    "value",
                    classes,
                )
            )
        for value in g.objects(shape, SH.hasValue):
            checks.append(
                _Check(
                    f"SELECT DISTINCT ?focus WHERE {{ {targets} "
                    f"FILTER(!sameTerm(?focus, {_n3(value)})) }}",
                    shape,
                    None,
                    self._severity(shape),
                    self._message(shape),
                    [("", None, SH.hasValue)],
                    "focus",
                    classes,
                )
            )
        for prop in g.objects(shape, SH.property):
            if (prop, SH.deactivated, Literal(True)) in g:
                continue
            checks += self._compile_property(prop, targets)
        yield from checks

    def _compile_property(self, prop: Node, targets: str) -> list[_Check]:
        g = self.shapes
        compiler = self.compiler
        path = g.value(prop, SH.path)
        if path is None:
            raise Unsupported(f"property shape {prop} without sh:path")
        sparql_path = path_text(g, path)
        named_path = str(path) if isinstance(path, URIRef) else sparql_path
        params = compiler.params(prop)
        unknown = params - _VALUE_PARAMS - _COUNT_PARAMS - _DESCRIPTIVE
        if unknown:
            raise Unsupported(", ".join(sorted(str(p) for p in unknown)))
        if (prop, SH.qualifiedValueShapesDisjoint, Literal(True)) in g:
            raise Unsupported("sh:qualifiedValueShapesDisjoint true")
        severity, message = self._severity(prop), self._message(prop)
        checks = []

        classes = tuple(sorted(str(c) for c in self._classes))
        simple = str(path) if isinstance(path, URIRef) else None

        def check(sparql: str, components: list[tuple[str, Node | None, Node]], kind: str) -> None:
            needs_values = kind != "focus" or components[0][2] in (
                SH.maxCount,
                SH.qualifiedMaxCount,
            )
            checks.append(
                _Check(
                    sparql,
                    prop,
                    named_path,
                    severity,
                    message,
                    components,
                    kind,
                    classes,
                    simple if needs_values else None,
                )
            )

        components = []
        binds = []
        for param in sorted(params & _VALUE_PARAMS - {SH.flags}):
            for arg in g.objects(prop, param):
                column = f"?k{len(components)}"
                binds.append(f"BIND({compiler.value_test(param, arg, prop, '?value')} AS {column})")
                components.append((column, arg if param == SH.datatype else None, param))
        if components:
            failing = " || ".join(f"!{c}" for c, _, _ in components)
            columns = " ".join(c for c, _, _ in components)
            # Tests depend on the value alone, so each distinct value is tested once (5 roles, not
            # 1,000,000 memberships); only the few failing values are then joined to their focus
            # nodes (``then``), and only for those the targets are checked.
            check(
                f"SELECT ?value {columns} WHERE {{ {{ SELECT DISTINCT ?value WHERE "
                f"{{ ?_f {sparql_path} ?value }} }} {' '.join(binds)} FILTER({failing}) }}",
                components,
                "value",
            )
            checks[-1].then = (
                f"SELECT DISTINCT ?focus ?value WHERE {{ {targets} ?focus {sparql_path} ?value . "
                "VALUES ?value { %s } }"
            )
            checks[-1].full = (
                f"SELECT DISTINCT ?focus ?value {columns} WHERE {{ {targets} "
                f"?focus {sparql_path} ?value . {' '.join(binds)} FILTER({failing}) }}"
            )

        def at_least(n: int, component: URIRef, test: str = "") -> None:
            """Focus nodes with fewer than n values on the path (that pass ``test``)."""
            only = f" FILTER({test})" if test else ""
            if n == 1:
                check(
                    f"SELECT DISTINCT ?focus WHERE {{ {targets} "
                    f"FILTER NOT EXISTS {{ ?focus {sparql_path} ?_v{only} }} }}",
                    [("", None, component)],
                    "focus",
                )
                if not test:
                    checks[-1].together = _Together(targets, sparql_path, False)
            elif n > 1:
                check(
                    f"SELECT ?focus WHERE {{ {targets} "
                    f"OPTIONAL {{ ?focus {sparql_path} ?_v{only} }} }} "
                    f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?_v) < {n})",
                    [("", None, component)],
                    "focus",
                )

        def at_most(n: int, component: URIRef, test: str = "") -> None:
            """Focus nodes with more than n values on the path (that pass ``test``)."""
            only = f" FILTER({test})" if test else ""
            if n == 1 and not test:
                # "a second, different value exists": one lookup per value, a third faster
                # than counting distinct values per focus node (0.62 s -> 0.41 s for 100,000
                # memberships)
                check(
                    f"SELECT DISTINCT ?focus WHERE {{ {targets} ?focus {sparql_path} ?_v . "
                    f"FILTER EXISTS {{ ?focus {sparql_path} ?_w FILTER(!sameTerm(?_v, ?_w)) }} }}",
                    [("", None, component)],
                    "focus",
                )
                checks[-1].together = _Together(targets, sparql_path, True)
                return
            check(
                f"SELECT ?focus WHERE {{ {targets} ?focus {sparql_path} ?_v{only} }} "
                f"GROUP BY ?focus HAVING (COUNT(DISTINCT ?_v) > {n})",
                [("", None, component)],
                "focus",
            )

        for count in g.objects(prop, SH.minCount):
            at_least(int(count), SH.minCount)
        for count in g.objects(prop, SH.maxCount):
            at_most(int(count), SH.maxCount)
        for hv in g.objects(prop, SH.hasValue):
            check(
                f"SELECT DISTINCT ?focus WHERE {{ {targets} "
                f"FILTER NOT EXISTS {{ ?focus {sparql_path} {_n3(hv)} }} }}",
                [("", None, SH.hasValue)],
                "focus",
            )
        if (prop, SH.uniqueLang, Literal(True)) in g:
            check(
                f"SELECT ?focus ?_lang WHERE {{ {targets} ?focus {sparql_path} ?_v "
                f'FILTER(isLiteral(?_v) && LANG(?_v) != "") BIND(LCASE(LANG(?_v)) AS ?_lang) }} '
                f"GROUP BY ?focus ?_lang HAVING (COUNT(DISTINCT ?_v) > 1)",
                [("", None, SH.uniqueLang)],
                "lang",
            )
        for qualified in g.objects(prop, SH.qualifiedValueShape):
            test = compiler.conforms(qualified, "?_v")
            for count in g.objects(prop, SH.qualifiedMinCount):
                at_least(int(count), SH.qualifiedMinCount, test)
            for count in g.objects(prop, SH.qualifiedMaxCount):
                at_most(int(count), SH.qualifiedMaxCount, test)
        return checks

    # --- running ------------------------------------------------------------------------

    def run(self, engine: Engine) -> list[Result]:
        """All results of the compiled shapes on the engine's union graph.

        A check whose target classes have no instance, or whose values need a predicate the data
        never uses, cannot find anything: it is skipped (two index lookups instead of a scan).
        """
        present: dict[str, bool] = {}

        def used(pattern: str) -> bool:
            if pattern not in present:
                present[pattern] = bool(engine.query(f"ASK {{ {pattern} }}").boolean)
            return present[pattern]

        # (the presence tests too: each answer is a set, so the union need not be made)
        engine = _Memo(engine)  # shapes that share a property often share its value tests
        runnable = [
            check
            for check in self.checks
            if not (
                check.classes and not any(used(f"?s <{RDF.type}> <{c}>") for c in check.classes)
            )
            and not (check.needs and not used(f"?s <{check.needs}> ?o"))
        ]
        with collector.paused():  # hundreds of thousands of results at L: see collector.py
            return self._results(runnable, engine)

    def _results(self, runnable: list[_Check], engine: Engine | _Memo) -> list[Result]:
        results: list[Result] = []
        self.executed = 0
        # the sh:minCount 1 and sh:maxCount 1 of the same targets, in one query per targets
        # (see _run_together)
        of_targets: dict[str, list[_Check]] = {}
        for check in runnable:
            if check.together is not None:
                of_targets.setdefault(check.together.targets, []).append(check)
        together = [group for group in of_targets.values() if len(group) > 1]
        batched = {id(check) for group in together for check in group}
        for group in together:
            self.executed += 1
            results += self._run_together(group, engine)
        for check in runnable:
            if id(check) not in batched:
                self.executed += 1
                results += self._run(check, engine)
        return sorted(set(results), key=Result.sort_key)

    def _run_together(self, group: list[_Check], engine: Engine | _Memo) -> Iterator[Result]:
        """The focus nodes that lack any value on a path (``sh:minCount 1``), or have two
        different ones (``sh:maxCount 1``), for several checks of the same targets in one query:
        the targets are read once, and each check's pattern looked up per focus node, rather
        than one query per check that reads the targets again (the M graph, 1.1 M statements
        in memory: the 31 ``sh:minCount 1`` that share their targets 0.75 s instead of 1.57 s;
        with the 17 ``sh:maxCount 1`` too, all the shapes 4.8-5.3 s instead of 5.8-5.9 s; at
        10 M statements 43-44 s instead of 50-51 s)."""
        tests = [check.together for check in group if check.together is not None]
        flags = " ".join(
            f"BIND(EXISTS {{ {test.flag(i)} }} AS ?_k{i})" for i, test in enumerate(tests)
        )
        failing = " || ".join(
            f"?_k{i}" if test.at_most_one else f"!?_k{i}" for i, test in enumerate(tests)
        )
        columns = " ".join(f"?_k{i}" for i in range(len(group)))
        targets = tests[0].targets  # (the same for the whole group)
        answer = engine.query(
            f"SELECT ?focus {columns} WHERE {{ {targets} {flags} FILTER({failing}) }}"
        )
        index = {name: i for i, name in enumerate(answer.vars)}
        # each check's column, shape and sense, found once (not once per focus node)
        each = [
            (index[f"_k{i}"], check, _shape_name(check), test.at_most_one)
            for i, (check, test) in enumerate(zip(group, tests, strict=True))
        ]
        at_focus = index["focus"]
        for row in answer.rows:
            focus = row[at_focus]
            for at, check, shape, when_found in each:
                flag = row[at]
                found = flag is not None and flag.toPython() is True
                if found == when_found:
                    yield self._result(check, shape, focus, None, check.components[0][2])

    def _run(self, check: _Check, engine: Engine | _Memo) -> Iterable[Result]:
        answer = engine.query(check.sparql)
        index = {name: i for i, name in enumerate(answer.vars)}
        shape = _shape_name(check)
        rows = answer.rows
        if check.then is not None and rows:
            if any(not isinstance(row[index["value"]], URIRef | Literal) for row in rows):
                answer = engine.query(check.full or "")
                index = {name: i for i, name in enumerate(answer.vars)}
                rows = answer.rows
            else:
                flags = {row[index["value"]]: row for row in rows}
                values = " ".join(value.n3() for value in flags)
                joined = engine.query(check.then % values)
                rows = [(focus, value, *flags[value][1:]) for focus, value in joined.rows]
                index = {"focus": 0, "value": 1} | {
                    name: i + 1 for i, name in enumerate(answer.vars) if name != "value"
                }
        for row in rows:
            focus = row[index["focus"]]
            if check.kind != "value":
                component = check.components[0][2]
                yield self._result(check, shape, focus, None, component)
                continue
            value = row[index["value"]]
            for column, datatype, component in check.components:
                flag = row[index[column[1:]]]
                if flag is not None and flag.toPython() is True:
                    continue
                if datatype is not None and not _rdflib_rejects(value, datatype):
                    continue  # Oxigraph doubted the lexical form; rdflib (pySHACL's judge) agrees
                yield self._result(check, shape, focus, value, component)

    def _result(
        self, check: _Check, shape: str, focus: Node, value: Node | None, component: Node
    ) -> Result:
        return Result(
            focus=_text(focus),
            path=check.path,
            shape=shape,
            severity=check.severity,
            value=None if value is None else _text(value),
            message=check.message or f"{_COMPONENT.get(component, 'constraint')} not met",
            component=_COMPONENT.get(component, str(component)),
        )


def _shape_name(check: _Check) -> str:
    """The shape as results name it: its IRI, or ``_:id`` for a blank node."""
    return str(check.shape) if isinstance(check.shape, URIRef) else f"_:{check.shape}"


class _Memo:
    """An engine whose answers are remembered for one validation run (the data do not change
    while it runs): a value test compiled the same way for several shapes is evaluated once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.answers: dict[str, Any] = {}

    def query(self, sparql: str) -> Any:
        if sparql not in self.answers:
            # each distinct row once: results are a set (``run`` keeps each result once)
            self.answers[sparql] = self.engine.query(sparql, distinct_rows=True)
        return self.answers[sparql]


def _text(term: Node | None) -> str:
    """A term as results name it: blank nodes as ``_:id`` (so they can be told from IRIs)."""
    from rdflib import BNode

    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _rdflib_rejects(value: Node, datatype: Node) -> bool:
    """pySHACL's sh:datatype judgement of one value (rdflib's typed-literal parsing)."""
    if not isinstance(value, Literal) or value.datatype != datatype:
        return True
    if value.ill_typed is True:
        return True
    python = value.value
    expected = {
        XSD.integer: int,
        XSD.decimal: object,
        XSD.boolean: bool,
        XSD.float: float,
    }.get(datatype)
    if datatype == XSD.date:
        import datetime

        return not isinstance(python, datetime.date)
    if expected is None or expected is object:
        return python is None
    return not isinstance(python, expected)


def has_subclass_statements(engine: Engine) -> bool:
    """Whether class targets must follow rdfs:subClassOf (only when the data states any)."""
    return bool(
        engine.query(
            "ASK { ?a <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?b }", distinct_rows=True
        ).boolean
    )


def validate(engine: Engine, shapes: Graph) -> Outcome:
    """Validate the union graph of ``engine`` against ``shapes``: compiled queries, plus pySHACL
    for the shapes that could not be compiled (their names are in ``Outcome.fallback_shapes``)."""
    validator = FastValidator(shapes, subclasses=has_subclass_statements(engine))
    outcome = Outcome(results=validator.run(engine))
    outcome.queries = validator.executed
    if validator.fallback:
        outcome.fallback_shapes = sorted(str(s) for s in validator.fallback)
        outcome.results = sorted(
            set(outcome.results) | set(_pyshacl_rest(engine, shapes, validator)),
            key=Result.sort_key,
        )
    return outcome


def _pyshacl_rest(engine: Engine, shapes: Graph, validator: FastValidator) -> list[Result]:
    """pySHACL for the shapes we could not compile: the others lose their targets."""
    import pyshacl

    from .engine import to_rdflib_graph

    rest = Graph()
    for triple in shapes:
        rest.add(triple)
    fallback = set(validator.fallback)
    for shape in set(shapes.subjects(SH.targetClass, None)) - fallback:
        rest.remove((shape, SH.targetClass, None))
    for kind in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        for shape in set(shapes.subjects(kind, None)) - fallback:
            rest.remove((shape, kind, None))
    _conforms, report, _text = pyshacl.validate(
        to_rdflib_graph(engine), shacl_graph=rest, inference="none", advanced=False
    )
    return list(results_of_report(report, shapes))


def results_of_report(report: Graph, shapes: Graph | None = None) -> Iterator[Result]:
    """The top-level results of a pySHACL report graph (not the nested sh:detail ones)."""
    for result in report.objects(None, SH.result):
        severity = report.value(result, SH.resultSeverity)
        shape = report.value(result, SH.sourceShape)
        message = report.value(result, SH.resultMessage)
        component = report.value(result, SH.sourceConstraintComponent)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        yield Result(
            focus=_text(report.value(result, SH.focusNode)),
            path=result_path(
                shapes
                if shapes is not None and path is not None and (path, None, None) in shapes
                else report,
                path,
            ),
            shape=str(shape) if isinstance(shape, URIRef) else f"_:{shape}",
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            value=None if value is None else _text(value),
            message=str(message) if message is not None else "constraint not met",
            component=str(component).rsplit("#", 1)[-1] if component is not None else "",
        )


class ReportGraph(Graph):
    """The W3C SHACL report of fast results, built only when someone reads it.

    A large graph can have hundreds of thousands of warnings; writing them as rdflib triples
    costs seconds, and most runs (``build``) never read the report graph.
    """

    def __init__(self, results: list[Result]) -> None:
        super().__init__()
        self._pending: list[Result] | None = results

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickled (to come back from a worker process) as its results while still unbuilt."""
        if self._pending is not None:
            return (ReportGraph, (self._pending,))
        return super().__reduce__()

    def _materialise(self) -> None:
        if self._pending is None:
            return
        from rdflib import BNode

        results, self._pending = self._pending, None
        report = BNode()
        self.add((report, RDF.type, SH.ValidationReport))
        conforms = not any(r.severity == "Violation" for r in results)
        self.add((report, SH.conforms, Literal(conforms)))
        for r in results:
            node = BNode()
            self.add((report, SH.result, node))
            self.add((node, RDF.type, SH.ValidationResult))
            self.add((node, SH.focusNode, _term(r.focus)))
            self.add((node, SH.resultSeverity, SH[r.severity]))
            self.add((node, SH.sourceShape, _term(r.shape)))
            self.add((node, SH.sourceConstraintComponent, SH[r.component]))
            self.add((node, SH.resultMessage, Literal(r.message)))
            if r.path and not r.path.startswith(("(", "^", "<")):
                self.add((node, SH.resultPath, URIRef(r.path)))
            if r.value is not None:
                self.add((node, SH.value, Literal(r.value)))

    def triples(self, triple, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self._materialise()
        return super().triples(triple, *args, **kwargs)

    def __len__(self) -> int:
        self._materialise()
        return super().__len__()


def _term(text: str) -> Node:
    from rdflib import BNode

    return BNode(text[2:]) if text.startswith("_:") else URIRef(text)
