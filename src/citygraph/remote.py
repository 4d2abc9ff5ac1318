"""Remote triple stores: the SPARQL 1.1 Protocol for queries, the Graph Store Protocol for push.

Only the standard library (``urllib``) is used: two HTTP verbs and one JSON format do not earn a
dependency. Both clients speak only the W3C protocols, so they work with any standard store; the
test suite runs them against a real Oxigraph server.

The dataset of a remote query. Our data sits in named graphs (one per source), and SPARQL's
default graph is whatever the server says it is. ``push`` makes it what it is locally: the union
of the sources (their RDF merge, each triple once), written as the store's default graph beside
one named graph per source. :class:`SparqlEndpoint` (mode ``union``, the default) then sends no
dataset, so the server's own default graph and named graphs answer, as the local store does. A
store whose default graph does not hold the union (its data was loaded some other way: it has no
statement with ``dcterms:source``) gets the protocol's dataset parameters instead: each source
graph as ``default-graph-uri`` (the protocol calls that their merge, but Oxigraph's server
combines them without removing the triples two sources state, so a count over the default graph
comes out too high there) and as ``named-graph-uri``. Mode ``server`` sends no dataset and leaves
the choice to the server's configuration.

Parameters. The protocol has no bindings, so a remote run carries the parameter values as an
inline ``VALUES`` block opened at the start of the query's outermost group pattern. The values
reach it only as RDF terms already checked by :mod:`citygraph.query` and serialised by rdflib's
N-Triples writer (IRIs without any character that could close them, literals escaped), so a value
can never add syntax: it is data in a VALUES row, exactly as a binding is.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from . import collector
from .engine import QueryResult
from .errors import ConformanceError, QueryError, UsageError
from .namespaces import GRAPH
from .query import _TOKEN, _constant, query_form

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

USER_AGENT = "citygraph (+https://w3id.org/citygraph)"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
# whether a store's default graph holds the sources' union, as push writes it: every typed
# resource of ours names its source
_HOLDS_THE_UNION = "ASK { ?s <http://purl.org/dc/terms/source> ?source }"


class EndpointError(QueryError):
    """A remote store is down, too slow, or answered with an HTTP error: exit 1, one line."""


def endpoint_urls(url: str, gsp: str | None = None) -> tuple[str, str]:
    """The query URL and the Graph Store URL from what the user gave.

    A base URL (``http://host:7878``) gets Oxigraph's layout, ``/query`` and ``/store``; a URL that
    already ends in ``/query`` or ``/sparql`` is the query endpoint, its sibling ``/store`` the
    default Graph Store; an RDF4J or GraphDB repository (``.../repositories/NAME``) answers
    queries itself, with its Graph Store at ``.../rdf-graphs/service``; ``gsp`` names the Graph
    Store explicitly (e.g. Fuseki's ``/ds/data``).
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"{url!r} is not an http(s) URL", hint="e.g. --endpoint http://127.0.0.1:7878"
        )
    path = parsed.path.rstrip("/")
    if path.endswith(("/query", "/sparql")):
        query_path, store_path = path, path.rsplit("/", 1)[0] + "/store"
    elif re.search(r"/repositories/[^/]+$", path):  # RDF4J, GraphDB: the repository answers
        query_path, store_path = path, path + "/rdf-graphs/service"
    else:
        query_path, store_path = path + "/query", path + "/store"
    query_url = urllib.parse.urlunsplit(
        (parsed.scheme, parsed.netloc, query_path, parsed.query, "")
    )
    # (the query, e.g. an API key, goes to both)
    store_url = urllib.parse.urlunsplit(
        (parsed.scheme, parsed.netloc, store_path, parsed.query, "")
    )
    if gsp:
        if urllib.parse.urlsplit(gsp).scheme not in ("http", "https"):
            raise UsageError(f"{gsp!r} is not an http(s) URL")
        store_url = gsp
    return query_url, store_url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported, not followed: urllib would resend a POST as a GET without its
    query, and a PUT not at all, and the server's answer to that would hide the real cause."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _detail(body: bytes) -> str:
    """What an error answer says, in one line: an HTML page's title, else its first line."""
    text = body.decode("utf-8", "replace").strip()
    title = re.search(r"(?is)<title[^>]*>(.*?)</title>", text)
    if title:
        text = re.sub(r"\s+", " ", title.group(1)).strip()
    elif text.lstrip().startswith("<"):
        text = re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]*>", " ", text)).strip()
    first = text.splitlines()[0] if text else ""
    return f": {first[:200]}" if first else ""


