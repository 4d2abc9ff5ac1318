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


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_quality_query_finds_nothing_in_shipped_data(request, engine, path):
    # on both engines: a query that uses what one store has and SPARQL does not (a cast to
    # xsd:gYear) flagged every date of the shipped data on rdflib
    kg = request.getfixturevalue("kg" if engine == "oxigraph" else "kg_rdflib")
    result = kg.sparql(path.read_text(encoding="utf-8"))
    assert result.rows == [], [dict(zip(result.vars, r, strict=True)) for r in result.rows][:5]


_DATES = {  # text, datatype -> valid?
    ("1974", "gYear"): True,
    ("0974", "gYear"): True,
    ("-0044", "gYear"): True,
    ("12345", "gYear"): True,
    ("1974Z", "gYear"): True,
    ("19x7", "gYear"): False,
    ("974", "gYear"): False,
    ("1991-11", "gYearMonth"): True,
    ("1991-11+01:00", "gYearMonth"): True,
    ("1991-13", "gYearMonth"): False,
    ("1991-1", "gYearMonth"): False,
    ("1997-02-14", "date"): True,
    ("2000-02-29", "date"): True,
    ("1997-02-14Z", "date"): True,
    ("-0044-03-15", "date"): True,
    ("1997-02-30", "date"): False,
    ("1997-04-31", "date"): False,
    ("1900-02-29", "date"): False,
    ("1997-2-14", "date"): False,
    ("1997-02-14T10:00:00", "dateTime"): True,
    ("1997-02-30T10:00:00", "dateTime"): False,
}


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_dates_that_do_not_exist_are_caught_the_same_on_both_engines(engine):
    xsd = "http://www.w3.org/2001/XMLSchema#"
    entity = "https://w3id.org/citygraph/id/e{}"
    text = "".join(
        f'<{entity.format(i)}> <https://schema.org/foundingDate> "{value}"^^<{xsd}{kind}> .\n'
        for i, (value, kind) in enumerate(_DATES)
    )
    kg = _graph_of(engine, {"https://w3id.org/citygraph/graph/t": text})
    found = {(r["entity"], r["message"]) for r in _rows(kg, "invalid-date-violation")}
    expected = {
        (
            entity.format(i),
            f'"{value}" is not a valid xsd:{kind}: write an existing date at the precision the '
            "source gives (1997-02-14, 1991-11 or 1974)",
        )
        for i, ((value, kind), valid) in enumerate(_DATES.items())
        if not valid
    }
    assert found == expected


def _graph_of(engine: str, files: dict[str, str]):
    """A graph of N-Triples texts, each in its own named graph (the key)."""
    from citygraph.engine import make_engine
    from citygraph.graph import KnowledgeGraph

    kg = KnowledgeGraph(make_engine(engine))
    for graph, text in files.items():
        kg.engine.load_data(text, "ntriples", graph)
    return kg


def _rows(kg, stem: str) -> list[dict[str, str | None]]:
    """The quality query's rows, each term as its text (None where unbound)."""
    query = next(q for q in QUERIES if q.stem == stem)
    result = kg.sparql(query.read_text(encoding="utf-8"))
    return [
        {k: None if v is None else str(v) for k, v in zip(result.vars, r, strict=True)}
        for r in result.rows
    ]


