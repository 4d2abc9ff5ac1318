"""The RDF of an import: one named graph, the claims of one source, in the terms of docs/model.md.

Everything the import states sits in the graph ``graph/<source-slug>`` and every typed resource in
it carries ``dcterms:source`` -> ``id:source/<source-slug>``, described from the mapping's citation
block. So the import is kept apart from the curated ``data/`` and can be loaded beside it
(``--with``). TriG and N-Quads carry the graph name in the file. A Turtle file cannot: the loader
names its graph after the file (``graph/<file stem>``), so for Turtle the source slug is the
file's stem, which keeps graph and source aligned.

Labels: a table gives one name per actor, in no stated language. Place and organization names are
proper names, and the shapes require one ``rdfs:label`` in French and one in English on every city
and organization, so the name is written with both tags. Other spellings of the same actor become
``skos:altLabel`` (plain). For an entity the curated data already knows, the curated labels and
descriptions are restated (identical triples) rather than the table's spelling, which becomes an
``skos:altLabel``: the union keeps exactly one label per language, and the import validates on its
own as well as beside the curated data. A curated description is our words about what a curated
source says, not a claim of the imported table: it is restated in the graph it comes from, with
that graph's source described (an excerpt of it, identical to the curated quads), never in the
import's graph. TriG and N-Quads carry those excerpts; a Turtle file, which holds one graph, leaves
them out (so a Turtle import validates beside the curated data, as the import command does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pyoxigraph as ox

from ..engine import statement_lines
from ..namespaces import CG, GEO, ID, PREFIXES, SCHEMA, graph_iri, source_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"

# Predicates restated from the curated data for the curated resources an import links to.
RESTATED = (  # (and the descriptions, in their own graphs: ImportGraph._excerpt)
    RDF_TYPE,
    f"{RDFS}label",
    f"{SKOS}prefLabel",
    f"{SKOS}inScheme",
    f"{SKOS}broader",
    f"{SKOS}topConceptOf",
)
FOLLOWED = (f"{SKOS}inScheme", f"{SKOS}broader", f"{SKOS}topConceptOf")

NETWORK_TYPES = (f"{CG}CityNetwork", f"{ORG}FormalOrganization", f"{SCHEMA}Organization")
CITY_TYPES = (f"{CG}City", f"{SCHEMA}City")

OUTPUT_PREFIXES = {**PREFIXES, "src": f"{ID}source/", "role": f"{ID}role/"}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str, *, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def date_literal(text: str) -> ox.Literal:
    """A date typed by its precision: gYear, gYearMonth or date."""
    kind = {4: "gYear", 7: "gYearMonth", 10: "date"}[len(text)]
    return _lit(text, datatype=f"{XSD}{kind}")


def slug_of(iri: str) -> str:
    """The part of an id: IRI used inside a membership IRI ('/' becomes '--')."""
    return iri[len(str(ID)) :].replace("/", "--")


class ImportGraph:
    """The triples of one import, all in the named graph of its source."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.source = _n(source_iri(slug))
        self.graph = _n(graph_iri(slug))
        self.triples: set[tuple[Any, Any, Any]] = set()
        # curated quads restated in their own graphs (see the module's docstring)
        self.excerpts: set[tuple[Any, Any, Any, Any]] = set()
        self.typed: set[str] = set()

    def add(self, s: str, p: str, o: Any) -> None:
        self.triples.add((_n(s), _n(p), o))

    def typed_as(self, s: str, types: Iterable[str]) -> None:
        """Type a resource and say where it comes from (every typed resource has a source)."""
        for t in types:
            self.add(s, RDF_TYPE, _n(t))
        if s not in self.typed:
            self.typed.add(s)
            self.triples.add((_n(s), _n(f"{DCT}source"), self.source))

    # --- the pieces --------------------------------------------------------------------------

    def describe_source(self, source: Any) -> None:
        s = self.source.value
        self.add(s, RDF_TYPE, _n(f"{DCT}BibliographicResource"))
        self.add(s, RDF_TYPE, _n(f"{PROV}Entity"))
        self.add(s, f"{DCT}title", _lit(source.title, lang=source.language))
        self.add(s, f"{DCT}language", _lit(source.language))
        if source.url:
            self.add(s, f"{SCHEMA}url", _n(source.url))
        if source.issued:
            self.add(s, f"{DCT}issued", date_literal(source.issued))
        if source.creator:
            self.add(s, f"{DCT}creator", _lit(source.creator))
        if source.note:
            self.add(s, f"{RDFS}comment", _lit(source.note, lang="en"))

    def labels(self, s: str, name: str) -> None:
        for lang in ("fr", "en"):
            self.add(s, f"{RDFS}label", _lit(name, lang=lang))

    def alt_labels(self, s: str, names: Iterable[str], known: Iterable[str] = ()) -> None:
        skip = set(known)
        for name in names:
            if name not in skip:
                self.add(s, f"{SKOS}altLabel", _lit(name))

    def descriptions(self, s: str, fr: str, en: str) -> None:
        self.add(s, f"{DCT}description", _lit(fr, lang="fr"))
        self.add(s, f"{DCT}description", _lit(en, lang="en"))

    def city(
        self,
        iri: str,
        *,
        label: str | None,
        names: list[str],
        known_labels: list[str],
        country: str,
        coordinates: tuple[Decimal, Decimal] | None,
    ) -> None:
        self.typed_as(iri, CITY_TYPES)
        if label is not None:
            self.labels(iri, label)
        self.alt_labels(iri, names, [*known_labels, *([label] if label else [])])
        self.add(iri, f"{SCHEMA}addressCountry", _lit(country))
        if coordinates:
            self.add(iri, f"{GEO}lat", _lit(_decimal(coordinates[0]), datatype=f"{XSD}decimal"))
            self.add(iri, f"{GEO}long", _lit(_decimal(coordinates[1]), datatype=f"{XSD}decimal"))

    def network(
        self,
        iri: str,
        *,
        label: str | None,
        names: list[str],
        known_labels: list[str],
        description: tuple[str, str] | None,
    ) -> None:
        self.typed_as(iri, NETWORK_TYPES if label is not None else ())
        if label is not None:
            self.labels(iri, label)
        self.alt_labels(iri, names, [*known_labels, *([label] if label else [])])
        if description:
            self.descriptions(iri, *description)

    def membership(
        self, member: str, organization: str, roles: Iterable[str], year: str | None
    ) -> str:
        """The membership, both ways and as a node; ``year``: when the member joined, at the
        precision the table gives (YYYY, YYYY-MM or YYYY-MM-DD)."""
        node = f"{ID}membership/{slug_of(member)}--{slug_of(organization)}"
        self.add(member, f"{ORG}memberOf", _n(organization))
        self.add(organization, f"{ORG}hasMember", _n(member))
        self.typed_as(node, [f"{ORG}Membership"])
        self.add(node, f"{ORG}member", _n(member))
        self.add(node, f"{ORG}organization", _n(organization))
        for role in roles:
            self.add(node, f"{ORG}role", _n(f"{ID}role/{role}"))
        if year is not None:
            during, begin = f"{node}/during", f"{node}/during/begin"
            self.add(node, f"{ORG}memberDuring", _n(during))
            self.typed_as(during, [f"{TIME}Interval"])
            self.add(during, f"{TIME}hasBeginning", _n(begin))
            self.typed_as(begin, [f"{TIME}Instant"])
            precision = {4: "inXSDgYear", 7: "inXSDgYearMonth"}.get(len(year), "inXSDDate")
            self.add(begin, f"{TIME}{precision}", date_literal(year))
        return node

    def role(self, slug: str, labels: dict[str, str] | None) -> None:
        """A role the memberships use; defined here when the mapping gives its labels."""
        iri = f"{ID}role/{slug}"
        if labels is None:
            self.typed_as(iri, [f"{ORG}Role"])
            return
        self.typed_as(iri, [f"{ORG}Role", f"{SKOS}Concept"])
        self.add(iri, f"{SKOS}inScheme", _n(f"{ID}scheme/citygraph"))
        self.add(iri, f"{SKOS}broader", _n(f"{ID}concept/role"))
        for lang in ("fr", "en"):
            self.add(iri, f"{RDFS}label", _lit(labels[lang], lang=lang))
            self.add(iri, f"{SKOS}prefLabel", _lit(labels[lang], lang=lang))

    def restate(self, kg: Any, seeds: Iterable[str]) -> None:
        """Copy the curated types, labels, descriptions and scheme links of linked resources."""
        from rdflib import URIRef

        from ..engine import to_oxigraph

        todo, done = sorted(set(seeds)), set()
        values = " ".join(f"<{p}>" for p in RESTATED)
        while todo:
            batch = [s for s in todo if s not in done]
            done.update(batch)
            todo = []
            if not batch:
                break
            subjects = " ".join(f"<{s}>" for s in batch)
            result = kg.sparql(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {subjects} }} "
                f"VALUES ?p {{ {values} }} ?s ?p ?o }}"
            )
            for s, p, o in result.rows:
                self.triples.add((_n(str(s)), _n(str(p)), to_oxigraph(o)))
                if str(p) == RDF_TYPE:
                    self.typed_as(str(s), ())
                if str(p) in FOLLOWED and isinstance(o, URIRef) and str(o).startswith(str(ID)):
                    todo.append(str(o))
            self._excerpt(kg, subjects)

    def _excerpt(self, kg: Any, subjects: str) -> None:
        """The curated descriptions of ``subjects`` (a VALUES list), each in its own graph, with
        the source that graph is the claims of (see the module's docstring)."""
        from ..engine import to_oxigraph

        result = kg.sparql(
            f"SELECT DISTINCT ?s ?o ?g WHERE {{ VALUES ?s {{ {subjects} }} "
            f"GRAPH ?g {{ ?s <{DCT}description> ?o }} }}"
        )
        graphs = set()
        for s, o, g in result.rows:
            graph = _n(str(g))
            self.excerpts.add((_n(str(s)), _n(f"{DCT}description"), to_oxigraph(o), graph))
            graphs.add(str(g))
        # (a graph's source is typed in its excerpt once described: by an earlier batch)
        described = {g.value for _, p, _, g in self.excerpts if p.value == RDF_TYPE}
        for g in sorted(graphs - {self.graph.value} - described):
            described = kg.sparql(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o . "
                f"?s a <{DCT}BibliographicResource> }} }}"
            )
            for s, p, o in described.rows:
                self.excerpts.add((_n(str(s)), _n(str(p)), to_oxigraph(o), _n(g)))

    # --- output ------------------------------------------------------------------------------

    def serialize(self, fmt: str) -> bytes:
        """Deterministic bytes: sorted N-Quads, or TriG/Turtle written from them with prefixes."""
        store = ox.Store()
        store.extend(ox.Quad(s, p, o, self.graph) for s, p, o in self.triples)
        store.extend(ox.Quad(s, p, o, g) for s, p, o, g in self.excerpts)
        lines = sorted(statement_lines(store.dump(format=ox.RdfFormat.N_QUADS)))
        nquads = ("\n".join(lines) + "\n").encode("utf-8")
        if fmt == "nquads":
            return nquads
        ordered = ox.Store()
        ordered.load(nquads, ox.RdfFormat.N_QUADS)
        if fmt == "trig":
            return ordered.dump(format=ox.RdfFormat.TRIG, prefixes=OUTPUT_PREFIXES)
        return ordered.dump(
            format=ox.RdfFormat.TURTLE, from_graph=self.graph, prefixes=OUTPUT_PREFIXES
        )

    def __len__(self) -> int:
        return len(self.triples) + len(self.excerpts)


def _decimal(value: Decimal) -> str:
    text = format(value, "f")
    return text if re.search(r"\.", text) else f"{text}.0"
