"""The persistent store (``--store PATH``): loaded once, reopened without reloading, same answers.

And the path for big files (streamed from disk; bulk-loaded into a fresh store) gives the same
statements as the ordinary one.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from citygraph import graph as graph_module
from citygraph.graph import KnowledgeGraph
from citygraph.query import bind, catalogue, run_sparql

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = "SELECT ?m ?o WHERE { ?m <http://www.w3.org/ns/org#memberOf> ?o }"


@pytest.fixture(scope="module")
def small_file(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("cg_gen", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # dataclasses look their module up
    spec.loader.exec_module(gen)
    path = tmp_path_factory.mktemp("gen") / "xs.nq"
    gen.generate("XS", 1, path, violations=False)
    return path


def _empty(tmp_path: Path) -> Path:
    folder = tmp_path / "no-data"
    folder.mkdir(exist_ok=True)
    return folder


def _rows(kg: KnowledgeGraph, sparql: str, bindings=None) -> set:
    return set(kg.sparql(sparql, bindings).rows)


def test_store_is_loaded_once_and_reopened_with_the_same_answers(small_file, tmp_path):
    store = tmp_path / "store"
    first = KnowledgeGraph.load(_empty(tmp_path), [small_file], store=store)
    count, members = len(first), _rows(first, MEMBERS)
    # 300 memberships in XS, each stated once as org:memberOf (generate.py).
    assert len(members) == 300
    del first
    # Reopened with no file at all: nothing is reloaded, everything is there.
    again = KnowledgeGraph.load(_empty(tmp_path), [], store=store)
    assert again.files == []
    assert len(again) == count
    assert _rows(again, MEMBERS) == members


def test_every_catalogue_query_gives_the_same_rows_from_the_store_and_from_memory(
    small_file, tmp_path
):
    memory = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    KnowledgeGraph.load(_empty(tmp_path), [small_file], store=tmp_path / "store")
    stored = KnowledgeGraph.load(_empty(tmp_path), [], store=tmp_path / "store")
    for name, query in catalogue().items():
        values = dict(query.examples[0]) if query.examples else {}
        bindings = bind(query, values)
        a = run_sparql(memory, query.text, bindings)
        b = run_sparql(stored, query.text, bindings)
        assert sorted(map(str, a.rows)) == sorted(map(str, b.rows)), name
        assert len(a.triples) == len(b.triples), name


def test_big_files_are_streamed_and_bulk_loaded_with_the_same_statements(
    small_file, tmp_path, monkeypatch
):
    ordinary = KnowledgeGraph.load(_empty(tmp_path), [small_file], store=tmp_path / "ordinary")
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)  # every file is "big" now
    calls = []
    bulk = type(ordinary.engine).bulk_load

    def spy(self, *args, **kwargs):
        calls.append(args)
        return bulk(self, *args, **kwargs)

    monkeypatch.setattr(type(ordinary.engine), "bulk_load", spy)
    bulk_loaded = KnowledgeGraph.load(_empty(tmp_path), [small_file], store=tmp_path / "bulk")
    assert len(calls) == 1  # a fresh on-disk store: the bulk loader
    streamed = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    assert len(calls) == 2  # a fresh store in memory: the bulk loader too, from the file
    expected = set(ordinary.engine.store)
    assert set(bulk_loaded.engine.store) == expected
    assert set(streamed.engine.store) == expected


def test_validation_gives_the_same_findings_on_the_store(small_file, tmp_path):
    from citygraph.validate import run_shacl

    memory = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    KnowledgeGraph.load(_empty(tmp_path), [small_file], store=tmp_path / "store")
    stored = KnowledgeGraph.load(_empty(tmp_path), [], store=tmp_path / "store")
    a, _ = run_shacl(memory, validator="fast")
    b, _ = run_shacl(stored, validator="fast")
    assert sorted(a) == sorted(b)
    assert not [f for f in a if f.severity == "Violation"]  # no deliberate mistakes asked


def test_the_union_of_an_on_disk_store_keeps_blank_nodes_and_counts(tmp_path):
    """On disk, each source graph is copied into the union by the bulk loader, except a graph
    holding blank nodes, which must stay the same nodes in the union and in their graph."""
    from citygraph.engine import OxigraphEngine

    engine = OxigraphEngine(tmp_path / "store")
    engine.load_data(
        "<http://example.org/a> <http://example.org/p> _:b <http://example.org/g> .\n"
        '_:b <http://example.org/q> "x" <http://example.org/g> .\n'
        "<http://example.org/c> <http://example.org/p> <http://example.org/d> "
        "<http://example.org/h> .\n"
        "<http://example.org/c> <http://example.org/p> <http://example.org/d> "
        "<http://example.org/g2> .\n",
        "nquads",
    )
    join = """SELECT ?x WHERE { <http://example.org/a> <http://example.org/p> ?b .
                                GRAPH <http://example.org/g> { ?b <http://example.org/q> ?x } }"""
    assert engine.select_text(join) == (["x"], [("x",)])
    assert engine.select_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1] == [("3",)]
