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
from citygraph.remote import GraphStore, SparqlEndpoint, endpoint_urls, inline_values, push

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


def test_push_uploads_one_named_graph_per_source(pushed, kg):
    server, summary = pushed
    assert summary.graphs == len(kg.engine.graphs())
    endpoint = SparqlEndpoint(endpoint_urls(server)[0])
    assert endpoint.graphs() == kg.engine.graphs()


def test_push_twice_replaces_rather_than_duplicates(pushed, kg):
    # PUT replaces each graph: a second push leaves the store holding exactly the same quads
    server, _ = pushed
    push(kg, GraphStore(endpoint_urls(server)[1]))
    endpoint = SparqlEndpoint(endpoint_urls(server)[0], default_graph="server")
    count = endpoint.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    assert int(count) == len(kg)


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
    count = endpoint.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0][0]
    assert int(count) == len(kg)


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


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        time.sleep(2)

    def log_message(self, *args):
        pass


class _Failing(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.send_response(503, "Service Unavailable")
        self.end_headers()
        self.wfile.write(b"store is read-only for maintenance\n")

    do_PUT = do_POST

    def log_message(self, *args):
        pass


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


class _Wide(BaseHTTPRequestHandler):
    """Answers any query with 3,000 rows of SPARQL results JSON."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(_WIDE)

    def log_message(self, *args):
        pass


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


def test_endpoint_urls():
    assert endpoint_urls("http://h:7878") == ("http://h:7878/query", "http://h:7878/store")
    assert endpoint_urls("http://h:3030/ds/sparql", "http://h:3030/ds/data") == (
        "http://h:3030/ds/sparql",
        "http://h:3030/ds/data",
    )
