"""The persistent store (``--store PATH``): loaded once, reopened without reloading, same answers.

And the path for big files (streamed from disk; bulk-loaded into a fresh store) gives the same
statements as the ordinary one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Literal

from citygraph import graph as graph_module
from citygraph.errors import DataError
from citygraph.graph import KnowledgeGraph, SourceFile
from citygraph.query import bind, catalogue, run_sparql

MEMBERS = "SELECT ?m ?o WHERE { ?m <http://www.w3.org/ns/org#memberOf> ?o }"


@pytest.fixture(scope="module")
def small_file(tmp_path_factory, generator) -> Path:
    path = tmp_path_factory.mktemp("gen") / "xs.nq"
    generator.generate("XS", 1, path, violations=False)
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
    loaded_from = first.files
    del first
    # Reopened with no file at all: nothing is reloaded, everything is there, and the store's
    # manifest still knows the file it came from (to name files and lines in messages).
    again = KnowledgeGraph.load(_empty(tmp_path), [], store=store)
    assert again.files == loaded_from == [SourceFile(small_file, None, str(small_file), True)]
    assert again.stale == []
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


def _counting_merges(monkeypatch) -> list[int]:
    """The number of times the union is made (by this process), as it happens."""
    from citygraph.engine import OxigraphEngine

    made: list[int] = []
    real = OxigraphEngine._merge_into_union

    def spy(self, graph):
        made.append(os.getpid())
        return real(self, graph)

    monkeypatch.setattr(OxigraphEngine, "_merge_into_union", spy)
    return made


COUNT_UNION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_a_bulk_load_in_memory_makes_the_union_when_it_is_first_read(
    small_file, tmp_path, monkeypatch
):
    """A big file bulk-loaded into memory leaves the union to be made: reading the sources'
    graphs (the exports' snapshot, the tables, the counts) does not make it; the first query of
    the default graph does, and gets the same answer as a graph loaded the ordinary way."""
    from citygraph import build, export

    ordinary = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)
    made = _counting_merges(monkeypatch)
    kg = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    assert kg.engine.union_pending and made == []
    assert kg.has_more_than(100)
    assert len(kg) == len(ordinary)
    assert kg.engine.graphs() == ordinary.engine.graphs()
    snapshot = export.Snapshot.of(kg)
    assert snapshot == export.Snapshot.of(ordinary)
    assert export.csv_files(kg) == export.csv_files(ordinary)
    counts = build.summarize(kg, len(snapshot.triples))
    assert counts.classes == build.summarize(ordinary, len(snapshot.triples)).classes
    assert counts.classes  # (cities, networks, memberships...)
    assert made == [] and kg.engine.union_pending  # none of that made the union
    assert kg.select_text(COUNT_UNION) == ordinary.select_text(COUNT_UNION)
    assert made == [os.getpid()] and not kg.engine.union_pending
    assert set(kg.engine.store) == set(ordinary.engine.store)
    assert _rows(kg, MEMBERS) == _rows(ordinary, MEMBERS)
    assert len(made) == 1  # made once


def test_two_threads_asking_at_once_wait_for_one_union(small_file, tmp_path, monkeypatch):
    """The checks ask from two threads: one makes the union, the other waits for it (and does
    not see a half-made one, or make it again)."""
    import threading

    ordinary = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    expected = ordinary.select_text(COUNT_UNION)
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)
    made = _counting_merges(monkeypatch)
    kg = KnowledgeGraph.load(_empty(tmp_path), [small_file])
    start = threading.Barrier(4)
    answers = []

    def ask() -> None:
        start.wait()
        answers.append(kg.select_text(COUNT_UNION))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [expected] * 4
    assert len(made) == 1


def test_a_bulk_loaded_file_with_statements_outside_its_graphs_has_its_union_at_once(
    tmp_path, monkeypatch
):
    """A default-graph statement of the file's own (an N-Quads line without a graph) is part
    of the union: such a file's union is made by the load, with both kinds of statement."""
    from citygraph import export
    from citygraph.engine import OxigraphEngine

    path = tmp_path / "mixed.nq"
    path.write_text(BLANK + '<http://example.org/z> <http://example.org/q> "own" .\n')
    made = _counting_merges(monkeypatch)
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 10)
    kg = KnowledgeGraph.load(_empty(tmp_path), [path])
    engine = kg.engine
    assert not engine.union_pending and len(made) == 1
    assert engine.select_text(COUNT_UNION)[1] == [("4",)]  # 3 in graphs (one twice) + its own
    assert engine.select_text(JOIN) == (["x"], [("x",)])  # a blank node stays one node
    own = '<http://example.org/z> <http://example.org/q> "own" .'
    assert own in export.Snapshot.of(kg).triples  # and the exports have it
    # without one, the union waits, and then holds the same blank node as its graph
    path.write_text(BLANK)
    engine = OxigraphEngine()
    engine.bulk_load(path)
    assert engine.union_pending
    assert engine.select_text(JOIN) == (["x"], [("x",)])
    assert engine.select_text(COUNT_UNION)[1] == [("3",)]


