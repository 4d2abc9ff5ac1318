"""Deterministic serialisations of the knowledge graph (the distribution in ``dist/``).

Every writer starts from one :class:`Snapshot`: the statements as canonical N-Triples lines,
deduplicated and sorted. Sorting text lines is a single C-level sort, so it stays fast on millions
of triples, and canonical N-Triples has one spelling per term, so the same graph always gives the
same lines whatever ``PYTHONHASHSEED`` or the store's internal order. The RDF syntaxes are then
written by Oxigraph's streaming serialisers from those ordered lines (fast, and they keep the
order they are given); we only fix what those serialisers leave to chance (prefix order, XML
namespace order) and what makes a file readable (only the prefixes used, a blank line between
subjects). JSON-LD and CSV are written here, because they need a real ``@context`` and tidy tables.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import mmap
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from . import collector, resources
from .engine import statement_lines
from .errors import UsageError
from .namespaces import GRAPH, ID, PREFIXES, SOURCE

if TYPE_CHECKING:
    from .graph import KnowledgeGraph

RDF_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
FORMATS = (*RDF_FORMATS, "csv")
FILES: dict[str, str] = {
    "turtle": "citygraph.ttl",
    "ntriples": "citygraph.nt",
    "nquads": "citygraph.nq",
    "trig": "citygraph.trig",
    "jsonld": "citygraph.jsonld",
    "rdfxml": "citygraph.rdf",
}
CSV_FOLDER = "csv"
CSVW_METADATA = "csv-metadata.json"
CONTEXT_FILE = "context.jsonld"
CATALOG_FILE = "catalog.ttl"
CHECKSUMS_FILE = "SHA256SUMS"

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_WAS_DERIVED_FROM = "<http://www.w3.org/ns/prov#wasDerivedFrom>"

# Predicates shown first in a subject's block, in this order (what a reader looks for first);
# every other predicate follows in IRI order, and dcterms:source closes the block.
_LEADING = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/description",
)
_TRAILING = ("http://purl.org/dc/terms/source",)
_RANK = {f"<{iri}>": i for i, iri in enumerate(_LEADING)}
_RANK.update({f"<{iri}>": 900 + i for i, iri in enumerate(_TRAILING)})
_MIDDLE = 500

# Prefixes a file may declare: the project's, plus the sub-namespaces of our resources (so that a
# reader sees ``membership:marseille--eurocities``) and the vocabularies of the catalog.
# A file declares only those it uses, in this order.
CANDIDATE_PREFIXES: dict[str, str] = {
    **{k: v for k, v in PREFIXES.items() if k not in ("sh", "cgsh")},
    "source": str(SOURCE),
    "membership": f"{ID}membership/",
    "concept": f"{ID}concept/",
    "role": f"{ID}role/",
    "event": f"{ID}event/",
    "size": f"{ID}size/",
    "criterion": f"{ID}criterion/",
    "graph": str(GRAPH),
    "adms": "http://www.w3.org/ns/adms#",
    "dcatap": "http://data.europa.eu/r5r/",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "locn": "http://www.w3.org/ns/locn#",
    "eufiletype": "http://publications.europa.eu/resource/authority/file-type/",
    "eulang": "http://publications.europa.eu/resource/authority/language/",
    "eutheme": "http://publications.europa.eu/resource/authority/data-theme/",
    "eucountry": "http://publications.europa.eu/resource/authority/country/",
    "eucontinent": "http://publications.europa.eu/resource/authority/continent/",
    "eufrequency": "http://publications.europa.eu/resource/authority/frequency/",
    "euavailability": "http://publications.europa.eu/resource/authority/planned-availability/",
    "iana": "https://www.iana.org/assignments/media-types/",
}


def known_formats() -> str:
    return ", ".join(FORMATS)


def check_format(fmt: str) -> str:
    """The format name, or a usage error that lists the ones we write."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: use one of {known_formats()}")
    return fmt


# --- the snapshot every writer reads ---------------------------------------------------------


@dataclass
class Snapshot:
    """The graph's statements as canonical N-Triples lines (no line terminator).

    ``graphs`` maps each source's named graph to its triple lines ("" is the default graph, used
    only by snapshots made from a single graph); ``triples`` is the sorted union, which is what
    the triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) and the CSV tables carry.
    """

    graphs: dict[str, list[str]]
    triples: list[str] = field(default_factory=list)
    _reading: list[str] | None = field(default=None, repr=False, compare=False)
    _reading_text: bytes | mmap.mmap | None = field(default=None, repr=False, compare=False)

    @property
    def reading(self) -> list[str]:
        """The union in reading order (see :func:`reading_order`), computed once for the three
        writers that need it (and before the render workers fork, so that they share it)."""
        if self._reading is None:
            self._reading = reading_order(self.triples)
        return self._reading

    def share_reading_text(self) -> None:
        """Make :meth:`reading_input` one N-Triples text (before the render workers fork, so
        that they share it): Oxigraph parses a text three times faster than lines handed over
        piece by piece, but the text is a second copy of the graph, so only the parallel path
        (a graph of at most ``PARALLEL_LIMIT`` statements) makes it."""
        self._reading_text = b"".join(_chunks(self.reading))

    @property
    def text_shared(self) -> bool:
        """Whether :meth:`share_reading_text` ran (the parallel path, a graph of moderate size)."""
        return self._reading_text is not None

    def union_pieces(self) -> Iterator[bytes]:
        """The union as N-Triples text, in pieces that end at a line end: the one text in
        reading order if it was shared, else the sorted lines, piece by piece (for what does
        not depend on the order)."""
        if self._reading_text is not None:
            return iter((self._reading_text,))
        return _chunks(self.triples)

    def reading_input(self) -> list[str] | bytes | mmap.mmap:
        """What the Turtle and RDF/XML writers parse: the union in reading order, as
        lines or (see :meth:`share_reading_text`) as one text."""
        return self._reading_text if self._reading_text is not None else self.reading

    def reading_lines(self) -> Iterator[str]:
        """The union's lines in reading order (for the JSON-LD writer): from the shared text
        piece by piece, if there is one, so that a forked writer does not touch (and so copy)
        the pages of the snapshot's millions of strings."""
        if self._reading_text is None:
            return iter(self.reading)
        return _text_lines(self._reading_text)

    @classmethod
    def of(cls, kg: KnowledgeGraph) -> Snapshot:
        graphs: dict[str, list[str]] = {}
        for name in kg.engine.graphs():
            lines = statement_lines(kg.engine.serialize("ntriples", name))
            if lines:  # a store holds each quad once: no duplicates within a graph
                graphs[name] = lines
        # the union of the sources, an RDF merge: the distinct lines of the graphs (the same
        # string objects, not a second copy of millions of lines), unless the store's default
        # graph holds statements of its own, which only its dump then gives. (A union still to
        # be made means a default graph without statements of its own: it is not made here.)
        union = sorted({line for lines in graphs.values() for line in lines})
        if not kg.engine.union_pending and len(union) != _default_graph_size(kg):
            union = sorted(statement_lines(kg.engine.serialize("ntriples", "*")))
        return cls(graphs, union)

    @classmethod
    def from_ntriples(cls, text: str) -> Snapshot:
        """A default-graph-only snapshot (for the catalog, which is written from rdflib)."""
        canonical = ox.serialize(
            ox.parse(text, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_TRIPLES
        )
        lines = sorted(set(statement_lines(canonical)))
        return cls({"": lines}, lines)

    def provenance(self) -> list[str]:
        """``<graph/slug> prov:wasDerivedFrom <id/source/slug>`` for each source graph
        (vocabulary.md: in the quad exports each source's named graph points to its source)."""
        lines = []
        for name in self.graphs:
            if name.startswith(str(GRAPH)):
                slug = name[len(str(GRAPH)) :]
                lines.append(f"<{name}> {_WAS_DERIVED_FROM} <{SOURCE}{slug}> .")
        return lines

    def quad_graphs(self) -> dict[str, list[str]]:
        """The graphs of the quad exports: the sources' graphs plus their provenance, which sits
        in the default graph. Default graph first, then named graphs in IRI order."""
        default = sorted(set(self.graphs.get("", [])) | set(self.provenance()))
        # (the other graphs are ordered by their writer: reading order for TriG, sort for N-Quads)
        out = {"": default} if default else {}
        out.update({k: v for k, v in sorted(self.graphs.items()) if k})
        return out


def _default_graph_size(kg: KnowledgeGraph) -> int:
    """The number of triples in the union (SPARQL's default graph) as the engine holds it."""
    rows = kg.select_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[1]
    return int(rows[0][0] or 0)


_RANK_CHAR = {p: chr(1 + r) if r < _MIDDLE else chr(40 + r - 900) for p, r in _RANK.items()}
_MIDDLE_CHAR = chr(30)


def _reading_key(line: str) -> str:
    """One string per line (sorting strings is much faster than sorting tuples): the subject's
    IRI without its "<" and ">" (so that "<a>" comes before "<a/b>"), the predicate's rank, the
    rest of the line."""
    subject, predicate, rest = line.split(" ", 2)
    rank = _RANK_CHAR.get(predicate, _MIDDLE_CHAR)
    return f"{subject[1:-1]}\x00{rank}{predicate} {rest}"


def reading_order(lines: Iterable[str]) -> list[str]:
    """Subjects in IRI order; in each, rdf:type, labels, descriptions, the rest, the sources."""
    return sorted(lines, key=_reading_key)


# --- RDF syntaxes ----------------------------------------------------------------------------


def _is_text(lines: object) -> bool:
    """Lines given as one N-Triples text: bytes, or a file mapped into memory."""
    return isinstance(lines, (bytes, mmap.mmap))


def _triples(lines: Iterable[str] | bytes | mmap.mmap) -> Iterator[ox.Triple]:
    # lenient: the lines are Oxigraph's own canonical N-Triples, checked when they were loaded
    # (twice as fast without re-validating every IRI)
    source = lines if _is_text(lines) else _Reader(lines)
    return ox.parse(source, format=ox.RdfFormat.N_TRIPLES, lenient=True)


class _Reader(io.RawIOBase):
    """Lines (or pieces of UTF-8 text) read as one UTF-8 file, piece by piece (no joined copy
    of millions of lines)."""

    def __init__(self, lines: Iterable[str] = (), pieces: Iterable[bytes] | None = None) -> None:
        self._pieces = iter(pieces) if pieces is not None else _chunks(lines)
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            piece = next(self._pieces, None)
            if piece is None:
                return 0
            self._buffer = memoryview(piece)
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]  # a view: nothing is copied
        return n


