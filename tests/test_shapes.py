"""The SHACL shapes against example data, in the LinkML manner.

Every file in data/valid/ must have no Violation (Warnings are allowed: they flag what is only
recommended). Every file in data/invalid/ must not conform and must give exactly the Violations
listed in its header, and at least the Warnings listed there. A header line reads:

    # expect: focus=<IRI> path=<IRI> shape=<sh:sourceShape IRI> severity=<Violation|Warning>

where focus is "_:" for a blank node, and path is "-" for a node-level constraint or "(a|b)" for
an alternative path.

Source-shape convention: `shape` is the sh:sourceShape exactly as reported, i.e. the named property
shape (cgsh:CityShape-addressCountry, cgsh:common-label...) for a property constraint, and the node
shape (cgsh:CityShape...) for a node-level constraint (IRI pattern, sh:xone).

Validation runs as in production: shapes from ontology/shapes.ttl only, no ontology graph, no
inference.
"""

import logging
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, SH, BNode, Graph, Literal, Node, URIRef

ROOT = Path(__file__).parents[1]
SHAPES = ROOT / "ontology" / "shapes.ttl"
DATA = Path(__file__).parent / "data"

Result = tuple[str, str, str, str]

# rdflib logs a traceback for every ill-typed literal ("1997-02-30"^^xsd:date): expected here.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@cache
def shapes() -> Graph:
    return Graph().parse(SHAPES)


def render_path(report: Graph, path: Node | None) -> str:
    """Write a result path the way the expectation headers do."""
    if path is None:
        return "-"
    alternatives = report.value(path, SH.alternativePath)
    if alternatives is not None:
        items = report.collection(alternatives)  # type: ignore[arg-type]
        return "(" + "|".join(str(item) for item in items) + ")"
    return str(path)


def results(data_file: Path) -> tuple[bool, set[Result]]:
    data = Graph().parse(data_file)
    conforms, report, _ = validate(data, shacl_graph=shapes(), inference="none")
    found: set[Result] = set()
    top = report.value(predicate=RDF.type, object=SH.ValidationReport)
    for result in report.objects(top, SH.result):
        focus = report.value(result, SH.focusNode)
        severity = report.value(result, SH.resultSeverity)
        found.add(
            (
                "_:" if isinstance(focus, BNode) else str(focus),
                render_path(report, report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceShape)),
                str(severity).removeprefix(str(SH)),
            )
        )
    return bool(conforms), found


def expectations(data_file: Path) -> set[Result]:
    expected: set[Result] = set()
    for line in data_file.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            fields = dict(item.split("=", 1) for item in line.removeprefix("# expect:").split())
            expected.add((fields["focus"], fields["path"], fields["shape"], fields["severity"]))
    return expected


def violations(found: set[Result]) -> set[Result]:
    return {result for result in found if result[3] == "Violation"}


@pytest.mark.parametrize("data_file", sorted((DATA / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_example_has_no_violation(data_file: Path) -> None:
    _, found = results(data_file)
    assert violations(found) == set()


@pytest.mark.parametrize(
    "data_file", sorted((DATA / "invalid").glob("*.ttl")), ids=lambda p: p.stem
)
def test_invalid_example_fails_for_its_reason(data_file: Path) -> None:
    expected = expectations(data_file)
    assert expected, f"{data_file.name} has no '# expect:' header"
    conforms, found = results(data_file)
    assert not conforms
    assert violations(found) == violations(expected)
    assert expected - violations(expected) <= found


def test_every_node_shape_has_an_invalid_example() -> None:
    """Each targeted node shape fails, itself or through one of its property shapes, somewhere."""
    graph = shapes()
    covered = {
        shape
        for data_file in (DATA / "invalid").glob("*.ttl")
        for _, _, shape, _ in expectations(data_file)
    }
    missing = {
        str(node)
        for node in set(graph.subjects(SH.targetClass, None))
        if not ({str(node)} | {str(p) for p in graph.objects(node, SH.property)}) & covered
    }
    assert missing == set()


def constraint_shapes() -> set[Node]:
    """Targeted node shapes and the property shapes they use: the shapes a report can name."""
    graph = shapes()
    nodes = set(graph.subjects(SH.targetClass, None))
    return nodes | {p for node in nodes for p in graph.objects(node, SH.property)}


def test_every_constraint_has_an_english_message_and_property_shapes_a_name() -> None:
    graph = shapes()
    node_level = {SH.nodeKind, SH.pattern, SH.xone, SH["or"], SH["class"], SH.datatype}
    for shape in constraint_shapes():
        is_property_shape = (shape, SH.path, None) in graph
        if is_property_shape:
            assert isinstance(shape, URIRef), "give every property shape an IRI"
            assert graph.value(shape, SH.name) is not None, shape
        if is_property_shape or any((shape, p, None) in graph for p in node_level):
            message = graph.value(shape, SH.message)
            assert isinstance(message, Literal) and message.language in (None, "en"), shape
