"""The facts the network views are made of, read from the knowledge graph through SPARQL.

This module is the ONE path from the graph to the networks: it asks ``kg.sparql()`` a handful of
SELECT queries (entities and their kinds, labels, dates, memberships, structure, lineage, other
org-to-org relations) and returns plain Python records. Every view in :mod:`.views` is built from
these records; nothing in the analysis package reads triples any other way.

The union of all sources is read, each fact remembering the sources (named graphs) that state it.
Where sources disagree the union keeps every claim: UCLG's merger has Metropolis as an original
organization in some source graphs and not in Barcelona City Council's, so the union lineage
includes Metropolis. Where they disagree on a date (EUROCITIES founded 1986 in two sources, 1991 in
another), the earliest is used: an organization existed as soon as any source says it did.

Dates and ``as of``
-------------------
:meth:`Facts.as_of` keeps what was in force at a date (see :mod:`.dates` for the overlap rule
between partial dates). A membership with no stated beginning is taken to begin when its
organization was founded (and, when the member is itself an organization, not before the member
was founded either): a city cannot join a network that does not exist yet. A membership with no
beginning and no founding date to fall back on is counted at every date, and
:attr:`Facts.undated` says how many such were counted. An organization exists from its founding
date to its dissolution date; its memberships end when it is dissolved.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..namespaces import GRAPH, ID
from .dates import (
    DateClaims,
    PartialDate,
    claims_by_date,
    disagreement,
    earliest,
    in_force,
    latest,
    parse_partial,
)

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX schema: <https://schema.org/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX cg: <https://w3id.org/citygraph/ontology#>
"""

# The kind of an entity, from its most specific type: the first match wins.
KIND_OF_TYPE: list[tuple[str, str]] = [
    ("https://schema.org/City", "city"),
    ("https://w3id.org/citygraph/ontology#City", "city"),
    ("https://w3id.org/citygraph/ontology#Charter", "charter"),
    ("http://www.w3.org/ns/org#OrganizationalCollaboration", "charter"),
    ("https://w3id.org/citygraph/ontology#InternalUnit", "unit"),
    ("http://www.w3.org/ns/org#OrganizationalUnit", "unit"),
    ("https://w3id.org/citygraph/ontology#CityNetwork", "network"),
    ("https://w3id.org/citygraph/ontology#InternationalBody", "international-body"),
    ("https://w3id.org/citygraph/ontology#Programme", "programme"),
    ("https://w3id.org/citygraph/ontology#Forum", "forum"),
    ("http://www.w3.org/ns/org#FormalOrganization", "organization"),
    ("https://schema.org/Organization", "organization"),
    ("http://www.w3.org/ns/org#Organization", "organization"),
]
_RANK = {iri: rank for rank, (iri, _) in enumerate(KIND_OF_TYPE)}

# Entities and names are read pattern by pattern, without a join: one query per kind of type
# (only the subject's text crosses into Python), then every label and alternative label, kept
# in Python for the subjects found typed. On Oxigraph's on-disk store each term of a result row
# costs a read of its text, and each step of a nested-loop join a seek, so flat scans are the
# cheap way to read tens of thousands of facts.
Q_TYPED = "SELECT ?s WHERE {{ ?s a <{}> FILTER(isIRI(?s)) }}"

Q_LABELS = PREFIXES + "SELECT ?s ?name (LANG(?name) AS ?lang) WHERE { ?s rdfs:label ?name }"
Q_ALT_LABELS = PREFIXES + "SELECT ?s ?name WHERE { ?s skos:altLabel ?name }"

Q_LIFESPAN = (
    PREFIXES
    + """
SELECT DISTINCT ?s ?p ?d WHERE {
  VALUES ?p { schema:foundingDate schema:dissolutionDate }
  ?s ?p ?d .
}"""
)


