"""Network measures on the shipped data, with the expected values worked out from the sources.

Counts come from the primary source (../shared/sources/marseille-reseaux-de-villes.txt: Marseille
takes part in all 15 entries of the page) and from the research facts stated in data/.
"""

from __future__ import annotations

import itertools

import pytest

from citygraph.analysis import measures, parse_as_of, read_facts
from citygraph.analysis.facts import date_notes
from citygraph.analysis.views import lineage_graph, membership_graph


@pytest.fixture(scope="module")
def facts(kg):
    return read_facts(kg)


@pytest.fixture(scope="module")
def generated_facts(tmp_path_factory, generator):
    """The facts of a generated XS graph (benchmarks/generate.py) of a given seed, read once."""
    from citygraph.graph import KnowledgeGraph

    made: dict[int, object] = {}

    def of_seed(seed: int = 1):
        if seed not in made:
            folder = tmp_path_factory.mktemp(f"xs-{seed}")
            generator.generate("XS", seed, folder / "xs.nq", violations=False)
            (folder / "no-data").mkdir()
            made[seed] = read_facts(KnowledgeGraph.load(folder / "no-data", [folder / "xs.nq"]))
        return made[seed]

    return of_seed


def test_marseille_belongs_to_the_fifteen_entries_of_its_page(facts):
    graph = membership_graph(facts)
    organizations = sorted(graph.successors("marseille"))
    # the page lists 15 entries, Marseille is part of each: 13 organizations + 2 charters
    # (Lyon-Marseille, 14 Feb 1997; Barcelona-Genoa-Lyon-Marseille, 9 Jul 1998). No other source
    # in data/ adds a membership of Marseille.
    assert organizations == [
        "afccre",
        "aimf",
        "aivp",
        "amf",
        "amgvf",
        "ccre",
        "cglu",
        "charter-barcelona-genoa-lyon-marseille",
        "charter-lyon-marseille",
        "cuf",
        "eurocities",
        "euromed-cities-network",
        "euromedina",
        "ipgr",
        "medcites",
    ]
    assert sum(graph.nodes[o]["kind"] == "charter" for o in organizations) == 2
    # MedCities: the page says member; medcities-tetouan-marseille says founding member in 1991-11
    edge = graph.edges["marseille", "medcites"]
    assert (edge["role"], edge["begin"]) == ("founding-member", "1991-11")


@pytest.mark.parametrize(
    "date, expected",
    [
        # founded by 1990: AMF 1907, AFCCRE 1951, CCRE 1951, AMGVF 1974, CUF 1975, AIMF 1979,
        # EUROCITIES 1986, AIVP 1988 (Marseille's undated memberships begin at the founding)
        ("1990", 8),
        # + IPGR (1991) and MedCités (1991-11, overlaps the year 1991)
        ("1991", 10),
        # AMGVF was dissolved in 2015 (merged into France urbaine): 15 - 1
        ("2020", 14),
    ],
)
def test_marseille_as_of(facts, date, expected):
    assert membership_graph(facts, parse_as_of(date)).out_degree("marseille") == expected


def test_organizations_that_merged_into_uclg(facts):
    rows = measures.lineage(facts, "UCLG").rows
    # FMCU, IULA and Metropolis merged into UCLG (CGLU) on 2004-05-05
    assert [(r[0], r[1], r[4], r[6]) for r in rows] == [
        ("ancestor", "fmcu", "merger", "2004-05-05"),
        ("ancestor", "iula", "merger", "2004-05-05"),
        ("ancestor", "metropolis", "merger", "2004-05-05"),
    ]
    # Sources disagree: Barcelona City Council's page names FMCU and IULA only; the union view
    # keeps Metropolis because the page of Marseille and UCLG's own page name it.
    graph = lineage_graph(facts, founders=False)
    assert "barcelona-city-council-uclg" in graph.edges["fmcu", "cglu"]["sources"].split()
    assert "barcelona-city-council-uclg" not in graph.edges["metropolis", "cglu"]["sources"].split()
    # France urbaine descends from AMGVF (merger with ACUF, 2015-11-06)
    assert [r[1] for r in measures.lineage(facts, "amgvf").rows] == ["france-urbaine"]


