"""Network views and measures on the hand-made fixture (tests/data/analysis/).

Every expected number below is counted by hand from fixture.ttl; the comment says how.
The fixture's memberships (member -> organization, begin):
  alpha -> net-a (1991-11 in fixture.ttl, 1991 in second-source.ttl), net-b (undated),
           charter-ab (1998-07-09)
  beta  -> net-a (1992), charter-ab (1998-07-09)
  gamma -> net-b (1996-01-15 to 2001)
  delta -> net-c (undated; net-c founded 2000, dissolved 2010)
  net-b -> net-a (undated; net-b founded 1995-06)
  omega -> net-z (1985), psi -> net-z (1986)
"""

from __future__ import annotations

import random
from contextlib import nullcontext
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms import bipartite

from citygraph.analysis import measures, parse_as_of, read_facts
from citygraph.analysis.dates import claims_by_date, disagreement, in_force, parse_partial
from citygraph.analysis.sparse import Incidence
from citygraph.analysis.views import (
    comembership_graph,
    lineage_graph,
    membership_graph,
    org_network,
    structure_graph,
)
from citygraph.cli import main
from citygraph.errors import UsageError

FIXTURE = Path(__file__).parent / "data" / "analysis"


@pytest.fixture(scope="module")
def facts():
    import citygraph

    return read_facts(citygraph.load(FIXTURE))


def summary_of(result) -> dict:
    return {row[0]: row[1] for row in result.rows}


# --- dates ---------------------------------------------------------------------------------


def test_partial_dates_are_periods():
    month = parse_partial("1991-11")
    assert (str(month.first), str(month.last), month.precision) == (
        "1991-11-01",
        "1991-11-30",
        "month",
    )
    # a membership begun in 1991-11 is in force as of 1998-01-01, as of 1991 (the year overlaps),
    # not as of 1991-10
    assert in_force(month, None, parse_as_of("1998-01-01"))
    assert in_force(month, None, parse_as_of("1991"))
    assert not in_force(month, None, parse_as_of("1991-10"))
    # ended in 2001: still in force as of 2001-12 (the year overlaps), not as of 2002
    assert in_force(parse_partial("1996-01-15"), parse_partial("2001"), parse_as_of("2001-12"))
    assert not in_force(parse_partial("1996-01-15"), parse_partial("2001"), parse_as_of("2002"))


def test_dates_sources_disagree_on_are_kept_with_their_sources():
    claims = claims_by_date(
        [
            (parse_partial("2016-01-01"), "gazette"),
            (parse_partial("2015-11-06"), "maire-info"),
            (parse_partial("2015-11-06"), "frwiki"),
            (parse_partial("2015-11-06"), "frwiki"),  # one source stating it twice
            (parse_partial("2015-11"), "bulletin"),
        ]
    )
    # earliest first, as earliest() reads them: "2015-11" begins on 2015-11-01
    assert claims == (
        ("2015-11", ("bulletin",)),
        ("2015-11-06", ("frwiki", "maire-info")),
        ("2016-01-01", ("gazette",)),
    )
    assert disagreement("event/merger-x", claims) == (
        "event/merger-x is dated 2015-11, the earliest date its sources give (bulletin); "
        "frwiki, maire-info give 2015-11-06; gazette gives 2016-01-01"
    )
    # one date, however many sources give it, or none: nothing to say
    assert disagreement("event/merger-x", claims[1:2]) is None
    assert disagreement("event/merger-x", claims_by_date([])) is None


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "98",
            "--as-of '98': not a date; expected YYYY, YYYY-MM or YYYY-MM-DD "
            "(e.g. 1998, 1998-07, 1998-07-09)",
        ),
        (
            "1998/07/09",
            "--as-of '1998/07/09': not a date; expected YYYY, YYYY-MM or YYYY-MM-DD "
            "(e.g. 1998, 1998-07, 1998-07-09)",
        ),
        (
            "1998-02-30",
            "--as-of '1998-02-30': no such day or month; expected YYYY, YYYY-MM or "
            "YYYY-MM-DD with a month 01-12 and a day that exists in that month",
        ),
    ],
)
def test_malformed_as_of_names_the_expected_form(text, message):
    with pytest.raises(UsageError) as caught:
        parse_as_of(text)
    assert caught.value.message == message