def _scan(variables: str, pattern: str, graph: str = "?g") -> str:
    """One pattern of a source graph as a sub-SELECT. Oxigraph joins sub-SELECTs by hashing (a
    scan of each side) instead of one index seek per row and pattern: about four times faster
    on 100,000 memberships in the on-disk store. Every pattern stays inside the same graph
    (``?g``, or one source's ``<IRI>``): a source's membership is what that source states."""
    keep = f"?g {variables}" if graph == "?g" else variables
    return f"{{ SELECT {keep} WHERE {{ GRAPH {graph} {{ {pattern} }} }} }}"


_DATE = "(time:inXSDDate|time:inXSDgYearMonth|time:inXSDgYear)"


def _node(graph: str = "?g") -> str:
    """A membership node ``?ms``, typed, with its ``?member`` and ``?org``."""
    return " ".join(
        [
            _scan("?ms", "?ms a org:Membership", graph),
            _scan("?ms ?member", "?ms org:member ?member", graph),
            _scan("?ms ?org", "?ms org:organization ?org", graph),
        ]
    )


def _bound(which: str, var: str, graph: str) -> str:
    """``?ms`` and the date its interval begins or ends (``which``: hasBeginning or hasEnd)."""
    chain = " ".join(
        [
            _scan("?ms ?i", "?ms org:memberDuring ?i", graph),
            _scan("?i ?t", f"?i time:{which} ?t", graph),
            _scan(f"?t {var}", f"?t {_DATE} {var}", graph),
        ]
    )
    return f"{{ SELECT ?ms {var} WHERE {{ {chain} }} }}"


def q_memberships(graph: str = "?g") -> str:
    """The membership nodes of one source graph (``<IRI>``), or of the graphs named by blank
    nodes (``?g``, then the first column). Asked graph by graph, the graph's IRI is not read
    back from the store on each of 100,000 rows."""
    head, only = ("?g ", "FILTER(isBlank(?g))") if graph == "?g" else ("", "")
    return (
        PREFIXES
        + f"""
SELECT {head}?member ?org ?role ?begin ?end WHERE {{
  {_node(graph)}
  OPTIONAL {_scan("?ms ?role", "?ms org:role ?role", graph)}
  OPTIONAL {_bound("hasBeginning", "?begin", graph)}
  OPTIONAL {_bound("hasEnd", "?end", graph)}
  {only}
}}"""
    )


# org:memberOf / org:hasMember stated without a Membership node (data from outside the project).
Q_MEMBER_OF = (
    PREFIXES
    + f"""
SELECT DISTINCT ?g ?member ?org WHERE {{
  {{ GRAPH ?g {{ {{ ?member org:memberOf ?org }} UNION {{ ?org org:hasMember ?member }} }} }}
  # what a Membership node of the same graph already says adds nothing: leave it in the store
  MINUS {{ {_node()} }}
}}"""
)

# Structure: child -> parent, the most specific property named.
STRUCTURE = {
    "https://w3id.org/citygraph/ontology#nationalSectionOf": "national-section-of",
    "https://w3id.org/citygraph/ontology#sectionOf": "section-of",
    "http://www.w3.org/ns/org#unitOf": "unit-of",
    "http://www.w3.org/ns/org#subOrganizationOf": "sub-organization-of",
}
Q_STRUCTURE = (
    PREFIXES
    + """
SELECT DISTINCT ?g ?child ?p ?parent WHERE {
  GRAPH ?g {
    { VALUES ?p { cg:nationalSectionOf cg:sectionOf org:unitOf org:subOrganizationOf }
      ?child ?p ?parent }
    UNION { ?parent org:hasUnit ?child BIND(org:unitOf AS ?p) }
    UNION { ?parent org:hasSubOrganization ?child BIND(org:subOrganizationOf AS ?p) }
  }
}"""
)

Q_EVENTS = (
    PREFIXES
    + """
SELECT DISTINCT ?g ?event ?type ?original ?result ?date WHERE {
  GRAPH ?g {
    ?event a org:ChangeEvent .
    OPTIONAL { ?event a ?type FILTER(?type IN (cg:Merger, cg:Succession, cg:Renaming)) }
    OPTIONAL { ?event org:originalOrganization ?original }
    OPTIONAL { ?event org:resultingOrganization ?result }
    OPTIONAL { ?event dcterms:date ?date }
  }
}"""
)

