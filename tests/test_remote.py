"""Remote stores: push with the Graph Store Protocol to a real Oxigraph server, then every catalogue
query must give the same rows there as locally; a store that is down, slow or failing gets one line.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from citygraph.cli import main
from citygraph.errors import QueryError
from citygraph.query import bind, catalogue, rows_of, run_sparql
from citygraph.remote import (
    GraphStore,
    SparqlEndpoint,
    endpoint_urls,
    inline_values,
    push,
)

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A real `oxigraph serve` on a free loopback port, with the shipped data pushed to it."""
    # installed beside this interpreter (the README runs the tests as .venv/bin/python, with
    # .venv/bin not on the PATH), or anywhere on the PATH
    beside = Path(sys.executable).parent / "oxigraph"
    binary = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if binary is None:
        pytest.skip("the oxigraph server (PyPI package 'oxigraph', test extra) is not installed")
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "serve",
            "--location",
            str(tmp_path_factory.mktemp("store")),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("oxigraph serve did not start within 10 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def pushed(server, kg):
    summary = push(kg, GraphStore(endpoint_urls(server)[1]))
    return server, summary


_SOURCE_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def test_push_uploads_one_named_graph_per_source_and_their_union_as_the_default(pushed, kg):
    server, summary = pushed
    assert summary.graphs == len(kg.engine.graphs())
    endpoint = SparqlEndpoint(endpoint_urls(server)[0], default_graph="server")
    assert endpoint.graphs() == kg.engine.graphs()  # one named graph per source, no other
    # the default graph: the sources' union, each triple once, as it is locally
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(endpoint.sparql(count).rows[0][0]) == int(kg.sparql(count).rows[0][0])
    assert int(kg.sparql(count).rows[0][0]) == summary.union
    assert endpoint.holds_the_union()


def test_push_twice_replaces_rather_than_duplicates(pushed, kg):
    # PUT replaces each graph: a second push leaves the store holding exactly the same quads
    server, _ = pushed
    push(kg, GraphStore(endpoint_urls(server)[1]))
    endpoint = SparqlEndpoint(endpoint_urls(server)[0], default_graph="server")
    assert int(endpoint.sparql(_SOURCE_QUADS).rows[0][0]) == len(kg)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a org:FormalOrganization }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { ?s a org:FormalOrganization } ORDER BY ?s",
    ],
)
def test_the_remote_default_graph_holds_each_triple_once(pushed, kg, query):
    # (each source graph sent as a default-graph-uri: Oxigraph's server combined them without
    # removing the triples several sources state, 134 organizations for 30)
    from citygraph.query import with_prefixes

    server, _ = pushed
    text, _ = with_prefixes(query)
    remote = SparqlEndpoint(endpoint_urls(server)[0]).sparql(text)
    assert remote.rows == kg.sparql(text).rows


class _Quiet(BaseHTTPRequestHandler):
    """A fake store's handler that logs nothing (the tests' output stays the tests')."""

    def log_message(self, *args):
        pass


class _Answers(_Quiet):
    """A store whose default graph does not hold the union: records each query's form."""

    forms: list[dict] = []

    def do_POST(self):  # noqa: N802
        import urllib.parse

        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        form = urllib.parse.parse_qs(body)
        type(self).forms.append(form)
        query = form["query"][0]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        if query.startswith("ASK"):
            self.wfile.write(b'{"head": {}, "boolean": false}')
        elif "GRAPH ?g { }" in query:
            g = '{"g": {"type": "uri", "value": "https://w3id.org/citygraph/graph/%s"}}'
            rows = ", ".join(g % slug for slug in ("a", "b"))
            self.wfile.write(b'{"head": {"vars": ["g"]}, "results": {"bindings": [')
            self.wfile.write(rows.encode() + b"]}}")
        else:
            self.wfile.write(b'{"head": {"vars": ["n"]}, "results": {"bindings": []}}')


