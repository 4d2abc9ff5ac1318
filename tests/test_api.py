"""The Python API: citygraph.load(), kg.query(name, **params), rows with named fields."""

from __future__ import annotations

import pytest

import citygraph
from citygraph.errors import UsageError


def test_named_query_rows_have_named_fields(kg):
    rows = kg.query("networks-of-city", city="marseille")
    assert rows.vars == ["network", "networkLabel", "role", "begin", "end"]
    # the page: Marseille is a party to the Lyon-Marseille charter signed on 14 February 1997
    charter = [r for r in rows if r.network.endswith("/charter-lyon-marseille")]
    assert [(str(r.role), str(r.begin)) for r in charter] == [
        ("https://w3id.org/citygraph/id/role/party", "1997-02-14")
    ]


def test_python_values_as_parameters(kg):
    import datetime

    rows = kg.query("networks-of-city", city="marseille", date=datetime.date(1997, 1, 1))
    # as of 1 January 1997 the Lyon-Marseille charter (14 February 1997) is not yet signed
    assert not any(r.network.endswith("/charter-lyon-marseille") for r in rows)
    assert [r.actor.rsplit("/", 1)[1] for r in kg.query("actors-in-networks", min=5)] == [
        "marseille"
    ]


def test_api_errors_are_the_cli_errors(kg):
    with pytest.raises(UsageError, match="needs parameter 'city'"):
        kg.query("networks-of-city")


def test_adhoc_sparql_with_the_same_rows():
    from citygraph.query import sparql

    kg = citygraph.load()
    rows = sparql(kg, "SELECT ?same WHERE { id:lyon owl:sameAs ?same } ORDER BY ?same")
    # facts.md: Lyon is Wikidata Q456 and GeoNames 2996944
    assert rows.vars == ["same"]
    assert [str(r.same) for r in rows] == [
        "http://www.wikidata.org/entity/Q456",
        "https://sws.geonames.org/2996944/",
    ]


def test_to_dataframe(kg):
    pd = pytest.importorskip("pandas")
    frame = kg.query("actors-in-networks", min=2).to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["actor", "actorLabel", "networks"]
    # hand-worked in queries/expected/actors-in-networks.json
    assert frame["networks"].tolist() == [15, 3, 3, 2, 2]


def test_to_dataframe_without_pandas_says_what_to_install(kg, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError, match="needs pandas"):
        kg.query("wikidata-links").to_dataframe()


def test_select_text_gives_the_same_rows_on_both_engines(kg, kg_rdflib):
    """Rows as plain text: IRIs, lexical forms (a comma, a quote or a line break inside a value
    survives), None where a variable is unbound."""
    from citygraph.engine import OxigraphEngine

    query = """SELECT ?entity ?description ?nothing WHERE {
      ?entity <http://purl.org/dc/terms/description> ?description
      OPTIONAL { ?entity <http://example.org/no-such-property> ?nothing }
    }"""
    names, rows = kg.select_text(query)
    assert names == ["entity", "description", "nothing"]
    assert sorted(rows) == sorted(kg_rdflib.select_text(query)[1])
    assert all(row[2] is None for row in rows)
    marseille = "https://w3id.org/citygraph/id/marseille"
    assert any(e == marseille and ", " in d and d.endswith("Banque mondiale.") for e, d, _ in rows)

    engine = OxigraphEngine()
    line = r'<http://example.org/a> <http://example.org/p> "he said \"yes\", then\nleft" .'
    engine.load_data(line, "ntriples", "http://example.org/g")
    assert engine.select_text("SELECT ?o WHERE { ?s ?p ?o }") == (
        ["o"],
        [('he said "yes", then\nleft',)],
    )


def test_select_text_raw_rows_are_lists_with_empty_text_where_unbound(kg, kg_rdflib):
    query = """SELECT ?entity ?nothing WHERE {
      ?entity <http://purl.org/dc/terms/description> ?description
      OPTIONAL { ?entity <http://example.org/no-such-property> ?nothing }
    }"""
    names, rows = kg.select_text(query, raw=True)
    assert names == ["entity", "nothing"]
    assert rows and all(isinstance(row, list) and row[1] == "" for row in rows)
    assert sorted(rows) == sorted(kg_rdflib.select_text(query, raw=True)[1])
    assert sorted(tuple(row[0] for row in rows)) == sorted(e for e, _ in kg.select_text(query)[1])


def test_an_ask_or_a_construct_is_as_true_as_its_answer(kg):
    # (Rows of an ASK or a CONSTRUCT are an empty list: bool() said False whatever the answer)
    import citygraph

    yes = citygraph.sparql(kg, "ASK { <https://w3id.org/citygraph/id/marseille> ?p ?o }")
    no = citygraph.sparql(kg, "ASK { <https://w3id.org/citygraph/id/nowhere> ?p ?o }")
    assert (bool(yes), yes.boolean, bool(no), no.boolean) == (True, True, False, False)
    graph = kg.query("charter-graph")
    assert graph.kind == "construct" and bool(graph) and len(graph.triples) == 16
    with pytest.raises(UsageError, match=r"an ASK query answers True or False \(its \.boolean\)"):
        yes.to_dataframe()


def test_a_construct_to_dataframe_gives_its_triples(kg):
    pytest.importorskip("pandas")
    frame = kg.query("charter-graph").to_dataframe()
    assert list(frame.columns) == ["subject", "predicate", "object"]
    assert len(frame) == 16
    assert (
        "https://w3id.org/citygraph/id/charter-lyon-marseille",
        "http://www.w3.org/ns/org#hasMember",
        "https://w3id.org/citygraph/id/lyon",
    ) in set(frame.itertuples(index=False, name=None))
