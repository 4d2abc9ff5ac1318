"""fastshacl gives the results pySHACL (the reference) gives: differential tests.

Compared: the set of (focus node, path, source shape, severity, value) of every top-level result,
Violations and Warnings alike. Blank nodes get new labels when a graph crosses from Oxigraph to
rdflib, so a blank focus node or value is compared as "_:blank".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph

from citygraph import fastshacl
from citygraph.engine import to_rdflib_graph
from citygraph.graph import KnowledgeGraph
from citygraph.validate import run_shacl, shapes_graph

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "data").glob("*/*.ttl"))

logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals are on purpose


def _key(result: fastshacl.Result) -> tuple:
    def norm(text: str | None) -> str | None:
        if text is None:
            return None
        return "_:blank" if text.startswith("_:") else text

    return (norm(result.focus), result.path, result.shape, result.severity, norm(result.value))


def _reference(kg: KnowledgeGraph, shapes: Graph) -> set:
    """pySHACL's results, keyed as :func:`_key` keys them."""
    _conforms, report, _text = pyshacl.validate(
        to_rdflib_graph(kg.engine), shacl_graph=shapes, inference="none", advanced=False
    )
    return {_key(r) for r in fastshacl.results_of_report(report, shapes)}


def _both(kg: KnowledgeGraph, shapes: Graph) -> tuple[set, set]:
    fast = fastshacl.validate(kg.engine, shapes)
    return {_key(r) for r in fast.results}, _reference(kg, shapes)


def _like_pyshacl(tmp_path: Path, data: str, shapes_text: str) -> fastshacl.Outcome:
    """The fast validator's outcome on a small graph given as Turtle, once its results are
    found to be pySHACL's."""
    path = tmp_path / "things.ttl"
    path.write_text(data, encoding="utf-8")
    kg = KnowledgeGraph.load(extra=[path], include_data=False)
    shapes = Graph().parse(data=shapes_text, format="turtle")
    outcome = fastshacl.validate(kg.engine, shapes)
    assert {_key(r) for r in outcome.results} == _reference(kg, shapes)
    return outcome


def test_same_results_as_pyshacl_on_the_shipped_data(kg):
    fast, reference = _both(kg, shapes_graph())
    assert fast == reference


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_as_pyshacl_on_each_example(case):
    kg = KnowledgeGraph.load(extra=[case], include_data=False)
    fast, reference = _both(kg, shapes_graph())
    assert fast == reference
    if case.parent.name == "invalid":
        assert fast, "an invalid example must give at least one result"


def test_every_shape_of_ours_compiles():
    # shapes.ttl is SHACL Core only: nothing should be left to pySHACL.
    validator = fastshacl.FastValidator(shapes_graph())
    assert validator.fallback == []
    assert len(validator.checks) > 100


SHAPES_WITH_SPARQL = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path ex:size ; sh:maxCount 1 ; sh:datatype xsd:integer ;
                sh:minInclusive 0 ] ;
  sh:property [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ] ;
  sh:xone ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) .
ex:ClosedShape a sh:NodeShape ; sh:targetClass ex:Thing ; sh:closed true ;
  sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ex:size ex:a ex:b ) .
"""
DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:one a ex:Thing ; ex:size 3, "x" ; ex:a 1 ; ex:b 2 .
ex:two a ex:Thing ; ex:size -1 ; ex:colour "red" .
ex:owner ex:owns ex:two .
"""


def test_a_shape_it_cannot_compile_goes_to_pyshacl(tmp_path):
    outcome = _like_pyshacl(tmp_path, DATA, SHAPES_WITH_SPARQL)
    # sh:closed is not compiled: that shape alone is left to pySHACL, and says so.
    assert outcome.fallback_shapes == ["http://example.org/ClosedShape"]
    found = {(r.focus.rsplit("/", 1)[-1], r.component) for r in outcome.results}
    # ex:one: two sizes (maxCount), "x" not an integer (datatype, and no order with 0:
    # minInclusive), owned by nobody (minCount on the inverse path), both ex:a and ex:b (xone);
    # ex:two: size -1 below 0, neither ex:a nor ex:b (xone), ex:colour not allowed (closed).
    assert found == {
        ("one", "MaxCountConstraintComponent"),
        ("one", "DatatypeConstraintComponent"),
        ("one", "MinInclusiveConstraintComponent"),
        ("one", "MinCountConstraintComponent"),
        ("one", "XoneConstraintComponent"),
        ("two", "MinInclusiveConstraintComponent"),
        ("two", "XoneConstraintComponent"),
        ("two", "ClosedConstraintComponent"),
    }