def _used_prefixes(body: bytes, start: int = 0, end: int | None = None) -> dict[str, str]:
    """The candidate prefixes that ``body[start:end]`` writes (Oxigraph puts a line end, a
    space, a tab, "^^" or "(" before every prefixed name), in the candidates' order. One fast
    literal search per candidate: a used one is found near the start, an unused one costs one
    pass over the body (twice as fast as one regular expression with every name as an
    alternative)."""
    return {k: v for k, v in CANDIDATE_PREFIXES.items() if _writes(body, k, start, end)}


def _prefix_lines_end(text: bytes) -> int:
    """Where the text's leading @prefix lines end."""
    start = 0
    while text.startswith(b"@prefix ", start):
        start = text.find(b"\n", start) + 1 or len(text)
    return start


_PREFIXED_NAME = re.compile(rb"([A-Za-z][\w-]*):((?:[\w.-]|\\[/~.\-!$&'()*+,;=?#@%_])+)")


def _writes(body: bytes, name: str, start: int = 0, end: int | None = None) -> bool:
    """Does ``body[start:end]`` write a prefixed name with this prefix? (A fast literal search,
    then a look at the character before, as in :func:`_used_prefixes`.)"""
    needle = name.encode() + b":"
    end = len(body) if end is None else end
    position = body.find(needle, start, end)
    while position != -1:
        if position == start or body[position - 1 : position] in (b" ", b"\t", b"\n", b"("):
            return True
        if body[position - 2 : position] == b"^^":
            return True
        position = body.find(needle, position + 1, end)
    return False


def _unescape_names(body: bytes) -> tuple[bytes, set[str]]:
    """``size:aimf\\/cities-x`` is valid Turtle but hard to read and not every parser accepts it:
    write such names as full IRIs. ``\\/`` is no escape of a Turtle string, so every occurrence
    is inside a prefixed name; Oxigraph separates terms by a space or a line end. Returns the
    body and the prefixes of the names written out."""
    pieces: list[bytes] = []
    converted: set[str] = set()
    done = 0
    position = body.find(b"\\/")
    while position != -1:
        start = max(body.rfind(sep, 0, position) for sep in (b" ", b"\t", b"\n")) + 1
        ends = [i for i in (body.find(b" ", position), body.find(b"\n", position)) if i != -1]
        end = min(ends) if ends else len(body)
        match = _PREFIXED_NAME.fullmatch(body, start, end)
        if match and match.group(1).decode() in CANDIDATE_PREFIXES:
            namespace = CANDIDATE_PREFIXES[match.group(1).decode()].encode()
            local = match.group(2)
            if local.count(b"\\") == local.count(b"\\/"):  # the usual case: only "\/"
                local = local.replace(b"\\/", b"/")
            else:
                local = re.sub(rb"\\(.)", rb"\1", local)
            pieces += [body[done:start], b"<", namespace, local, b">"]
            converted.add(match.group(1).decode())
            done = end
        position = body.find(b"\\/", end)
    pieces.append(body[done:])
    return b"".join(pieces), converted


_PIECE = 8 << 20  # bytes of a rendered text handled (and written) at a time


def _with_header(body: bytes, comment: str) -> Iterator[bytes]:
    """Oxigraph writes its @prefix lines in hash order: write our own, in a fixed order and only
    those used, and a blank line between subjects (Turtle literals hold no raw newline). In
    pieces, read from the body in place: no whole copy of a text of hundreds of MB (at 10 M
    statements the Turtle is 450 MB, and each copy was one more in the build's peak)."""
    start, end = _prefix_lines_end(body), len(body)
    while end > start and body[end - 1] == 0x0A:  # the trailing line ends: one is written back
        end -= 1
    used = _used_prefixes(body, start, end)  # found early in the body: fast
    pieces: Iterable[bytes] = (body[a:b] for a, b in _line_pieces(body, start, end))
    if body.find(b"\\/", start, end) != -1:
        # names with "\/" are written out in full, piece by piece; a prefix that only such
        # names used is not declared (so all pieces are converted before the header is written)
        converted: list[bytes] = []
        names: set[str] = set()  # the prefixes of the names written out
        written: set[str] = set()  # the prefixes still written after that
        for piece in pieces:
            text, of_piece = _unescape_names(piece)
            names |= of_piece
            written |= {name for name in used.keys() - written if _writes(text, name)}
            converted.append(text)
        used = {k: v for k, v in used.items() if k not in names or k in written}
        converted.reverse()  # each piece let go of once written
        pieces = (converted.pop() for _ in range(len(converted)))
        del body  # (the converted pieces replace it)
    header = "".join(f"@prefix {k}: <{v}> .\n" for k, v in used.items())
    yield f"# {comment}\n{header}\n".encode()
    for piece in pieces:
        yield piece.replace(b" .\n", b" .\n\n")
    yield b"\n"