# Other typed org-to-org relations (the "whole organization network").
RELATIONS = {
    "https://schema.org/founder": "founder",
    "https://w3id.org/citygraph/ontology#initiator": "initiator",
    "https://w3id.org/citygraph/ontology#partOfFramework": "part-of-framework",
    "https://w3id.org/citygraph/ontology#cooperatesThrough": "cooperates-through",
    "https://w3id.org/citygraph/ontology#successorOf": "successor-of",
    "http://purl.org/dc/terms/relation": "related-to",
}
Q_RELATIONS = (
    PREFIXES
    + """
SELECT DISTINCT ?g ?s ?p ?o WHERE {{
  GRAPH ?g {{
    VALUES ?p {{ {} }}
    ?s ?p ?o .
  }}
}}""".format(" ".join(f"<{iri}>" for iri in RELATIONS))
)

ROLE_PHRASES = {
    "member": "member of",
    "founding-member": "founding member of",
    "party": "party to",
}


def slug_of(iri: str) -> str:
    """The node id used everywhere in the views: the IRI after ``id:`` (``amf/bureau``)."""
    return iri[len(str(ID)) :] if iri.startswith(str(ID)) else iri


def _source(graph: object) -> str:
    text = str(graph)
    return text[len(str(GRAPH)) :] if text.startswith(str(GRAPH)) else text


@dataclass
class Entity:
    """A city or an organization, with the names it can be found by."""

    id: str
    iri: str
    kind: str
    label: str
    names: list[str] = field(default_factory=list)
    founded: PartialDate | None = None
    dissolved: PartialDate | None = None
    founded_claims: list[PartialDate] = field(default_factory=list)

    @property
    def is_city(self) -> bool:
        return self.kind == "city"


@dataclass
class Membership:
    """One member in one organization, merged over every source that states it."""

    member: str
    organization: str
    roles: tuple[str, ...]
    begin: PartialDate | None  # the earliest beginning a source states
    end: PartialDate | None  # the latest end a source states
    sources: tuple[str, ...]
    effective_begin: PartialDate | None = None  # begin, or the founding-date fallback

    @property
    def role(self) -> str:
        """The most telling role: founding member over plain member."""
        for preferred in ("founding-member", "party", "member"):
            if preferred in self.roles:
                return preferred
        return self.roles[0] if self.roles else "member"

    @property
    def phrase(self) -> str:
        return ROLE_PHRASES.get(self.role, f"{self.role} of")


@dataclass(frozen=True)
class Relation:
    """A typed org-to-org (or city-to-org) statement: structure, lineage, founder, framework..."""

    source: str  # subject id
    target: str  # object id
    relation: str
    date: PartialDate | None  # the earliest date a source gives
    sources: tuple[str, ...]
    event: str = ""
    date_claims: DateClaims = ()  # every date sources give, earliest first, with its sources

    @property
    def date_note(self) -> str | None:
        """What the date column does not say when sources disagree on the date: which date is
        shown (the earliest) and which other dates which sources give. None when they agree."""
        return disagreement(self.event or f"{self.source} -> {self.target}", self.date_claims)


def date_notes(relations: Iterable[Relation]) -> list[str]:
    """The :attr:`Relation.date_note` of each relation whose sources disagree on its date, once
    per event (the originals of one merger share its date), sorted."""
    return sorted({note for r in relations if (note := r.date_note) is not None})


def original_notes(relations: Iterable[Relation]) -> list[str]:
    """Where the sources of one change event disagree on what it joined: for each event, each
    organization that some of the event's sources name as one of its originals and others do
    not, with who says which, sorted. (UCLG's own page names Metropolis among the originals of
    its 2004 merger; Barcelona City Council's page names FMCU and IULA only.)"""
    by_event: dict[str, list[Relation]] = defaultdict(list)
    for r in relations:
        if r.event:
            by_event[r.event].append(r)
    notes = []
    for event, stated in by_event.items():
        every = set().union(*(r.sources for r in stated))
        for r in sorted(stated, key=lambda r: r.source):
            silent = sorted(every - set(r.sources))
            if silent:
                notes.append(
                    f"{event}: {r.source} is one of its original organizations according to "
                    f"{', '.join(r.sources)}, not according to {', '.join(silent)}"
                )
    return sorted(notes)


