"""The knowledge graph as networkx graphs: one function per view, each built from :class:`Facts`.

Facts come from :func:`citygraph.analysis.facts.read_facts` (SPARQL through ``kg.sparql()``), the
only reader of the graph. Every view takes the facts *as of* a date first
(``facts.as_of(date)``) and is therefore available as of any date.

Node ids are slugs (``marseille``, ``amf/bureau``); every node carries ``label`` (English, else
French), ``kind`` (city, network, charter, unit, international-body, programme, forum,
organization), ``side`` (``city`` or ``organization``) and ``iri``. Attribute values are never
None (graph file writers reject None): an unknown date is the empty string.

The views
---------
membership
    ``nx.DiGraph``, member -> organization, one edge per membership merged over its sources:
    ``role`` (the most telling: founding-member > party > member), ``roles``, ``begin``, ``end``
    (as the sources give them, partial dates as text), ``sources`` (space-separated source slugs),
    ``weight`` 1. Bipartite in the sense of two roles: cities are only members; an organization
    that is itself a member (CUF in UCLG) keeps one node, with edges in both roles, which is why
    the graph is directed.
actors (co-membership projection among actors)
    ``nx.Graph`` between members that share at least one organization: ``weight`` = number of
    shared organizations, ``jaccard`` = shared / union, ``overlap`` = shared / the smaller
    membership count, ``shared`` = the shared organization ids. Computed with sparse matrices
    (:mod:`.sparse`); above ``max_edges`` pairs it refuses and says to ask for top pairs or a
    threshold instead: the whole projection of a large graph does not fit in networkx.
organizations (co-membership projection among organizations)
    The same among organizations: ``weight`` = shared members.
structure
    ``nx.DiGraph`` child -> parent: ``relation`` national-section-of, section-of, unit-of,
    sub-organization-of (the most specific one stated).
lineage
    ``nx.DiGraph`` (a DAG) predecessor -> successor for mergers and successions (``relation``,
    ``event``, ``date``), plus founder -> founded (``relation`` = founder) when asked.
    Renamings keep the same identifier and are not edges (they are in the timeline).
org-network
    ``nx.MultiDiGraph`` of every typed relation between organizations: member-of, the structure
    relations, merger/succession, founder, initiator, part-of-framework, cooperates-through,
    successor-of, related-to. Cities are left out (they are in the membership view).
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from ..errors import UsageError
from .dates import PartialDate
from .facts import Facts

VIEWS = ("membership", "actors", "organizations", "structure", "lineage", "org-network")
MAX_PROJECTION_EDGES = 2_000_000


def _text(value: PartialDate | None) -> str:
    return value.text if value is not None else ""


def _add_node(graph: nx.Graph, facts: Facts, node: str) -> None:
    if node in graph:
        return
    entity = facts.entities.get(node)
    kind = entity.kind if entity else "unknown"
    graph.add_node(
        node,
        label=entity.label if entity else node,
        kind=kind,
        side="city" if kind == "city" else "organization",
        iri=entity.iri if entity else node,
        founded=_text(entity.founded) if entity else "",
        dissolved=_text(entity.dissolved) if entity else "",
    )


def _graph_attrs(graph: nx.Graph, view: str, facts: Facts) -> None:
    graph.graph["view"] = view
    graph.graph["as_of"] = _text(facts.as_of_date)


def membership_graph(
    facts: Facts, as_of: PartialDate | None = None, *, only: set[str] | None = None
) -> nx.DiGraph:
    """Members -> organizations, with role, dates and sources on each edge. ``only``: the
    subgraph of those nodes (the same as ``subgraph(only).copy()`` of the whole view, built
    without the rest)."""
    facts = facts.as_of(as_of)
    graph = nx.DiGraph()
    _graph_attrs(graph, "membership", facts)
    nodes = {n for m in facts.memberships for n in (m.member, m.organization)}
    for node in sorted(nodes if only is None else nodes & only):
        _add_node(graph, facts, node)
    for m in sorted(facts.memberships, key=lambda m: (m.member, m.organization)):
        if only is not None and not (m.member in only and m.organization in only):
            continue
        graph.add_edge(
            m.member,
            m.organization,
            relation="member-of",
            role=m.role,
            roles=" ".join(m.roles),
            begin=_text(m.begin),
            end=_text(m.end),
            sources=" ".join(m.sources),
            weight=1,
        )
    return graph


def comembership_graph(
    facts: Facts,
    among: str = "actors",
    as_of: PartialDate | None = None,
    *,
    min_shared: int = 1,
    max_edges: int = MAX_PROJECTION_EDGES,
) -> nx.Graph:
    """The projection among actors (``among="actors"``) or organizations, from sparse products."""
    from .sparse import Incidence

    facts = facts.as_of(as_of)
    incidence = Incidence.from_facts(facts)
    side = incidence.actors if among == "actors" else incidence.orgs
    count = incidence.count_pairs(among, min_shared)
    if count > max_edges:
        raise UsageError(
            f"the {among} projection has {count:,} pairs sharing >= {min_shared}: too many for a "
            "networkx graph",
            hint="raise --min-shared, or ask for one actor's co-members (ego) or the top pairs",
        )
    graph = nx.Graph()
    _graph_attrs(graph, among, facts)
    for node in side:
        _add_node(graph, facts, node)
    for pair in incidence.pairs(among, min_shared=min_shared):
        graph.add_edge(
            pair.a,
            pair.b,
            weight=pair.shared,
            jaccard=pair.jaccard,
            overlap=pair.overlap,
            shared=" ".join(pair.shared_ids),
        )
    return graph


def structure_graph(facts: Facts, as_of: PartialDate | None = None) -> nx.DiGraph:
    """Sections, units and sub-organizations: child -> parent."""
    facts = facts.as_of(as_of)
    graph = nx.DiGraph()
    _graph_attrs(graph, "structure", facts)
    _add_relations(graph, facts, facts.structure)
    return graph


def lineage_graph(
    facts: Facts, as_of: PartialDate | None = None, *, founders: bool = True
) -> nx.DiGraph:
    """Predecessor -> successor (mergers, successions), plus founder -> founded.

    Raises a :class:`UsageError` naming the cycle if the data ever makes the lineage cyclic.
    """
    facts = facts.as_of(as_of)
    graph = nx.DiGraph()
    _graph_attrs(graph, "lineage", facts)
    _add_relations(graph, facts, facts.lineage)
    if founders:
        _add_relations(
            graph, facts, [r for r in facts.relations if r.relation == "founder"], reverse=True
        )
    if not nx.is_directed_acyclic_graph(graph):
        cycle = " -> ".join(a for a, _ in nx.find_cycle(graph))
        raise UsageError(f"the lineage is not acyclic: {cycle}", hint="check the change events")
    return graph


def org_network(facts: Facts, as_of: PartialDate | None = None) -> nx.MultiDiGraph:
    """Every typed relation between organizations (cities are in the membership view)."""
    facts = facts.as_of(as_of)
    graph = nx.MultiDiGraph()
    _graph_attrs(graph, "org-network", facts)

    def is_org(node: str) -> bool:
        return facts.kind(node) != "city"

    for m in sorted(facts.memberships, key=lambda m: (m.member, m.organization)):
        if is_org(m.member) and is_org(m.organization):
            _add_node(graph, facts, m.member)
            _add_node(graph, facts, m.organization)
            graph.add_edge(
                m.member,
                m.organization,
                key="member-of",
                relation="member-of",
                date=_text(m.begin),
                sources=" ".join(m.sources),
                event="",
            )
    relations = [*facts.structure, *facts.lineage, *facts.relations]
    _add_relations(graph, facts, [r for r in relations if is_org(r.source) and is_org(r.target)])
    return graph


def _add_relations(
    graph: nx.Graph, facts: Facts, relations: Iterable, *, reverse: bool = False
) -> None:
    """Add typed relations (``reverse``: founder relations point founder -> founded)."""
    for r in sorted(relations, key=lambda r: (r.source, r.target, r.relation)):
        a, b = (r.target, r.source) if reverse else (r.source, r.target)
        _add_node(graph, facts, a)
        _add_node(graph, facts, b)
        attrs = dict(
            relation=r.relation, date=_text(r.date), sources=" ".join(r.sources), event=r.event
        )
        if graph.is_multigraph():
            graph.add_edge(a, b, key=r.relation, **attrs)
        elif not graph.has_edge(a, b):
            graph.add_edge(a, b, **attrs)


def build_view(
    facts: Facts, view: str, as_of: PartialDate | None = None, *, min_shared: int = 1
) -> nx.Graph:
    """A view by name (for ``analyze export`` and the report)."""
    if view == "membership":
        return membership_graph(facts, as_of)
    if view in ("actors", "organizations"):
        return comembership_graph(facts, view, as_of, min_shared=min_shared)
    if view == "structure":
        return structure_graph(facts, as_of)
    if view == "lineage":
        return lineage_graph(facts, as_of)
    if view == "org-network":
        return org_network(facts, as_of)
    raise UsageError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