# facts.md France urbaine: launched officially in Lyon on 6 Nov 2015 (maire-info, and frwiki's
# AMGVF page); a Gazette des communes headline gives the merger "au 1er janvier 2016".
FRANCE_URBAINE_NOTE = (
    "event/merger-france-urbaine is dated 2015-11-06, the earliest date its sources give "
    "(maire-info-france-urbaine, wikipedia-fr-amgvf); gazette-communes-france-urbaine gives "
    "2016-01-01"
)


def test_the_lineage_keeps_the_date_another_source_gives(facts):
    # the date shown is the earliest; the Gazette's 2016-01-01 is kept beside it, with its source
    rows = measures.lineage(facts, "France urbaine").rows
    assert [(r[1], r[5], r[6]) for r in rows] == [
        ("acuf", "event/merger-france-urbaine", "2015-11-06"),
        ("amgvf", "event/merger-france-urbaine", "2015-11-06"),
    ]
    merger = [r for r in facts.lineage if r.target == "france-urbaine"]
    assert {r.date_claims for r in merger} == {
        (
            ("2015-11-06", ("maire-info-france-urbaine", "wikipedia-fr-amgvf")),
            ("2016-01-01", ("gazette-communes-france-urbaine",)),
        )
    }
    # one note for the event, though both of its original organizations carry it
    assert date_notes(merger) == [FRANCE_URBAINE_NOTE]
    # every source that dates UCLG's merger says 2004-05-05: nothing to say
    assert date_notes(r for r in facts.lineage if r.target == "cglu") == []
    assert date_notes([*facts.lineage, *facts.renamings]) == [FRANCE_URBAINE_NOTE]


def test_the_lineage_output_says_another_source_gives_another_date(facts):
    result = measures.lineage(facts, "France urbaine")
    assert [r[6] for r in result.rows] == ["2015-11-06", "2015-11-06"]
    assert result.notes == [FRANCE_URBAINE_NOTE]


def test_the_lineage_says_which_sources_name_each_original_and_where_they_disagree(facts):
    # UCLG's own "10 years" page and the Marseille page name FMCU, IULA and Metropolis as the
    # originals of the 2004 merger; Barcelona City Council's page names FMCU and IULA only
    result = measures.lineage(facts, "UCLG")
    three = "barcelona-city-council-uclg marseille-reseaux-de-villes uclg-10-years-already"
    two = "marseille-reseaux-de-villes uclg-10-years-already"
    assert [(r[1], r[7]) for r in result.rows] == [
        ("fmcu", three),
        ("iula", three),
        ("metropolis", two),
    ]
    assert result.notes == [
        "event/merger-cglu: metropolis is one of its original organizations according to "
        "marseille-reseaux-de-villes, uclg-10-years-already, not according to "
        "barcelona-city-council-uclg"
    ]


def test_overlap_of_eurocities_and_aivp(facts):
    (row,) = measures.overlap(facts, ["EUROCITIES", "AIVP"]).records()
    # EUROCITIES: Marseille + its 6 founders Barcelona, Birmingham, Frankfurt, Lyon, Milan,
    # Rotterdam (7); AIVP: Marseille + founders Antwerp, Barcelona, Bilbao, Genoa, Le Havre (6).
    # Shared: Barcelona and Marseille -> 2; union 11; the smaller has 6.
    assert row["shared"] == 2
    assert row["shared_members"] == ["Barcelona", "Marseille"]
    assert row["jaccard"] == pytest.approx(2 / 11, abs=1e-6)
    assert row["overlap"] == pytest.approx(2 / 6, abs=1e-6)