@dataclass
class Facts:
    """Everything the views need, by node id (slug)."""

    entities: dict[str, Entity]
    memberships: list[Membership]
    structure: list[Relation]
    lineage: list[Relation]  # predecessor -> successor (merger, succession), founder -> founded
    relations: list[Relation]  # every other typed relation between entities
    renamings: list[Relation] = field(default_factory=list)
    as_of_date: PartialDate | None = None
    undated: int = 0  # memberships counted at this date with no date to go by

    def label(self, node: str) -> str:
        entity = self.entities.get(node)
        return entity.label if entity else node

    def kind(self, node: str) -> str:
        entity = self.entities.get(node)
        return entity.kind if entity else "unknown"

    def exists(self, node: str, when: PartialDate, parents: dict[str, str] | None = None) -> bool:
        """Whether ``node`` exists at ``when``: founded by then (as far as a source says) and not
        dissolved. An internal unit with no founding date of its own exists from its
        organization's (``parents``: unit -> organization, from ``unit-of``)."""
        entity = self.entities.get(node)
        if entity is None:
            return True
        founded = entity.founded
        if founded is None and entity.kind == "unit":
            parents = self._unit_parents() if parents is None else parents
            parent = self.entities.get(parents.get(node, ""))
            founded = parent.founded if parent else None
        return in_force(founded, entity.dissolved, when)

    def _unit_parents(self) -> dict[str, str]:
        return {r.source: r.target for r in self.structure if r.relation == "unit-of"}

    def as_of(self, when: PartialDate | None) -> Facts:
        """The facts in force at ``when`` (the whole history when ``when`` is None)."""
        if when is None:
            return self
        parents = self._unit_parents()
        alive = {node for node in self.entities if self.exists(node, when, parents)}

        def here(node: str) -> bool:
            return node in alive or node not in self.entities

        kept, undated = [], 0
        for m in self.memberships:
            if not (here(m.member) and here(m.organization)):
                continue
            end = m.end
            dissolved = self.entities.get(m.organization)
            if dissolved and dissolved.dissolved and (end is None or dissolved.dissolved < end):
                end = dissolved.dissolved
            if in_force(m.effective_begin, end, when):
                kept.append(m)
                undated += m.effective_begin is None
        entities = {k: v for k, v in self.entities.items() if k in alive}

        def rel_ok(r: Relation) -> bool:
            dated_ok = r.date is None or r.date.first <= when.last
            return dated_ok and here(r.source) and here(r.target)

        def lineage_ok(r: Relation) -> bool:
            # A merger is history once it happened: its predecessors no longer exist, but the
            # descent is still true as of any later date.
            return r.date is None or r.date.first <= when.last

        return dataclasses.replace(
            self,
            entities=entities,
            memberships=kept,
            structure=[r for r in self.structure if rel_ok(r)],
            lineage=[r for r in self.lineage if lineage_ok(r)],
            relations=[r for r in self.relations if rel_ok(r)],
            renamings=[r for r in self.renamings if lineage_ok(r)],
            as_of_date=when,
            undated=undated,
        )

    @property
    def actors(self) -> list[str]:
        """Cities and organizations that are members of something, sorted."""
        return sorted({m.member for m in self.memberships})

    @property
    def organizations(self) -> list[str]:
        """Organizations (networks, charters, units...) that have members, sorted."""
        return sorted({m.organization for m in self.memberships})