def test_a_query_for_distinct_rows_does_not_wait_for_the_union(tmp_path, monkeypatch):
    """While the union is still to be made, a query whose caller wants each distinct row once
    reads Oxigraph's union of the named graphs, which gives a triple stated by two sources
    twice: the engine keeps one of each. A query whose rows that would change (an aggregate
    over repeated values, a slice) waits for the union instead."""
    from rdflib import BNode, URIRef

    from citygraph.engine import OxigraphEngine

    path = tmp_path / "b.nq"
    path.write_text(BLANK, encoding="utf-8")
    made = _counting_merges(monkeypatch)
    engine = OxigraphEngine()
    engine.bulk_load(path)
    q = "SELECT ?s ?o WHERE { ?s <http://example.org/q> ?o }"
    rows = engine.query(q, distinct_rows=True).rows
    a = URIRef("http://example.org/a")
    assert len(rows) == 2 and (a, Literal("y")) in rows  # stated in two graphs, one row
    assert [type(s) for s, o in rows if o == Literal("x")] == [BNode]
    assert engine.query(JOIN, distinct_rows=True).rows == [(Literal("x"),)]  # one blank node
    assert engine.query("ASK { ?s ?p ?o }", distinct_rows=True).boolean
    assert made == [] and engine.union_pending
    count = engine.query(COUNT_UNION, distinct_rows=True)  # repeated triples would count twice
    assert count.rows == [(Literal(3),)]
    assert made == [os.getpid()] and not engine.union_pending
    assert sorted(engine.query(q, distinct_rows=True).rows) == sorted(rows)  # from the union


def test_a_store_for_a_build_alone_is_loaded_without_the_union(small_file, tmp_path, monkeypatch):
    """A large build's temporary store leaves the union out (half the statements to write).
    Its manifest says so, it is reopened that way, its checks find what a full store's find,
    and a query that needs the union says what is wrong instead of reading an empty graph."""
    import json

    from citygraph.errors import DataError
    from citygraph.store import MANIFEST
    from citygraph.validate import run_shacl

    full = KnowledgeGraph.load(_empty(tmp_path), [small_file], store=tmp_path / "full")
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)  # bulk-loaded, as at L
    store = tmp_path / "build"
    kg = KnowledgeGraph.load(_empty(tmp_path), [small_file], store=store, union=False)
    assert json.loads((store / MANIFEST).read_text())["union"] is False
    assert json.loads((tmp_path / "full" / MANIFEST).read_text())["union"] is True
    for graph in (kg, KnowledgeGraph.load(_empty(tmp_path), [small_file], store=store)):
        assert graph.engine.union_pending and graph.engine.read_only
        assert len(graph) == len(full)
        assert sorted(run_shacl(graph, validator="fast")[0]) == sorted(
            run_shacl(full, validator="fast")[0]
        )
        assert graph.validate().findings == full.validate().findings
        with pytest.raises(DataError) as error:
            graph.select_text(COUNT_UNION)
        assert str(error.value) == (
            f"{store}: this store was loaded without the union of its sources (for a build's "
            "checks and exports only), so it cannot answer a query of the default graph\n"
            "  hint: load the files into a store of their own with --store PATH"
        )
    graph.close()
    # the default graph's own statements would be taken for a union's: that store has one
    mixed = tmp_path / "mixed.nq"
    mixed.write_text(BLANK + '<http://example.org/z> <http://example.org/q> "own" .\n')
    kg = KnowledgeGraph.load(_empty(tmp_path), [mixed], store=tmp_path / "mixed", union=False)
    assert not kg.engine.union_pending
    assert kg.select_text(COUNT_UNION)[1] == [("4",)]
    assert json.loads((tmp_path / "mixed" / MANIFEST).read_text())["union"] is True


