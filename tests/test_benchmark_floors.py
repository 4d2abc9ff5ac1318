"""The floors of the wide catalogue queries (benchmarks/run.py FLOORS): each names a catalogue
query and only its parameters, and times on a graph."""

from __future__ import annotations

import re

import pytest

from citygraph.query import bind, catalogue


@pytest.fixture(scope="module")
def run(benchmark_script):
    return benchmark_script("run")


def test_each_floor_is_a_catalogue_query_with_its_own_parameters(run):
    queries = catalogue()
    assert set(run.FLOORS) <= set(queries)
    for name, text in run.FLOORS.items():
        params = {p.name for p in queries[name].params}
        assert set(re.findall(r"\$(\w+)", text)) <= params, name


def test_floors_time_on_the_shipped_graph(run, kg):
    queries = catalogue()
    for name in run.FLOORS:
        query = queries[name]
        bindings = bind(query, dict(query.examples[0]) if query.examples else {})
        seconds = run.floor_seconds(kg, name, bindings, runs=1)
        assert seconds is not None and seconds > 0, name
    assert run.floor_seconds(kg, "founders", {}, runs=1) is None  # a lookup: no floor


def test_a_floor_reads_the_rows_its_query_is_made_of(run, kg):
    # members of Eurocities: the floor reads each membership of the network, which is at least
    # as many rows as the members the query lists
    query = catalogue()["members-of-network"]
    bindings = bind(query, {"network": "eurocities"})
    floor_rows = kg.engine.query(run.floor_text("members-of-network", bindings)).rows
    members = {row[0] for row in kg.engine.query(query.text, bindings).rows}
    assert members and len(floor_rows) >= len(members)
    assert members <= {row[1] for row in floor_rows}


def _record(stack: str, step: str, seconds: float | None) -> dict:
    return {"stack": stack, "step": step, "seconds": seconds, "peak_mb": 1.0, "note": ""}


def test_the_comparison_says_when_the_plain_stack_was_not_run(run):
    # At L the plain stack is not run: its build is "not run", not "at least 0.0 ms" (0.0x).
    only_ours = [_record("citygraph", "build (whole process: load, validate, every export)", 912)]
    assert run.comparison(only_ours)[-1] == (
        "| **build** (citygraph: the whole `citygraph build`, every format) | not run at this "
        "size | 912.00 s | — |"
    )
    both = only_ours + [
        _record("plain", "load (rdflib)", 300.0),
        _record("citygraph", "load (Oxigraph, memory)", 10.0),
    ]
    assert run.comparison(both)[-1].endswith("| at least 300.00 s | 912.00 s | at least 0.3x |")