class _Memo(dict):
    """``memo[key]``: ``make(key)``, computed once per key."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class _Prefetched:
    """The graph, with the SELECTs that :func:`read_facts` will ask already running, two at a
    time, in threads: Oxigraph evaluates a query without holding Python's lock, so one query
    runs while the rows of another are merged here (at 100,000 memberships on a store, the
    membership queries take 0.7-0.9 s this way instead of 1.4 s one after the other)."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        queries: list[str],
        known: dict[str, list[tuple[str | None, ...]]],
    ) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.kg, self.known = kg, dict(known)  # (``known``: rows already read)
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="citygraph-facts")
        self.futures = {query: self.pool.submit(_rows, kg, query) for query in queries}

    def rows(self, query: str) -> list[tuple[str | None, ...]]:
        if query in self.known:
            return self.known.pop(query)
        future = self.futures.pop(query, None)
        return future.result() if future is not None else _rows(self.kg, query)

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.pool.shutdown(wait=True)


def _rows(kg: KnowledgeGraph | _Prefetched, query: str) -> list[tuple[str | None, ...]]:
    """The rows of a SELECT as text (IRIs, lexical forms, blank node ids; None when unbound):
    the views only need text, and an rdflib term per value costs more than the query."""
    if isinstance(kg, _Prefetched):
        return kg.rows(query)
    select_text = getattr(kg, "select_text", None)
    if select_text is not None:
        return select_text(query)[1]
    return [tuple(None if t is None else str(t) for t in row) for row in kg.sparql(query).rows]


Q_GRAPHS = "SELECT ?g (isBlank(?g) AS ?blank) WHERE { GRAPH ?g { } } ORDER BY ?g"


def _membership_rows(
    kg: KnowledgeGraph | _Prefetched,
) -> Iterator[tuple[str, list[tuple[str | None, ...]]]]:
    """(graph, its rows of member, org, role, begin, end) for every source graph."""
    graphs = _rows(kg, Q_GRAPHS)
    for graph, blank in graphs:
        if blank != "true":
            yield graph or "", _rows(kg, q_memberships(f"<{graph}>"))
    if any(blank == "true" for _, blank in graphs):
        for graph, *row in _rows(kg, q_memberships("?g")):
            yield graph or "", [tuple(row)]


def facts_of(kg: KnowledgeGraph) -> Facts:
    """:func:`read_facts`, kept beside an on-disk store (``--store``) for the next command:
    reading a million memberships from the store takes about a minute, loading them back a
    few seconds (:func:`citygraph.store.derived`). Without a store, the graph is read."""
    path = getattr(kg.engine, "path", None)
    if path is None or not getattr(kg.engine, "read_only", False):
        return read_facts(kg)
    from ..store import derived

    return derived(Path(path), "facts", _SCHEMA, lambda: read_facts(kg))


def _shape(cls: type) -> str:
    return f"{cls.__name__}({', '.join(f.name for f in fields(cls))})"


# the shape of what facts_of keeps: a file made for another shape is read again from the store
_SCHEMA = "facts " + " ".join(_shape(c) for c in (Facts, Entity, Membership, Relation, PartialDate))


def read_facts(kg: KnowledgeGraph) -> Facts:
    """Ask the graph for every fact the views need (a few SELECT queries, no other reading).

    On Oxigraph the queries run two at a time in threads while their rows are merged
    (:class:`_Prefetched`); the facts are the same in any order."""
    if getattr(getattr(kg, "engine", None), "name", "") != "oxigraph":
        return _read_all(kg)
    graphs = _rows(kg, Q_GRAPHS)
    # in the order they are read, so that the next ones run while the rows are merged
    queries = [Q_TYPED.format(type_) for type_, _kind in reversed(KIND_OF_TYPE)]
    queries += [Q_LABELS, Q_ALT_LABELS, Q_LIFESPAN]
    queries += [q_memberships(f"<{g}>") for g, blank in graphs if blank != "true"]
    queries += [Q_MEMBER_OF, Q_STRUCTURE, Q_EVENTS, Q_RELATIONS]
    prefetched = _Prefetched(kg, queries, {Q_GRAPHS: graphs})
    try:
        return _read_all(prefetched)
    finally:
        prefetched.close()


