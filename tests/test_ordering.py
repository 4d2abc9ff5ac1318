"""The final ORDER BY applied in Python (ordering.py): which clauses are taken over, the order
it gives (SPARQL's, section 15.1), and that every catalogue query keeps its rows, in an order
its ORDER BY allows (the store against memory: test_store.py; Oxigraph against rdflib:
test_query_catalogue.py)."""

from __future__ import annotations

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from citygraph.engine import OxigraphEngine
from citygraph.ordering import Condition, sort_rows, split_order, term_key
from citygraph.query import bind, catalogue

EX = "http://example.org/"


def test_split_takes_the_final_clause_and_its_conditions():
    body, conditions = split_order(
        'SELECT * WHERE { ?a ?b ?c }\nORDER BY DESC(?n) ?a STR(?d) COALESCE(STR(?e), "")'
        " asc(COALESCE(?f, -1))\n"
    )
    assert body == "SELECT * WHERE { ?a ?b ?c }\n"
    assert conditions == [
        Condition("n", descending=True),
        Condition("a"),
        Condition("d", text=True),
        Condition("e", text=True, default=Literal("")),
        Condition("f", default=Literal(-1)),
    ]


@pytest.mark.parametrize(
    "sparql",
    [
        "SELECT * WHERE { ?a ?b ?c }",  # no ORDER BY
        "SELECT * WHERE { ?a ?b ?c } ORDER BY ?a LIMIT 10",  # the slice needs the order first
        "SELECT * WHERE { ?a ?b ?c } ORDER BY ?a OFFSET 2",
        "SELECT * WHERE { ?a ?b ?c } ORDER BY LCASE(?a)",  # an expression left to the engine
        "SELECT * WHERE { ?a ?b ?c } ORDER BY (?a + 1)",
        "SELECT * WHERE { { SELECT ?a WHERE { ?a ?b ?c } ORDER BY ?a } }",  # in a subquery
        "SELECT * WHERE { ?a ?b ?c } ORDER BY",
    ],
)
def test_split_leaves_other_queries_to_the_engine(sparql):
    assert split_order(sparql) is None


def test_terms_follow_sparql_order():
    terms = [
        Literal("b"),
        Literal(10),
        URIRef(EX + "b"),
        None,
        Literal(9),
        BNode("x"),
        URIRef(EX + "a"),
        Literal("a"),
        Literal("9.5", datatype=XSD.decimal),
    ]
    ordered = sorted(terms, key=term_key)
    assert ordered == [
        None,
        BNode("x"),
        URIRef(EX + "a"),
        URIRef(EX + "b"),
        Literal("a"),
        Literal("b"),
        Literal(9),
        Literal("9.5", datatype=XSD.decimal),
        Literal(10),  # numbers by value, not by text ("10" < "9")
    ]


def test_dates_of_every_precision_by_their_text():
    dates = [
        Literal("2010", datatype=XSD.gYear),
        Literal("2009-05-01", datatype=XSD.date),
        Literal("2009", datatype=XSD.gYear),
        Literal("2009-05", datatype=XSD.gYearMonth),
    ]
    assert [str(d) for d in sorted(dates, key=term_key)] == [
        "2009",
        "2009-05",
        "2009-05-01",
        "2010",
    ]


def test_rows_sorted_by_the_conditions_then_by_their_columns():
    a, b = URIRef(EX + "a"), URIRef(EX + "b")
    rows = [
        (b, Literal(1), Literal("z")),
        (a, Literal(1), Literal("y")),
        (a, Literal(3), Literal("x")),
        (a, Literal(1), Literal("w")),  # the same as the second on every condition
    ]
    ordered = sort_rows(["s", "n", "t"], rows, [Condition("n", descending=True), Condition("s")])
    assert ordered == [rows[2], rows[3], rows[1], rows[0]]
    # the same rows in another order give the same output
    assert sort_rows(["s", "n", "t"], rows[::-1], [Condition("n", descending=True)]) == [
        rows[2],
        rows[3],
        rows[1],
        rows[0],
    ]


