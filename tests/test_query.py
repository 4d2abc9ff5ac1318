"""The query command and its bad input: names, parameters, syntax errors, updates, injections,
and the output formats."""

from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from citygraph.cli import main
from citygraph.errors import QueryError, UsageError
from citygraph.query import bind, catalogue, get, query_form, run_named, run_text, to_term


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- catalogue and listing -------------------------------------------------------------------


def test_queries_json_lists_names_titles_and_typed_parameters(capsys):
    code, out, _ = _run(capsys, "queries", "--format", "json")
    listing = {q["name"]: q for q in json.loads(out)}
    assert code == 0
    assert listing["networks-of-city"]["title"] == "Networks of a city"
    assert listing["networks-of-city"]["parameters"][0] == {
        "name": "city",
        "type": "slug",
        "required": True,
        "default": None,
        "description": "the city's slug, e.g. marseille",
    }
    assert listing["actors-in-networks"]["parameters"][0]["default"] == "2"


def test_queries_table(capsys):
    code, out, _ = _run(capsys, "queries")
    assert code == 0
    assert "networks-of-city  city=slug date=date?\n    Networks of a city:" in out


# --- bad input --------------------------------------------------------------------------------


def test_unknown_name_lists_the_closest(capsys):
    code, _, err = _run(capsys, "query", "networks-of-cty")
    assert code == 2
    assert err.splitlines()[0] == (
        "citygraph query: unknown query 'networks-of-cty'; did you mean networks-of-city, "
        "networks-by-theme, networks-by-scope?"
    )


def test_missing_parameter_names_it_and_its_type(capsys):
    code, _, err = _run(capsys, "query", "networks-of-city")
    assert code == 2
    assert err == (
        "citygraph query: query 'networks-of-city' needs parameter 'city' (slug: a "
        "lowercase slug such as marseille or amf/bureau)\n"
        "  hint: give --param city=VALUE\n"
    )


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            "date=2004-13",
            "parameter 'date' expects date: a date YYYY, YYYY-MM or YYYY-MM-DD; got '2004-13'",
        ),
        (
            "date=2015-02-30",
            "parameter 'date' expects date: a date YYYY, YYYY-MM or YYYY-MM-DD; got '2015-02-30', "
            "a day that does not exist",
        ),
        (
            "city=Marseille",
            "parameter 'city' expects slug: a lowercase slug such as marseille or "
            "amf/bureau; got 'Marseille'",
        ),
        (
            "town=marseille",
            "query 'networks-of-city' has no parameter 'town'; its parameters: "
            "city (slug), date (date)",
        ),
    ],
)
def test_mistyped_parameter_names_it_and_its_type(capsys, param, message):
    city = [] if param.startswith("city=") else ["--param", "city=marseille"]
    code, out, err = _run(capsys, "query", "networks-of-city", *city, "--param", param)
    assert (code, out, err) == (2, "", f"citygraph query: {message}\n")


def test_integer_parameter(capsys):
    code, _, err = _run(capsys, "query", "actors-in-networks", "--param", "min=two")
    assert code == 2
    assert (
        err == "citygraph query: parameter 'min' expects integer: a whole number such as 2; "
        "got 'two'\n"
    )


def test_syntax_error_gives_line_column_and_text(capsys):
    code, _, err = _run(
        capsys, "query", "--sparql", "SELECT ?x WHERE {\n  ?x rdfs:label ?l .\n  FILTER(?l = \n}"
    )
    # the prefixes line citygraph adds for rdfs: is not counted: line 4 is the user's line 4
    assert code == 1
    assert err.startswith(
        "citygraph query: --sparql: SPARQL syntax error at the end of the query (line 4, column "
    )
    assert err.endswith("(it ends: '}')\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "where", "ends"),
    [
        # pyoxigraph notices the missing object at the end of the text (line 4 is the empty last
        # line)
        ("SELECT ?x WHERE {\n  ?x ?y\n}\n", "line 4, column 1", "}"),
        # a one-line query: it was said to be at line 2, near the start of line 1
        ("SELECT ?x WHERE { ?x ?y }\n", "line 2, column 1", "SELECT ?x WHERE { ?x ?y }"),
    ],
)
def test_syntax_error_in_a_file_names_the_file_and_where_its_text_ends(
    tmp_path, capsys, text, where, ends
):
    bad = tmp_path / "bad.rq"
    bad.write_text(text, encoding="utf-8")
    code, _, err = _run(capsys, "query", "--file", str(bad))
    assert code == 1
    assert err == (
        f"citygraph query: {bad}: SPARQL syntax error at the end of the query ({where}): "
        f"expected OPTIONAL (it ends: {ends!r})\n"
    )