def _read_all(kg: KnowledgeGraph | _Prefetched) -> Facts:
    entities = _read_entities(kg)
    memberships = _read_memberships(kg, entities)
    structure = _read_structure(kg)
    lineage, renamings = _read_lineage(kg)
    relations = _read_relations(kg, entities)
    for relation in (*structure, *lineage, *relations):
        for node in (relation.source, relation.target):
            if node not in entities:
                entities[node] = _unknown_entity(node)
    return Facts(entities, memberships, structure, lineage, relations, renamings)


def _unknown_entity(node: str) -> Entity:
    return Entity(node, f"{ID}{node}" if "://" not in node else node, "unknown", node, [node])


def _read_entities(kg: KnowledgeGraph | _Prefetched) -> dict[str, Entity]:
    best: dict[str, str] = {}
    for type_, _kind in reversed(KIND_OF_TYPE):  # the most specific type is read last and wins
        for (s,) in _rows(kg, Q_TYPED.format(type_)):
            best[s] = type_  # type: ignore[index]
    kinds = dict(KIND_OF_TYPE)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    names: dict[str, set[str]] = defaultdict(set)
    # (select_text gives None for an empty literal: a name is never unbound here, so None is "")
    for s, name, lang in _rows(kg, Q_LABELS):
        if s not in best:
            continue
        name = name or ""
        names[s].add(name)  # type: ignore[index]
        current = labels[s].get(lang or "")  # type: ignore[index]
        if current is None or name < current:  # deterministic when several
            labels[s][lang or ""] = name  # type: ignore[index]
    for s, name in _rows(kg, Q_ALT_LABELS):
        if s in best:
            names[s].add(name or "")  # type: ignore[index]
    founded: dict[str, list[PartialDate]] = defaultdict(list)
    dissolved: dict[str, list[PartialDate]] = defaultdict(list)
    for s, p, d in _rows(kg, Q_LIFESPAN):
        parsed = parse_partial(d or "")
        if parsed is not None:
            (founded if str(p).endswith("foundingDate") else dissolved)[str(s)].append(parsed)
    entities = {}
    for iri, type_ in sorted(best.items()):
        node = slug_of(iri)
        by_lang = labels.get(iri, {})
        label = by_lang.get("en") or by_lang.get("fr") or by_lang.get("") or node
        claims = sorted(set(founded.get(iri, [])))
        entities[node] = Entity(
            id=node,
            iri=iri,
            kind=kinds[type_],
            label=label,
            names=sorted(names.get(iri, set()) | {node}),
            founded=earliest(claims),
            dissolved=latest(dissolved.get(iri, [])),
            founded_claims=claims,
        )
    return entities


def _read_memberships(
    kg: KnowledgeGraph | _Prefetched, entities: dict[str, Entity]
) -> list[Membership]:
    roles: dict[tuple[str, str], set[str]] = defaultdict(set)
    begins: dict[tuple[str, str], list[PartialDate]] = defaultdict(list)
    ends: dict[tuple[str, str], list[PartialDate]] = defaultdict(list)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    # 100,000 rows repeat a few thousand members, a few hundred organizations and a few roles
    # and dates: each text becomes its slug or date once
    slug = _Memo(lambda text: slug_of(text or ""))
    role_of = _Memo(lambda text: slug_of(text).removeprefix("role/"))
    date = _Memo(parse_partial)
    for graph, rows in _membership_rows(kg):
        source = _source(graph)
        for member, org, role, begin, end in rows:
            key = (slug[member], slug[org])
            sources[key].add(source)
            if role is not None:
                roles[key].add(role_of[role])
            if begin is not None and (parsed := date[begin]) is not None:
                begins[key].append(parsed)
            if end is not None and (parsed := date[end]) is not None:
                ends[key].append(parsed)
    for g, member, org in _rows(kg, Q_MEMBER_OF):
        key = (slug[member], slug[org])
        if key not in sources:  # stated only as org:memberOf / org:hasMember
            roles[key].add("member")
        sources[key].add(_source(g))
    founded = {
        node: e.founded for node, e in entities.items() if e.founded is not None and not e.is_city
    }
    ordered = _Memo(lambda items: tuple(sorted(items)))  # the same few role and source sets
    default_roles = frozenset({"member"})
    result = []
    for key in sorted(sources):
        member, org = key
        begin = earliest(begins[key]) if key in begins else None
        end = latest(ends[key]) if key in ends else None
        effective = begin
        if effective is None:
            fallback = [d for d in (founded.get(org), founded.get(member)) if d is not None]
            if fallback:
                effective = max(fallback, key=lambda d: (d.first, d.last))
        result.append(
            Membership(
                member,
                org,
                ordered[frozenset(roles[key]) if key in roles else default_roles],
                begin,
                end,
                ordered[frozenset(sources[key])],
                effective,
            )
        )
    for m in result:
        for node in (m.member, m.organization):
            if node not in entities:
                entities[node] = _unknown_entity(node)
    return result