@pytest.mark.parametrize(
    ("sparql", "safe"),
    [
        ("SELECT DISTINCT ?focus WHERE { ?focus a ?c FILTER NOT EXISTS { ?focus ?p ?o } }", True),
        ("SELECT ?f WHERE { ?f ?p ?v } GROUP BY ?f HAVING (COUNT(DISTINCT ?v) > 1)", True),
        ("SELECT ?f WHERE { ?f ?p ?v } GROUP BY ?f HAVING (count( distinct ?v) > 1)", True),
        ("SELECT (MIN(?v) AS ?m) (MAX(?v) AS ?n) WHERE { ?f ?p ?v }", True),
        ("SELECT ?s WHERE { ?s ?p ?o MINUS { ?s a ?c } }", True),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", False),
        ("SELECT (count(?s) AS ?n) WHERE { ?s ?p ?o }", False),
        ("SELECT (SUM(?v) AS ?n) WHERE { ?s ?p ?v }", False),
        ("SELECT (AVG(?v) AS ?n) WHERE { ?s ?p ?v }", False),
        ("SELECT (GROUP_CONCAT(?v) AS ?n) WHERE { ?s ?p ?v }", False),
        ("SELECT ?s WHERE { ?s ?p ?o } LIMIT 10", False),
        ("SELECT ?s WHERE { ?s ?p ?o } OFFSET 10", False),
        ("SELECT (SAMPLE(?o) AS ?x) WHERE { ?s ?p ?o }", False),
    ],
)
def test_which_queries_give_the_same_distinct_rows_on_repeated_triples(sparql, safe):
    from citygraph.engine import _set_safe

    assert _set_safe(sparql) is safe


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


BLANK = (
    "<http://example.org/a> <http://example.org/p> _:b <http://example.org/g> .\n"
    '_:b <http://example.org/q> "x" <http://example.org/g> .\n'
    '<http://example.org/a> <http://example.org/q> "y" <http://example.org/h> .\n'
    '<http://example.org/a> <http://example.org/q> "y" <http://example.org/g> .\n'
)
JOIN = """SELECT ?x WHERE { <http://example.org/a> <http://example.org/p> ?b .
                            GRAPH <http://example.org/g> { ?b <http://example.org/q> ?x } }"""


