"""Measures on the views, each returning a :class:`Result` (a table with notes).

Which graph each measure reads, and why:

* degree, weighted degree: the membership view and the sparse incidence matrix (weighted degree =
  the number of (co-member, organization) pairs an actor has, without building the projection);
* betweenness, PageRank, components, k-cores, Louvain communities: the membership view taken as an
  undirected graph (cities and organizations together): a node lies "between" others when paths
  from city to city pass through it, and this graph stays as small as the data (one edge per
  membership) where the co-membership projection grows with the square of organization sizes;
* betweenness is exact up to :data:`EXACT_BETWEENNESS_NODES` nodes and sampled above
  (``k`` = :data:`BETWEENNESS_SAMPLE` pivots, seed :data:`SEED`); the result says which;
* overlap, ego: sparse products restricted to what is asked (:mod:`.sparse`);
* shortest path: the membership view, each step explained as the fact that links two nodes;
* ancestors, descendants: the lineage view.
"""

from __future__ import annotations

import difflib
import random
import unicodedata
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ..errors import UsageError
from .dates import PartialDate
from .facts import ROLE_PHRASES, Facts, Membership, date_notes, original_notes
from .result import Result
from .sparse import Incidence, core_numbers
from .sparse import betweenness as sparse_betweenness
from .sparse import pagerank as sparse_pagerank
from .views import _text, lineage_graph

SEED = 42
EXACT_BETWEENNESS_NODES = 5_000
BETWEENNESS_SAMPLE = 100


# --- names -----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a name ("Gênes" and "genes" meet)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def resolve(
    facts: Facts, name: str, what: str = "actor or organization", among: Iterable[str] | None = None
) -> str:
    """The node id a name means: its slug, a label or an alternative label, any case or accent.

    An unknown name is a usage error that lists the closest matches.
    """
    candidates = set(among) if among is not None else set(facts.entities)
    index: dict[str, set[str]] = {}
    for node in candidates:
        entity = facts.entities.get(node)
        for written in {
            node,
            *(entity.names if entity else []),
            *([entity.label] if entity else []),
        }:
            index.setdefault(_fold(written), set()).add(node)
    found = index.get(_fold(name))
    if found and len(found) == 1:
        return next(iter(found))
    if found:
        listed = ", ".join(f"{facts.label(n)} ({n})" for n in sorted(found))
        raise UsageError(f"{what} {name!r} is ambiguous: {listed}", hint="give the id in brackets")
    close = difflib.get_close_matches(_fold(name), list(index), n=8, cutoff=0.6)
    if not close:
        close = sorted(k for k in index if _fold(name) in k)[:8]
    suggestions = []
    for key in close:
        for node in sorted(index[key]):
            entry = f"{facts.label(node)} ({node})"
            if entry not in suggestions:
                suggestions.append(entry)
    hint = (
        f"closest matches: {', '.join(suggestions[:5])}"
        if suggestions
        else ("no close match; `citygraph analyze centrality` lists every node")
    )
    raise UsageError(f"unknown {what} {name!r}", hint=hint)


# --- helpers ---------------------------------------------------------------------------------


def _date_note(facts: Facts, result: Result) -> Result:
    when = facts.as_of_date
    if when is not None:
        result.meta["as_of"] = when.text
        if facts.undated:
            result.notes.append(
                f"{facts.undated} membership(s) have no date (neither their own nor their "
                f"organization's founding date) and are counted as of {when.text}"
            )
    return result


def _empty_note(facts: Facts, result: Result, full: Facts | None = None) -> Result:
    if not facts.memberships and facts.as_of_date is not None:
        begins = [m.effective_begin for m in (full or facts).memberships if m.effective_begin]
        first = min(begins, key=lambda d: d.first).text if begins else "an unknown date"
        result.notes.append(
            f"no membership in force as of {facts.as_of_date.text} (the earliest begins {first}); "
            "the result is empty"
        )
    return result


def role_phrase(role: str) -> str:
    """How a membership reads in a sentence: "member of", "founding member of", "party to"."""
    return ROLE_PHRASES.get(role, role.replace("-", " ") + " of")


def _weighted_skeleton(facts: Facts) -> nx.Graph:
    """The membership view made undirected, with only what Louvain and the shortest path read
    (the edges' weight 1): its nodes and edges in the view's order (nodes sorted, edges by
    member then organization), so that the same seed gives the same communities and the search
    the same path, built without the attributes the view carries."""
    graph = nx.Graph()
    graph.add_nodes_from(sorted({n for m in facts.memberships for n in (m.member, m.organization)}))
    pairs = sorted({(m.member, m.organization) for m in facts.memberships})
    graph.add_edges_from(pairs, weight=1)
    return graph