def _merge(
    found: dict[tuple, set[str]], dates: dict[tuple, list[tuple[PartialDate, str]]]
) -> list[Relation]:
    """Relations with their sources; ``dates``: each date a source gives, with that source. The
    relation's date is the earliest; the others stay in ``date_claims`` (nothing silently
    dropped: :attr:`Relation.date_note`)."""
    out = []
    for key in sorted(found):
        source, target, relation, event = key
        claims = dates.get(key, [])
        out.append(
            Relation(
                source,
                target,
                relation,
                earliest([when for when, _ in claims]),
                tuple(sorted(found[key])),
                event,
                claims_by_date(claims),
            )
        )
    return out


def _read_structure(kg: KnowledgeGraph | _Prefetched) -> list[Relation]:
    by_pair: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for g, child, p, parent in _rows(kg, Q_STRUCTURE):
        by_pair[(slug_of(str(child)), slug_of(str(parent)))][STRUCTURE[str(p)]].add(_source(g))
    found: dict[tuple, set[str]] = {}
    order = list(STRUCTURE.values())
    for (child, parent), kinds in by_pair.items():
        # a national section is also stated as section and sub-organization: keep the most specific
        kind = min(kinds, key=order.index)
        found[(child, parent, kind, "")] = set().union(*kinds.values())
    return _merge(found, {})


def _read_lineage(kg: KnowledgeGraph | _Prefetched) -> tuple[list[Relation], list[Relation]]:
    info: dict[str, dict] = defaultdict(
        lambda: {"type": set(), "orig": defaultdict(set), "res": set(), "date": [], "g": set()}
    )
    for g, event, type_, original, result, when in _rows(kg, Q_EVENTS):
        record = info[slug_of(str(event))]
        record["g"].add(_source(g))
        if type_ is not None:
            record["type"].add(str(type_).rsplit("#", 1)[-1].lower())
        if original is not None:
            record["orig"][slug_of(str(original))].add(_source(g))
        if result is not None:
            record["res"].add(slug_of(str(result)))
        if when is not None and (parsed := parse_partial(str(when))) is not None:
            record["date"].append((parsed, _source(g)))  # which source gives which date
    lineage: dict[tuple, set[str]] = {}
    renamings: dict[tuple, set[str]] = {}
    dates: dict[tuple, list[tuple[PartialDate, str]]] = {}
    for event, record in info.items():
        kind = min(record["type"]) if record["type"] else "change"
        for original in record["orig"]:
            for result in record["res"]:
                target = renamings if original == result else lineage
                key = (original, result, kind, event)
                # the sources that name this original organization of the event (they disagree)
                target[key] = set(record["orig"][original])
                dates[key] = record["date"]
    return _merge(lineage, dates), _merge(renamings, dates)


def _read_relations(
    kg: KnowledgeGraph | _Prefetched, entities: dict[str, Entity]
) -> list[Relation]:
    found: dict[tuple, set[str]] = defaultdict(set)
    for g, s, p, o in _rows(kg, Q_RELATIONS):
        source, target = slug_of(str(s)), slug_of(o or "")
        if source in entities and target in entities:  # not objectives, concepts, literals
            found[(source, target, RELATIONS[str(p)], "")].add(_source(g))
    return _merge(found, {})