def test_the_bulk_loaded_union_on_disk_keeps_blank_nodes_and_merges_repeated_triples(tmp_path):
    """On disk a big file goes in in one pass, each statement into its graph and the union: a
    blank node is the same node in both, and a triple stated by two sources is one triple."""
    from citygraph.engine import OxigraphEngine

    (tmp_path / "b.nq").write_text(BLANK, encoding="utf-8")
    engine = OxigraphEngine(tmp_path / "store")
    engine.bulk_load(tmp_path / "b.nq")
    assert engine.select_text(JOIN) == (["x"], [("x",)])
    assert engine.select_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1] == [("3",)]
    assert len(engine) == 4
    # a triple format goes into the graph it is given
    (tmp_path / "t.ttl").write_text('<http://example.org/c> <http://example.org/p> "z" .\n')
    engine.bulk_load(tmp_path / "t.ttl", graph="http://example.org/t")
    named = "SELECT ?o WHERE { GRAPH <http://example.org/t> { ?s ?p ?o } }"
    assert engine.select_text(named)[1] == [("z",)]
    assert ("z",) in engine.select_text("SELECT ?o WHERE { ?s ?p ?o }")[1]


def test_a_failed_load_leaves_no_store_behind(tmp_path, monkeypatch):
    """Broken Turtle in the second file: the error names file, line and column; nothing is left
    at the store's path (nor a staging folder), so the next run loads again, rather than
    reopening a half-loaded store as if it were complete."""
    data = _empty(tmp_path)
    (data / "a.ttl").write_text('<http://example.org/a> <http://example.org/p> "1" .\n')
    (data / "b.ttl").write_text('<http://example.org/b> <http://example.org/p> "2" "3" .\n')
    store = tmp_path / "store"
    with pytest.raises(DataError) as caught:
        KnowledgeGraph.load(data, [], store=store)
    assert str(caught.value).startswith("no-data/b.ttl:1:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-data"]
    # and an interrupted load (Ctrl-C) leaves nothing either
    (data / "b.ttl").write_text('<http://example.org/b> <http://example.org/p> "2" .\n')

    def interrupted(self, files):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(KnowledgeGraph, "add_files", interrupted)
        with pytest.raises(KeyboardInterrupt):
            KnowledgeGraph.load(data, [], store=store)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-data"]
    kg = KnowledgeGraph.load(data, [], store=store)
    assert len(kg) == 2
    assert (store / "citygraph-store.json").is_file()


def test_a_folder_citygraph_did_not_load_is_refused(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "000001.log").write_text("")
    with pytest.raises(DataError) as caught:
        KnowledgeGraph.load(_empty(tmp_path), [], store=store)
    assert str(caught.value) == (
        f"{store}: not a store that citygraph loaded completely (it has no "
        "citygraph-store.json: an earlier version or another program made it)\n"
        f"  hint: delete {store} and run the command again to load the data into it, "
        "or give --store a new path"
    )


def test_a_reopened_store_says_which_files_it_does_not_hold(tmp_path):
    import os

    data = _empty(tmp_path)
    (data / "a.ttl").write_text('<http://example.org/a> <http://example.org/p> "1" .\n')
    extra = tmp_path / "x.nt"
    extra.write_text('<http://example.org/x> <http://example.org/p> "1" .\n')
    store = tmp_path / "store"
    KnowledgeGraph.load(data, [extra], store=store).close()
    # touched, not changed (a checkout, a copy): the same content, nothing to say
    os.utime(extra, ns=(1, 1))
    os.utime(data / "a.ttl", ns=(1, 1))
    kg = KnowledgeGraph.load(data, [extra], store=store)
    assert kg.stale == []
    kg.close()  # one process opens a store once at a time (RocksDB's lock)
    other = tmp_path / "y.nt"
    other.write_text('<http://example.org/y> <http://example.org/p> "1" .\n')
    extra.write_text('<http://example.org/x> <http://example.org/p> "2" .\n')
    (data / "a.ttl").write_text('<http://example.org/a> <http://example.org/p> "2" .\n')
    kg = KnowledgeGraph.load(data, [extra, other], store=store)
    assert kg.stale == [
        ("no-data/a.ttl", "changed"),
        (str(extra), "changed"),
        (str(other), "missing"),
    ]
    assert _rows(kg, "SELECT ?o WHERE { ?s ?p ?o }") == {(Literal("1"),)}  # as it was loaded
    kg.close()
    # without --data, a store is opened with the data it holds: only extra files are compared
    kg = KnowledgeGraph.load(None, [extra], store=store)
    assert kg.stale == [(str(extra), "changed")]