# --- views -----------------------------------------------------------------------------------


def test_membership_view(facts):
    graph = membership_graph(facts)
    # 10 member -> organization pairs; 11 nodes: 6 cities + net-a, net-b, net-c, net-z,
    # charter-ab (the 5 organizations with members; net-b is also a member, one node)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (11, 10)
    edge = graph.edges["alpha", "net-a"]
    # two sources state it: roles merged, the earliest beginning kept ("1991" before "1991-11")
    assert edge["roles"] == "founding-member member"
    assert edge["role"] == "founding-member"
    assert edge["begin"] == "1991"
    assert edge["sources"] == "fixture second-source"
    assert graph.edges["gamma", "net-b"]["end"] == "2001"
    assert graph.nodes["gamma"]["label"] == "Gamma"  # no @en label: the @fr one
    assert graph.nodes["charter-ab"]["kind"] == "charter"
    assert graph.nodes["alpha"]["side"] == "city"


@pytest.mark.parametrize(
    "date, expected",
    [
        # net-a (1990) exists: alpha, beta in it; net-z: omega, psi. net-b founded 1995-06 not yet.
        ("1993", 4),
        ("1995-05", 4),
        # the year 1995 overlaps net-b's founding month: + alpha -> net-b, net-b -> net-a
        ("1995", 6),
        # gamma left net-b in 2001; delta is in net-c (2000-2010): 10 - 1 = 9
        ("2005", 9),
        # net-c dissolved in 2010: delta's membership ends with it
        ("2011", 8),
        # before net-z (1980) and net-a (1990): nothing
        ("1970", 0),
    ],
)
def test_as_of_selects_memberships_in_force(facts, date, expected):
    assert membership_graph(facts, parse_as_of(date)).number_of_edges() == expected


def test_actor_projection(facts):
    graph = comembership_graph(facts, "actors")
    # pairs: alpha-beta (net-a, charter-ab), alpha-net-b (net-a), beta-net-b (net-a),
    # alpha-gamma (net-b), omega-psi (net-z)
    assert sorted(graph.edges) == sorted(
        [
            ("alpha", "beta"),
            ("alpha", "net-b"),
            ("beta", "net-b"),
            ("alpha", "gamma"),
            ("omega", "psi"),
        ]
    )
    ab = graph.edges["alpha", "beta"]
    # alpha is in 3 organizations, beta in 2, they share 2: jaccard 2/3, overlap 2/2
    assert ab["weight"] == 2
    assert ab["jaccard"] == pytest.approx(2 / 3)
    assert ab["overlap"] == 1.0
    assert ab["shared"] == "charter-ab net-a"


def test_organization_projection(facts):
    graph = comembership_graph(facts, "organizations")
    # net-a {alpha, beta, net-b} & charter-ab {alpha, beta}: 2; net-a & net-b {alpha, gamma}: 1;
    # net-b & charter-ab: 1 (alpha)
    assert {tuple(sorted(e)): d["weight"] for *e, d in graph.edges(data=True)} == {
        ("charter-ab", "net-a"): 2,
        ("net-a", "net-b"): 1,
        ("charter-ab", "net-b"): 1,
    }
    assert graph.edges["net-a", "charter-ab"]["jaccard"] == pytest.approx(2 / 3)


