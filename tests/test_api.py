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
    assert frame["networks"].tolist() == [15, 3, 3, 2]


def test_to_dataframe_without_pandas_says_what_to_install(kg, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(UsageError, match="needs pandas"):
        kg.query("wikidata-links").to_dataframe()