def test_a_prefix_not_declared_is_named(capsys):
    # (the engine listed every character a name may hold)
    code, _, err = _run(capsys, "query", "--sparql", "SELECT ?x WHERE { ?x nope:y ?z }")
    assert code == 1
    assert err == (
        "citygraph query: --sparql: SPARQL syntax error at line 1, column 28: the prefix nope: is "
        "not declared; add PREFIX nope: <its namespace IRI> (in: 'SELECT ?x WHERE { ?x nope:y ?z "
        "}')\n"
    )


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("INSERT DATA { <x:a> <x:b> <x:c> }", "INSERT"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("DROP ALL", "DROP"),
        ("LOAD <http://evil/x.ttl>", "LOAD"),
        ("CLEAR DEFAULT", "CLEAR"),
        ("SELECT * WHERE { ?s ?p ?o } ;\nDROP ALL", "DROP"),
    ],
)
def test_updates_are_refused(kg, capsys, text, word):
    before = len(kg)
    code, out, err = _run(capsys, "query", "--sparql", text)
    assert (code, out) == (1, "")
    assert err.startswith(f"citygraph query: refused: {word} at line ")
    assert "makes this a SPARQL update" in err
    with pytest.raises(QueryError, match="refused"):
        run_text(kg, text)
    assert len(kg) == before


def test_update_words_inside_strings_and_names_are_not_updates():
    assert query_form('SELECT ?drop WHERE { ?s <x:DELETE> "INSERT DATA" } # DROP ALL') == "SELECT"


# --- parameters are bound, never pasted -------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    ['x" } ; DROP ALL ; #', "<http://evil>", "a\n} DROP ALL {", "x' } UNION { ?s ?p ?o } #"],
)
def test_injection_in_a_literal_parameter_is_only_data(kg, hostile):
    # search-by-name looks for the text in names: a hostile text is just a text no name contains
    before = len(kg)
    assert list(run_named(kg, "search-by-name", {"text": hostile})) == []
    assert len(kg) == before


@pytest.mark.parametrize("hostile", ["marseille> } ; DROP ALL ; #", "<http://evil>", "a\nb"])
def test_injection_in_an_iri_parameter_is_a_type_error(kg, hostile):
    with pytest.raises(UsageError, match="^parameter 'city' expects slug"):
        run_named(kg, "networks-of-city", {"city": hostile})
    with pytest.raises(UsageError, match="^parameter 'property' expects iri"):
        run_named(kg, "sources-of-entity", {"entity": "eurocities", "property": hostile})


def test_the_query_text_is_not_changed_by_binding(kg):
    query = get("search-by-name")
    text = query.text
    bind(query, {"text": 'x" } ; DROP ALL ; #'})
    assert query.text == text == get("search-by-name").text


def test_terms_by_type():
    q = get("networks-of-city")
    date = q.param("date")
    assert to_term(date, "1997") == Literal("1997", datatype=XSD.gYear)
    assert to_term(date, "1997-02") == Literal("1997-02", datatype=XSD.gYearMonth)
    assert to_term(date, "1997-02-14") == Literal("1997-02-14", datatype=XSD.date)
    assert to_term(q.param("city"), "amf/bureau") == URIRef(
        "https://w3id.org/citygraph/id/amf/bureau"
    )
    text = get("search-by-name").param("text")
    assert to_term(text, "Marseille@fr") == Literal("Marseille", lang="fr")
    assert to_term(text, "UCLG") == Literal("UCLG")