def test_structure_lineage_and_org_network(facts):
    structure = structure_graph(facts)
    # sectionOf beats subOrganizationOf (most specific); hasUnit and unitOf are one relation
    assert dict(((a, b), r) for a, b, r in structure.edges(data="relation")) == {
        ("net-b", "net-a"): "section-of",
        ("net-a/board", "net-a"): "unit-of",
    }
    lineage = lineage_graph(facts)
    assert nx.is_directed_acyclic_graph(lineage)
    # 2 merger edges, 1 succession, 1 founder (alpha founded net-a)
    assert sorted(lineage.edges(data="relation")) == [
        ("alpha", "net-a", "founder"),
        ("net-c", "net-d", "merger"),
        ("net-d", "net-e", "succession"),
        ("old-net", "net-d", "merger"),
    ]
    network = org_network(facts)
    # org-to-org: the board's unit-of, net-b member-of and section-of net-a, the three lineage
    # edges (no city edge)
    assert sorted((a, b, k) for a, b, k in network.edges(keys=True)) == [
        ("net-a/board", "net-a", "unit-of"),
        ("net-b", "net-a", "member-of"),
        ("net-b", "net-a", "section-of"),
        ("net-c", "net-d", "merger"),
        ("net-d", "net-e", "succession"),
        ("old-net", "net-d", "merger"),
    ]
    # as of 2012 the succession (2015) has not happened yet
    assert not lineage_graph(facts, parse_as_of("2012")).has_edge("net-d", "net-e")


# --- measures --------------------------------------------------------------------------------


def test_summary(facts):
    values = summary_of(measures.summary(facts))
    assert values["memberships"] == 10
    assert values["actors (members)"] == 7  # 6 cities + net-b
    assert values["organizations with members"] == 5
    assert values["connected components"] == 3
    assert values["largest component (nodes)"] == 6  # alpha, beta, gamma, net-a, net-b, charter
    assert values["actor pairs sharing an organization"] == 5
    assert values["organization pairs sharing a member"] == 3
    assert values["most memberships"] == "Alpha (3)"


def test_centrality(facts):
    result = measures.centrality(facts)
    rows = {r[0]: dict(zip(result.columns, r, strict=True)) for r in result.rows}
    # alpha's weighted degree: net-a has 3 members (2 others) + net-b 2 (1) + charter 2 (1) = 4
    assert rows["alpha"]["weighted_degree"] == 4
    assert (rows["alpha"]["memberships"], rows["net-a"]["members"]) == (3, 3)
    # in the component {alpha, beta, gamma, net-a, net-b, charter-ab} gamma hangs on net-b alone,
    # delta on net-c alone: they lie on no shortest path
    assert rows["gamma"]["betweenness"] == 0
    assert rows["alpha"]["betweenness"] > rows["beta"]["betweenness"]
    assert result.meta["betweenness_method"] == "exact"
    sampled = measures.centrality(facts, exact_limit=5)
    # 11 nodes above a limit of 5: sampled, with every node as a pivot (k = min(500, 11))
    assert sampled.meta["betweenness_method"] == "sampled: k=11 pivots, seed=42"


def test_sampled_betweenness_is_deterministic():
    graph = nx.gnm_random_graph(300, 900, seed=3)
    first, method = measures.betweenness(graph, exact_limit=100, k=50)
    again, _ = measures.betweenness(graph, exact_limit=100, k=50)
    assert method == "sampled: k=50 pivots, seed=42" and first == again


def test_betweenness_by_hand():
    """On the path a - b - c - d, b lies on the shortest paths of (a, c), (a, d) and their
    reverses: 4 ordered pairs of the 3 x 2 that exclude b, so 4 / 6; the ends lie on none."""
    graph = nx.path_graph(["a", "b", "c", "d"])
    values, method = measures.betweenness(graph)
    assert method == "exact"
    assert values == pytest.approx({"a": 0.0, "b": 4 / 6, "c": 4 / 6, "d": 0.0}, abs=1e-15)
    # a star's centre is on every path between two leaves: 1.0 from any two pivots, whether the
    # centre is one of them or not (networkx 3.5 fixed the rescaling: it used to give 1.25)
    star = nx.star_graph(4)
    for seed in (1, 3):  # pivots 1 and 0 (the centre), then 1 and 4
        values, method = measures.betweenness(star, exact_limit=2, k=2, seed=seed)
        assert method == f"sampled: k=2 pivots, seed={seed}"
        assert values == pytest.approx({0: 1.0, 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0}), seed


