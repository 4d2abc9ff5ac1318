"""The synthetic data generator (benchmarks/generate.py): deterministic, the sizes it promises,
conforming to our shapes and quality queries except for its documented deliberate violations."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "cg_generate", ROOT / "benchmarks" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict[str, Path]:
    """S generated once per module: with violations (N-Quads, TriG, Turtle) and without."""
    folder = tmp_path_factory.mktemp("generated")
    files = {
        "nq": folder / "s.nq",
        "trig": folder / "s.trig",
        "ttl": folder / "s.ttl",
        "clean": folder / "clean.nq",
    }
    for key, path in files.items():
        gen.generate("S", 1, path, violations=key != "clean")
    return files


def _store(path: Path) -> ox.Store:
    store = ox.Store()
    fmt = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE}
    store.load(path=str(path), format=fmt[path.suffix])
    return store


def _count(store: ox.Store, where: str) -> int:
    query = (
        "PREFIX org: <http://www.w3.org/ns/org#> PREFIX schema: <https://schema.org/> "
        "PREFIX cg: <https://w3id.org/citygraph/ontology#> "
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"
    )
    return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)


def test_same_seed_same_bytes_other_seed_other_bytes(small, tmp_path):
    again = tmp_path / "again.nq"
    gen.generate("S", 1, again)
    assert again.read_bytes() == small["nq"].read_bytes()
    other = tmp_path / "other.nq"
    gen.generate("S", 2, other)
    assert other.read_bytes() != small["nq"].read_bytes()
    trig_again = tmp_path / "again.trig"
    gen.generate("S", 1, trig_again)
    assert trig_again.read_bytes() == small["trig"].read_bytes()


def test_sizes_are_the_ones_promised(small):
    # S = 1,000 cities, 50 networks (organizations of any kind, charters included),
    # 5,000 memberships; each membership is stated three ways (docs/model.md).
    store = _store(small["clean"])
    assert _count(store, "?x a cg:City") == 1000
    assert (
        _count(store, "?x a schema:Organization FILTER NOT EXISTS { ?x a cg:InternalUnit }") == 50
    )
    assert _count(store, "?x a org:Membership") == 5000
    assert _count(store, "?c org:memberOf ?o BIND(CONCAT(STR(?c), STR(?o)) AS ?x)") == 5000
    assert _count(store, "?o org:hasMember ?c BIND(CONCAT(STR(?c), STR(?o)) AS ?x)") == 5000
    assert _count(store, "?x a org:ChangeEvent") >= 2
    assert _count(store, "?x cg:sectionOf ?p") >= 2
    assert _count(store, "?x a cg:InternalUnit") >= 10
    assert _count(store, "?x a cg:ReportedSize") >= 40
    # Dated memberships at the three precisions, and roles beyond plain membership.
    for prop in ("inXSDgYear", "inXSDgYearMonth", "inXSDDate"):
        assert _count(store, f"?x <http://www.w3.org/2006/time#{prop}> ?d") > 50
    for role in ("member", "founding-member", "party", "observer"):
        assert _count(store, f"?x org:role <https://w3id.org/citygraph/id/role/{role}>") > 0
    sidecar = json.loads(gen.sidecar_path(small["clean"]).read_text())
    assert sidecar["counts"]["memberships"] == 5000
    assert sidecar["violations"] == []


def test_one_named_graph_per_source_in_every_quad_format(small):
    nq, trig = _store(small["nq"]), _store(small["trig"])
    assert set(nq) == set(trig)  # no blank nodes, so equal quad sets mean the same dataset
    graphs = sorted(g.value for g in nq.named_graphs())
    assert graphs[0] == "https://w3id.org/citygraph/graph/synthetic-reference"
    assert len(graphs) == gen.SIZES["S"].sources
    union = {(q.subject, q.predicate, q.object) for q in nq}
    turtle = _store(small["ttl"])
    assert {(q.subject, q.predicate, q.object) for q in turtle} == union


def _kg(path: Path):
    from citygraph.graph import KnowledgeGraph

    return KnowledgeGraph.load(extra=[path], include_data=False)


def _expected(path: Path, check: str) -> set[tuple[str, str | None]]:
    sidecar = json.loads(gen.sidecar_path(path).read_text())
    return {
        (f["focus"], f["path"])
        for v in sidecar["violations"]
        for f in v["findings"]
        if (f["check"] == "shacl") == (check == "shacl")
    }


def test_quality_queries_find_exactly_the_deliberate_violations(small):
    from citygraph.validate import run_quality_queries

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # the ill-typed date is on purpose
    found = {(f.focus, f.path) for f in run_quality_queries(_kg(small["nq"]))}
    # Four mistakes, three of which a quality query sees: the dangling seat (dangling link),
    # the city whose org:memberOf has no membership node left (the node lost org:organization)
    # and 1997-02-30. The country "XX" is well-formed RDF: only the shapes catch it.
    assert found == _expected(small["nq"], "qc")
    assert len(found) == 3
    assert run_quality_queries(_kg(small["clean"])) == []


def _shacl_violations_match_the_sidecar(path: Path) -> list:
    from citygraph.validate import run_shacl

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    findings, _ = run_shacl(_kg(path), validator="pyshacl")
    violations = [f for f in findings if f.severity == "Violation"]
    assert {(f.focus, f.path) for f in violations} == _expected(path, "shacl")
    sidecar = json.loads(gen.sidecar_path(path).read_text())
    expected_shapes = {
        f["shape"] for v in sidecar["violations"] for f in v["findings"] if f["shape"]
    }
    assert {f.shape for f in violations} == expected_shapes
    return findings


def test_shapes_find_exactly_the_deliberate_violations_extra_small(tmp_path):
    # The same four mistakes, placed the same way, in the XS graph (pyshacl: about 5 s).
    path = tmp_path / "xs.nq"
    gen.generate("XS", 1, path)
    _shacl_violations_match_the_sidecar(path)


@pytest.mark.slow
def test_shapes_find_exactly_the_deliberate_violations(small):
    # pyshacl (the reference validator) on S: 20 to 160 s depending on the machine's load.
    from citygraph.validate import run_shacl

    reference = _shacl_violations_match_the_sidecar(small["nq"])
    # The compiled validator gives the same results on S (differential test of fastshacl).
    fast, _ = run_shacl(_kg(small["nq"]), validator="fast")

    def keys(findings: list) -> set:
        return {(f.focus, f.path, f.shape, f.severity, f.value) for f in findings}

    assert keys(fast) == keys(reference)
    clean, _ = run_shacl(_kg(small["clean"]), validator="fast")
    assert [f for f in clean if f.severity == "Violation"] == []


def test_cli_refuses_an_unknown_suffix(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        gen.main(["--size", "S", "-o", str(tmp_path / "out.xyz")])
    assert exit_.value.code == 2
    assert "unknown suffix; use .nq, .trig, .nt or .ttl" in capsys.readouterr().err
