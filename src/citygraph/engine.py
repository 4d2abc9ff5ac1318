"""The one seam between citygraph and an RDF engine.

Every command talks to an :class:`Engine`; none imports pyoxigraph or builds an rdflib store itself.
Two engines answer the same calls with the same results:

* :class:`OxigraphEngine` (the default): pyoxigraph, in memory or on disk (``--store PATH``).
  It parses and writes RDF 20 to 60 times faster than rdflib and answers most SPARQL faster.
* :class:`RdflibEngine`: rdflib's memory ``Dataset``, the reference that differential tests compare
  against, and the natural home for small graphs handed to pyshacl.

Results cross the seam as rdflib terms, so callers never see which engine answered.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib import Literal as RLiteral
from rdflib.term import Node

from . import collector
from .errors import DataError, QueryError
from .ordering import sort_rows, split_order

Quad = tuple[Node, Node, Node, URIRef | None]

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "n3": ox.RdfFormat.N3,
}
SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".nq": "nquads",
    ".trig": "trig",
    ".rdf": "rdfxml",
    ".owl": "rdfxml",
    ".xml": "rdfxml",
    ".jsonld": "jsonld",
    ".n3": "n3",
}


def format_of(path: Path) -> str:
    """The RDF format a file name says, Turtle when it says nothing we know."""
    return SUFFIXES.get(path.suffix.lower(), "turtle")


# --- term conversion (the only place that knows both term models) ---------------------------


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def statement_lines(data: bytes) -> list[str]:
    """The lines of an N-Triples or N-Quads text, split at its line ends only: ``splitlines()``
    also splits at U+0085, U+2028 and U+2029, which N-Triples writes unescaped inside literals
    (a label holding a line separator would become two broken statements)."""
    lines = data.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def to_rdflib(term: Any) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RLiteral(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return RLiteral(term.value)
        return RLiteral(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported term {term!r}")


def _string_literal(value: str, language: str | None) -> RLiteral:
    """A plain or language-tagged string as rdflib's constructor makes it, without the
    constructor's checks and conversions (about 10 µs a literal, most of a wide result's
    conversion): Oxigraph has checked the language tag, and a string's value is its text."""
    literal = str.__new__(RLiteral, value)
    literal._language = language
    literal._datatype = None
    literal._value = value
    literal._ill_typed = None
    return literal


def _fast_strings_agree() -> bool:
    """Whether :func:`_string_literal` still builds what rdflib's constructor builds (it sets
    rdflib's private slots: checked once, with the constructor as the fallback)."""
    samples = [("Cités", None), ("Marseille", "fr"), ("Lyon", "en-GB")]
    slots = ("_language", "_datatype", "_value", "_ill_typed")
    try:
        for value, language in samples:
            fast, slow = _string_literal(value, language), RLiteral(value, lang=language)
            if fast != slow or hash(fast) != hash(slow):
                return False
            if any(getattr(fast, s) != getattr(slow, s) for s in slots):
                return False
    except (AttributeError, TypeError):
        return False
    return True


_FAST_STRINGS = _fast_strings_agree()


class _MemoConverter:
    """to_rdflib for the terms of a result, as fast as rdflib allows: IRIs from Oxigraph are
    already valid, so they skip rdflib's check; strings (labels, names, texts) are built
    directly; other literals (dates, numbers), which repeat and cost most to build, are
    remembered."""

    def __init__(self) -> None:
        self.seen: dict[Any, Node | None] = {}

    def __call__(self, term: Any) -> Node | None:
        kind = type(term)
        if kind is ox.NamedNode:
            return str.__new__(URIRef, term.value)
        if term is None:
            return None
        if kind is ox.Literal and _FAST_STRINGS:
            language = term.language
            if language:
                return _string_literal(term.value, language)
            if term.datatype.value == _XSD_STRING:
                return _string_literal(term.value, None)
        try:
            return self.seen[term]
        except KeyError:
            converted = self.seen[term] = to_rdflib(term)
            return converted