def test_path_between_lyon_and_genoa(facts):
    result = measures.path(facts, "Lyon", "Gênes")
    # Lyon and Genoa are both parties to the 1998 alliance charter (with Barcelona and Marseille);
    # they share no other organization, so the shortest path has two steps through it
    assert result.meta["explanation"] == (
        "Lyon — party to → Barcelona-Genoa-Lyon-Marseille Alliance Charter ← party to — Genoa"
    )
    assert result.rows[0][4] == "marseille-reseaux-de-villes"


def test_centrality_puts_marseille_first(facts):
    top = measures.centrality(facts, top=1)
    # Marseille has 15 of the 34 memberships: highest PageRank and betweenness
    assert top.rows[0][0] == "marseille" and top.rows[0][3] == 15
    assert top.meta["betweenness_method"] == "exact"


def test_the_summary_counts_the_membership_view_as_networkx_does(facts, generated_facts):
    """The summary reads the membership view's nodes, kinds and components from the incidence
    matrix rather than from the networkx view: the same numbers, on the shipped data, at every
    date of it, and on a generated graph."""
    import networkx as nx

    from citygraph.analysis.sparse import Incidence

    def from_networkx(f):
        graph = membership_graph(f)
        kinds: dict[str, int] = {}
        for _node, kind in graph.nodes(data="kind"):
            kinds[kind] = kinds.get(kind, 0) + 1
        sizes = sorted(len(c) for c in nx.connected_components(graph.to_undirected()))
        return sorted(graph.nodes), kinds, sizes[::-1]

    def from_matrix(f):
        incidence = Incidence.from_facts(f)
        kinds: dict[str, int] = {}
        for node in incidence.nodes():
            kind = f.entities[node].kind if node in f.entities else "unknown"
            kinds[kind] = kinds.get(kind, 0) + 1
        return incidence.nodes(), kinds, incidence.component_sizes()

    for as_of in (None, "1951", "1990", "2004", "2016"):
        dated = facts.as_of(parse_as_of(as_of)) if as_of else facts
        assert from_matrix(dated) == from_networkx(dated), as_of
    generated = generated_facts()
    nodes, kinds, sizes = from_matrix(generated)
    assert (nodes, kinds, sizes) == from_networkx(generated)
    assert len(nodes) > 100 and sum(sizes) == len(nodes)
    values = dict(measures.summary(generated).rows)
    assert values["connected components"] == len(sizes)
    assert values["largest component (nodes)"] == sizes[0]


def test_betweenness_is_networkx_betweenness_on_the_data(facts, generated_facts):
    """The sparse betweenness gives networkx's numbers on the shipped data's membership view
    (exact) and on a generated graph (exact, and sampled with networkx's own pivots)."""
    import networkx as nx

    def view(f):
        return membership_graph(f).to_undirected()

    shipped = view(facts)
    values, method = measures.betweenness(shipped)
    assert method == "exact"
    assert values == pytest.approx(nx.betweenness_centrality(shipped), abs=1e-12)
    assert max(values, key=values.get) == "marseille"
    generated = view(generated_facts())
    assert generated.number_of_nodes() > 100
    exact, _ = measures.betweenness(generated)
    assert exact == pytest.approx(nx.betweenness_centrality(generated), abs=1e-12)
    sampled, method = measures.betweenness(generated, exact_limit=10, k=20)
    assert method == "sampled: k=20 pivots, seed=42"
    reference = nx.betweenness_centrality(generated, k=20, normalized=True, seed=42)
    assert sampled == pytest.approx(reference, abs=1e-12)


def test_components_are_networkx_components(facts, generated_facts):
    """`analyze components` reads the parts from the sparse matrix: networkx's parts of the
    membership view, node for node and label for label, on the shipped data at several dates
    and on a generated graph."""
    import networkx as nx

    def reference(f):
        view = membership_graph(f).to_undirected()
        parts = sorted(
            (sorted(c) for c in nx.connected_components(view)), key=lambda c: (-len(c), c[0])
        )
        return [
            [i + 1, len(c), [view.nodes[n]["label"] for n in c], c] for i, c in enumerate(parts)
        ]

    for as_of in (None, "1951", "1990", "2004"):
        dated = facts.as_of(parse_as_of(as_of)) if as_of else facts
        assert measures.components(dated).rows == reference(dated), as_of
    generated = generated_facts(2)
    rows = measures.components(generated).rows
    assert rows == reference(generated) and sum(r[1] for r in rows) > 100