@pytest.mark.parametrize("fake_server", [_Answers], indirect=True)
def test_a_store_loaded_otherwise_gets_its_source_graphs_as_the_dataset(fake_server):
    # no union in its default graph (loaded from the quad export, say): the protocol's dataset
    # parameters name every source graph
    _Answers.forms.clear()
    SparqlEndpoint(f"{fake_server}/query").sparql("SELECT ?n WHERE { ?n ?p ?o }")
    *_, asked = _Answers.forms
    graphs = [f"https://w3id.org/citygraph/graph/{slug}" for slug in ("a", "b")]
    assert asked["default-graph-uri"] == graphs and asked["named-graph-uri"] == graphs


def test_a_push_removes_the_graph_of_a_source_no_longer_in_the_data(pushed, capsys):
    server, _ = pushed
    retired = "https://w3id.org/citygraph/graph/retired-source"
    other = "https://example.org/not-ours"
    triple = (
        b"<https://w3id.org/citygraph/id/x> <http://www.w3.org/2000/01/rdf-schema#label> 'x' .\n"
    )
    triple = triple.replace(b"'x'", b'"x"')
    store = GraphStore(endpoint_urls(server)[1])
    store.put(retired, triple)
    store.put(other, triple)
    try:
        assert main(["push", "--endpoint", server]) == 0
        err = capsys.readouterr().err
        assert err.rstrip().endswith(
            f"removed 1 graph of a source no longer in the data: <{retired}>"
        )
        graphs = SparqlEndpoint(endpoint_urls(server)[0]).graphs()
        assert retired not in graphs and other in graphs  # a graph not citygraph's stays
    finally:
        store.delete(other)