def to_oxigraph(term: Node | None) -> Any:
    if term is None:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, RLiteral):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


# --- query results -----------------------------------------------------------------------------


@dataclass
class QueryResult:
    """A SPARQL result, engine-neutral: rows of rdflib terms for SELECT, a flag for ASK,
    triples for CONSTRUCT/DESCRIBE."""

    kind: Literal["select", "ask", "construct"]
    vars: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)

    def graph(self) -> Graph:
        g = Graph()
        for t in self.triples:
            g.add(t)
        return g


_PARSER_ERROR = re.compile(
    r"Parser error at line (\d+) between columns (\d+) and \d+: (.*?)(?: \([^()]*line \d+\))?$",
    re.S,
)
_PARSER_ERROR_AT = re.compile(
    r"Parser error at line (\d+) column (\d+): (.*?)(?: \([^()]*line \d+\))?$", re.S
)


def _located(name: str, message: str) -> str:
    """``file:line:column: what`` from pyoxigraph's parser message."""
    message = message.strip()
    for pattern in (_PARSER_ERROR, _PARSER_ERROR_AT):
        match = pattern.match(message)
        if match:
            return f"{name}:{match.group(1)}:{match.group(2)}: {match.group(3)}"
    return f"{name}: {message}"


# --- the engines -------------------------------------------------------------------------------


class Engine(Protocol):
    name: str
    union_pending: bool  # the default graph is still to be made the union (OxigraphEngine)

    def load(self, path: Path, graph: str | None, fmt: str | None = None) -> None: ...
    def load_data(
        self, data: bytes | str, fmt: str, graph: str | None = None, name: str = "<input>"
    ) -> None: ...
    def add(self, quads: Iterable[Quad]) -> None: ...
    def quads(self, graph: str | None | Literal["*"] = "*") -> Iterator[Quad]: ...
    def graphs(self) -> list[str]: ...
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        named_graphs_only: bool = False,
        distinct_rows: bool = False,
    ) -> QueryResult: ...
    def select_text(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        raw: bool = False,
        named_graphs_only: bool = False,
    ) -> tuple[list[str], list[Any]]: ...
    def serialize(self, fmt: str, graph: str | None | Literal["*"] = "*") -> bytes: ...
    def is_empty(self) -> bool: ...
    def __len__(self) -> int: ...