def test_kcores_are_networkx_core_numbers(facts, generated_facts):
    """`analyze kcores` peels the sparse matrix: networkx's ``core_number`` of the membership
    view, row for row, on the shipped data at several dates and on a generated graph."""
    import networkx as nx

    def reference(f):
        view = membership_graph(f).to_undirected()
        cores = nx.core_number(view)
        rows = [[n, view.nodes[n]["label"], view.nodes[n]["kind"], c] for n, c in cores.items()]
        return sorted(rows, key=lambda r: (-r[3], r[0]))

    for as_of in (None, "1951", "1990", "2004"):
        dated = facts.as_of(parse_as_of(as_of)) if as_of else facts
        assert measures.kcores(dated).rows == reference(dated), as_of
    generated = generated_facts()
    rows = measures.kcores(generated).rows
    assert rows == reference(generated) and rows[0][3] > 2


def test_centrality_is_networkx_centrality(facts, generated_facts):
    """`analyze centrality` computes on the sparse matrix what networkx computes on the
    membership view: degrees, betweenness (exact, and sampled with networkx's pivots) and
    PageRank, on the shipped data at several dates and on a generated graph."""
    import networkx as nx

    def check(f, exact_limit):
        view = membership_graph(f)
        undirected = view.to_undirected()
        if len(view) > exact_limit:
            between = nx.betweenness_centrality(undirected, k=min(100, len(view)), seed=42)
        else:
            between = nx.betweenness_centrality(undirected)
        rank = nx.pagerank(undirected, alpha=0.85)
        result = measures.centrality(f, exact_limit=exact_limit)
        assert len(result.rows) == len(view)
        for node, label, kind, memberships, members, _w, b, r in result.rows:
            data = view.nodes[node]
            assert (label, kind) == (data["label"], data["kind"])
            assert (memberships, members) == (view.out_degree(node), view.in_degree(node))
            assert b == pytest.approx(between[node], abs=1e-6)
            assert r == pytest.approx(rank[node], abs=1e-6)
        assert f"{len(view)} nodes, {undirected.number_of_edges()} edges" in result.notes[0]
        return result

    for as_of in (None, "1990", "2004"):
        dated = facts.as_of(parse_as_of(as_of)) if as_of else facts
        assert check(dated, 5_000).meta["betweenness_method"] == "exact"
    generated = generated_facts()
    assert check(generated, 5_000).meta["betweenness_method"] == "exact"
    sampled = check(generated, 50)
    assert sampled.meta["betweenness_method"] == "sampled: k=100 pivots, seed=42"


def test_communities_are_those_of_the_full_membership_view(facts, generated_facts):
    """Louvain runs on a skeleton of the membership view (weights only): the same nodes and
    edges in the same order, so the same communities and modularity as on the view itself,
    for several seeds, on the shipped data and on a generated graph."""
    import networkx as nx

    def reference(f, seed):
        view = membership_graph(f)
        undirected = nx.Graph()
        undirected.add_nodes_from(view.nodes(data=True))
        undirected.add_edges_from(view.edges(data=True))
        found = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
        parts = sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))
        rows = [
            [i, n, view.nodes[n]["label"], view.nodes[n]["kind"]]
            for i, part in enumerate(parts, 1)
            for n in part
        ]
        return rows, round(nx.community.modularity(undirected, found), 6)

    generated = generated_facts()
    for f in (facts, generated):
        for seed in (1, 42, 7):
            result = measures.communities(f, seed=seed)
            assert (result.rows, result.meta["modularity"]) == reference(f, seed), seed