# --- summary ---------------------------------------------------------------------------------


def summary(facts: Facts, as_of: PartialDate | None = None) -> Result:
    """Counts that describe the graph at a glance."""
    full = facts
    facts = facts.as_of(as_of)
    # the membership view's nodes and components from the incidence matrix: building the
    # networkx view for them took most of the summary's time at 100,000 memberships
    incidence = Incidence.from_facts(facts)
    kinds: dict[str, int] = {}
    for node in incidence.nodes():
        kind = facts.kind(node)
        kinds[kind] = kinds.get(kind, 0) + 1
    components = incidence.component_sizes()
    lineage = lineage_graph(facts, founders=False)
    rows: list[list] = [
        ["memberships", len(facts.memberships)],
        ["actors (members)", len(incidence.actors)],
        ["organizations with members", len(incidence.orgs)],
        ["cities", sum(1 for e in facts.entities.values() if e.kind == "city")],
        ["organizations (all kinds)", sum(1 for e in facts.entities.values() if e.kind != "city")],
    ]
    rows += [[f"nodes of kind {kind}", count] for kind, count in sorted(kinds.items())]
    rows += [
        ["connected components", len(components)],
        ["largest component (nodes)", components[0] if components else 0],
        ["actor pairs sharing an organization", incidence.count_pairs("actors")],
        ["organization pairs sharing a member", incidence.count_pairs("organizations")],
        ["structure relations", len(facts.structure)],
        ["lineage relations (mergers, successions)", lineage.number_of_edges()],
    ]
    if len(incidence.actors):
        sizes = incidence.sizes("actors")
        best = int(sizes.argmax())
        rows.append(["most memberships", f"{facts.label(incidence.actors[best])} ({sizes[best]})"])
    result = Result("summary", ["measure", "value"], rows)
    return _empty_note(facts, _date_note(facts, result), full)


# --- centrality ------------------------------------------------------------------------------


def betweenness(
    graph: nx.Graph,
    *,
    exact_limit: int = EXACT_BETWEENNESS_NODES,
    k: int = BETWEENNESS_SAMPLE,
    seed: int = SEED,
) -> tuple[dict[str, float], str]:
    """Betweenness (normalised) and how it was computed: exact, or sampled with a fixed seed.

    The numbers of networkx's ``betweenness_centrality(graph, k, normalized=True, seed=seed)``
    (the same pivots, drawn the way it draws them), computed on a sparse matrix
    (:func:`citygraph.analysis.sparse.betweenness`): 35 times faster on 20,000 nodes.
    """
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[u], index[v]) for u, v in graph.edges()]
    rows = np.array([u for u, v in pairs] + [v for u, v in pairs], dtype=np.int64)
    cols = np.array([v for u, v in pairs] + [u for u, v in pairs], dtype=np.int64)
    data = np.ones(len(rows))
    adjacency = sp.csr_matrix((data, (rows, cols)), shape=(len(nodes), len(nodes)))
    values, method = _betweenness(nodes, adjacency, exact_limit=exact_limit, k=k, seed=seed)
    return dict(zip(nodes, values.tolist(), strict=True)), method


def _betweenness(
    nodes: list[str], adjacency: sp.csr_matrix, *, exact_limit: int, k: int, seed: int
) -> tuple[np.ndarray, str]:
    n = len(nodes)
    if n <= exact_limit:
        return sparse_betweenness(adjacency), "exact"
    sample = min(k, n)
    index = {node: i for i, node in enumerate(nodes)}
    pivots = [index[node] for node in random.Random(seed).sample(nodes, sample)]
    return sparse_betweenness(adjacency, pivots), f"sampled: k={sample} pivots, seed={seed}"


