"""The knowledge graph: its sources loaded into one engine, one named graph per source.

``KnowledgeGraph.load()`` is the only way the commands read data. It finds the data files, checks
that each is readable UTF-8 RDF, loads each into the named graph of its source, and remembers where
every file is so that a finding about an entity can name the file and line where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rdflib.term import Node

from . import resources
from .engine import FORMATS, Engine, QueryResult, format_of, make_engine
from .errors import DataError
from .namespaces import GRAPH, graph_iri

RDF_SUFFIXES = (".ttl", ".trig", ".nt", ".nq", ".rdf", ".jsonld")
BIG_FILE_BYTES = 50_000_000  # above this a file is streamed (and bulk-loaded into a fresh store)

# Bytes per statement of each format, for an estimate of a graph's size before loading it: the
# exports of the generated M graph (1.1 M statements) less about 10 %, so that the estimate errs
# on the large side (N-Quads 216 bytes a statement, N-Triples 159, TriG 47, Turtle and JSON-LD 43,
# RDF/XML 90).
_BYTES_PER_STATEMENT = {
    "nquads": 195,
    "ntriples": 145,
    "trig": 42,
    "turtle": 39,
    "jsonld": 39,
    "rdfxml": 81,
}


@dataclass(frozen=True)
class SourceFile:
    """One data file and the named graph (source) its statements belong to."""

    path: Path
    graph: str | None  # None for quad formats, whose graphs are written in the file
    label: str  # how messages name the file (relative to the data folder when possible)
    extra: bool = False  # given on the command line rather than found in a data folder


def _slug_of(relative: Path) -> str:
    first = relative.parts[0]
    return first[: -len(relative.suffix)] if len(relative.parts) == 1 else first


def data_files(data_dir: Path) -> list[SourceFile]:
    """The RDF files of a data folder, sorted, each with the graph of its source.

    The first path component under the folder names the source: ``data/uclg.ttl`` and
    ``data/uclg/*.ttl`` are both claims of ``id:source/uclg`` (docs/model.md).
    """
    if not data_dir.is_dir():
        raise DataError(
            f"{data_dir}: no such data folder",
            hint="give --data a folder that holds the .ttl files (see docs/model.md)",
        )
    found = []
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if path.suffix.lower() not in RDF_SUFFIXES or any(
            part.startswith(".") for part in relative.parts
        ):
            continue
        graph = None if format_of(path) in ("trig", "nquads") else graph_iri(_slug_of(relative))
        found.append(SourceFile(path, graph, f"{data_dir.name}/{relative.as_posix()}"))
    return found


def extra_file(path: Path) -> SourceFile:
    """A file given on the command line (``--with``, ``validate FILE``): its own graph, named
    after the file until loading finds which source the file describes (see ``add_files``)."""
    graph = None if format_of(path) in ("trig", "nquads") else graph_iri(_slugify(path.stem))
    return SourceFile(path, graph, str(path), extra=True)


def described_source_graph(raw: bytes, fmt: str) -> str | None:
    """The graph of the one source a file describes (``id:source/<slug> a
    dcterms:BibliographicResource``), so that a file outside ``data/`` is filed under its own
    source as the files in ``data/`` are; None when it describes none, or several."""
    import pyoxigraph as ox

    from .namespaces import DCTERMS, RDF, SOURCE

    kind, typ = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(DCTERMS.BibliographicResource))
    try:
        found = {
            t.subject.value
            for t in ox.parse(raw, format=FORMATS[fmt])
            if t.predicate == kind and t.object == typ and isinstance(t.subject, ox.NamedNode)
        }
    except (SyntaxError, ValueError):
        return None  # the load itself reports the error, with its place
    ours = [iri for iri in found if iri.startswith(str(SOURCE))]
    return graph_iri(ours[0][len(str(SOURCE)) :]) if len(ours) == 1 else None


def source_files(
    data: Path | None, extra: Sequence[Path] = (), *, include_data: bool = True
) -> list[SourceFile]:
    """The files :meth:`KnowledgeGraph.load` reads: the data folder's (default: the shipped
    data), then the extra ones."""
    files = data_files(Path(data) if data else resources.data_dir()) if include_data else []
    return files + [extra_file(Path(p)) for p in extra]


def estimated_statements(files: Iterable[SourceFile]) -> int:
    """About how many statements the files hold, from their sizes (nothing is read)."""
    total = 0
    for source in files:
        try:
            size = source.path.stat().st_size
        except OSError:
            continue  # loading will say what is wrong with it
        total += size // _BYTES_PER_STATEMENT.get(format_of(source.path), 40)
    return total


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "extra"


def _is_big(source: SourceFile) -> bool:
    try:
        return source.path.stat().st_size > BIG_FILE_BYTES
    except OSError:
        return False  # read_text names the problem


def read_text(source: SourceFile) -> bytes:
    """The file's bytes, after checking it exists and is UTF-8 (the only encoding RDF allows)."""
    try:
        raw = source.path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{source.label}: no such file", hint="check the path") from None
    except IsADirectoryError:
        raise DataError(f"{source.label}: is a folder, not a file") from None
    except PermissionError:
        raise DataError(f"{source.label}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise DataError(f"{source.label}: cannot be read ({exc.strerror})") from None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{source.label}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            hint="save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)",
        ) from None
    return raw


@dataclass
class KnowledgeGraph:
    """The loaded graph: an engine plus the files it came from.

    Open it with :meth:`load`; ask it with :meth:`sparql` (any SPARQL) or :meth:`query` (a named
    query of the catalogue); check it with :meth:`validate`.
    """

    engine: Engine
    files: list[SourceFile] = field(default_factory=list)
    stale: list[tuple[str, str]] = field(default_factory=list)  # a reopened store's old files
    _places: dict[Path, _Places | None] = field(default_factory=dict, repr=False)

    @classmethod
    def load(
        cls,
        data: Path | None = None,
        extra: Sequence[Path] = (),
        *,
        engine: str = "oxigraph",
        store: Path | None = None,
        include_data: bool = True,
        union: bool = True,
    ) -> KnowledgeGraph:
        """Load the curated data (``data``, default: the shipped data) plus extra files.

        ``store`` keeps the graph on disk (Oxigraph): loaded once (completely or not at all), then
        reopened as it is, without reloading, so a large graph is loaded once and queried many
        times; ``stale`` then names the files asked for that changed since (see :mod:`.store`).
        ``union=False``: a new store is loaded without the union of the sources, for a build's
        checks and exports only (see :class:`~citygraph.engine.OxigraphEngine`).
        """
        files = source_files(data, extra, include_data=include_data)
        if store is not None:
            return cls._open_store(
                Path(store), files, engine, compare_data=data is not None, union=union
            )
        kg = cls(make_engine(engine))
        kg.add_files(files)
        return kg

    @classmethod
    def _open_store(
        cls,
        store: Path,
        files: list[SourceFile],
        engine: str,
        *,
        compare_data: bool,
        union: bool = True,
    ) -> KnowledgeGraph:
        """The on-disk store at ``store``: reopened as it is if citygraph loaded it completely,
        else loaded from ``files`` beside it and put in place only once complete, so that a
        failed or stopped load never leaves a half-loaded store to be reused. Once loaded, a
        store is only read (commands never write to it): it is opened read-only."""
        from . import store as stores

        if engine != "oxigraph":
            make_engine(engine, store)  # raises: an on-disk store is Oxigraph's
        manifest = stores.read_manifest(store)
        if manifest is not None:
            kg = cls(make_engine(engine, store, read_only=True, union=stores.has_union(manifest)))
            kg.files = stores.files_of(manifest)
            kg.stale = stores.differences(manifest, files, compare_data=compare_data)
            return kg
        with stores.staged_store(store) as staging:
            kg = cls(make_engine(engine, staging, union=union))
            try:
                kg.add_files(files)
                optimize = getattr(kg.engine, "optimize", None)
                if optimize is not None:
                    optimize()
                holds_union = not kg.engine.union_pending
                stores.write_manifest(staging, kg.files, union=holds_union)
            except OSError as exc:  # RocksDB's or the file system's: a full disk, a permission
                raise DataError(
                    f"{store}: loading the store failed ({exc}); nothing was kept",
                    hint="check the free disk space and the permissions, then run again",
                ) from None
            finally:
                kg.close()  # the store's lock goes with it, even when the load failed
        reopened = make_engine(engine, store, read_only=True, union=holds_union)
        return cls(reopened, files=kg.files)

    def close(self) -> None:
        """Let go of the engine (an on-disk store is closed, and can be opened again)."""
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()

    def add_files(self, files: Iterable[SourceFile]) -> None:
        fresh = self.engine.is_empty()
        for source in files:
            if _is_big(source):
                self._load_big(source, fresh)
            else:
                raw = read_text(source)
                fmt = format_of(source.path)
                if source.extra and source.graph is not None:
                    own = described_source_graph(raw, fmt)
                    source = replace(source, graph=own) if own else source
                self.engine.load_data(raw, fmt, source.graph, name=source.label)
            self.files.append(source)

    def _load_big(self, source: SourceFile, fresh: bool) -> None:
        """A file over ``BIG_FILE_BYTES`` is streamed from disk rather than read into memory
        (2 GB of N-Quads would otherwise be held twice); into a fresh store it goes through
        Oxigraph's bulk loader, which skips the transaction (several times faster on disk, and
        3.8 s instead of 4.8 s for a million statements in memory)."""
        fmt = format_of(source.path)
        bulk = getattr(self.engine, "bulk_load", None)
        if fresh and bulk is not None:
            bulk(source.path, fmt, source.graph)
        else:
            self.engine.load(source.path, source.graph, fmt)

    # --- asking ----------------------------------------------------------------------------

    def sparql(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        distinct_rows: bool = False,
    ) -> QueryResult:
        """Run any SPARQL query; the default graph is the union of all sources. With
        ``distinct_rows``, each distinct row comes once (what checks need, whose findings are a
        set): such a query need not wait for the union to be made (see the engine)."""
        return self.engine.query(sparql, bindings, distinct_rows=distinct_rows)

    def select_text(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        raw: bool = False,
        named_graphs_only: bool = False,
    ) -> tuple[list[str], list[Any]]:
        """A SELECT's variables and rows as plain text (IRIs, lexical forms; None if unbound):
        the fast path for tables and analytics, where rdflib terms are not needed. ``raw``:
        rows as lists with "" where unbound or empty. ``named_graphs_only``: the query reads
        only ``GRAPH`` patterns, so it need not wait for the union of the sources to be made
        (after a bulk load into memory, the first query of the default graph makes it)."""
        return self.engine.select_text(
            sparql, bindings, raw=raw, named_graphs_only=named_graphs_only
        )

    def query(self, name: str, **params: Any) -> Any:
        """Run a named query of the catalogue with typed parameters (see :mod:`citygraph.query`)."""
        from .query import run_named

        return run_named(self, name, params)

    def validate(self, **options: Any) -> Any:
        """Check the graph against the shapes and quality queries (:mod:`citygraph.validate`)."""
        from .validate import validate

        return validate(self, **options)

    def __len__(self) -> int:
        """The number of statements: counted by the engine, which reads them all."""
        return len(self.engine)

    def __bool__(self) -> bool:
        """A graph is a graph, even an empty one (and ``if kg`` must not count 10 M statements)."""
        return True

    def has_more_than(self, n: int) -> bool:
        """More than ``n`` statements? Reads n + 1 of them at most (``len`` counts them all)."""
        return bool(
            self.engine.query(
                f"ASK {{ {{ SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} OFFSET {n} LIMIT 1 }} }}",
                named_graphs_only=True,
            ).boolean
        )

    # --- where things are written -----------------------------------------------------------

    def sources_of_graph(self, graph: str) -> list[SourceFile]:
        return [f for f in self.files if f.graph == graph or f.graph is None]

    def locate(self, iri: str, graph: str | None = None) -> str | None:
        """``file:line`` where an IRI is described (in the given graph's files): the first line
        that starts with it, as a statement's subject does; else the first place it is written
        at all (an object of another statement). Written as ``<IRI>`` or as a prefixed name of a
        prefix the file declares. Each file is read once into an index of the names it writes
        (a report places thousands of entities). Files over ``BIG_FILE_BYTES`` (generated
        dumps, streamed when loaded) are not read."""
        candidates = self.sources_of_graph(graph) if graph else self.files
        mentioned = None
        for source in candidates:
            if source.path not in self._places:
                self._places[source.path] = None if _is_big(source) else _Places.of(source.path)
            places = self._places[source.path]
            if places is None:
                continue
            number = places.first_line(iri, places.subjects)
            if number is not None:
                return f"{source.label}:{number}"
            number = places.first_line(iri)
            if number is not None and mentioned is None:
                mentioned = f"{source.label}:{number}"
        return mentioned

    def files_of_graph(self, graph: str) -> list[str]:
        return [f.label for f in self.files if f.graph == graph]


_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z0-9_.-]*):\s*<([^>]*)>", re.IGNORECASE)
_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_IRI_WRITTEN = re.compile(r"<[^<>]*>")
# a prefixed name: not right after a name character, ":" or "/" (a prefix may follow a ".")
_NAME_WRITTEN = re.compile(r"(?<![A-Za-z0-9_:/-])([A-Za-z0-9_.-]*):([A-Za-z0-9_][A-Za-z0-9_.-]*)")


class _Places:
    """Where a file writes each name: the first line of every ``<IRI>`` and of every prefixed
    name, read in one pass. A prefixed name is also found where a "." follows it or precedes
    it (``id:a.`` ends a statement; ``x.id:a`` holds ``id:a``)."""

    def __init__(self, lines: list[str]) -> None:
        self.prefixes: list[tuple[str, str]] = []
        self.first: dict[str, int] = {}
        # the first line that starts with a name, unindented: where a statement about it begins
        self.subjects: dict[str, int] = {}
        first = self.first
        for number, line in enumerate(lines, 1):
            declared = _PREFIX.match(line)
            if declared:
                self.prefixes.append((declared.group(1), declared.group(2)))
            for written in _IRI_WRITTEN.findall(line):
                first.setdefault(written, number)
            if line[:1] == "<":
                self.subjects.setdefault(line[: line.find(">") + 1], number)
            if ":" not in line:
                continue
            for match in _NAME_WRITTEN.finditer(line):
                for name in _names_in(match.group(1), match.group(2)):
                    first.setdefault(name, number)
                    if match.start() == 0:
                        self.subjects.setdefault(name, number)

    @classmethod
    def of(cls, path: Path) -> _Places:
        return cls(path.read_text(encoding="utf-8", errors="replace").splitlines())

    def first_line(self, iri: str, index: dict[str, int] | None = None) -> int | None:
        """The first line that writes the IRI (in ``index``: ``first``, or ``subjects``)."""
        index = self.first if index is None else index
        forms = [f"<{iri}>"]
        for prefix, namespace in self.prefixes:
            local = iri[len(namespace) :]
            if iri.startswith(namespace) and local and _LOCAL.fullmatch(local):
                forms.append(f"{prefix}:{local}")
        found = [index[form] for form in forms if form in index]
        return min(found) if found else None


def _names_in(prefix: str, local: str) -> Iterator[str]:
    """The prefixed names a written token holds: its prefix from the start or after any ".",
    its local part to the end or up to any "." (a "." may end a name: ``id:a.`` is ``id:a``)."""
    starts = [0] + [i + 1 for i, c in enumerate(prefix) if c == "."]
    ends = [i for i, c in enumerate(local) if c == "." and i > 0] + [len(local)]
    for start in starts:
        for end in ends:
            yield f"{prefix[start:]}:{local[:end]}"


def source_slug(graph: str) -> str:
    return graph[len(str(GRAPH)) :] if graph.startswith(str(GRAPH)) else graph