class OxigraphEngine:
    """pyoxigraph's store, in memory or on disk.

    Statements live in the named graphs of their sources. The store's default graph holds their
    union, kept up to date on every load, because SPARQL's default graph must be an RDF *merge*
    (a triple stated by two sources is one triple): Oxigraph's own union mode would return it twice
    and inflate every count. Queries therefore run on the default graph; ``GRAPH ?g`` still sees
    each source's claims.

    A large file bulk-loaded into a fresh store in memory is an exception, for a while: the union
    is made when something first reads the default graph (:attr:`store`, a query), not by the
    load. Reading the named graphs (the exports' snapshot, the tables, counts) does not wait
    for it, so a build can take its snapshot while a forked process runs the checks (at 1.1 M
    statements the union takes 4 s on one core; the other one waited). Nor do the checks wait:
    they want each distinct row once (``distinct_rows``), which Oxigraph's own union of the
    named graphs gives as well, unless the query aggregates or slices repeated rows. At 1.1 M
    statements they take 12.5 s of CPU that way, against 17 s on the union plus 4 s to make it.

    On disk the bulk loader writes the union with the graphs, since a loaded store is reopened
    read-only, and then cannot make it. A store made only for the checks and the exports (a
    large build's temporary store) is loaded without it (``union=False``): at 10 M statements
    the load takes 98 s instead of 186 s, and the checks about as long on either.
    """

    name = "oxigraph"
    union_pending = False  # True while the default graph is still to be made the union

    def __init__(
        self, path: Path | None = None, *, read_only: bool = False, union: bool = True
    ) -> None:
        """In memory, or on disk at ``path``; ``read_only``: a loaded store opened for reading
        only, which takes no lock, so that several processes (and ``oxigraph serve``) can
        read it at once. ``union=False``: a bulk load on disk leaves the union out (see the
        class); reading the default graph then needs a query that wants distinct rows."""
        self.path, self.read_only, self.union = path, read_only, union
        self.union_pending = path is not None and read_only and not union  # loaded without it
        self._union_lock = threading.Lock()
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(path))
        else:
            self._store = ox.Store(str(path))

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store, its default graph the union of the named graphs (made now, if
        a bulk load left it to be made: see :attr:`union_pending`)."""
        if self.union_pending:
            if not self.union:  # (a read-only store is pending only so: see __init__)
                raise DataError(
                    f"{self.path}: this store was loaded without the union of its sources "
                    "(for a build's checks and exports only), so it cannot answer a query of "
                    "the default graph",
                    hint="load the files into a store of their own with --store PATH",
                )
            with self._union_lock:  # two threads asking at once: one makes it, one waits
                if self.union_pending:
                    self._merge_into_union(None)
                    self.union_pending = False
        return self._store

    def load(self, path: Path, graph: str | None, fmt: str | None = None) -> None:
        fmt = fmt or format_of(path)
        with open(path, "rb") as handle:
            self._load(handle, fmt, graph, str(path))

    def load_data(
        self, data: bytes | str, fmt: str, graph: str | None = None, name: str = "<input>"
    ) -> None:
        self._load(data, fmt, graph, name)

    def _load(self, source: Any, fmt: str, graph: str | None, name: str) -> None:
        # (into a store without its union, the graphs only; else the union is made first, and
        # the new statements go into it too)
        without_union = self.union_pending and not self.union
        store = self._store if without_union else self.store
        try:
            if fmt in ("trig", "nquads"):
                store.load(source, FORMATS[fmt])
            else:
                target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
                store.load(source, FORMATS[fmt], to_graph=target)
        except SyntaxError as exc:
            raise DataError(
                _located(name, str(exc)),
                hint=f"fix the {fmt} syntax at that place and run the command again",
            ) from None
        if without_union:
            self._leave_union_out()
            return
        self._merge_into_union(graph if fmt not in ("trig", "nquads") else None)

    def _merge_into_union(self, graph: str | None) -> None:
        if graph is not None:
            self._insert_into_union(f"<{graph}>")
            return
        # every named graph: one update per graph, two at a time in worker threads (Oxigraph
        # evaluates without holding Python's lock). Measured again at 1.1 M statements in 24
        # graphs: bulk load and merge 7.5 s this way, 9.7-10.6 s with the updates one after
        # another in the calling thread; the two threads do not add CPU time (CPU = wall), so
        # they seem to take turns rather than run at once
        graphs = list(self._store.named_graphs())
        if self.path is not None:
            # on disk, one INSERT of millions of statements is one huge transaction: each graph
            # goes through the bulk loader instead (23 s -> 17 s at 1.1 M statements)
            # (a blank node read back from text would be a new one: such a graph is INSERTed)
            for graph in graphs:
                dump = self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
                if b"_:" in dump or not isinstance(graph, ox.NamedNode):
                    self._insert_into_union(str(graph) if isinstance(graph, ox.NamedNode) else "?g")
                    continue
                default = ox.DefaultGraph()
                self._store.bulk_load(dump, format=ox.RdfFormat.N_TRIPLES, to_graph=default)
            return
        if len(graphs) < 2 or not all(isinstance(g, ox.NamedNode) for g in graphs):
            self._insert_into_union("?g")
            return
        names = [str(g) for g in graphs]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(self._insert_into_union, names))

    def _insert_into_union(self, graph: str) -> None:
        self._store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")

    def bulk_load(self, path: Path, fmt: str | None = None, graph: str | None = None) -> None:
        """Fast load of a large trusted file (no transaction, lower memory) into a fresh store.
        On disk the union is written with the graphs (unless the store is made without it); in
        memory it is made when first read (see the class)."""
        fmt = fmt or format_of(path)
        try:
            if self.path is not None:
                # on disk: one pass, each statement into its graph and into the union at once.
                # Loading the file, then reading every graph back from RocksDB for the union,
                # took 27 s at 1.1 M statements and 229 s at 10 M; this takes 16 s and 153 s
                parsed = ox.parse(path=str(path), format=FORMATS[fmt], rename_blank_nodes=True)
                if fmt not in ("trig", "nquads"):
                    parsed = _into_graph(parsed, graph)
                if self.union:
                    self._store.bulk_extend(_with_union(parsed))
                    return
                self._store.bulk_extend(parsed)  # the graphs only (see the class)
                self._leave_union_out()
                return
            if fmt in ("trig", "nquads"):
                self._store.bulk_load(path=str(path), format=FORMATS[fmt])
            else:
                target = ox.NamedNode(graph) if graph else ox.DefaultGraph()
                self._store.bulk_load(path=str(path), format=FORMATS[fmt], to_graph=target)
        except SyntaxError as exc:
            raise DataError(_located(str(path), str(exc))) from None
        if self.union_pending or self._default_graph_is_empty():
            # the union of every named graph, made when the default graph is first read (see
            # the class): a build's checks make it in their own process, beside the snapshot
            self._leave_union_out()
        else:  # the union is there: the new graph goes into it
            self._merge_into_union(graph if fmt not in ("trig", "nquads") else None)

    def _leave_union_out(self) -> None:
        """After a load whose union is not made (yet): it stays to be made, unless the default
        graph now holds statements of its own, which a union made later could not be told from
        (then it is made at once)."""
        if self._default_graph_is_empty():
            self.union_pending = True
        else:
            self._merge_into_union(None)
            self.union_pending = False

    def _default_graph_is_empty(self) -> bool:
        default = ox.DefaultGraph()
        return next(iter(self._store.quads_for_pattern(None, None, None, default)), None) is None

    def optimize(self) -> None:
        """Compact an on-disk store once it is loaded (RocksDB's advice after a bulk load): at
        10 M statements it takes 33 s, and queries then read fewer files (15-30 % faster)."""
        if self.path is not None:
            self._store.optimize()

    def close(self) -> None:
        """Write everything to disk and let go of the store (so that it can be moved); again,
        nothing."""
        store = self.__dict__.pop("_store", None)
        if store is not None and self.path is not None and not self.read_only:
            store.flush()

    def add(self, quads: Iterable[Quad]) -> None:
        converted = [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), to_oxigraph(g))
            for s, p, o, g in quads
        ]
        self.store.extend(converted)
        self.store.extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in converted
        )

    def quads(self, graph: str | None | Literal["*"] = "*") -> Iterator[Quad]:
        """The statements of one named graph, or of every named graph (``"*"``)."""
        # (the named graphs as they are; the default graph, the union, made if need be)
        store = self.store if graph is None else self._store
        if graph == "*":
            names = list(store.named_graphs())
        else:
            names = [ox.NamedNode(graph) if graph else ox.DefaultGraph()]
        for name in names:
            for q in store.quads_for_pattern(None, None, None, name):
                yield (
                    to_rdflib(q.subject),
                    to_rdflib(q.predicate),
                    to_rdflib(q.object),
                    to_rdflib(q.graph_name),
                )

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        named_graphs_only: bool = False,
        distinct_rows: bool = False,
    ) -> QueryResult:
        """Run a query. ``named_graphs_only``: the query reads only ``GRAPH`` patterns, so it
        need not wait for the union to be made (see the class). ``distinct_rows``: the caller
        wants each distinct row once (in the order first found), however often the query
        gives it; while the union is still to be made, such a query runs on Oxigraph's own
        union of the named graphs instead of waiting for it (see :func:`_set_safe`)."""
        # A final ORDER BY is applied to the rows here rather than by Oxigraph, which reads both
        # terms again from its storage at every comparison (see ordering.py).
        # (the rows are built with the collector paused: see collector.py)
        options = (named_graphs_only, distinct_rows)
        split = split_order(sparql)
        with collector.paused():
            if split is None:
                return self._query(sparql, bindings, *options)
            result = self._query(split[0], bindings, *options)
            if result.kind != "select":  # the order of a graph's triples means nothing
                return result
            ordered = sort_rows(result.vars, result.rows, split[1])
            if ordered is None:  # it orders by a variable that is not a column: the engine sorts
                return self._query(sparql, bindings, *options)
            result.rows = ordered
            return result

    def _query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None,
        named_graphs_only: bool = False,
        distinct_rows: bool = False,
    ) -> QueryResult:
        answer = self._run(sparql, bindings, named_graphs_only, distinct_rows)
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            names = [v.value for v in answer.variables]
            convert = _MemoConverter()
            rows = [tuple(map(convert, sol)) for sol in answer]  # a solution's terms, in order
            if distinct_rows:
                rows = list(dict.fromkeys(rows))
            return QueryResult("select", vars=names, rows=rows)
        triples = [
            (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in answer
        ]
        return QueryResult("construct", triples=triples)  # type: ignore[arg-type]

    def select_text(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        raw: bool = False,
        named_graphs_only: bool = False,
    ) -> tuple[list[str], list[Any]]:
        """A SELECT's variables and rows, each term as its text (an IRI, a literal's lexical
        form, a blank node's id; None when unbound or an empty literal): no Python object per
        term, which is what tables and analytics over hundreds of thousands of rows need.
        Oxigraph writes the rows as SPARQL CSV results (in Rust) and the csv module reads them
        back: about twice as fast as reading the solutions one by one. ``raw``: each row a list,
        "" for unbound or empty (no pass over the values at all). ``named_graphs_only``: as
        for :meth:`query`."""
        import csv
        import io

        answer = self._run(sparql, bindings, named_graphs_only)
        if not isinstance(answer, ox.QuerySolutions):
            raise QueryError("select_text needs a SELECT query")
        names = [v.value for v in answer.variables]
        text = answer.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader, None)  # the header: the variables' names
        with collector.paused():
            if raw:
                return names, list(reader)
            return names, [tuple(value or None for value in row) for row in reader]

    def _run(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None,
        named_graphs_only: bool = False,
        distinct_rows: bool = False,
    ) -> Any:
        subs = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        # the named graphs' union as Oxigraph reads it (a triple stated by two sources comes
        # twice), where that cannot change the distinct rows, rather than make the union now
        as_union = distinct_rows and self.union_pending and _set_safe(sparql)
        store = self._store if named_graphs_only or as_union else self.store
        try:
            answer = store.query(sparql, substitutions=subs, use_default_graph_as_union=as_union)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error: {exc}") from None
        except OSError as exc:
            raise QueryError(f"the query failed: {exc}") from None
        return answer

    def serialize(self, fmt: str, graph: str | None | Literal["*"] = "*") -> bytes:
        """Triple formats: one graph, or the union (``"*"``). Quad formats: the named graphs."""
        if fmt == "nquads":
            return self._named_nquads()
        if fmt == "trig":
            named = ox.Store()
            named.load(self._named_nquads(), ox.RdfFormat.N_QUADS)
            return named.dump(format=ox.RdfFormat.TRIG)
        if graph == "*" or graph is None:
            if self.union_pending and not self.union:
                # a store loaded without its union (see the class): the graphs' distinct triples
                named = self._store.quads_for_pattern(None, None, None, None)
                union = {ox.Triple(q.subject, q.predicate, q.object) for q in named}
                return ox.serialize(union, format=FORMATS[fmt])
            return self.store.dump(format=FORMATS[fmt], from_graph=ox.DefaultGraph())
        return self._store.dump(format=FORMATS[fmt], from_graph=ox.NamedNode(graph))

    def _named_nquads(self) -> bytes:
        parts = []
        for name in sorted(self._store.named_graphs(), key=str):
            lines = self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name)
            parts.append(lines.replace(b" .\n", f" {name} .\n".encode()))
        return b"".join(parts)

    def is_empty(self) -> bool:
        """No statement at all; unlike ``len``, which counts them, this reads one quad at most."""
        return next(iter(self._store.quads_for_pattern(None, None, None, None)), None) is None

    def __len__(self) -> int:
        """The number of statements in the named graphs (a triple stated twice counts twice)."""
        answer = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(next(iter(answer))["n"].value)


# What can make a query's distinct rows depend on how often a triple comes: an aggregate over
# repeated values (COUNT(*), SUM...; COUNT(DISTINCT ...) is safe), or a slice (LIMIT, OFFSET).
# Every other operator (joins, OPTIONAL, UNION, MINUS, FILTER [NOT] EXISTS, paths, DISTINCT,
# MIN, MAX) gives the same set of rows on a bag of triples as on the set. (A word in a string
# or IRI may look like one: such a query then only waits for the union.)
_BAG_SENSITIVE = re.compile(
    r"\b(?:COUNT|SUM|AVG|GROUP_CONCAT)\s*\((?!\s*DISTINCT\b)|\b(?:LIMIT|OFFSET|SAMPLE)\b", re.I
)


def _set_safe(sparql: str) -> bool:
    """Whether the query's distinct rows are the same on Oxigraph's union of the named graphs
    (a bag: a triple stated by two sources comes twice) as on their RDF merge."""
    return _BAG_SENSITIVE.search(sparql) is None


def _into_graph(quads: Iterator[Any], graph: str | None) -> Iterator[Any]:
    """A triple format's statements, put into ``graph`` (left in the default graph if None)."""
    if graph is None:
        return quads
    name = ox.NamedNode(graph)
    return (ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)


def _with_union(quads: Iterator[Any]) -> Iterator[Any]:
    """Each statement of a named graph, then its triple in the default graph (the union); the
    same blank node objects in both, so a blank node stays one node."""
    default = ox.DefaultGraph()
    for quad in quads:
        yield quad
        if quad.graph_name != default:
            yield ox.Quad(quad.subject, quad.predicate, quad.object, default)


class RdflibEngine:
    """rdflib's memory Dataset: the reference implementation."""

    name = "rdflib"
    union_pending = False  # its default graph is always the union (``default_union``)

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)

    def load(self, path: Path, graph: str | None, fmt: str | None = None) -> None:
        fmt = fmt or format_of(path)
        self._parse(dict(source=str(path)), fmt, graph, str(path))

    def load_data(
        self, data: bytes | str, fmt: str, graph: str | None = None, name: str = "<input>"
    ) -> None:
        self._parse(dict(data=data), fmt, graph, name)

    def _parse(self, what: dict[str, Any], fmt: str, graph: str | None, name: str) -> None:
        rdflib_fmt = {
            "turtle": "turtle",
            "ntriples": "nt",
            "nquads": "nquads",
            "trig": "trig",
            "rdfxml": "xml",
            "jsonld": "json-ld",
            "n3": "n3",
        }[fmt]
        try:
            if fmt in ("trig", "nquads"):
                self.dataset.parse(format=rdflib_fmt, **what)
            else:
                target = self.dataset.graph(URIRef(graph)) if graph else self.dataset.default_graph
                target.parse(format=rdflib_fmt, **what)
        except Exception as exc:  # rdflib raises many types for bad syntax
            raise DataError(f"{name}: {str(exc).splitlines()[0]}") from None

    def add(self, quads: Iterable[Quad]) -> None:
        for s, p, o, g in quads:
            target = self.dataset.graph(g) if g is not None else self.dataset.default_graph
            target.add((s, p, o))

    def quads(self, graph: str | None | Literal["*"] = "*") -> Iterator[Quad]:
        for s, p, o, g in self.dataset.quads((None, None, None, None)):
            name = (
                None
                if g is None or g == self.dataset.default_graph.identifier
                else URIRef(getattr(g, "identifier", g))
            )
            if graph == "*" or (graph is None and name is None) or (graph and str(name) == graph):
                yield (s, p, o, name)

    def graphs(self) -> list[str]:
        default = str(self.dataset.default_graph.identifier)
        return sorted(
            str(g.identifier)
            for g in self.dataset.graphs()
            if str(g.identifier) != default and len(g)
        )

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        named_graphs_only: bool = False,  # (the union is always there)
        distinct_rows: bool = False,
    ) -> QueryResult:
        try:
            answer = self.dataset.query(sparql, initBindings=dict(bindings or {}))
        except Exception as exc:
            raise QueryError(f"SPARQL syntax error or failure: {exc}") from None
        if answer.type == "ASK":
            return QueryResult("ask", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            names = [str(v) for v in answer.vars]
            rows = [tuple(r) for r in answer]
            if distinct_rows:
                rows = list(dict.fromkeys(rows))
            return QueryResult("select", vars=names, rows=rows)
        return QueryResult("construct", triples=list(answer))

    def select_text(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        raw: bool = False,
        named_graphs_only: bool = False,
    ) -> tuple[list[str], list[Any]]:
        result = self.query(sparql, bindings)
        if result.kind != "select":
            raise QueryError("select_text needs a SELECT query")
        if raw:
            return result.vars, [["" if t is None else str(t) for t in r] for r in result.rows]
        return result.vars, [
            tuple((str(t) or None) if t is not None else None for t in r) for r in result.rows
        ]

    def serialize(self, fmt: str, graph: str | None | Literal["*"] = "*") -> bytes:
        oxi = OxigraphEngine()
        oxi.add(self.quads(graph if graph != "*" else "*"))
        return oxi.serialize(fmt, graph)

    def is_empty(self) -> bool:
        return next(iter(self.dataset.quads((None, None, None, None))), None) is None

    def __len__(self) -> int:
        return sum(1 for _ in self.dataset.quads((None, None, None, None)))


def make_engine(
    name: str = "oxigraph",
    store: Path | None = None,
    *,
    read_only: bool = False,
    union: bool = True,
) -> Engine:
    """The engine by name: ``oxigraph`` (default; on disk when ``store`` is given) or ``rdflib``.
    ``union=False``: an on-disk store loaded without its union (see :class:`OxigraphEngine`)."""
    if name == "oxigraph":
        return OxigraphEngine(store, read_only=read_only, union=union)
    if name == "rdflib":
        if store is not None:
            raise DataError("a persistent --store needs the oxigraph engine")
        return RdflibEngine()
    raise DataError(f"unknown engine {name!r}: use 'oxigraph' or 'rdflib'")


def to_rdflib_dataset(engine: Engine) -> Dataset:
    """The whole engine content as an rdflib Dataset (for pyshacl and rdflib-based callers)."""
    if isinstance(engine, RdflibEngine):
        return engine.dataset
    ds = Dataset(default_union=True)
    data = engine.serialize("nquads")
    ds.parse(data=data, format="nquads")
    return ds


def to_rdflib_graph(engine: Engine) -> Graph:
    """The union of all graphs as one rdflib Graph."""
    g = Graph()
    g.parse(data=engine.serialize("ntriples", "*"), format="nt")
    return g