def test_ego_reads_the_nodes_own_edges_as_the_membership_view_has_them(facts):
    """`analyze ego` takes a node's organizations and members from the facts instead of the
    networkx view: the same rows and note as from the view, for every node of the shipped data,
    at four dates (roles, first dates, a node with no membership then)."""
    from citygraph.analysis.measures import role_phrase

    for as_of in (None, "1951", "1990", "2004"):
        dated = facts.as_of(parse_as_of(as_of)) if as_of else facts
        view = membership_graph(dated)
        for node in sorted(facts.entities):
            result = measures.ego(facts, node, parse_as_of(as_of) if as_of else None)
            if node not in view:
                assert result.rows == [] and "no membership in force" in result.notes[0]
                continue
            expected = [
                [
                    o,
                    dated.label(o),
                    dated.kind(o),
                    role_phrase(view.edges[node, o]["role"]),
                    None,
                    [],
                    view.edges[node, o]["begin"],
                ]
                for o in sorted(view.successors(node))
            ] + [
                [
                    m,
                    dated.label(m),
                    dated.kind(m),
                    "has " + role_phrase(view.edges[m, node]["role"]).rsplit(" ", 1)[0],
                    None,
                    [],
                    view.edges[m, node]["begin"],
                ]
                for m in sorted(view.predecessors(node))
            ]
            own = [r for r in result.rows if r[3] != "co-member"]
            assert own == expected, (node, as_of)
            assert result.notes[0].startswith(
                f"{facts.label(node)}: member of {view.out_degree(node)}, "
                f"has {view.in_degree(node)} member(s)"
            )


def test_path_is_the_one_found_on_the_membership_view(facts, generated_facts):
    """`analyze path` searches a skeleton of the membership view, in the view's order: the same
    shortest chain, with the same facts in words, as on the view, for pairs of nodes of the
    shipped data (connected or not) and of a generated graph."""
    import networkx as nx

    from citygraph.analysis.measures import role_phrase

    def reference(f, a, b):
        view = membership_graph(f)
        undirected = nx.Graph()
        undirected.add_nodes_from(view.nodes(data=True))
        undirected.add_edges_from(view.edges(data=True))
        if not nx.has_path(undirected, a, b):
            return None
        rows = []
        for step, (x, y) in enumerate(itertools.pairwise(nx.shortest_path(undirected, a, b)), 1):
            forward = view.has_edge(x, y)
            edge = view.edges[x, y] if forward else view.edges[y, x]
            arrow = ("{} →" if forward else "← {}").format(role_phrase(edge["role"]))
            rows.append([step, f.label(x), arrow, f.label(y), edge["sources"]])
        return rows

    generated = generated_facts()
    for f in (facts, generated):
        nodes = sorted({n for m in f.memberships for n in (m.member, m.organization)})
        for a, b in list(itertools.combinations(nodes[::3], 2))[:400]:
            result = measures.path(f, a, b)
            expected = reference(f, a, b)
            assert (result.rows if expected is not None else None) == expected, (a, b)
            assert result.meta["connected"] == (expected is not None)


def test_facts_read_with_queries_in_threads_are_the_facts_read_one_by_one(kg, tmp_path, generator):
    """On Oxigraph, read_facts runs its queries two at a time in threads while it merges rows:
    the same facts as one query after the other, on the shipped data and a generated graph
    (in memory and on an on-disk store); the rdflib engine reads one query after the other."""
    from citygraph.analysis import facts as facts_module
    from citygraph.graph import KnowledgeGraph

    assert read_facts(kg) == facts_module._read_all(kg)
    generator.generate("XS", 3, tmp_path / "xs.nq", violations=False)
    (tmp_path / "no-data").mkdir()
    for store in (None, tmp_path / "store"):
        graph = KnowledgeGraph.load(tmp_path / "no-data", [tmp_path / "xs.nq"], store=store)
        threaded = read_facts(graph)
        assert threaded == facts_module._read_all(graph) and len(threaded.memberships) >= 300
    rdflib_graph = KnowledgeGraph.load(tmp_path / "no-data", [tmp_path / "xs.nq"], engine="rdflib")
    assert read_facts(rdflib_graph) == threaded