def _text_lines(text: bytes | mmap.mmap) -> Iterator[str]:
    """The lines of a UTF-8 text (each ending with a line end), about ``_PIECE`` bytes of
    them decoded at a time."""
    for start, stop in _line_pieces(text, 0, len(text)):
        yield from statement_lines(text[start:stop])


def _line_pieces(text: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` in pieces of about ``_PIECE`` bytes, each ending after a line end (so
    that no " .\n", and no term, spans two pieces)."""
    while start < end:
        stop = text.find(b"\n", min(start + _PIECE, end) - 1, end) + 1 or end
        yield start, stop
        start = stop


def turtle(lines: list[str] | bytes, comment: str = "citygraph", *, ordered: bool = False) -> bytes:
    """Readable Turtle of the given triple lines (see :func:`reading_order`; ``ordered``: the
    lines are in reading order already, maybe as one text)."""
    return b"".join(turtle_pieces(lines, comment, ordered=ordered))


def turtle_pieces(
    lines: list[str] | bytes | mmap.mmap, comment: str = "citygraph", *, ordered: bool = False
) -> Iterator[bytes]:
    """:func:`turtle`, in pieces (to be written without joining them)."""
    body = ox.serialize(
        _triples(lines if ordered else reading_order(lines)),
        format=ox.RdfFormat.TURTLE,
        prefixes=CANDIDATE_PREFIXES,
    )
    return _with_header(body, comment)


def trig(snapshot: Snapshot, comment: str) -> bytes:
    return b"".join(trig_pieces(snapshot, comment))


def trig_pieces(snapshot: Snapshot, comment: str) -> Iterator[bytes]:
    """TriG: the default graph, then each source's graph, each in reading order. The quads go
    to Oxigraph as one N-Quads text (its parser makes the quad objects, much faster than
    Python): each graph's lines joined, " ." at their ends made " <graph> ." (" .\n" ends lines
    only: N-Triples writes a line break in a literal as an escape)."""
    # (each graph sorted by its own reading keys: ranks looked up in a dict of the union's
    # reading order were faster alone but slower in a forked worker, whose copy-on-write pages
    # they touch)

    def graph_texts() -> Iterator[bytes]:
        for name, graph_lines in snapshot.quad_graphs().items():
            text = "\n".join(reading_order(graph_lines)) + "\n"
            yield (text.replace(" .\n", f" <{name}> .\n") if name else text).encode("utf-8")

    # one text, parsed fastest, where the graph is small enough to be rendered in parallel (the
    # shared text exists); above that, one graph's text at a time (10 M statements: 7 GB less)
    shared = snapshot.text_shared
    source = b"".join(graph_texts()) if shared else _Reader(pieces=graph_texts())
    quads = ox.parse(source, format=ox.RdfFormat.N_QUADS, lenient=True)
    body = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=CANDIDATE_PREFIXES)
    return _with_header(body, comment)


def ntriples(lines: list[str]) -> bytes:
    """Sorted canonical N-Triples: ``LC_ALL=C sort`` of the file gives the file back."""
    return b"".join(_chunks(lines))


def nquads(snapshot: Snapshot) -> bytes:
    """Sorted canonical N-Quads (``LC_ALL=C sort`` of the file gives the file back)."""
    return b"".join(_chunks(_sorted_quads(snapshot)))


_CHUNK = 100_000  # lines per piece written


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines as UTF-8 text, each with its line end, in pieces of ``_CHUNK`` lines: a file of
    millions of lines is written without holding it whole (or twice, as text and as bytes)."""
    piece: list[str] = []
    for line in lines:
        piece.append(line)
        if len(piece) == _CHUNK:
            yield ("\n".join(piece) + "\n").encode("utf-8")
            piece = []
    if piece:
        yield ("\n".join(piece) + "\n").encode("utf-8")


def _sorted_quads(snapshot: Snapshot) -> Iterator[str]:
    """Every quad line, in the order of ``sorted()`` on all of them, without making that list:
    each graph's lines are sorted (in place), then merged. Adding the same " <graph> ." to every
    line of a graph keeps their order, because the text of a triple never continues another's
    (terms end with ">", '"', a language tag or a datatype, and a space follows)."""
    import heapq

    streams: list[Iterator[str]] = []
    for name, lines in snapshot.quad_graphs().items():
        lines.sort()
        streams.append(_in_graph(lines, name) if name else iter(lines))
    return heapq.merge(*streams)


def _in_graph(lines: list[str], graph: str) -> Iterator[str]:
    """Triple lines as quad lines of one named graph."""
    suffix = f" <{graph}> ."
    return (line[:-2] + suffix for line in lines)


_XMLNS = re.compile(rb'\s+xmlns:[A-Za-z0-9_.-]+="[^"]*"')


def rdfxml(lines: list[str] | bytes, *, ordered: bool = False) -> bytes:
    return b"".join(rdfxml_pieces(lines, ordered=ordered))


def rdfxml_pieces(
    lines: list[str] | bytes | mmap.mmap, *, ordered: bool = False, scratch: Path | None = None
) -> Iterator[bytes]:
    """RDF/XML; the namespace declarations, which Oxigraph writes in hash order, are sorted.
    With ``scratch`` (a file name), Oxigraph writes its text there and it is read back in
    pieces, then deleted: no copy of it in memory (920 MB at 10 M statements, held twice as
    Oxigraph hands it over). Else the text is returned by Oxigraph and read in place."""
    # the candidates whose namespace begins some IRI of the data, read piece by piece
    left = {k: f"<{v}".encode() for k, v in CANDIDATE_PREFIXES.items()}
    for piece in [lines] if _is_text(lines) else _chunks(lines):
        # (find, not "in": on a mapped file "in" looks for one byte)
        left = {k: needle for k, needle in left.items() if piece.find(needle) == -1}
    used = {k: v for k, v in CANDIDATE_PREFIXES.items() if k not in left}
    triples = _triples(lines if ordered else reading_order(lines))
    if scratch is not None:
        return _rdfxml_through(scratch, triples, used)
    body = ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=used)
    start, end = _root_element(body)
    view = memoryview(body)
    return iter((view[:start], _sorted_root(body, start, end), view[end:]))


def _root_element(text: bytes) -> tuple[int, int]:
    """Where the root element's start tag begins, and where its ">" is."""
    start = text.find(b"<rdf:RDF")
    return start, text.find(b">", start)


def _sorted_root(text: bytes, start: int, end: int) -> bytes:
    declarations = sorted(m.group(0).strip() for m in _XMLNS.finditer(text, start, end))
    return b"<rdf:RDF " + b" ".join(declarations)


def _rdfxml_through(scratch: Path, triples: Iterator[Any], used: dict[str, str]) -> Iterator[bytes]:
    try:
        ox.serialize(triples, output=str(scratch), format=ox.RdfFormat.RDF_XML, prefixes=used)
        with open(scratch, "rb") as handle:
            head = handle.read(_PIECE)
            while True:  # the root's start tag ends in the head (read more if it is that long)
                start, end = _root_element(head)
                more = b"" if start != -1 and end != -1 else handle.read(_PIECE)
                if not more:
                    break
                head += more
            yield head[:start]
            yield _sorted_root(head, start, end)
            yield head[end:]
            while piece := handle.read(_PIECE):
                yield piece
    finally:
        scratch.unlink(missing_ok=True)


# --- JSON-LD ---------------------------------------------------------------------------------


@cache
def context_document() -> dict[str, Any]:
    """The JSON-LD context shipped with the package (``ontology/context.jsonld``)."""
    return json.loads((resources.ontology_dir() / CONTEXT_FILE).read_text(encoding="utf-8"))


def context_bytes() -> bytes:
    return (resources.ontology_dir() / CONTEXT_FILE).read_bytes()


@dataclass(frozen=True)
class _Term:
    name: str
    kind: str  # "id", "lang", "typed", "plain"
    datatype: str | None = None


class _Compactor:
    """Compaction by the context's own term definitions: the writer and the context cannot
    disagree, and an independent processor (pyld) expands the file back to the same graph."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.prefixes: list[tuple[str, str]] = []
        self._compact: dict[str, str] = {}
        plain: dict[str, str] = {}
        defs: dict[str, Any] = {}
        for key, value in context.items():
            if key.startswith("@"):
                continue
            if isinstance(value, str) and value.endswith(("/", "#")):
                self.prefixes.append((key, value))
            else:
                defs[key] = value
        self.prefixes.sort(key=lambda kv: -len(kv[1]))
        self.properties: dict[str, _Term] = {}
        self.classes: dict[str, str] = {}
        for name, definition in defs.items():
            if isinstance(definition, str):
                iri = self.expand(definition)
                plain[iri] = name
                self.classes[iri] = name
                self.properties[iri] = _Term(name, "plain")
                continue
            iri = self.expand(definition["@id"])
            kind, datatype = "plain", None
            if definition.get("@type") == "@id":
                kind = "id"
            elif definition.get("@container") == "@language":
                kind = "lang"
            elif "@type" in definition:
                kind, datatype = "typed", self.expand(definition["@type"])
            self.properties[iri] = _Term(name, kind, datatype)

    def expand(self, value: str) -> str:
        prefix, _, suffix = value.partition(":")
        for name, iri in self.prefixes:
            if name == prefix and not suffix.startswith("//"):
                return iri + suffix
        return value

    def iri(self, iri: str) -> str:
        """A compact IRI ``prefix:suffix`` where one fits, else the IRI itself (memoised: the
        same IRIs come back on every node)."""
        try:
            return self._compact[iri]
        except KeyError:
            compact = self._compact[iri] = self._iri(iri)
            return compact

    def _iri(self, iri: str) -> str:
        for name, namespace in self.prefixes:
            if iri.startswith(namespace):
                suffix = iri[len(namespace) :]
                if suffix and not suffix.startswith("//"):
                    return f"{name}:{suffix}"
        return iri

    def vocab(self, iri: str) -> str:
        return self.classes.get(iri) or self.iri(iri)


_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_XSD = "http://www.w3.org/2001/XMLSchema#"


_ID, _LANG, _TYPED = 0, 1, 2  # an object is an IRI or blank node, a language string, or typed
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    """N-Triples escapes (ECHAR and UCHAR) resolved."""

    def one(match: re.Match[str]) -> str:
        short, long, char = match.groups()
        return chr(int(short or long, 16)) if char is None else _ECHAR.get(char, char)

    return _ESCAPE.sub(one, text) if "\\" in text else text


def _object(text: str) -> tuple[int, str, str | None]:
    """An N-Triples object term: (kind, value, language tag or datatype IRI). A blank node keeps
    its "_:" label, which is how JSON-LD names blank nodes too. (The last quote of a literal
    closes it: neither a language tag nor an IRI holds one.)"""
    if text[0] == "<":
        return _ID, _unescape(text[1:-1]), None
    if text[0] == "_":
        return _ID, text, None
    close = text.rfind('"')
    value = _unescape(text[1:close])
    suffix = text[close + 1 :]
    if suffix.startswith("@"):
        return _LANG, value, suffix[1:]
    return _TYPED, value, suffix[3:-1] if suffix else _XSD + "string"


def _value(kind: int, value: str, extra: str | None, c: _Compactor, coerced: str | None) -> Any:
    """One object as JSON-LD; a native JSON value only where it expands to the very same literal."""
    if kind == _ID:
        return {"@id": c.iri(value)}
    if kind == _LANG:
        return {"@value": value, "@language": extra}
    datatype = extra
    if datatype == coerced:
        return value
    if coerced is None:
        if datatype == _XSD + "string":
            return value
        if datatype == _XSD + "integer" and _INTEGER.fullmatch(value):
            return int(value)
        if datatype == _XSD + "boolean" and value in ("true", "false"):
            return value == "true"
    if datatype == _XSD + "string":
        return {"@value": value}
    return {"@value": value, "@type": c.iri(datatype or "")}


def _add(node: dict[str, Any], key: str, value: Any) -> None:
    node.setdefault(key, []).append(value)


_TYPE_IRI = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _node(subject: str, pairs: list[tuple[str, str]], c: _Compactor) -> dict[str, Any]:
    """A subject's node from its (predicate, object) N-Triples terms."""
    node: dict[str, Any] = {"@id": c.iri(_object(subject)[1])}
    for predicate, text in pairs:
        p = _unescape(predicate[1:-1])
        kind, value, extra = _object(text)
        if kind == _ID and p == _TYPE_IRI and text[0] == "<":
            _add(node, "@type", c.vocab(value))
            continue
        term = c.properties.get(p)
        if term is None:
            _add(node, c.iri(p), _value(kind, value, extra, c, None))
        elif term.kind == "id":
            if kind == _ID:
                _add(node, term.name, c.iri(value))
            else:
                _add(node, term.name, _value(kind, value, extra, c, "@id"))
        elif term.kind == "lang":
            if kind == _LANG or (kind == _TYPED and extra == _XSD + "string"):
                language = extra if kind == _LANG else "@none"
                node.setdefault(term.name, {}).setdefault(language, []).append(value)
            else:
                _add(node, c.iri(p), _value(kind, value, extra, c, None))
        else:
            _add(node, term.name, _value(kind, value, extra, c, term.datatype))
    for key, values in node.items():
        if isinstance(values, list) and len(values) == 1:
            node[key] = values[0]
        elif isinstance(values, dict):
            node[key] = {k: v[0] if len(v) == 1 else v for k, v in values.items()}
    return node


def jsonld(lines: Iterable[str], *, ordered: bool = False) -> bytes:
    """Compacted JSON-LD: the context inline (so the file stands alone), one node per subject in
    IRI order and one line per node, keys in the Turtle's reading order (``ordered``: the lines
    are in reading order already)."""
    return b"".join(jsonld_pieces(lines if ordered else reading_order(lines)))


def jsonld_pieces(ordered: Iterable[str]) -> Iterator[bytes]:
    """:func:`jsonld` of lines in reading order, as pieces of bytes (a node per line, written by
    json's C encoder: an indented dump goes through its Python encoder, several times slower)."""
    context = context_document()["@context"]
    compactor = _Compactor(context)
    head = json.dumps(context, indent=1, ensure_ascii=False).replace("\n", "\n ")
    pending: list[str] = []
    separator = "\n  "
    yield f'{{\n "@context": {head},\n "@graph": ['.encode()
    for node in _nodes(ordered, compactor):
        pending.append(separator + json.dumps(node, ensure_ascii=False))
        separator = ",\n  "
        if len(pending) == 10_000:
            yield "".join(pending).encode("utf-8")
            pending = []
    yield ("".join(pending) + ("\n ]\n}\n" if separator != "\n  " else "]\n}\n")).encode("utf-8")


def _nodes(ordered: Iterable[str], compactor: _Compactor) -> Iterator[dict[str, Any]]:
    """The nodes of lines in reading order, read as text (no Python object per term: N-Triples
    separates subject, predicate and object by single spaces, and neither an IRI nor a blank
    node label holds a space)."""
    subject: str | None = None
    pairs: list[tuple[str, str]] = []
    for line in ordered:
        s, p, o = line[:-2].split(" ", 2)
        if s != subject:
            if subject is not None:
                yield _node(subject, pairs, compactor)
            subject, pairs = s, []
        pairs.append((p, o))
    if subject is not None:
        yield _node(subject, pairs, compactor)


# --- CSV -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    datatype: str = "string"
    multiple: bool = False  # several values, separated by "|"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    query: str | tuple[str, ...]  # several queries: their rows are merged by key
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # rows kept only where the other queries gave none for the same key (ignoring the first key
    # column that is empty in them): memberships stated by org:memberOf alone
    fallback: str | None = None

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


_Q = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
PREFIX cg: <https://w3id.org/citygraph/ontology#>
"""

_SOURCE = Column(
    "source",
    "The source that states the facts of this row (id:source/...); "
    "a fact stated by several sources has one row per source.",
    "anyURI",
)

TABLES: tuple[Table, ...] = (
    Table(
        "organizations",
        "Organizations",
        "Networks, associations, international bodies, programmes, forums, charters and internal "
        "units, one row per organization and source.",
        _Q
        + """SELECT ?g ?id ?kind ?label_fr ?label_en ?alt_label ?founding_date ?founding_location
  ?dissolution_date ?seat ?url ?part_of ?same_as WHERE { GRAPH ?g {
  VALUES ?std { org:FormalOrganization org:OrganizationalCollaboration org:OrganizationalUnit }
  ?id a ?std .
  OPTIONAL { ?id a ?kind FILTER(STRSTARTS(STR(?kind), STR(cg:))) }
  OPTIONAL { ?id rdfs:label ?label_fr FILTER(LANGMATCHES(LANG(?label_fr), "fr")) }
  OPTIONAL { ?id rdfs:label ?label_en FILTER(LANGMATCHES(LANG(?label_en), "en")) }
  OPTIONAL { ?id skos:altLabel ?alt_label }
  OPTIONAL { ?id schema:foundingDate ?founding_date }
  OPTIONAL { ?id schema:foundingLocation ?founding_location }
  OPTIONAL { ?id schema:dissolutionDate ?dissolution_date }
  OPTIONAL { ?id schema:location ?seat }
  OPTIONAL { ?id schema:url ?url }
  OPTIONAL { ?id org:subOrganizationOf|org:unitOf ?part_of }
  OPTIONAL { ?id owl:sameAs ?same_as }
} }""",
        (
            Column("id", "IRI of the organization.", "anyURI"),
            Column(
                "kind",
                "Its citygraph class (CityNetwork, InternationalBody, Programme, "
                "Forum, Charter, InternalUnit).",
                multiple=True,
            ),
            Column("label_fr", "Name in French."),
            Column("label_en", "Name in English."),
            Column("alt_label", "Other names and acronyms.", multiple=True),
            Column(
                "founding_date",
                "Founding (or signing) date, at the precision the source "
                "gives: YYYY, YYYY-MM or YYYY-MM-DD.",
                multiple=True,
            ),
            Column("founding_location", "City where it was founded or signed.", "anyURI", True),
            Column("dissolution_date", "Date it ended, if it did.", multiple=True),
            Column("seat", "City of its seat or secretariat.", "anyURI", True),
            Column("url", "Website.", "anyURI", True),
            Column("part_of", "Organization it is a section or unit of.", "anyURI", True),
            Column("same_as", "The same organization in Wikidata or elsewhere.", "anyURI", True),
            _SOURCE,
        ),
        ("id", "source"),
    ),
    Table(
        "cities",
        "Cities",
        "Cities, one row per city and source.",
        _Q
        + """SELECT ?g ?id ?label_fr ?label_en ?country ?lat ?long ?same_as WHERE { GRAPH ?g {
  ?id a schema:City .
  OPTIONAL { ?id rdfs:label ?label_fr FILTER(LANGMATCHES(LANG(?label_fr), "fr")) }
  OPTIONAL { ?id rdfs:label ?label_en FILTER(LANGMATCHES(LANG(?label_en), "en")) }
  OPTIONAL { ?id schema:addressCountry ?country }
  OPTIONAL { ?id geo:lat ?lat }
  OPTIONAL { ?id geo:long ?long }
  OPTIONAL { ?id owl:sameAs ?same_as }
} }""",
        (
            Column("id", "IRI of the city.", "anyURI"),
            Column("label_fr", "Name in French."),
            Column("label_en", "Name in English."),
            Column("country", "Country, ISO 3166-1 alpha-2 code.", multiple=True),
            Column("lat", "Latitude (WGS84, decimal degrees).", "decimal", True),
            Column("long", "Longitude (WGS84, decimal degrees).", "decimal", True),
            Column("same_as", "The same city in Wikidata or GeoNames.", "anyURI", True),
            _SOURCE,
        ),
        ("id", "source"),
    ),
    Table(
        "memberships",
        "Memberships",
        "Who is a member of what, one row per membership and source, with role and period.",
        (
            # three simple queries joined here: one query with OPTIONAL property paths and a
            # FILTER NOT EXISTS took 80 s on 100,000 memberships, these take 3 s
            _Q
            + """SELECT ?g ?member ?organization ?membership ?role WHERE { GRAPH ?g {
  ?membership a org:Membership ; org:member ?member ; org:organization ?organization .
  OPTIONAL { ?membership org:role ?role }
} }""",
            _Q
            + """SELECT ?g ?member ?organization ?membership ?begin ?end WHERE { GRAPH ?g {
  ?membership a org:Membership ; org:member ?member ; org:organization ?organization ;
    org:memberDuring ?during .
  OPTIONAL { ?during time:hasBeginning ?b . ?b ?bp ?begin
             FILTER(?bp IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear)) }
  OPTIONAL { ?during time:hasEnd ?e . ?e ?ep ?end
             FILTER(?ep IN (time:inXSDDate, time:inXSDgYearMonth, time:inXSDgYear)) }
} }""",
        ),
        (
            Column("member", "IRI of the member (a city or an organization).", "anyURI"),
            Column("organization", "IRI of the organization it is a member of.", "anyURI"),
            Column(
                "membership",
                "IRI of the membership node (empty when the source states only org:memberOf).",
                "anyURI",
            ),
            Column("role", "Role of the member (member, founding member, party).", "anyURI", True),
            Column("begin", "Start of the membership: YYYY, YYYY-MM or YYYY-MM-DD.", multiple=True),
            Column("end", "End of the membership, if it ended.", multiple=True),
            _SOURCE,
        ),
        ("member", "organization", "membership", "source"),
        fallback=_Q + "SELECT ?g ?member ?organization WHERE { GRAPH ?g { "
        "?member org:memberOf ?organization } }",
    ),
    Table(
        "events",
        "Change events",
        "Mergers, successions and renamings, one row per event and source.",
        _Q
        + """SELECT ?g ?id ?kind ?date ?original ?resulting WHERE { GRAPH ?g {
  ?id a org:ChangeEvent .
  OPTIONAL { ?id a ?kind FILTER(STRSTARTS(STR(?kind), STR(cg:))) }
  OPTIONAL { ?id dcterms:date ?date }
  OPTIONAL { ?id org:originalOrganization ?original }
  OPTIONAL { ?id org:resultingOrganization ?resulting }
} }""",
        (
            Column("id", "IRI of the event.", "anyURI"),
            Column("kind", "Merger, Succession or Renaming.", multiple=True),
            Column("date", "Date of the change: YYYY, YYYY-MM or YYYY-MM-DD.", multiple=True),
            Column("original", "Organizations before the change.", "anyURI", True),
            Column("resulting", "Organization after the change.", "anyURI", True),
            _SOURCE,
        ),
        ("id", "source"),
    ),
    Table(
        "reported_sizes",
        "Reported sizes",
        "Figures the sources report (members, countries, seats, membership thresholds), "
        "one row per figure and source.",
        _Q
        + """SELECT ?g ?id ?of ?relation ?value ?min_value ?unit ?date ?approximate WHERE {
  GRAPH ?g {
  ?id a schema:QuantitativeValue .
  OPTIONAL { ?of ?relation ?id }
  OPTIONAL { ?id schema:value ?value }
  OPTIONAL { ?id schema:minValue ?min_value }
  OPTIONAL { ?id schema:unitText ?unit }
  OPTIONAL { ?id dcterms:date ?date }
  OPTIONAL { ?id cg:approximate ?approximate }
} }""",
        (
            Column("id", "IRI of the figure.", "anyURI"),
            Column("of", "Organization or unit the figure is about.", "anyURI", True),
            Column(
                "relation",
                "How it is linked (cg:reportedSize, cg:seatShare, cg:membershipCriterion).",
                "anyURI",
                True,
            ),
            Column("value", "The figure.", "integer", True),
            Column("min_value", 'A lower bound ("more than ...").', "integer", True),
            Column("unit", "What is counted.", multiple=True),
            Column("date", "When the figure was reported.", multiple=True),
            Column(
                "approximate",
                "true when the source says the figure is approximate.",
                "boolean",
                True,
            ),
            _SOURCE,
        ),
        ("id", "source"),
    ),
    Table(
        "sources",
        "Sources",
        "The documents the facts come from; each has a named graph in the quad exports.",
        _Q
        + """SELECT ?g ?id ?title ?url ?language ?date WHERE { GRAPH ?g {
  ?id a dcterms:BibliographicResource .
  OPTIONAL { ?id dcterms:title ?title }
  OPTIONAL { ?id schema:url ?url }
  OPTIONAL { ?id dcterms:language ?language }
  OPTIONAL { ?id dcterms:issued|dcterms:date ?date }
} }""",
        (
            Column("id", "IRI of the source.", "anyURI"),
            Column("title", "Title of the document.", multiple=True),
            Column("url", "Where to read it.", "anyURI", True),
            Column("language", "Language (ISO 639-1).", multiple=True),
            Column("date", "Publication date, when known.", multiple=True),
            Column("graph", "The named graph holding its statements.", "anyURI"),
        ),
        ("id", "graph"),
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)


def table_named(name: str) -> Table:
    for table in TABLES:
        if table.name == name:
            return table
    raise UsageError(f"unknown table {name!r}: use one of {', '.join(TABLE_NAMES)}")


def _source_of(graph: str) -> str:
    return f"{SOURCE}{graph[len(str(GRAPH)) :]}" if graph.startswith(str(GRAPH)) else graph


def table_rows(kg: KnowledgeGraph, table: Table) -> list[list[str]]:
    """The table's rows, sorted: the query's rows grouped by the key, several values of a
    column joined with "|" in sorted order (so no value is silently dropped)."""
    names = [c.name for c in table.columns]
    source_column = names.index("source" if "source" in names else "graph")
    key_columns = [names.index(k) for k in table.key]
    short_key = [i for i, k in enumerate(table.key) if k != "membership"]
    grouped: dict[tuple[str, ...], list[list[str]]] = {}  # key -> the rows' values

    def merge(query: str, only_new: bool) -> None:
        covered = {tuple(key[i] for i in short_key) for key in grouped} if only_new else set()
        # lists, "" where unbound (the queries read the sources' graphs, not their union)
        variables, rows = kg.select_text(query, raw=True, named_graphs_only=True)
        at = {v: i for i, v in enumerate(variables)}
        graph_at = at["g"]
        # each column's place in a row; a column the query does not give (and the source, set
        # below) reads the "" appended to every row
        blank = len(variables)
        columns = [at.get(name, blank) for name in names]
        columns[source_column] = blank
        pick, pick_key = itemgetter(*columns), itemgetter(*key_columns)
        if len(key_columns) == 1:
            pick_key = lambda values: (values[key_columns[0]],)  # noqa: E731 (a tuple, as above)
        kind = names.index("kind") if "kind" in at else -1
        sources: dict[str, str] = {}
        for row in rows:
            graph = row[graph_at]
            source = sources.get(graph)
            if source is None:
                source = graph if names[source_column] == "graph" else _source_of(graph)
                sources[graph] = source
            row.append("")
            values = list(pick(row))
            values[source_column] = source
            if kind >= 0:
                values[kind] = values[kind].rpartition("#")[2]
            key = pick_key(values)
            if only_new and tuple(key[i] for i in short_key) in covered:
                continue
            same_key = grouped.get(key)
            if same_key is None:
                grouped[key] = [values]
            else:
                same_key.append(values)

    with collector.paused():  # a million rows at L: see collector.py
        for query in (table.query,) if isinstance(table.query, str) else table.query:
            merge(query, only_new=False)
        if table.fallback:
            merge(table.fallback, only_new=True)
        rows = [found[0] if len(found) == 1 else _merged(found) for found in grouped.values()]
    rows.sort()
    return rows


def _merged(rows: list[list[str]]) -> list[str]:
    """Rows of one key as one: each column's distinct values, sorted, joined with "|"."""
    return ["|".join(sorted(set(column) - {""})) for column in zip(*rows, strict=True)]


def table_csv(kg: KnowledgeGraph, table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    writer.writerows(table_rows(kg, table))
    return out.getvalue().encode("utf-8")


def csvw_metadata(license_iri: str) -> bytes:
    """CSV on the Web metadata describing every table and column (W3C CSVW)."""
    tables = []
    for table in TABLES:
        columns = []
        for column in table.columns:
            described: dict[str, Any] = {
                "name": column.name,
                "titles": column.name,
                "dc:description": column.description,
                "datatype": column.datatype,
            }
            if column.multiple:
                described["separator"] = "|"
            if column.name in table.key and column.name != "membership":
                described["required"] = True
            columns.append(described)
        tables.append(
            {
                "url": table.file,
                "dc:title": table.title,
                "dc:description": table.description,
                "tableSchema": {
                    "columns": columns,
                    "primaryKey": [k for k in table.key if k != "membership"],
                },
            }
        )
    document = {
        "@context": "http://www.w3.org/ns/csvw",
        "dc:title": "citygraph: city networks as tidy tables",
        "dc:license": {"@id": license_iri},
        "dialect": {"header": True, "encoding": "utf-8", "lineTerminators": ["\r\n"]},
        "tables": tables,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def csv_files(kg: KnowledgeGraph) -> dict[str, bytes]:
    """Every table plus csv-metadata.json, by file name."""
    from .catalog import LICENSE

    files = {table.file: table_csv(kg, table) for table in TABLES}
    files[CSVW_METADATA] = csvw_metadata(str(LICENSE))
    return files


# --- one format, or the whole distribution ---------------------------------------------------


def _comment() -> str:
    from . import __version__

    return f"citygraph {__version__}: an open knowledge graph of city networks (generated file)"


Renderer = Callable[[Snapshot], bytes]

RENDERERS: dict[str, Renderer] = {
    "turtle": lambda s: turtle(s.reading_input(), _comment(), ordered=True),
    "ntriples": lambda s: ntriples(s.triples),
    "nquads": nquads,
    "trig": lambda s: trig(s, _comment()),
    "jsonld": lambda s: jsonld(s.reading_lines(), ordered=True),
    "rdfxml": lambda s: rdfxml(s.reading_input(), ordered=True),
}


def render(kg: KnowledgeGraph, fmt: str, snapshot: Snapshot | None = None) -> bytes:
    """The graph in one RDF format. Triple formats hold the union of the sources."""
    check_format(fmt)
    if fmt == "csv":
        raise UsageError("csv is a set of tables: name one with --table, or give -o a folder")
    return RENDERERS[fmt](snapshot or Snapshot.of(kg))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Above this many triples the RDF formats are rendered by worker processes (forked, so they share
# the snapshot without copying it) while this process writes the CSV tables: the writers are pure
# functions of the snapshot and give the same bytes in any process.
PARALLEL_THRESHOLD = 200_000
# Above this, the workers' copies of the snapshot (fork shares pages until Python's reference counts
# touch them) would not fit beside the store on a 24 GB machine: measured at 10 M statements, a
# worker was killed. Such graphs are rendered here, one format after another.
PARALLEL_LIMIT = 3_000_000


def stop_pool(pool: Any, pending: list[Any]) -> None:
    """Shut a pool of forked workers down; if some of its work is unfinished (the build gave
    up, and will not use it), its processes are ended at once rather than waited for."""
    if not all(future.done() for future in pending):
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive():
                process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class WrittenFile:
    """A file already on disk: all that the catalog and ``SHA256SUMS`` need of it."""

    size: int
    sha256: str


def put(folder: Path, name: str, data: bytes | Iterable[bytes]) -> WrittenFile:
    """Write ``data`` (bytes, or pieces of bytes) to ``folder/name``; its size and checksum."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
        return WrittenFile(len(data), sha256(data))
    digest, size = hashlib.sha256(), 0
    with open(path, "wb") as handle:
        for piece in data:
            handle.write(piece)
            digest.update(piece)
            size += len(piece)
    return WrittenFile(size, digest.hexdigest())


# The line-based formats are written piece by piece (same bytes as their renderers).
# (each is given the snapshot and the folder being written: RDF/XML goes through a file there)
STREAMERS: dict[str, Callable[[Snapshot, Path], Iterable[bytes]]] = {
    "turtle": lambda s, _: turtle_pieces(s.reading_input(), _comment(), ordered=True),
    "trig": lambda s, _: trig_pieces(s, _comment()),
    "rdfxml": lambda s, folder: rdfxml_pieces(
        s.reading_input(), ordered=True, scratch=folder / f".{FILES['rdfxml']}.part"
    ),
    "jsonld": lambda s, _: jsonld_pieces(s.reading_lines()),
    "ntriples": lambda s, _: _chunks(s.triples),
    "nquads": lambda s, _: _chunks(_sorted_quads(s)),
}


def render_file(folder: Path, fmt: str, snapshot: Snapshot) -> WrittenFile:
    """Write one RDF format's file from the snapshot."""
    streamer = STREAMERS.get(fmt)
    data = streamer(snapshot, folder) if streamer else RENDERERS[fmt](snapshot)
    return put(folder, FILES[fmt], data)


def _reuse_freed_memory() -> None:
    """Let glibc's malloc keep freed memory for the next allocation instead of giving it back.

    Each writer makes several large temporary buffers (a joined text, the serialised bytes, the
    copies of the header pass); by default each one above 32 MB is a fresh mmap whose pages the
    kernel must fault in and zero, then an munmap. Measured on the six writers at 1.1 M
    statements: 4.2 s of system time, 1.6 s with freed memory reused (peak +0.4 GB). Only for
    the parallel path (up to ``PARALLEL_LIMIT`` statements), where that peak fits; a no-op
    where the C library is not glibc."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        return
    m_trim_threshold, m_mmap_max = -1, -4  # glibc's malloc.h
    mallopt(m_mmap_max, 0)  # large blocks from the heap, so that they can be reused
    # and freed ones kept, up to 256 MB at the top of the heap (with 1 GB the M build's
    # processes held 3.0 GB between them, with 256 MB 2.8-2.9 GB, in the same time)
    mallopt(m_trim_threshold, 2**28)


_SHARED: Snapshot | None = None
_FACTS = "catalog facts"
# the union in reading order, for the second process of a large graph (deleted once it is done)
_READING_TEXT = ".citygraph-reading.nt.part"


def _render_from_text(fmt: str, text: Path, folder: Path) -> tuple[str, WrittenFile]:
    """Write one format that reads only the union in reading order (Turtle, RDF/XML, JSON-LD)
    from the file of that text, mapped into memory; its size and checksum."""
    with open(text, "rb") as handle:
        if handle.seek(0, 2) == 0:  # (an empty file cannot be mapped)
            return FILES[fmt], render_file(folder, fmt, Snapshot({}, [], _reading_text=b""))
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            snapshot = Snapshot({}, [], _reading_text=mapped)
            return FILES[fmt], render_file(folder, fmt, snapshot)


class _TextWriter:
    """A second Python process that writes formats from a file of the reading text
    (:func:`text_writer_main`). It reports each file as it is written, one line each, and
    ends by itself if this process ends (its standard input, a pipe from here, closes)."""

    def __init__(self, process: Any) -> None:
        self.process = process

    @classmethod
    def start(cls, text: Path, folder: Path, formats: Iterable[str]) -> _TextWriter | None:
        import subprocess
        import sys

        package = Path(__file__).resolve().parent  # the citygraph this process runs, exactly
        command = [sys.executable, "-c", _TEXT_WRITER, str(package), str(text), str(folder)]
        try:
            process = subprocess.Popen(
                [*command, *formats],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # no interpreter to start (an embedded Python): all is done here
            return None
        return cls(process)

    def written(self) -> dict[str, WrittenFile]:
        """The files it wrote, once it has ended (all of them, unless it was stopped)."""
        out = self.process.stdout.read()  # (not communicate(): closing its input ends it)
        self.process.wait()
        files = {}
        for line in out.decode("utf-8").splitlines():
            name, size, digest = line.split(" ")
            files[name] = WrittenFile(int(size), digest)
        return files

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


# the second process: the citygraph package at argv[1] (loaded from there, whatever the second
# Python's own path holds), then text_writer_main on the rest of the arguments
_TEXT_WRITER = """
import importlib.util, sys
package = sys.argv[1]
spec = importlib.util.spec_from_file_location(
    "citygraph", package + "/__init__.py", submodule_search_locations=[package]
)
module = importlib.util.module_from_spec(spec)
sys.modules["citygraph"] = module
spec.loader.exec_module(module)
from citygraph.export import text_writer_main
text_writer_main(sys.argv[2:])
"""


def text_writer_main(argv: list[str]) -> None:
    """The second process of a large graph's exports: ``TEXT FOLDER FORMAT...``. Writes each
    format into FOLDER from the reading text in TEXT and prints ``NAME SIZE SHA256`` for it."""
    import os
    import sys
    import threading

    def end_with_the_parent() -> None:
        sys.stdin.buffer.read()  # returns when the parent closes the pipe, or ends
        os._exit(1)

    threading.Thread(target=end_with_the_parent, daemon=True).start()
    text, folder, *formats = argv
    for fmt in formats:
        name, written = _render_from_text(fmt, Path(text), Path(folder))
        print(name, written.size, written.sha256, flush=True)


def _render_shared(task: str, folder: Path) -> tuple[str, Any]:
    """Write one format's file (or compute the catalog's facts about the data) from the shared
    snapshot; the worker sends back only the file's size and checksum, not its bytes."""
    assert _SHARED is not None
    if task == _FACTS:
        from .catalog import snapshot_facts

        return task, snapshot_facts(_SHARED)
    return FILES[task], render_file(folder, task, _SHARED)


class Distribution:
    """The files of ``dist/``, rendered from one snapshot into ``folder`` (a staging folder).

    Made in two steps so that a build can check the graph while the files are being written.
    Creating it takes the snapshot and, on a graph of moderate size (``PARALLEL_THRESHOLD`` to
    ``PARALLEL_LIMIT`` statements), starts two forked workers that render and write the RDF
    formats (they share the snapshot's pages, and send back only sizes and checksums);
    :meth:`write` then writes the CSV tables here, waits for the workers and adds the catalog
    and the checksums. On a larger graph, :meth:`write` writes the CSV tables first and then
    takes the snapshot (the tables' rows and the snapshot are not held at once), and the RDF
    formats are rendered once the graph may be let go of: three by a second, fresh process
    from a file of the union in reading order (forked workers that read the snapshot's
    millions of lines would copy their pages), the others here. The writers are pure
    functions of the snapshot: the same bytes in any process, in any order. Without workers,
    each file is written as soon as it is rendered, so that only one file's bytes are held at
    a time.
    ``tell``, if given, is told each stage as it starts (a large build says them at a
    terminal).
    """

    def __init__(
        self, kg: KnowledgeGraph, folder: Path, tell: Callable[[str], None] | None = None
    ) -> None:
        self.kg = kg
        self.folder = Path(folder)
        self.tell = tell or (lambda _message: None)
        self._pool: Any = None
        self._pending: list[Any] = []
        self._facts: Any = None
        self._snapshot: Snapshot | None = None
        self.large = kg.has_more_than(PARALLEL_LIMIT)
        if not self.large:
            self._take_snapshot()
            if len(self.snapshot.triples) >= PARALLEL_THRESHOLD and can_fork():
                self._start()

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot the files are rendered from (on a large graph, taken by :meth:`write`
        once the tables are written)."""
        if self._snapshot is None:
            raise RuntimeError("the snapshot of a large graph is taken by write()")
        return self._snapshot

    def _take_snapshot(self) -> None:
        self.tell("taking the snapshot of the graph for the exports")
        self._snapshot = Snapshot.of(self.kg)

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _reuse_freed_memory()  # before the fork: the workers inherit it
        global _SHARED
        self.snapshot.share_reading_text()  # made once here, shared by the workers
        _SHARED = self.snapshot
        self._pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"))
        # the slowest first, so that the two workers finish together
        order = ("jsonld", "trig", "turtle", "rdfxml", _FACTS, "nquads", "ntriples")
        self._pending = [self._pool.submit(_render_shared, task, self.folder) for task in order]

    def _rendered(self) -> dict[str, WrittenFile]:
        if self._pool is not None:
            try:
                self.tell("waiting for the RDF files")
                done = dict(future.result() for future in self._pending)
                self._facts = done[_FACTS]
                return {FILES[fmt]: done[FILES[fmt]] for fmt in RDF_FORMATS}
            except BrokenProcessPool:  # a worker was killed (out of memory): do it here instead
                pass
            finally:
                self.close()
        if self.large:
            return self._rendered_beside_a_worker()
        return self._rendered_here(RDF_FORMATS)

    def _rendered_here(self, formats: Iterable[str]) -> dict[str, WrittenFile]:
        rendered = {}
        for fmt in formats:
            self.tell(f"writing {FILES[fmt]}")
            rendered[FILES[fmt]] = render_file(self.folder, fmt, self.snapshot)
        return rendered

    def _rendered_beside_a_worker(self) -> dict[str, WrittenFile]:
        """A large graph's RDF formats: Turtle, RDF/XML and JSON-LD by a second process, the
        line formats, TriG and the catalog's facts here. The second process is a fresh Python
        (not forked: whatever pages of the snapshot either process then touched would be
        copied, 2 GB at 10 M statements; not multiprocessing's "spawn" either, which runs the
        calling program's main module again) and reads the union in reading order from a file
        in the staging folder, mapped into memory, not read into it."""
        from .catalog import snapshot_facts

        self.tell("putting the union in reading order")
        beside = ("rdfxml", "jsonld", "turtle")  # the slowest first
        text = self.folder / _READING_TEXT
        writer: _TextWriter | None = None
        try:
            put(self.folder, _READING_TEXT, _chunks(self.snapshot.reading))
            writer = _TextWriter.start(text, self.folder, beside)
            if writer is not None:
                *first, last = (FILES[fmt] for fmt in beside)
                self.tell(f"writing {', '.join(first)} and {last} in a second process")
            rendered = self._rendered_here(("trig", "nquads", "ntriples"))
            self._facts = snapshot_facts(self.snapshot)
            if writer is not None:
                self.tell("waiting for the second process")
                rendered.update(writer.written())  # what it wrote, if it was stopped midway
        finally:
            if writer is not None:
                writer.stop()
            text.unlink(missing_ok=True)
        missing = [fmt for fmt in beside if FILES[fmt] not in rendered]
        if missing:  # (the second process could not start, or was killed: out of memory)
            rendered.update(self._rendered_here(missing))
        return {FILES[fmt]: rendered[FILES[fmt]] for fmt in RDF_FORMATS}

    def write(
        self,
        before_rendering: Callable[[], None] | None = None,
        release: Callable[[], None] | None = None,
    ) -> list[Path]:
        """Write every file; their paths: the data files, the context, the tables, then
        ``catalog.ttl`` (which holds their sizes and checksums), then ``SHA256SUMS`` over
        everything, the catalog included. ``before_rendering`` is called once the tables are
        written and the snapshot is taken, before the RDF formats are rendered here or waited
        for (a build waits there for its checks, and stops if they fail); ``release`` right
        after it: from then on the files need only the snapshot, not the graph (a build lets
        go of its graph there)."""
        from .catalog import catalog_turtle

        self.tell("writing the CSV tables")
        tables = {  # meanwhile the workers, if any, render the RDF formats
            f"{CSV_FOLDER}/{name}": put(self.folder, f"{CSV_FOLDER}/{name}", data)
            for name, data in csv_files(self.kg).items()
        }
        if self._snapshot is None:
            self._take_snapshot()
        if before_rendering is not None:
            before_rendering()
        if release is not None:
            release()
        files: dict[str, WrittenFile] = self._rendered()
        files[CONTEXT_FILE] = put(self.folder, CONTEXT_FILE, context_bytes())
        files.update(tables)
        self.tell(f"writing {CATALOG_FILE} and {CHECKSUMS_FILE}")
        catalog = catalog_turtle(self.snapshot, files, self._facts)
        files[CATALOG_FILE] = put(self.folder, CATALOG_FILE, catalog)
        sums = "".join(f"{file.sha256}  {name}\n" for name, file in sorted(files.items()))
        files[CHECKSUMS_FILE] = put(self.folder, CHECKSUMS_FILE, sums.encode("ascii"))
        return [self.folder / name for name in files]

    def close(self) -> None:
        """Stop the workers (at once, if the build gave up: their files will not be kept)."""
        global _SHARED
        pool, self._pool = self._pool, None
        _SHARED = None
        if pool is not None:
            stop_pool(pool, self._pending)

    def __enter__(self) -> Distribution:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def give_back_freed_memory() -> None:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``): a store let go
    of is freed in millions of small blocks that glibc otherwise keeps (measured at 1.1 M
    statements: 0.40 GB resident after the load, 0.33 GB after the store was dropped, 0.02 GB
    after the trim). A no-op where the C library is not glibc."""
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)


def _glibc(name: str) -> Callable[..., int] | None:
    """A function of the C library (glibc's malloc tuning), or None where it has none."""
    import ctypes
    import ctypes.util

    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):
        return None


def write_distribution(kg: KnowledgeGraph, folder: Path) -> list[Path]:
    """Write every export file into ``folder`` (already a staging folder); return their paths."""
    with Distribution(kg, folder) as distribution:
        return distribution.write()
