"""The ODK-style quality queries: none returns a row on the shipped data, each catches its fault."""

from __future__ import annotations

import pytest

from citygraph.validate import quality_queries

QUERIES = quality_queries()


def test_there_are_quality_queries():
    assert {q.stem for q in QUERIES} >= {
        "dangling-link-violation",
        "incompatible-classes-violation",
        "invalid-date-violation",
        "missing-inverse-violation",
        "missing-label-violation",
        "missing-source-violation",
        "undescribed-source-violation",
    }


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_quality_query_finds_nothing_in_shipped_data(kg, path):
    result = kg.sparql(path.read_text(encoding="utf-8"))
    assert result.rows == [], [dict(zip(result.vars, r, strict=True)) for r in result.rows][:5]


def test_missing_inverse_is_caught():
    import citygraph
    from citygraph.engine import OxigraphEngine
    from citygraph.graph import KnowledgeGraph

    kg = KnowledgeGraph(OxigraphEngine())
    kg.engine.load_data(
        "<https://w3id.org/citygraph/id/lyon> <http://www.w3.org/ns/org#memberOf> "
        "<https://w3id.org/citygraph/id/eurocities> .",
        "ntriples",
        "https://w3id.org/citygraph/graph/t",
    )
    query = next(q for q in QUERIES if q.stem == "missing-inverse-violation")
    rows = kg.sparql(query.read_text(encoding="utf-8")).rows
    messages = sorted(str(r[-1]) for r in rows)
    assert any("not the inverse http://www.w3.org/ns/org#hasMember" in m for m in messages)
    assert any("without an org:Membership node" in m for m in messages)
    assert citygraph.__version__