def test_ties_are_ordered_by_the_columns_whatever_the_directions():
    # many rows tying on the conditions, in several groups: the same order as sorting every row
    # by its columns first, then by each condition (stable, the last condition first)
    import random

    pick = random.Random(7)
    terms = [URIRef(EX + "a"), URIRef(EX + "b"), Literal(1), Literal("x"), Literal("x", lang="en")]
    rows = [tuple(pick.choice([*terms, None]) for _ in range(4)) for _ in range(300)]
    for conditions in (
        [Condition("p")],
        [Condition("q"), Condition("p")],
        [Condition("q", descending=True), Condition("p")],
        [Condition("p"), Condition("r", descending=True)],
    ):
        expected = sorted(rows, key=lambda row: tuple(term_key(t) for t in row))
        for c in reversed(conditions):
            column = "pqrs".index(c.var)
            expected.sort(key=lambda row, i=column: term_key(row[i]), reverse=c.descending)
        assert sort_rows(list("pqrs"), rows, conditions) == expected
        assert sort_rows(list("pqrs"), rows[::-1], conditions) == expected


def test_str_and_coalesce_conditions():
    rows = [(Literal("2001", datatype=XSD.gYear),), (None,), (BNode("b"),), (URIRef(EX + "a"),)]
    # STR(): an IRI and a literal by their text; unbound and a blank node (STR fails) first
    by_text = sort_rows(["v"], rows, [Condition("v", text=True)])
    assert by_text[2:] == [rows[0], rows[3]]  # "2001" < "http://..."
    # COALESCE(STR(?v), "zzz"): what STR cannot give takes the constant's place
    last = sort_rows(["v"], rows, [Condition("v", text=True, default=Literal("zzz"))])
    assert last[:2] == [rows[0], rows[3]]
    assert set(last[2:]) == {rows[1], rows[2]}


def test_a_condition_on_a_variable_that_is_not_a_column_is_left_to_the_engine():
    assert sort_rows(["a"], [(Literal(1),)], [Condition("b")]) is None


def _engine_with(turtle: str) -> OxigraphEngine:
    engine = OxigraphEngine()
    engine.load_data(turtle, "turtle", EX + "graph")
    return engine


def test_engine_orders_by_a_variable_it_does_not_return():
    engine = _engine_with(f"<{EX}a> <{EX}rank> 3 . <{EX}b> <{EX}rank> 1 . <{EX}c> <{EX}rank> 20 .")
    result = engine.query(f"SELECT ?x WHERE {{ ?x <{EX}rank> ?r }} ORDER BY DESC(?r)")
    assert [str(r[0]) for r in result.rows] == [EX + "c", EX + "a", EX + "b"]


def test_engine_orders_numbers_by_value_and_keeps_limit_with_the_engine():
    engine = _engine_with(f"<{EX}a> <{EX}rank> 3 . <{EX}b> <{EX}rank> 10 . <{EX}c> <{EX}rank> 20 .")
    result = engine.query(f"SELECT ?x ?r WHERE {{ ?x <{EX}rank> ?r }} ORDER BY ?r")
    assert [int(r[1]) for r in result.rows] == [3, 10, 20]
    limited = engine.query(f"SELECT ?x ?r WHERE {{ ?x <{EX}rank> ?r }} ORDER BY DESC(?r) LIMIT 1")
    assert [int(r[1]) for r in limited.rows] == [20]


def _conforms(rows, variables, conditions):
    """Each row is not after the next one on the conditions: compared the way SPARQL compares
    terms of one kind (IRIs, strings and STR() texts by code point, numbers by value)."""
    index = {name: i for i, name in enumerate(variables)}

    def key(row):
        out = []
        for c in conditions:
            term = row[index[c.var]]
            if c.text:
                value = "" if term is None or isinstance(term, BNode) else str(term)
                value = str(c.default) if c.default is not None and value == "" else value
                out.append((value,))
            else:
                if term is None and c.default is not None:
                    term = c.default
                out.append(term_key(term))
        return out

    for row, following in zip(rows, rows[1:], strict=False):
        for c, a, b in zip(conditions, key(row), key(following), strict=True):
            if a != b:
                assert (a > b) if c.descending else (a < b), (row, following)
                break


@pytest.mark.parametrize("name", sorted(n for n, q in catalogue().items() if split_order(q.text)))
def test_catalogue_query_rows_and_order_as_the_engine_gives_them(kg, name):
    query = catalogue()[name]
    for example in query.examples or ({},):
        bindings = bind(query, example)
        ours = kg.engine.query(query.text, bindings)
        theirs = kg.engine._query(query.text, bindings)  # with Oxigraph's own ORDER BY
        assert sorted(map(repr, ours.rows)) == sorted(map(repr, theirs.rows))
        _conforms(ours.rows, ours.vars, split_order(query.text)[1])