@pytest.mark.parametrize("seed", range(12))
def test_sparse_betweenness_is_networkx_betweenness(seed):
    """Same numbers as networkx's Brandes (the reference), exact and sampled with networkx's own
    pivots, on graphs with several components, isolated nodes and a self-loop."""
    graph = nx.gnm_random_graph(10 + 7 * seed, 3 * seed + 5, seed=seed)
    graph.add_edge(0, 0)
    exact, method = measures.betweenness(graph)
    assert method == "exact"
    assert exact == pytest.approx(nx.betweenness_centrality(graph), abs=1e-12)
    k = 2 + seed % 5
    sampled, method = measures.betweenness(graph, exact_limit=1, k=k, seed=seed)
    assert method == f"sampled: k={k} pivots, seed={seed}"
    reference = nx.betweenness_centrality(graph, k=k, normalized=True, seed=seed)
    assert sampled == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_core_numbers_are_networkx_core_numbers(seed):
    """The layer-by-layer peeling on the sparse matrix gives networkx's core numbers, on random
    graphs with isolated nodes and on a long path (the most layers for its size)."""
    import scipy.sparse as sp

    from citygraph.analysis.sparse import core_numbers

    graph = (
        nx.gnm_random_graph(5 + 9 * seed, 4 * seed * seed, seed=seed)
        if seed
        else nx.path_graph(300)
    )
    matrix = sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=list(graph), dtype=int))
    matrix.sort_indices()
    found = dict(zip(graph, core_numbers(matrix).tolist(), strict=True))
    assert found == nx.core_number(graph)


def test_components_kcores_communities(facts):
    parts = measures.components(facts)
    assert [row[1] for row in parts.rows] == [6, 3, 2]
    # each part's ids beside its labels (labels alone could not be told apart, or looked up)
    assert parts.columns[2:] == ["nodes", "ids"]
    assert all(len(row[2]) == len(row[3]) == row[1] for row in parts.rows)
    cores = {r[0]: r[3] for r in measures.kcores(facts).rows}
    # alpha-net-a-beta-charter-alpha is a cycle, and net-b closes alpha-net-b-net-a: a 2-core;
    # gamma, delta, omega, psi hang by one edge
    assert cores["alpha"] == 2 and cores["gamma"] == 1 and cores["net-z"] == 1
    found = measures.communities(facts)
    assert found.meta["seed"] == 42
    assert found.rows == measures.communities(facts).rows  # same seed, same answer
    community = {r[1]: r[0] for r in found.rows}
    # communities never span components
    assert community["omega"] == community["psi"] == community["net-z"]
    assert community["omega"] != community["alpha"]


def test_overlap_of_two_organizations(facts):
    result = measures.overlap(facts, ["NA", "charter ab"])
    (row,) = result.records()
    assert (row["a"], row["b"], row["shared"]) == ("net-a", "charter-ab", 2)
    assert row["shared_members"] == ["Alpha", "Beta"]


def test_path_is_explained_as_facts(facts):
    result = measures.path(facts, "Bêta", "gamma")
    # beta -> net-a <- net-b <- gamma (3 steps; via alpha it would take 4)
    assert result.meta["explanation"] == (
        "Beta — member of → Network A ← member of — Network B ← member of — Gamma"
    )
    assert result.meta["length"] == 3


def test_path_between_disconnected_actors_says_so(facts):
    result = measures.path(facts, "alpha", "omega")
    assert result.rows == [] and result.meta["connected"] is False
    assert result.notes == [
        "no path: Alpha and Omega are not connected (no chain of memberships links them)"
    ]


def test_lineage_ancestors_and_descendants(facts):
    ancestors = {(r[1], r[3]) for r in measures.lineage(facts, "net-e").rows}
    # net-e <- net-d (succession) <- net-c, old-net (merger)
    assert ancestors == {("net-d", 1), ("net-c", 2), ("old-net", 2)}
    descendants = [r[1] for r in measures.lineage(facts, "old network").rows]
    assert descendants == ["net-d", "net-e"]


def test_ego(facts):
    result = measures.ego(facts, "beta")
    rows = {(r[0], r[3]): r[4] for r in result.rows}
    assert rows == {
        ("charter-ab", "party to"): None,
        ("net-a", "member of"): None,
        ("alpha", "co-member"): 2,
        ("net-b", "co-member"): 1,
    }