# --- formats ----------------------------------------------------------------------------------


def test_csv(capsys):
    code, out, _ = _run(capsys, "query", "networks-seated-in", "-p", "city=marseille", "-f", "csv")
    # facts.md IPGR: its seat is 18 rue de Pontevès, Marseille; no other organization sits there
    assert (code, out) == (0, "org,orgLabel\r\nhttps://w3id.org/citygraph/id/ipgr,IPGR\r\n")


def test_tsv(capsys):
    code, out, _ = _run(capsys, "query", "networks-seated-in", "-p", "city=marseille", "-f", "tsv")
    assert (code, out) == (0, '?org\t?orgLabel\n<https://w3id.org/citygraph/id/ipgr>\t"IPGR"@en\n')


def test_json_is_sparql_results_json(capsys):
    code, out, _ = _run(capsys, "query", "networks-seated-in", "-p", "city=marseille", "-f", "json")
    assert code == 0
    assert json.loads(out) == {
        "head": {"vars": ["org", "orgLabel"]},
        "results": {
            "bindings": [
                {
                    "org": {"type": "uri", "value": "https://w3id.org/citygraph/id/ipgr"},
                    "orgLabel": {"type": "literal", "value": "IPGR", "xml:lang": "en"},
                }
            ]
        },
    }


def test_table_shows_labels_for_iris(capsys):
    code, out, _ = _run(capsys, "query", "networks-seated-in", "-p", "city=marseille")
    assert (code, out) == (0, "org\n----\nIPGR\n(1 row)\n")


def test_turtle_for_construct(capsys):
    from rdflib import Graph

    code, out, _ = _run(capsys, "query", "charter-graph", "-f", "turtle")
    assert code == 0
    graph = Graph().parse(data=out, format="turtle")
    charter = URIRef("https://w3id.org/citygraph/id/charter-lyon-marseille")
    # the page: signed on 14 February 1997
    assert (
        charter,
        URIRef("https://schema.org/foundingDate"),
        Literal("1997-02-14", datatype=XSD.date),
    ) in graph


@pytest.mark.parametrize("command", [["query", "wikidata-links"], ["push"]])
def test_a_timeout_that_is_not_a_wait_is_a_usage_error(capsys, command):
    with pytest.raises(SystemExit) as stopped:
        main([*command, "--endpoint", "http://localhost:1", "--timeout", "-1"])
    assert stopped.value.code == 2
    assert (
        capsys.readouterr()
        .err.rstrip()
        .endswith("error: argument --timeout: '-1' is not a number of seconds above 0")
    )


def test_turtle_for_select_is_a_usage_error(capsys):
    code, _, err = _run(capsys, "query", "wikidata-links", "-f", "turtle")
    assert code == 2
    assert "--format turtle is for CONSTRUCT and DESCRIBE queries" in err


def test_ask(capsys):
    code, out, _ = _run(
        capsys, "query", "--sparql", "ASK { id:marseille org:memberOf id:medcites }", "-f", "json"
    )
    assert (code, json.loads(out)) == (0, {"head": {}, "boolean": True})


def test_exactly_one_query_source(capsys):
    code, _, err = _run(capsys, "query", "wikidata-links", "--sparql", "ASK {}")
    assert code == 2
    assert "give exactly one of NAME, --file Q.rq or --sparql TEXT" in err


def test_every_catalogue_query_orders_its_rows():
    for query in catalogue().values():
        if "CONSTRUCT" not in query.text:
            assert "ORDER BY" in query.text, query.name