def _shown(url: str) -> str:
    """A URL as messages show it: without a ``user:password@`` or a query (an API key)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _with_credentials(request: urllib.request.Request) -> urllib.request.Request:
    """A URL's ``user:password@`` becomes HTTP Basic authentication, and leaves the URL (which
    messages show: never the password)."""
    parts = urllib.parse.urlsplit(request.full_url)
    if parts.username is None:
        return request
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    request.full_url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    request.add_header("Authorization", f"Basic {token}")
    return request


def _request(request: urllib.request.Request, timeout: float, what: str) -> bytes:
    """Send a request; every way it can fail becomes one line naming the URL and the cause."""
    request = _with_credentials(request)
    url = _shown(request.full_url)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return answer.read()
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            moved = error.headers.get("Location", "")
            where = f" to {urllib.parse.urljoin(url, moved)}" if moved else ""
            raise EndpointError(
                f"{what} failed: {url} answered HTTP {error.code} {error.reason} (moved{where}); "
                "give that URL instead"
            ) from None
        raise EndpointError(
            f"{what} failed: {url} answered HTTP {error.code} {error.reason}{_detail(error.read())}"
        ) from None
    except http.client.HTTPException as error:
        raise EndpointError(
            f"{what} failed: {url} did not answer in HTTP ({type(error).__name__})"
        ) from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise _timeout(what, url, timeout) from None
        if isinstance(reason, ConnectionRefusedError):
            raise EndpointError(
                f"{what} failed: connection refused by {url} "
                "(is the server running, and on that port?)"
            ) from None
        raise EndpointError(f"{what} failed: cannot reach {url} ({reason})") from None
    except TimeoutError:
        raise _timeout(what, url, timeout) from None
    except OSError as error:
        raise EndpointError(f"{what} failed: {url}: {error.strerror or error}") from None


def _timeout(what: str, url: str, timeout: float) -> EndpointError:
    return EndpointError(
        f"{what} failed: {url} did not answer within {timeout:g} s (timeout); "
        "raise --timeout or check the server"
    )


# --- queries --------------------------------------------------------------------------------


def inline_values(sparql: str, bindings: Mapping[str, Node]) -> str:
    """The query with a ``VALUES`` row of the bindings opened at the start of its outermost group
    pattern (the WHERE clause), where every filter of that group sees it."""
    if not bindings:
        return sparql
    names = sorted(bindings)
    row = " ".join(_constant(bindings[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }} "
    tokens = [
        (m.lastgroup, m.group(), m.start())
        for m in _TOKEN.finditer(sparql)
        if m.lastgroup != "comment"
    ]
    form_at = next(
        i
        for i, (kind, text, _) in enumerate(tokens)
        if kind == "word" and text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    )
    i = form_at + 1
    if tokens[form_at][1].upper() == "CONSTRUCT" and tokens[i][1] == "{":
        depth = 0
        while True:  # skip the CONSTRUCT template
            depth += {"{": 1, "}": -1}.get(tokens[i][1], 0)
            i += 1
            if depth == 0:
                break
    while tokens[i][1] != "{":
        i += 1
    at = tokens[i][2] + 1
    return sparql[:at] + block + sparql[at:]


def _from_json(value: dict[str, str]) -> Node:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return Literal(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype and datatype != str(XSD.string):
        return Literal(value["value"], datatype=URIRef(datatype))
    return Literal(value["value"])


@dataclass
class SparqlEndpoint:
    """A SPARQL 1.1 Protocol query endpoint that answers like a local KnowledgeGraph."""

    url: str
    timeout: float = 30.0
    default_graph: str = "union"  # or "server" (see the module docstring)
    _graphs: list[str] | None = field(default=None, repr=False)
    _holds_union: bool | None = field(default=None, repr=False)

    def holds_the_union(self) -> bool:
        """Whether the store's default graph holds the sources' union (``push`` writes it)."""
        if self._holds_union is None:
            answer = self._results(self._post(_HOLDS_THE_UNION, RESULTS_JSON, dataset=False))
            self._holds_union = bool(answer.get("boolean"))
        return self._holds_union

    def graphs(self) -> list[str]:
        """The store's named graphs, asked once (``GRAPH ?g {}`` lists them without a scan)."""
        if self._graphs is None:
            answer = self._post(
                "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g", RESULTS_JSON, dataset=False
            )
            data = self._results(answer)
            self._graphs = [b["g"]["value"] for b in data["results"]["bindings"]]
        return self._graphs

    def _results(self, answer: bytes) -> dict[str, Any]:
        """SPARQL results JSON, or one line saying the endpoint answered something else."""
        try:
            data = json.loads(answer)
            if "boolean" not in data:
                data["head"]["vars"], data["results"]["bindings"]  # noqa: B018 (both present)
            return data
        except (ValueError, KeyError, TypeError):
            raise EndpointError(
                f"the query failed: {_shown(self.url)} did not answer with SPARQL results JSON "
                "(is it a SPARQL query endpoint?)"
            ) from None

    def sparql(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        form = query_form(sparql)
        text = inline_values(sparql, dict(bindings or {}))
        if form in ("CONSTRUCT", "DESCRIBE"):
            graph = Graph()
            try:
                graph.parse(data=self._post(text, NTRIPLES), format="nt")
            except Exception:  # noqa: BLE001 (rdflib's parsers raise many kinds)
                raise EndpointError(
                    f"the query failed: {_shown(self.url)} did not answer with N-Triples, which "
                    f"citygraph asked for ({NTRIPLES})"
                ) from None
            return QueryResult("construct", triples=list(graph))
        answer = self._post(text, RESULTS_JSON)
        with collector.paused():  # a wide result: see collector.py
            data = self._results(answer)
            if "boolean" in data:
                return QueryResult("ask", boolean=bool(data["boolean"]))
            names = data["head"]["vars"]
            rows = [
                tuple(_from_json(b[n]) if n in b else None for n in names)
                for b in data["results"]["bindings"]
            ]
        return QueryResult("select", vars=names, rows=rows)

    def _post(self, sparql: str, accept: str, dataset: bool = True) -> bytes:
        fields: list[tuple[str, str]] = [("query", sparql)]
        if dataset and self.default_graph == "union" and not self.holds_the_union():
            graphs = self.graphs()
            fields += [("default-graph-uri", g) for g in graphs]
            fields += [("named-graph-uri", g) for g in graphs]
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode(fields).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": accept,
                "User-Agent": USER_AGENT,
            },
        )
        return _request(request, self.timeout, "the query")