def test_validate_chooses_the_validator(kg):
    # The shipped data is small: "auto" means pySHACL there; "fast" gives the same findings.
    reference, _ = run_shacl(kg, validator="pyshacl")
    fast, report = run_shacl(kg, validator="fast")
    auto, _ = run_shacl(kg)

    def keys(findings):
        return {(f.focus, f.path, f.shape, f.severity, f.value) for f in findings}

    assert keys(fast) == keys(reference) == keys(auto)
    assert len(report) > 0  # the lazy report graph materialises when read


def test_unknown_validator_is_a_usage_error(kg):
    from citygraph.errors import UsageError

    with pytest.raises(
        UsageError, match="unknown validator 'quick': use one of auto, pyshacl, fast"
    ):
        run_shacl(kg, validator="quick")


def test_auto_uses_the_fast_validator_above_the_threshold(kg, monkeypatch):
    import citygraph.validate as validate_module

    calls = []
    real = fastshacl.validate
    monkeypatch.setattr(fastshacl, "validate", lambda *a: calls.append(1) or real(*a))
    run_shacl(kg)
    assert calls == []  # the shipped data is below 50,000 statements: pySHACL
    monkeypatch.setattr(validate_module, "FAST_VALIDATION_THRESHOLD", 100)
    run_shacl(kg)
    assert calls == [1]


MAX_ONE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path ex:size ; sh:maxCount 1 ] ;
  sh:property [ sh:path [ sh:inversePath ex:owns ] ; sh:maxCount 1 ] ;
  sh:property [ sh:path ( ex:part ex:size ) ; sh:maxCount 1 ] .