def centrality(
    facts: Facts,
    as_of: PartialDate | None = None,
    *,
    top: int | None = None,
    kind: str | None = None,
    exact_limit: int = EXACT_BETWEENNESS_NODES,
) -> Result:
    """Degree, weighted degree, betweenness and PageRank of every node of the membership view.

    networkx's numbers, computed on the sparse membership matrix (no networkx graph is built):
    tests compare them with ``betweenness_centrality`` and ``pagerank`` of the networkx view.
    """
    full = facts
    facts = facts.as_of(as_of)
    incidence = Incidence.from_facts(facts)
    nodes, adjacency = incidence.adjacency(self_loops=True)
    memberships = dict(zip(incidence.actors, incidence.sizes("actors").tolist(), strict=True))
    members = dict(zip(incidence.orgs, incidence.sizes("organizations").tolist(), strict=True))
    weighted = dict(
        zip(incidence.actors, incidence.weighted_degree("actors").tolist(), strict=True)
    )
    between, method = _betweenness(
        nodes, adjacency, exact_limit=exact_limit, k=BETWEENNESS_SAMPLE, seed=SEED
    )
    rank = sparse_pagerank(adjacency, alpha=0.85)
    loops = int(adjacency.diagonal().sum())
    edges = (adjacency.nnz - loops) // 2 + loops
    rows = []
    for i, node in enumerate(nodes):
        label, node_kind = facts.label(node), facts.kind(node)
        if kind and not _kind_matches(node_kind, kind):
            continue
        rows.append(
            [
                node,
                label,
                node_kind,
                memberships.get(node, 0),
                members.get(node, 0),
                int(weighted.get(node, 0)),
                round(float(between[i]), 6),
                round(float(rank[i]), 6),
            ]
        )
    rows.sort(key=lambda r: (-r[7], -r[6], r[0]))
    if top:
        rows = rows[:top]
    result = Result(
        "centrality",
        [
            "id",
            "label",
            "kind",
            "memberships",
            "members",
            "weighted_degree",
            "betweenness",
            "pagerank",
        ],
        rows,
        notes=[
            f"betweenness: {method}; on the membership graph (undirected, "
            f"{len(nodes)} nodes, {edges} edges)",
            "weighted_degree: sum over the actor's organizations of (members - 1), i.e. "
            "co-membership ties counted once per shared organization",
        ],
        meta={"betweenness_method": method},
    )
    return _empty_note(facts, _date_note(facts, result), full)


def _kind_matches(kind: str, wanted: str) -> bool:
    return kind == wanted or (wanted == "organization" and kind != "city")


# --- components, cores, communities ---------------------------------------------------------


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def components(facts: Facts, as_of: PartialDate | None = None) -> Result:
    full = facts
    facts = facts.as_of(as_of)
    parts = Incidence.from_facts(facts).components()  # networkx's, from the sparse matrix
    rows = [[i + 1, len(c), [facts.label(n) for n in c], list(c)] for i, c in enumerate(parts)]
    result = Result("components", ["component", "size", "nodes", "ids"], rows)
    return _empty_note(facts, _date_note(facts, result), full)


def kcores(facts: Facts, as_of: PartialDate | None = None) -> Result:
    full = facts
    facts = facts.as_of(as_of)
    nodes, adjacency = Incidence.from_facts(facts).adjacency()
    cores = core_numbers(adjacency).tolist()  # networkx's core_number, on the sparse matrix
    rows = sorted(
        ([n, facts.label(n), facts.kind(n), c] for n, c in zip(nodes, cores, strict=True)),
        key=lambda r: (-r[3], r[0]),
    )
    result = Result(
        "k-cores",
        ["id", "label", "kind", "core"],
        rows,
        notes=[
            "core: the largest k such that the node is in the k-core of the "
            "membership graph (undirected)"
        ],
    )
    return _empty_note(facts, _date_note(facts, result), full)


def communities(
    facts: Facts, as_of: PartialDate | None = None, *, seed: int = SEED, resolution: float = 1.0
) -> Result:
    """Louvain communities of the membership graph (cities and organizations together)."""
    full = facts
    facts = facts.as_of(as_of)
    undirected = _weighted_skeleton(facts)
    found = (
        nx.community.louvain_communities(
            undirected, weight="weight", seed=seed, resolution=resolution
        )
        if undirected.number_of_edges()
        else []
    )
    parts = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
    modularity = nx.community.modularity(undirected, found) if found else 0.0
    rows = []
    for number, part in enumerate(parts, 1):
        for node in part:
            rows.append([number, node, facts.label(node), facts.kind(node)])
    result = Result(
        "communities",
        ["community", "id", "label", "kind"],
        rows,
        notes=[
            f"Louvain on the membership graph, seed={seed}, resolution={resolution}: "
            f"{len(parts)} communities, modularity {modularity:.4f}"
        ],
        meta={"seed": seed, "modularity": round(modularity, 6), "communities": len(parts)},
    )
    return _empty_note(facts, _date_note(facts, result), full)


# --- overlap ---------------------------------------------------------------------------------