# --- bad input -------------------------------------------------------------------------------


def test_unknown_name_lists_closest_matches(facts):
    with pytest.raises(UsageError) as caught:
        measures.path(facts, "Alpah", "beta")
    assert caught.value.message == "unknown actor or organization 'Alpah'"
    assert caught.value.hint == "closest matches: Alpha (alpha)"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["overlap", "--top", "-2"],
            "citygraph analyze overlap: error: argument --top: '-2' is not a whole number of at "
            "least 1",
        ),
        (
            ["centrality", "--top", "0"],
            "citygraph analyze centrality: error: argument --top: '0' is not a whole number of "
            "at least 1",
        ),
        (
            ["export", "--min-shared", "x", "-o", "g.graphml"],
            "citygraph analyze export: error: argument --min-shared: 'x' is not a whole number "
            "of at least 1",
        ),
        (
            ["centrality", "--kind", "nope"],
            "citygraph analyze: unknown kind 'nope': use one of charter, city, forum, "
            "international-body, network, organization, programme, unit",
        ),
        (  # (an empty table, and no word why)
            ["overlap", "net-a"],
            "citygraph analyze: overlap compares organizations in pairs: give two or more, or "
            "none for the top pairs",
        ),
        (  # (an internal error: IsADirectoryError)
            ["export", "-o", "."],
            "citygraph analyze: -o . is a folder: give the file to write, e.g. membership.graphml",
        ),
    ],
)
def test_a_count_or_a_kind_that_means_nothing_is_a_usage_error(capsys, argv, message):
    # (a negative --top was an internal error in overlap and dropped the last nodes in
    # centrality; an unknown kind printed an empty table)
    with pytest.raises(SystemExit) if "error: argument" in message else nullcontext():
        code = main(["analyze", *argv, "--data", str(FIXTURE)])
        assert code == 2
    assert capsys.readouterr().err.rstrip().endswith(message)


def test_cli_errors_and_empty_selection(capsys):
    data = ["--data", str(FIXTURE)]
    assert main(["analyze", "path", "Alpah", "beta", *data]) == 2
    assert capsys.readouterr().err == (
        "citygraph analyze: unknown actor or organization 'Alpah'\n"
        "  hint: closest matches: Alpha (alpha)\n"
    )
    assert main(["analyze", "summary", "--as-of", "1998-13", *data]) == 2
    assert "expected YYYY, YYYY-MM or YYYY-MM-DD" in capsys.readouterr().err
    # before any organization existed: an empty result, a note, exit 0
    assert main(["analyze", "centrality", "--as-of", "1970", "--format", "csv", *data]) == 0
    out, err = capsys.readouterr()
    assert out == "id,label,kind,memberships,members,weighted_degree,betweenness,pagerank\n"
    assert (
        "no membership in force as of 1970 (the earliest begins 1985); the result is empty" in err
    )
    assert main(["analyze", "path", "alpha", "gamma", "--as-of", "1970", *data]) == 0
    assert capsys.readouterr().err.endswith(
        "no path: Alpha and Gamma have no membership in force as of 1970\n"
    )
    assert main(["analyze", "path", "alpha", "omega", *data]) == 0
    assert "no path: Alpha and Omega are not connected" in capsys.readouterr().err


def test_json_output(capsys):
    import json

    assert (
        main(["analyze", "path", "alpha", "gamma", "--format", "json", "--data", str(FIXTURE)]) == 0
    )
    document = json.loads(capsys.readouterr().out)
    assert document["explanation"] == "Alpha — member of → Network B ← member of — Gamma"
    assert [r["step"] for r in document["rows"]] == [1, 2]


# --- the sparse engine against networkx (the reference) ----------------------------------------