def test_result_terms_are_the_terms_rdflib_builds():
    """The converter builds strings without rdflib's constructor (engine._string_literal): the
    terms must be equal to, hash like and carry the same value as the constructor's."""
    import pyoxigraph as ox

    from citygraph.engine import _FAST_STRINGS, _MemoConverter, to_rdflib

    assert _FAST_STRINGS  # with the rdflib this project pins, the fast path is taken
    convert = _MemoConverter()
    terms = [
        ox.NamedNode("https://w3id.org/citygraph/id/marseille"),
        ox.Literal("Marseille"),
        ox.Literal("Cités unies", language="fr"),
        ox.Literal("1913", datatype=ox.NamedNode(str(XSD.gYear))),
        ox.Literal("12", datatype=ox.NamedNode(str(XSD.integer))),
        ox.BlankNode("b0"),
        None,
    ]
    for term in terms:
        fast, slow = convert(term), to_rdflib(term)
        assert (fast, type(fast)) == (slow, type(slow))
        assert hash(fast) == hash(slow)
        if isinstance(slow, Literal):
            assert (fast.value, fast.language, fast.datatype) == (
                slow.value,
                slow.language,
                slow.datatype,
            )


# --- parameters written in as constants ---------------------------------------------------------


def test_parameters_are_written_in_with_the_column_kept():
    from citygraph.query import write_in

    text = (
        "SELECT DISTINCT ?x ?t WHERE { ?x rdfs:label ?l FILTER(CONTAINS(?l, ?t)) }\n"
        "GROUP BY ?x ?t HAVING (COUNT(?l) >= ?t) ORDER BY ?x"
    )
    assert write_in(text, {"t": Literal("Cit")}) == (
        'SELECT DISTINCT ?x ("Cit" AS ?t) WHERE { ?x rdfs:label ?l FILTER(CONTAINS(?l, "Cit")) }\n'
        'GROUP BY ?x ("Cit") HAVING (COUNT(?l) >= ("Cit")) ORDER BY ?x'
    )
    # a variable whose name starts like the parameter's, a string, an IRI and a comment are kept
    kept = 'SELECT ?tx WHERE { ?tx <http://x/?t> "?t" } # ?t'
    assert write_in(kept, {"t": Literal("v")}) == kept


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?x WHERE { ?x ?p ?v MINUS { ?x ?p ?v } }",  # MINUS: a constant shares nothing
        "SELECT ?x ?v WHERE { { SELECT ?x WHERE { ?x ?p ?v } } }",  # the subquery's ?v is its own
        "SELECT ?x WHERE { ?x ?p ?o FILTER(BOUND(?v)) }",
        "SELECT * WHERE { ?x ?p ?v }",
        "SELECT ?x ?v WHERE { ?x ?p ?o BIND(?o AS ?v) }",
        "SELECT ?x ?v WHERE { VALUES ?v { 1 2 } ?x ?p ?v }",
        "CONSTRUCT { ?x ?p ?v } WHERE { ?x ?p ?v }",
    ],
)
def test_parameters_stay_bindings_where_writing_in_could_change_the_meaning(text):
    from citygraph.query import write_in

    assert write_in(text, {"v": Literal(1)}) is None


def test_parameters_can_be_written_into_sub_selects_when_the_header_says_everywhere():
    from citygraph.query import write_in

    text = (
        "SELECT ?x ?v WHERE {\n"
        "  { SELECT ?x ?v (COUNT(?o) AS ?n) WHERE { ?x ?p ?o FILTER(?o > ?v) } GROUP BY ?x ?v }\n"
        "  ?x ?q ?v\n"
        "} ORDER BY ?v ?x"
    )
    assert write_in(text, {"v": Literal(1)}) is None  # the sub-SELECT's ?v is its own
    assert write_in(text, {"v": Literal(1)}, sub_selects=True) == (
        'SELECT ?x ("1"^^<http://www.w3.org/2001/XMLSchema#integer> AS ?v) WHERE {\n'
        '  { SELECT ?x ("1"^^<http://www.w3.org/2001/XMLSchema#integer> AS ?v) (COUNT(?o) AS ?n) '
        'WHERE { ?x ?p ?o FILTER(?o > "1"^^<http://www.w3.org/2001/XMLSchema#integer>) } '
        'GROUP BY ?x ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) }\n'
        '  ?x ?q "1"^^<http://www.w3.org/2001/XMLSchema#integer>\n'
        '} ORDER BY ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) ?x'
    )