def overlap(
    facts: Facts,
    names: list[str] | None = None,
    as_of: PartialDate | None = None,
    *,
    among: str = "organizations",
    top: int = 20,
    min_shared: int = 1,
) -> Result:
    """Shared members of organizations (or shared organizations of actors).

    With names: every pair among them, zeros included. Without: the ``top`` pairs.
    """
    full = facts
    facts = facts.as_of(as_of)
    incidence = Incidence.from_facts(facts)
    what = "organization" if among == "organizations" else "actor"
    pool = full.organizations if among == "organizations" else full.actors
    known = incidence.orgs if among == "organizations" else incidence.actors
    if names and len(names) < 2:
        raise UsageError(
            f"overlap compares {among} in pairs: give two or more, or none for the top pairs"
        )
    if names:
        ids = [resolve(full, n, what, among=pool) for n in names]
        present = set(known)
        rows = []
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if a in present and b in present:
                    pair = _pair_between(incidence, among, a, b)
                    rows.append(
                        [
                            a,
                            b,
                            facts.label(a),
                            facts.label(b),
                            pair.shared,
                            round(pair.jaccard, 6),
                            round(pair.overlap, 6),
                            [facts.label(s) for s in pair.shared_ids],
                        ]
                    )
                else:
                    rows.append([a, b, full.label(a), full.label(b), 0, 0.0, 0.0, []])
    else:
        rows = [
            [
                p.a,
                p.b,
                facts.label(p.a),
                facts.label(p.b),
                p.shared,
                round(p.jaccard, 6),
                round(p.overlap, 6),
                [facts.label(s) for s in p.shared_ids],
            ]
            for p in incidence.top_pairs(among, top)
            if p.shared >= min_shared
        ]
    shared_col = "shared_members" if among == "organizations" else "shared_organizations"
    result = Result(
        "overlap",
        ["a", "b", "label_a", "label_b", "shared", "jaccard", "overlap", shared_col],
        rows,
        notes=["jaccard = shared / union; overlap = shared / the smaller of the two"],
    )
    return _empty_note(facts, _date_note(facts, result), full)


def _pair_between(incidence: Incidence, among: str, a: str, b: str):
    from .sparse import Pair

    rows_matrix = incidence.matrix if among == "actors" else incidence._t
    index = incidence.actor_index if among == "actors" else incidence.org_index
    i, j = index[a], index[b]
    set_a = set(rows_matrix.indices[rows_matrix.indptr[i] : rows_matrix.indptr[i + 1]].tolist())
    set_b = set(rows_matrix.indices[rows_matrix.indptr[j] : rows_matrix.indptr[j + 1]].tolist())
    names = incidence.orgs if among == "actors" else incidence.actors
    common = sorted(names[k] for k in set_a & set_b)
    shared = len(common)
    union = len(set_a | set_b)
    return Pair(
        a,
        b,
        shared,
        shared / union if union else 0.0,
        shared / min(len(set_a), len(set_b)) if set_a and set_b else 0.0,
        tuple(common),
    )


# --- ego -------------------------------------------------------------------------------------


def ego(facts: Facts, name: str, as_of: PartialDate | None = None) -> Result:
    """An actor's (or organization's) neighbourhood: its organizations, members and co-members."""
    full = facts
    node = resolve(full, name)
    facts = facts.as_of(as_of)
    # the node's own edges of the membership view, without building the view: in its order
    # (sorted by member, then organization; a pair stated twice keeps its last statement)
    own: dict[tuple[str, str], Membership] = {}
    for m in sorted(
        (m for m in facts.memberships if node in (m.member, m.organization)),
        key=lambda m: (m.member, m.organization),
    ):
        own[m.member, m.organization] = m
    label = full.label(node)
    result = Result(
        "ego",
        ["id", "label", "kind", "relation", "shared", "via", "since"],
        [],
        meta={"ego": node, "ego_label": label},
    )
    if not own:
        when = f" as of {facts.as_of_date.text}" if facts.as_of_date else ""
        result.notes.append(f"{label} has no membership in force{when}; the result is empty")
        return _date_note(facts, result)
    organizations = sorted(((o, m) for (a, o), m in own.items() if a == node), key=_first)
    members = sorted(((a, m) for (a, o), m in own.items() if o == node), key=_first)
    for org, m in organizations:
        result.rows.append(
            [org, facts.label(org), facts.kind(org), role_phrase(m.role), None, [], _text(m.begin)]
        )
    for member, m in members:
        relation = "has " + role_phrase(m.role).rsplit(" ", 1)[0]
        result.rows.append(
            [member, facts.label(member), facts.kind(member), relation, None, [], _text(m.begin)]
        )
    incidence = Incidence.from_facts(facts)
    if node in incidence.actor_index:
        for pair in incidence.co_members(node, "actors"):
            result.rows.append(
                [
                    pair.b,
                    facts.label(pair.b),
                    facts.kind(pair.b),
                    "co-member",
                    pair.shared,
                    [facts.label(s) for s in pair.shared_ids],
                    "",
                ]
            )
    result.notes.append(
        f"{label}: member of {len(organizations)}, has {len(members)} "
        f"member(s), shares an organization with "
        f"{sum(1 for r in result.rows if r[3] == 'co-member')} actor(s)"
    )
    return _date_note(facts, result)