"""
MAX_ONE_DATA = """
@prefix ex: <http://example.org/> .
ex:one a ex:Thing ; ex:size "a"@en, "a"@fr .
ex:two a ex:Thing ; ex:size 2 ; ex:part ex:p1, ex:p2 .
ex:p1 ex:size 5 . ex:p2 ex:size 5 .
ex:three a ex:Thing ; ex:part ex:p3, ex:p4 .
ex:p3 ex:size 5 . ex:p4 ex:size 6 .
ex:a ex:owns ex:two . ex:b ex:owns ex:two . ex:c ex:owns ex:three .
"""


def test_max_count_one_counts_distinct_terms_on_any_path(tmp_path):
    # "a"@en and "a"@fr are the same text but two terms: two values. Through ex:part/ex:size,
    # ex:two reaches the same 5 twice (one value), ex:three reaches 5 and 6 (two).
    outcome = _like_pyshacl(tmp_path, MAX_ONE_DATA, MAX_ONE)
    found = {(r.focus.rsplit("/", 1)[-1], r.path) for r in outcome.results}
    assert found == {
        ("one", "http://example.org/size"),
        ("two", "^<http://example.org/owns>"),
        ("three", "(<http://example.org/part>/<http://example.org/size>)"),
    }


AT_LEAST_ONE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ] ;
  sh:property [ sh:path [ sh:inversePath ex:owns ] ; sh:minCount 1 ; sh:severity sh:Warning ] ;
  sh:property [ sh:path ( ex:part ex:size ) ; sh:minCount 1 ] ;
  sh:property [ sh:path ex:part ; sh:maxCount 1 ] ;
  sh:property [ sh:path ex:size ; sh:minCount 2 ] .
ex:OtherShape a sh:NodeShape ; sh:targetClass ex:Other ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""
AT_LEAST_ONE_DATA = """
@prefix ex: <http://example.org/> .
ex:all a ex:Thing ; ex:name "all" ; ex:part ex:p ; ex:size 1, 2 . ex:p ex:size 5 .
ex:a ex:owns ex:all .
ex:none a ex:Thing .
ex:some a ex:Thing ; ex:name "some" ; ex:part ex:q . ex:q ex:label "no size" .
ex:many a ex:Thing ; ex:name "many", "several" ; ex:part ex:p, ex:q ; ex:size 3, 4 .
ex:b ex:owns ex:many .
ex:other a ex:Other .
"""


def test_the_min_and_max_count_one_checks_of_a_target_run_as_one_query(tmp_path):
    """The three ``sh:minCount 1`` of ex:Thing (a path, an inverse path, a sequence) and its two
    ``sh:maxCount 1`` are read in one query, which names each focus node's missing paths and
    its paths with two values; the ``sh:minCount 2`` and the other target's check run alone.
    The same results as pySHACL, each failing check once."""
    outcome = _like_pyshacl(tmp_path, AT_LEAST_ONE_DATA, AT_LEAST_ONE)
    found = sorted(
        (r.focus.rsplit("/", 1)[-1], r.path, r.severity, r.component.rsplit("#", 1)[-1])
        for r in outcome.results
    )
    name, owns, size, part = (
        "http://example.org/name",
        "^<http://example.org/owns>",
        "http://example.org/size",
        "http://example.org/part",
    )
    part_size = "(<http://example.org/part>/<http://example.org/size>)"
    least, most = "MinCountConstraintComponent", "MaxCountConstraintComponent"
    assert found == sorted(
        [
            ("many", name, "Violation", most),
            ("many", part, "Violation", most),
            ("none", owns, "Warning", least),
            ("none", part_size, "Violation", least),
            ("none", name, "Violation", least),
            ("none", size, "Violation", least),
            ("other", name, "Violation", least),
            ("some", owns, "Warning", least),
            ("some", part_size, "Violation", least),
            ("some", size, "Violation", least),
        ]
    )
    assert outcome.queries == 3  # the five together, the minCount 2, ex:Other's (not 7)


def test_the_checks_find_the_same_before_the_union_is_made(tmp_path, monkeypatch, generator):
    """After a bulk load into memory the checks run on Oxigraph's union of the named graphs,
    in which a statement made by two sources comes twice, instead of waiting for the union (an
    RDF merge) to be made. Their findings must be the same. Here every statement of the shipped
    data, of every invalid example and of a generated graph with its deliberate mistakes is
    made twice, by its source and by a mirror of it."""
    from citygraph import graph as graph_module

    generated = tmp_path / "xs.nq"
    generator.generate("XS", 1, generated)  # with the deliberate violations
    invalid = sorted((ROOT / "tests" / "data" / "invalid").glob("*.ttl"))
    sources = KnowledgeGraph.load(extra=[generated, *invalid])
    lines = sources.engine.serialize("nquads").decode("utf-8").splitlines()
    mirrored = [line[: line.rindex(">")] + "-mirror> ." for line in lines]
    doubled = tmp_path / "doubled.nq"
    doubled.write_text("\n".join(lines + mirrored) + "\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()

    merged = KnowledgeGraph.load(empty, [doubled])  # an ordinary load makes the union
    assert not merged.engine.union_pending
    expected = merged.validate(validator="fast")
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 10)
    bulk = KnowledgeGraph.load(empty, [doubled])
    assert bulk.engine.union_pending
    found = bulk.validate(validator="fast")
    assert bulk.engine.union_pending  # the checks did not make it

    def same(findings: list) -> list:  # blank nodes have new labels in each load
        def norm(text: str | None) -> str | None:
            return "_:blank" if text and text.startswith("_:") else text

        return sorted(
            replace(f, focus=norm(f.focus), value=norm(f.value))._sort_key() for f in findings
        )

    assert same(found.findings) == same(expected.findings)
    assert len(found.violations) > 100  # the examples' and the generated graph's mistakes
    checks = {f.check for f in found.findings}  # the shapes and six of the seven queries
    assert checks >= {"shacl", "dangling-link-violation", "missing-inverse-violation"}
    assert len(checks) == 7