def test_the_timeline_reads_only_the_dates_of_the_span_in_its_sub_select():
    from citygraph.query import get, prepared

    query = get("timeline")
    text, left = prepared(query, bind(query, {"from": "2004", "to": "2005"}))
    assert left == {}
    sub_select = text[text.index("SELECT ?instant") : text.index("VALUES ?bound")]
    assert sub_select.count('"2004"^^<http://www.w3.org/2001/XMLSchema#gYear>') == 2
    assert sub_select.count('"2005"^^<http://www.w3.org/2001/XMLSchema#gYear>') == 2
    assert "STR(?from)" not in text and "STR(?to)" not in text  # written in everywhere


@pytest.mark.parametrize(
    "value",
    ['x" } ; DROP ALL ; #', "a\n} DROP ALL {", 'a"""b', "back\\slash\\", 'a\nb"', "tab\t\r", ""],
)
def test_a_written_in_string_is_the_same_string(kg, value):
    from citygraph.query import write_in

    text = write_in("SELECT ?t WHERE { }", {"t": Literal(value)})
    assert kg.engine.query(text).rows == [(Literal(value),)]


def test_an_iri_that_cannot_be_written_is_refused():
    from citygraph.query import write_in

    with pytest.raises(UsageError, match="cannot hold spaces"):
        write_in("SELECT ?x WHERE { ?x ?p ?o }", {"x": URIRef("http://x/a> } DROP ALL {")})


def test_every_catalogue_query_gives_the_same_rows_written_in_and_bound(kg):
    from citygraph.query import catalogue, prepared, run_sparql

    written = 0
    for query in catalogue().values():
        for example in query.examples:
            bindings = bind(query, example)
            text, left = prepared(query, bindings)
            written += not left
            assert run_sparql(kg, text, left).rows == run_sparql(kg, query.text, bindings).rows
    assert written >= 25  # most examples run with their values written in


def test_the_header_can_keep_parameters_as_bindings(tmp_path):
    from citygraph.query import parse_header, prepared

    header = "# title: t\n# description: d\n# param: city slug (required) -- c\n"
    body = "SELECT ?city WHERE { ?city ?p ?o }\n"
    bound = parse_header(tmp_path / "q.rq", header + "# parameters: bindings\n" + body)
    bindings = {"city": URIRef("https://w3id.org/citygraph/id/lyon")}
    assert prepared(bound, bindings) == (bound.text, bindings)
    written = parse_header(tmp_path / "q.rq", header + body)
    assert prepared(written, bindings)[1] == {}
    message = r"^q\.rq:4: '# parameters: bound' is none of constants, everywhere, bindings$"
    with pytest.raises(QueryError, match=message):
        parse_header(tmp_path / "q.rq", header + "# parameters: bound\n" + body)


def test_a_parameter_given_twice_with_two_values_is_refused(capsys):
    # (the last value silently won)
    code, out, err = _run(
        capsys, "query", "networks-of-city", "-p", "city=marseille", "-p", "city=lyon"
    )
    assert code == 2 and out == ""
    assert err == (
        "citygraph query: --param city is given twice ('marseille' and 'lyon'): a parameter "
        "takes one value\n  hint: run the query once per value\n"
    )


def test_a_refused_update_is_placed_on_the_users_line(capsys):
    # (the prefixes citygraph declares for an ad-hoc query are one added line: it said line 2)
    code, _, err = _run(capsys, "query", "--sparql", "INSERT DATA { id:a id:b id:c }")
    assert code == 1
    assert err.startswith("citygraph query: refused: INSERT at line 1, column 1 makes this ")