# --- path ------------------------------------------------------------------------------------


def path(facts: Facts, start: str, goal: str, as_of: PartialDate | None = None) -> Result:
    """The shortest chain of membership facts linking two nodes, each step in words."""
    full = facts
    a, b = resolve(full, start), resolve(full, goal)
    facts = facts.as_of(as_of)
    undirected = _weighted_skeleton(facts)  # the view's order: the same shortest path
    stated = {(m.member, m.organization): m for m in facts.memberships}  # one per pair
    result = Result(
        "path",
        ["step", "from", "fact", "to", "sources"],
        [],
        meta={"from": a, "to": b, "connected": False, "explanation": ""},
    )
    when = f" as of {facts.as_of_date.text}" if facts.as_of_date else ""
    missing = [n for n in (a, b) if n not in undirected]
    if missing:
        who = " and ".join(full.label(n) for n in missing)
        has = "have" if len(missing) > 1 else "has"
        result.notes.append(f"no path: {who} {has} no membership in force{when}")
        return _date_note(facts, result)
    try:
        nodes = nx.shortest_path(undirected, a, b)
    except nx.NetworkXNoPath:
        result.notes.append(
            f"no path: {full.label(a)} and {full.label(b)} are not connected{when} "
            "(no chain of memberships links them)"
        )
        return _date_note(facts, result)
    pieces = [facts.label(nodes[0])]
    for step, (x, y) in enumerate(zip(nodes, nodes[1:], strict=False), 1):
        if (x, y) in stated:
            edge, phrase = stated[x, y], "{} →"
        else:
            edge, phrase = stated[y, x], "← {}"
        arrow = phrase.format(role_phrase(edge.role))
        pieces.append(
            f"— {arrow} {facts.label(y)}" if arrow.endswith("→") else f"{arrow} — {facts.label(y)}"
        )
        result.rows.append([step, facts.label(x), arrow, facts.label(y), " ".join(edge.sources)])
    explanation = " ".join(pieces)
    result.meta.update(connected=True, explanation=explanation, length=len(nodes) - 1, nodes=nodes)
    result.notes.append(explanation)
    return _date_note(facts, result)


# --- lineage ---------------------------------------------------------------------------------


def lineage(
    facts: Facts, name: str, as_of: PartialDate | None = None, *, founders: bool = False
) -> Result:
    """Ancestors (what it descends from) and descendants (what descends from it)."""
    full = facts
    node = resolve(full, name, "organization")
    facts = facts.as_of(as_of)
    graph = lineage_graph(facts, founders=founders)
    result = Result(
        "lineage",
        ["direction", "id", "label", "distance", "relation", "event", "date", "sources"],
        [],
        meta={"organization": node},
    )
    if node not in graph:
        result.notes.append(
            f"{full.label(node)} has no recorded predecessor or successor"
            + (" or founder" if founders else "")
        )
        return _date_note(facts, result)
    for direction, reach, graph_dir in (
        ("ancestor", nx.ancestors, graph.reverse(copy=False)),
        ("descendant", nx.descendants, graph),
    ):
        distances = nx.single_source_shortest_path_length(graph_dir, node)
        for other in sorted(reach(graph, node), key=lambda n: (distances[n], n)):
            step = nx.shortest_path(graph_dir, node, other)
            a, b = step[-1], step[-2]
            edge = graph.edges[a, b] if graph.has_edge(a, b) else graph.edges[b, a]
            result.rows.append(
                [
                    direction,
                    other,
                    facts.label(other),
                    distances[other],
                    edge["relation"],
                    edge["event"],
                    edge["date"],
                    edge["sources"],
                ]
            )
    shown = {row[5] for row in result.rows}
    result.notes.extend(date_notes(r for r in facts.lineage if r.event in shown))
    result.notes.extend(original_notes(r for r in facts.lineage if r.event in shown))
    return _date_note(facts, result)