# --- push -----------------------------------------------------------------------------------


@dataclass
class GraphStore:
    """A SPARQL 1.1 Graph Store HTTP Protocol endpoint (indirect graph identification)."""

    url: str
    timeout: float = 60.0

    def _target(self, graph: str | None) -> str:
        query = "default" if graph is None else urllib.parse.urlencode({"graph": graph})
        return f"{self.url}{'&' if '?' in self.url else '?'}{query}"

    def put(self, graph: str | None, data: bytes, content_type: str = NTRIPLES) -> None:
        """Replace one graph by ``data``: the store swaps it in one request, so a reader sees the
        old graph or the new one, never a half."""
        request = urllib.request.Request(
            self._target(graph),
            data=data,
            method="PUT",
            headers={"Content-Type": content_type, "User-Agent": USER_AGENT},
        )
        _request(request, self.timeout, "the push")

    def delete(self, graph: str) -> None:
        request = urllib.request.Request(
            self._target(graph), method="DELETE", headers={"User-Agent": USER_AGENT}
        )
        _request(request, self.timeout, "the delete")


@dataclass
class PushSummary:
    graphs: int
    triples: int
    url: str
    union: int = 0  # the triples of the union, the store's default graph
    removed: list[str] = field(default_factory=list)

    def text(self) -> str:
        said = (
            f"pushed {self.graphs} graphs ({self.triples} triples) and their union as the "
            f"default graph ({self.union} triples) to {_shown(self.url)}"
        )
        if self.removed:
            graphs = "graph of a source" if len(self.removed) == 1 else "graphs of sources"
            said += f"; removed {len(self.removed)} {graphs} no longer in the data: "
            said += ", ".join(f"<{g}>" for g in self.removed)
        return said


def push(
    kg: KnowledgeGraph,
    store: GraphStore,
    progress: Any = None,
    endpoint: SparqlEndpoint | None = None,
) -> PushSummary:
    """Upload the graph as citygraph holds it, after checking it (a graph that does not conform
    is not pushed, as it is not built): one named graph per source, each replaced with one PUT,
    then their union, the RDF merge that is SPARQL's default graph locally, replacing the
    store's default graph (see the module docstring). With ``endpoint`` (the store's query URL),
    the graphs of citygraph's namespace that the data no longer has (a source removed since the
    last push) are deleted, so that the store answers as the data does."""
    report = kg.validate()
    if not report.conforms:
        raise ConformanceError(
            "the data does not conform; nothing was pushed\n" + report.text(kg, warnings=False),
            report,
        )
    graphs = kg.engine.graphs()
    steps = len(graphs) + 1
    triples = 0
    for number, graph in enumerate(graphs, 1):
        data = kg.engine.serialize("ntriples", graph)
        triples += data.count(b"\n")
        _put(store, graph, data, number - 1)
        if progress:
            progress(f"[{number}/{steps}] {graph}")
    union = kg.engine.serialize("ntriples", "*")
    _put(store, None, union, len(graphs))
    if progress:
        progress(f"[{steps}/{steps}] the default graph (the union)")
    removed = []
    if endpoint is not None:
        ours = {g for g in endpoint.graphs() if g.startswith(str(GRAPH))}
        for graph in sorted(ours - set(graphs)):
            store.delete(graph)
            removed.append(graph)
    return PushSummary(len(graphs), triples, store.url, union.count(b"\n"), removed)


def _put(store: GraphStore, graph: str | None, data: bytes, done: int) -> None:
    """One graph's PUT; a failure says which graph, and how many were replaced before it."""
    try:
        store.put(graph, data)
    except EndpointError as error:
        before = f"; {done} graphs were replaced before it" if done else ""
        which = f"graph <{graph}>" if graph else "the default graph"
        raise EndpointError(f"{error.message} ({which}{before})") from None