def test_data_that_does_not_conform_is_not_pushed(pushed, capsys):
    server, _ = pushed
    bad = Path(__file__).parent / "data" / "invalid" / "charter-date-does-not-exist.ttl"
    endpoint = SparqlEndpoint(endpoint_urls(server)[0], default_graph="server")
    before = endpoint.sparql(_SOURCE_QUADS).rows
    assert main(["push", "--endpoint", server, "--with", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("citygraph push: the data does not conform; nothing was pushed\n")
    assert '"1997-02-30" is not a valid xsd:date' in err
    assert endpoint.sparql(_SOURCE_QUADS).rows == before


def _cases():
    for name, query in catalogue().items():
        for number, example in enumerate(query.examples or ({},)):
            yield pytest.param(name, example, id=f"{name}-{number}")


@pytest.mark.parametrize(("name", "example"), list(_cases()))
def test_every_catalogue_query_gives_the_same_rows_remotely(pushed, kg, name, example):
    server, _ = pushed
    query = catalogue()[name]
    bindings = bind(query, example)
    local = run_sparql(kg, query.text, bindings)
    remote = run_sparql(SparqlEndpoint(endpoint_urls(server)[0]), query.text, bindings)
    drop = [p.name for p in query.params]
    if local.kind == "construct":
        assert set(remote.triples) == set(local.triples)
    else:
        assert list(rows_of(remote, drop)) == list(rows_of(local, drop))


def test_cli_query_with_endpoint(pushed, capsys):
    server, _ = pushed
    code = main(
        [
            "query",
            "networks-seated-in",
            "--param",
            "city=marseille",
            "--format",
            "csv",
            "--endpoint",
            server,
        ]
    )
    # data/marseille-reseaux-de-villes: IPGR is the one network seated in Marseille (18 rue de
    # Pontevès, facts.md §2 IPGR)
    assert code == 0
    assert capsys.readouterr().out == "org,orgLabel\r\nhttps://w3id.org/citygraph/id/ipgr,IPGR\r\n"


def test_cli_push(server, capsys):
    assert main(["push", "--endpoint", server]) == 0
    assert capsys.readouterr().err.startswith("pushed ")


def test_an_injection_through_a_remote_values_block_stays_data(pushed, kg):
    server, _ = pushed
    query = catalogue()["search-by-name"]
    for hostile in ('x" } ; DROP ALL ; #', "<http://evil>", "a\n} DROP ALL {"):
        bindings = bind(query, {"text": hostile})
        assert run_sparql(SparqlEndpoint(endpoint_urls(server)[0]), query.text, bindings).rows == []
    endpoint = SparqlEndpoint(endpoint_urls(server)[0], default_graph="server")
    assert int(endpoint.sparql(_SOURCE_QUADS).rows[0][0]) == len(kg)


def test_inline_values_opens_the_outer_group():
    from rdflib import Literal

    text = "SELECT ?a ?t WHERE { ?a ?p ?t }"
    assert inline_values(text, {"t": Literal('x" }')}) == (
        'SELECT ?a ?t WHERE { VALUES (?t) { ("x\\" }") }  ?a ?p ?t }'
    )


# --- failures: one line each ------------------------------------------------------------------


def test_connection_refused_is_one_line(capsys):
    port = _free_port()  # nothing listens there
    code = main(["query", "wikidata-links", "--endpoint", f"http://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == (
        f"citygraph query: the query failed: connection refused by "
        f"http://127.0.0.1:{port}/query (is the server running, and on that port?)\n"
    )


class _Slow(_Quiet):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        time.sleep(2)


class _Failing(_Quiet):
    def do_POST(self):  # noqa: N802
        self.send_response(503, "Service Unavailable")
        self.end_headers()
        self.wfile.write(b"store is read-only for maintenance\n")

    do_PUT = do_POST


@pytest.fixture
def fake_server(request):
    httpd = HTTPServer(("127.0.0.1", 0), request.param)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("fake_server", [_Slow], indirect=True)
def test_timeout_is_one_line(fake_server):
    endpoint = SparqlEndpoint(f"{fake_server}/query", timeout=0.5, default_graph="server")
    with pytest.raises(QueryError) as error:
        endpoint.sparql("SELECT * WHERE { ?s ?p ?o }")
    assert str(error.value) == (
        f"the query failed: {fake_server}/query did not answer within "
        "0.5 s (timeout); raise --timeout or check the server"
    )


@pytest.mark.parametrize("fake_server", [_Failing], indirect=True)
def test_http_error_is_one_line(fake_server, capsys):
    code = main(["query", "wikidata-links", "--endpoint", fake_server, "--default-graph", "server"])
    assert code == 1
    assert capsys.readouterr().err == (
        f"citygraph query: the query failed: {fake_server}/query answered HTTP 503 "
        "Service Unavailable: store is read-only for maintenance\n"
    )


_WIDE = json.dumps(  # (made once: the server thread's own objects are not the client's)
    {
        "head": {"vars": ["city", "label"]},
        "results": {
            "bindings": [
                {
                    "city": {"type": "uri", "value": f"https://w3id.org/citygraph/id/city-{i}"},
                    "label": {"type": "literal", "value": f"City {i}", "xml:lang": "en"},
                }
                for i in range(3_000)
            ]
        },
    }
).encode()


class _Wide(_Quiet):
    """Answers any query with 3,000 rows of SPARQL results JSON."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(_WIDE)


@pytest.mark.parametrize("fake_server", [_Wide], indirect=True)
def test_a_wide_remote_result_is_read_without_a_collection(fake_server, collections):
    endpoint = SparqlEndpoint(f"{fake_server}/query", default_graph="server")
    result = endpoint.sparql("SELECT ?city ?label WHERE { ?city rdfs:label ?label }")
    during = len(collections)  # (without the pause: hundreds, with a threshold of 50)
    assert len(result.rows) == 3_000
    assert result.rows[7] == (
        URIRef("https://w3id.org/citygraph/id/city-7"),
        Literal("City 7", lang="en"),
    )
    assert during <= 5


@pytest.mark.parametrize("fake_server", [_Failing], indirect=True)
def test_push_http_error_is_one_line(fake_server, capsys):
    assert main(["push", "--endpoint", fake_server]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"citygraph push: the push failed: {fake_server}/store answered HTTP 503")
    assert err.count("\n") == 1


class _Moved(_Quiet):
    def do_POST(self):  # noqa: N802
        self.send_response(301, "Moved Permanently")
        self.send_header("Location", "/sparql")
        self.end_headers()

    do_PUT = do_POST


class _HtmlError(_Quiet):
    def do_POST(self):  # noqa: N802
        self.send_response(500, "Internal Server Error")
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!DOCTYPE html>\n<html><head><title>Query engine out of memory</title>")
        self.wfile.write(b"</head><body><h1>Sorry</h1></body></html>\n")


class _LoginPage(_Quiet):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>Please log in</body></html>")


class _FailsThirdPut(_Quiet):
    puts = 0

    def do_PUT(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).puts += 1
        self.send_response(204 if type(self).puts <= 2 else 503)
        self.end_headers()


@pytest.mark.parametrize("fake_server", [_Moved], indirect=True)
def test_a_redirect_is_said_with_where_to(fake_server, capsys):
    # (urllib resent the POST as a GET without its query: the server's answer hid the cause)
    code = main(["query", "wikidata-links", "--endpoint", fake_server, "--default-graph", "server"])
    assert code == 1
    assert capsys.readouterr().err == (
        f"citygraph query: the query failed: {fake_server}/query answered HTTP 301 Moved "
        f"Permanently (moved to {fake_server}/sparql); give that URL instead\n"
    )


@pytest.mark.parametrize("fake_server", [_HtmlError], indirect=True)
def test_an_html_error_page_is_said_by_its_title(fake_server, capsys):
    code = main(["query", "wikidata-links", "--endpoint", fake_server, "--default-graph", "server"])
    assert code == 1
    assert capsys.readouterr().err == (
        f"citygraph query: the query failed: {fake_server}/query answered HTTP 500 Internal "
        "Server Error: Query engine out of memory\n"
    )


@pytest.mark.parametrize("fake_server", [_LoginPage], indirect=True)
def test_an_answer_that_is_not_sparql_results_is_one_line(fake_server, capsys):
    # (in the union mode, the list of graphs was read without a check: an internal error)
    code = main(["query", "wikidata-links", "--endpoint", fake_server])
    assert code == 1
    assert capsys.readouterr().err == (
        f"citygraph query: the query failed: {fake_server}/query did not answer with SPARQL "
        "results JSON (is it a SPARQL query endpoint?)\n"
    )


@pytest.mark.parametrize("fake_server", [_FailsThirdPut], indirect=True)
def test_a_push_that_fails_midway_names_the_graph_and_what_was_replaced(fake_server, kg):
    first, second, third, *_ = kg.engine.graphs()
    with pytest.raises(QueryError) as error:
        push(kg, GraphStore(f"{fake_server}/store"))
    assert str(error.value) == (
        f"the push failed: {fake_server}/store answered HTTP 503 Service Unavailable "
        f"(graph <{third}>; 2 graphs were replaced before it)"
    )


class _Guarded(_Quiet):
    """Answers only alice with her password (HTTP Basic), with one row."""

    def do_POST(self):  # noqa: N802
        import base64

        self.rfile.read(int(self.headers["Content-Length"]))
        expected = "Basic " + base64.b64encode(b"alice:s3cr%t").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401, "Unauthorized")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": ')
        self.wfile.write(b'{"type": "literal", "value": "1"}}]}}')


@pytest.mark.parametrize("fake_server", [_Guarded], indirect=True)
def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(fake_server, capsys):
    # (they were left in the host name: "cannot reach http://alice:s3cret@...", password shown)
    host = fake_server.removeprefix("http://")
    good = f"http://alice:s3cr%25t@{host}"
    argv = ["query", "--sparql", "SELECT ?n WHERE { }", "--default-graph", "server"]
    assert main([*argv, "--endpoint", good, "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\r\n1\r\n"
    assert main([*argv, "--endpoint", f"http://alice:wrong@{host}"]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"citygraph query: the query failed: {fake_server}/query answered HTTP 401 Unauthorized\n"
    )


def test_endpoint_urls():
    assert endpoint_urls("http://h:7878") == ("http://h:7878/query", "http://h:7878/store")
    # an RDF4J or GraphDB repository answers queries at its own URL
    assert endpoint_urls("http://h:7200/repositories/cities") == (
        "http://h:7200/repositories/cities",
        "http://h:7200/repositories/cities/rdf-graphs/service",
    )
    # a query (an API key) goes to both
    assert endpoint_urls("http://h:7878/?key=k") == (
        "http://h:7878/query?key=k",
        "http://h:7878/store?key=k",
    )
    assert endpoint_urls("http://h:3030/ds/sparql", "http://h:3030/ds/data") == (
        "http://h:3030/ds/sparql",
        "http://h:3030/ds/data",
    )