@pytest.mark.parametrize("block", [4_000_000, 40])
def test_sparse_co_membership_matches_networkx(monkeypatch, block):
    # block=40 forces many row blocks: the answers must not depend on the cut
    monkeypatch.setattr("citygraph.analysis.sparse.BLOCK_CELLS", block)
    rng = random.Random(7)
    pairs = sorted({(f"c{rng.randrange(60)}", f"o{rng.randrange(15)}") for _ in range(300)})
    incidence = Incidence.from_pairs(pairs)
    bip = nx.Graph(pairs)
    actors = sorted({a for a, _ in pairs})
    reference = bipartite.weighted_projected_graph(bip, actors)
    ours = {(p.a, p.b): p.shared for p in incidence.pairs("actors", with_ids=False)}
    assert ours == {tuple(sorted((a, b))): w for a, b, w in reference.edges(data="weight")}
    assert incidence.count_pairs("actors") == reference.number_of_edges()
    top = incidence.top_pairs("actors", 5, with_ids=False)
    best = sorted(((-w, *sorted((a, b))) for a, b, w in reference.edges(data="weight")))[:5]
    assert [(p.a, p.b, p.shared) for p in top] == [(a, b, -w) for w, a, b in best]
    degree = dict(zip(incidence.actors, incidence.degree("actors").tolist(), strict=True))
    weighted = dict(
        zip(incidence.actors, incidence.weighted_degree("actors").tolist(), strict=True)
    )
    for actor in actors:
        assert degree[actor] == reference.degree(actor)
        assert weighted[actor] == reference.degree(actor, weight="weight")
    one = incidence.co_members("c1")
    assert {p.b: p.shared for p in one} == {b: d["weight"] for b, d in reference["c1"].items()}


@pytest.mark.parametrize("shape", ["one big organization", "many small ones"])
def test_pairs_sharing_an_organization_counted_two_ways(shape):
    """The count of pairs sharing at least one organization comes from each row's reach: from
    the product's entries, or from bitsets of the columns where the product would cost more (an
    organization holding most actors). Both give networkx's projection, on both sides."""
    rng = random.Random(11)
    if shape == "one big organization":
        pairs = {(f"c{i}", "o-big") for i in range(0, 400, 2)}
        pairs |= {(f"c{rng.randrange(400)}", f"o{rng.randrange(40)}") for _ in range(300)}
    else:
        pairs = {(f"c{rng.randrange(400)}", f"o{rng.randrange(200)}") for _ in range(500)}
    pairs |= {("o1", "o2"), ("o2", "o1"), ("o3", "o3")}  # networks members of networks, a loop
    incidence = Incidence.from_pairs(sorted(pairs))
    for among, names in (("actors", incidence.actors), ("organizations", incidence.orgs)):
        rows, transposed, _, _ = incidence._side(among)
        product = (rows @ transposed).tocsr()
        assert incidence.reach(among).tolist() == np.diff(product.indptr).tolist()
        side = 0 if among == "actors" else 1
        bip = nx.Graph()
        bip.add_nodes_from((("a", a) for a, _ in pairs))
        bip.add_nodes_from((("o", o) for _, o in pairs))
        bip.add_edges_from((("a", a), ("o", o)) for a, o in pairs)
        nodes = [("a", n) if side == 0 else ("o", n) for n in names]
        reference = bipartite.projected_graph(bip, nodes)
        assert incidence.count_pairs(among) == reference.number_of_edges(), among
    rows, transposed, _, _ = incidence._side("actors")
    product_work = int(np.sum(np.diff(transposed.indptr) ** 2))
    bitset_work = rows.nnz * (rows.shape[0] // 64 + 1)
    assert (bitset_work < product_work) == (shape == "one big organization")


def test_engines_agree(facts):
    import citygraph

    other = read_facts(citygraph.load(FIXTURE, engine="rdflib"))
    assert other.memberships == facts.memberships
    assert other.lineage == facts.lineage and other.structure == facts.structure


def test_an_undated_unit_exists_from_its_organizations_founding(facts):
    # (an internal unit with no date of its own was counted at any date: UCLG's Mediterranean
    # commission in 1800). The fixture's board of Network A (founded 1990) has no date.
    assert "net-a/board" not in facts.as_of(parse_as_of("1989")).entities
    assert "net-a/board" in facts.as_of(parse_as_of("1990")).entities
