"""Every catalogue query against its expected results (queries/expected/<name>.json), worked out
by hand from the sources; the file's "why" says how. Rows are compared as an ordered list
when the query's ORDER BY fixes the order ("ordered"), as sets ("set"), or as "contains" (these
rows at least) where the full answer is too long to list by hand.
"""

from __future__ import annotations

import json

import pytest

from citygraph import resources
from citygraph.query import catalogue, run_named, short

EXPECTED = resources.queries_dir() / "expected"


def _cases():
    for path in sorted(EXPECTED.glob("*.json")):
        for number, case in enumerate(json.loads(path.read_text(encoding="utf-8"))["cases"]):
            marks = (
                [pytest.mark.xfail(reason=case["known_gap"], strict=True)]
                if case.get("known_gap")
                else []
            )
            yield pytest.param(path.stem, case, id=f"{path.stem}-{number}", marks=marks)


def test_every_catalogue_query_has_expected_results():
    assert sorted(catalogue()) == sorted(p.stem for p in EXPECTED.glob("*.json"))


def test_the_catalogue_has_at_least_twenty_queries():
    assert len(catalogue()) >= 20


def _actual(kg, name, case):
    rows = run_named(kg, name, case["params"])
    if rows.kind == "construct":
        return [
            (short(s), short(p), short(o))
            for s, p, o in rows.triples
            if "filter_p" not in case or str(p) == case["filter_p"]
        ]
    index = [rows.vars.index(c) for c in case["columns"]]
    return [tuple(short(row[i]) for i in index) for row in rows]


@pytest.mark.parametrize(("name", "case"), list(_cases()))
def test_catalogue_query_gives_the_hand_worked_rows(kg, name, case):
    actual = _actual(kg, name, case)
    expected = [tuple(r) for r in case["rows"]]
    if case["compare"] == "ordered":
        assert _dedup(actual) == expected
    elif case["compare"] == "set":
        assert set(actual) == set(expected)
    else:
        assert set(expected) <= set(actual)


def _dedup(rows):
    """The ordered rows without repeats: columns left out of the comparison may differ."""
    seen, out = set(), []
    for row in rows:
        if row not in seen:
            seen.add(row)
            out.append(row)
    return out


SLOW_ON_RDFLIB = {"disagreements"}  # four GRAPH patterns: about 12 s on rdflib's memory store


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=[pytest.mark.slow] if n in SLOW_ON_RDFLIB else [])
        for n in sorted(catalogue())
    ],
)
def test_both_engines_agree_on_every_query(kg, kg_rdflib, name):
    query = catalogue()[name]
    for example in query.examples or ({},):
        ox, rd = run_named(kg, name, example), run_named(kg_rdflib, name, example)
        if ox.kind == "construct":
            assert set(ox.triples) == set(rd.triples)
        else:
            assert list(ox) == list(rd)