def test_the_command_warns_when_the_store_lacks_a_file_asked_for(tmp_path, capsys):
    from citygraph.cli import main

    data = _empty(tmp_path)
    extra = tmp_path / "x.nt"
    extra.write_text('<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "1" .\n')
    store = tmp_path / "store"
    argv = ["query", "--sparql", "SELECT ?l WHERE { ?s ?p ?l }", "-f", "csv", "--data", str(data)]
    assert main([*argv, "--with", str(extra), "--store", str(store)]) == 0
    assert capsys.readouterr() == ("l\r\n1\r\n", "")
    extra.write_text('<http://example.org/x> <http://www.w3.org/2000/01/rdf-schema#label> "2" .\n')
    other = tmp_path / "y.nt"
    other.write_text("")
    assert main([*argv, "--with", str(extra), "--with", str(other), "--store", str(store)]) == 0
    out, err = capsys.readouterr()
    assert out == "l\r\n1\r\n"  # the store as it was loaded
    assert err == (
        f"warning: the store {store} is used as it was loaded: 1 file(s) changed since it was "
        f"loaded ({extra}); 1 file(s) are not in it ({other}). Delete {store} to load them.\n"
    )


def test_a_loaded_store_is_read_while_another_program_holds_it(small_file, tmp_path):
    """A loaded store is opened read-only (commands never write to it): it takes no lock, so a
    query runs while `oxigraph serve --location PATH` or another command holds the store."""
    import pyoxigraph as ox

    store = tmp_path / "store"
    KnowledgeGraph.load(_empty(tmp_path), [small_file], store=store).close()
    holder = ox.Store(str(store))  # holds RocksDB's lock, as a server would
    kg = KnowledgeGraph.load(_empty(tmp_path), [], store=store)
    assert len(_rows(kg, MEMBERS)) == 300
    del holder