def test_missing_inverse_is_caught():
    import citygraph

    kg = _graph_of(
        "oxigraph",
        {
            "https://w3id.org/citygraph/graph/t": (
                "<https://w3id.org/citygraph/id/lyon> <http://www.w3.org/ns/org#memberOf> "
                "<https://w3id.org/citygraph/id/eurocities> ."
            )
        },
    )
    messages = sorted(str(r["message"]) for r in _rows(kg, "missing-inverse-violation"))
    assert any("not the inverse http://www.w3.org/ns/org#hasMember" in m for m in messages)
    assert any("without an org:Membership node" in m for m in messages)
    assert citygraph.__version__


ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
# The pairs of classes no IRI may have together, as the query has always listed them: the
# finding names the second one as the value, and the graph of the first.
INCOMPATIBLE = [
    (f"{SCHEMA}City", f"{ORG}FormalOrganization"),
    (f"{SCHEMA}City", f"{ORG}OrganizationalCollaboration"),
    (f"{SCHEMA}City", f"{ORG}OrganizationalUnit"),
    (f"{SCHEMA}City", f"{ORG}Membership"),
    (f"{SCHEMA}City", "http://www.w3.org/2004/02/skos/core#Concept"),
    (f"{ORG}FormalOrganization", f"{ORG}OrganizationalCollaboration"),
    (f"{ORG}FormalOrganization", f"{ORG}OrganizationalUnit"),
    (f"{ORG}OrganizationalCollaboration", f"{ORG}OrganizationalUnit"),
    (f"{ORG}Membership", f"{ORG}FormalOrganization"),
    (f"{ORG}Membership", f"{ORG}OrganizationalCollaboration"),
    (f"{ORG}Membership", f"{ORG}OrganizationalUnit"),
    (f"{ORG}ChangeEvent", f"{ORG}FormalOrganization"),
    (f"{ORG}ChangeEvent", f"{SCHEMA}City"),
    ("http://www.w3.org/2006/time#Instant", "http://www.w3.org/2006/time#Interval"),
    ("http://purl.org/dc/terms/BibliographicResource", f"{ORG}FormalOrganization"),
    ("http://purl.org/dc/terms/BibliographicResource", f"{SCHEMA}City"),
    (f"{SCHEMA}QuantitativeValue", f"{ORG}FormalOrganization"),
    (f"{SCHEMA}QuantitativeValue", f"{SCHEMA}City"),
]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_every_pair_of_incompatible_classes_is_caught_once_with_its_graphs(engine):
    # One entity per pair, typed with the first class in graph a and the second in graph b,
    # plus a city and a network that are only what they are.
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    entity = "https://w3id.org/citygraph/id/e{}"
    a = "".join(
        f"<{entity.format(i)}> {rdf_type} <{c1}> .\n" for i, (c1, _) in enumerate(INCOMPATIBLE)
    )
    b = "".join(
        f"<{entity.format(i)}> {rdf_type} <{c2}> .\n" for i, (_, c2) in enumerate(INCOMPATIBLE)
    )
    a += f"<https://w3id.org/citygraph/id/lyon> {rdf_type} <{SCHEMA}City> .\n"
    b += f"<https://w3id.org/citygraph/id/net> {rdf_type} <{ORG}FormalOrganization> .\n"
    graph_a, graph_b = "https://w3id.org/citygraph/graph/a", "https://w3id.org/citygraph/graph/b"
    kg = _graph_of(engine, {graph_a: a, graph_b: b})
    found = sorted(
        (r["entity"], r["value"], r["graph"]) for r in _rows(kg, "incompatible-classes-violation")
    )
    expected = sorted((entity.format(i), c2, graph_a) for i, (_, c2) in enumerate(INCOMPATIBLE))
    assert found == expected
    message = next(
        r["message"]
        for r in _rows(kg, "incompatible-classes-violation")
        if r["entity"] == entity.format(13)
    )
    assert message == (
        f"typed http://www.w3.org/2006/time#Instant in {graph_a} and "
        f"http://www.w3.org/2006/time#Interval in {graph_b}: one IRI cannot be both; "
        "give one of them another IRI"
    )


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_graphs_and_cited_sources_without_a_description_are_caught(engine):
    # Graph a describes its source; graph b does not, and cites a source nobody describes; an
    # empty file's graph needs no description (rdflib lists such a graph, Oxigraph does not).
    dcterms = "http://purl.org/dc/terms/"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    source = "https://w3id.org/citygraph/id/source/{}"
    graph = "https://w3id.org/citygraph/graph/{}"
    described = (
        f"<{source.format('a')}> {rdf_type} <{dcterms}BibliographicResource> .\n"
        f'<{source.format("a")}> <{dcterms}title> "A" .\n'
    )
    city = "<https://w3id.org/citygraph/id/lyon>"
    kg = _graph_of(
        engine,
        {
            graph.format("a"): described + f"{city} <{dcterms}source> <{source.format('a')}> .\n",
            graph.format("b"): f"{city} <{dcterms}source> <{source.format('elsewhere')}> .\n",
            graph.format("empty"): "",  # a file with no statement: nothing to describe
        },
    )
    rows = _rows(kg, "undescribed-source-violation")
    assert sorted((r["entity"], r["graph"] or "") for r in rows) == [
        (source.format("b"), graph.format("b")),
        (source.format("elsewhere"), ""),  # a cited source has no graph of its own
    ]
    assert next(r["graph"] for r in rows if r["entity"] == source.format("elsewhere")) is None


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_each_relation_stated_in_one_direction_is_caught_once(engine):
    # Each of the six standard properties stated without its inverse; a membership node whose
    # member states org:memberOf but the network lacks org:hasMember; and complete pairs of
    # each property (memberOf with its membership node), which nothing may flag.
    def iri(name: str) -> str:
        return f"<https://w3id.org/citygraph/id/{name}>"

    inverses = {
        "memberOf": "hasMember",
        "hasMember": "memberOf",
        "subOrganizationOf": "hasSubOrganization",
        "hasSubOrganization": "subOrganizationOf",
        "unitOf": "hasUnit",
        "hasUnit": "unitOf",
    }
    text = "".join(f"{iri(f'a-{p}')} <{ORG}{p}> {iri(f'b-{p}')} .\n" for p in inverses)
    # complete pairs, which nothing may flag (memberOf and hasMember: lyon and net, below)
    for prop in list(inverses)[2:]:
        text += f"{iri(f'c-{prop}')} <{ORG}{prop}> {iri(f'd-{prop}')} .\n"
        text += f"{iri(f'd-{prop}')} <{ORG}{inverses[prop]}> {iri(f'c-{prop}')} .\n"
    # lyon is a member of net, with a membership node: complete. nice's node lacks hasMember.
    for city, complete in (("lyon", True), ("nice", False)):
        text += (
            f"{iri(city)} <{ORG}memberOf> {iri('net')} .\n"
            f"{iri(f'm-{city}')} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
            f"<{ORG}Membership> .\n"
            f"{iri(f'm-{city}')} <{ORG}member> {iri(city)} .\n"
            f"{iri(f'm-{city}')} <{ORG}organization> {iri('net')} .\n"
        )
        if complete:
            text += f"{iri('net')} <{ORG}hasMember> {iri(city)} .\n"
    kg = _graph_of(engine, {"https://w3id.org/citygraph/graph/t": text})
    found = sorted(
        (r["entity"], r["property"], r["value"]) for r in _rows(kg, "missing-inverse-violation")
    )
    name = "https://w3id.org/citygraph/id/{}".format
    # each one-way statement; a-memberOf twice, as it also has no membership node (a second
    # finding, with its own message); nice's statement, and its membership node
    expected = [(name(f"a-{p}"), f"{ORG}{p}", name(f"b-{p}")) for p in inverses]
    expected += [
        (name("a-memberOf"), f"{ORG}memberOf", name("b-memberOf")),
        (name("m-nice"), f"{ORG}organization", name("net")),
        (name("nice"), f"{ORG}memberOf", name("net")),
    ]
    assert found == sorted(expected)
    messages = {r["entity"]: r["message"] for r in _rows(kg, "missing-inverse-violation")}
    assert messages[name("a-unitOf")] == (
        f"states {ORG}unitOf {name('b-unitOf')} but not the inverse {ORG}hasUnit: "
        "assert both directions"
    )
    assert messages[name("m-nice")] == (
        f"membership node without {name('nice')} org:memberOf {name('net')} and its inverse "
        "org:hasMember: assert both"
    )