def test_a_full_disk_during_the_load_is_a_clear_error_and_leaves_nothing(
    small_file, tmp_path, monkeypatch
):
    from citygraph.engine import OxigraphEngine

    def full(self):
        raise OSError("IO error: No space left on device")

    monkeypatch.setattr(OxigraphEngine, "optimize", full)
    store = tmp_path / "store"
    with pytest.raises(DataError) as caught:
        KnowledgeGraph.load(_empty(tmp_path), [small_file], store=store)
    assert str(caught.value) == (
        f"{store}: loading the store failed (IO error: No space left on device); nothing was "
        "kept\n  hint: check the free disk space and the permissions, then run again"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-data"]


def test_at_a_terminal_the_first_load_of_a_store_is_announced(tmp_path, capsys, monkeypatch):
    """Loading millions of statements takes minutes: at a terminal the command says so, once;
    scripts (standard error not a terminal) see nothing."""
    import sys

    from citygraph.cli import main

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    store = tmp_path / "store"
    argv = ["query", "--sparql", "ASK { ?s ?p ?o }", "--data", str(_empty(tmp_path))]
    assert main([*argv, "--store", str(store)]) == 0
    assert capsys.readouterr().err == (
        f"loading the data into the store {store} (once: later commands reopen it)\n"
    )
    assert main([*argv, "--store", str(store)]) == 0
    assert capsys.readouterr().err == ""


def test_analysis_facts_are_kept_beside_the_store_for_the_next_command(
    small_file, tmp_path, capsys, monkeypatch
):
    """The first `analyze` on a store reads the facts with SPARQL and keeps them in the store's
    folder; the next one loads them back, reads nothing, and prints the same table."""
    from citygraph.analysis import facts as facts_module
    from citygraph.cli import main

    store = tmp_path / "store"
    args = ["--data", str(_empty(tmp_path)), "--with", str(small_file), "--store", str(store)]
    assert main(["analyze", "summary", "--format", "csv", *args]) == 0
    first = capsys.readouterr().out
    assert (store / "citygraph-facts.pickle").is_file()
    assert "memberships,300" in first

    def no_reading(kg):
        raise AssertionError("the facts were read again")

    monkeypatch.setattr(facts_module, "read_facts", no_reading)
    assert main(["analyze", "summary", "--format", "csv", *args]) == 0
    assert capsys.readouterr().out == first
    assert main(["analyze", "centrality", "--top", "3", "--format", "csv", *args]) == 0
    assert capsys.readouterr().out.count("\n") == 4
    # without a store, the graph is read as before (the patched reader is called)
    assert main(["analyze", "summary", "--data", str(_empty(tmp_path)), "--with", str(small_file)])
    assert "the facts were read again" in capsys.readouterr().err


def test_what_is_kept_beside_a_store_is_derived_again_when_it_cannot_be_trusted(
    tmp_path, monkeypatch
):
    """A file made from another manifest, for another shape, or damaged is derived again (and
    replaced); a folder that cannot be written to only costs the next command the same work."""
    from citygraph import store as store_module

    folder = tmp_path / "store"
    folder.mkdir()
    (folder / store_module.MANIFEST).write_text('{"files": []}', encoding="utf-8")
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value

        return run

    assert store_module.derived(folder, "x", "shape 1", compute("a")) == "a"
    assert store_module.derived(folder, "x", "shape 1", compute("b")) == "a"  # kept
    assert store_module.derived(folder, "x", "shape 2", compute("c")) == "c"  # another shape
    (folder / store_module.MANIFEST).write_text('{"files": [1]}', encoding="utf-8")
    assert store_module.derived(folder, "x", "shape 2", compute("d")) == "d"  # another load
    (folder / "citygraph-x.pickle").write_bytes(b"\x80\x05not a pickle")
    assert store_module.derived(folder, "x", "shape 2", compute("e")) == "e"  # damaged
    assert store_module.derived(folder, "x", "shape 2", compute("f")) == "e"  # and replaced
    assert calls == ["a", "c", "d", "e"]
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    (folder / "citygraph-x.pickle").unlink()
    monkeypatch.setattr(store_module.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store_module.derived(folder, "x", "shape 2", compute("h"))
    assert sorted(p.name for p in folder.iterdir()) == [
        store_module.MANIFEST
    ]  # nothing half-written
    monkeypatch.undo()
    monkeypatch.setattr(store_module.tempfile, "mkstemp", refused)
    assert store_module.derived(folder, "x", "shape 2", compute("g")) == "g"
    assert not (folder / "citygraph-x.pickle").exists()
    assert calls == ["a", "c", "d", "e", "h", "g"]


def test_a_load_removes_what_a_killed_load_left_beside_the_store(tmp_path):
    """A load killed with SIGKILL leaves its staging folder (the half-loaded store) beside
    the store's path: the next load there removes it."""
    import subprocess
    import sys

    from citygraph.atomic import scratch_folder

    data = _empty(tmp_path)
    (data / "a.ttl").write_text('<http://example.org/a> <http://example.org/p> "1" .\n')
    store = tmp_path / "store"
    script = (
        "import os, signal, sys\nfrom pathlib import Path\n"
        "from citygraph.graph import KnowledgeGraph\n"
        "KnowledgeGraph.add_files = lambda *_: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"KnowledgeGraph.load(Path({str(data)!r}), [], store=Path({str(store)!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert done.returncode == -9, done.stderr
    (left,) = [p for p in tmp_path.iterdir() if p.name.startswith(".store.loading-")]
    running = scratch_folder(tmp_path, ".store.loading-")  # a load still running: kept
    assert len(KnowledgeGraph.load(data, [], store=store)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["no-data", "store", running.name])
    assert not left.exists()
