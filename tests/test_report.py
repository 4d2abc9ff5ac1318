"""The HTML report: self-contained, with its three figures and the centrality table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from citygraph.cli import main

FIXTURE = Path(__file__).parent / "data" / "analysis"


@pytest.mark.slow  # draws three figures of the shipped data: ~3 s quiet, ~6 s under load
def test_report_on_shipped_data(tmp_path, capsys):
    assert main(["report", "-o", str(tmp_path / "out")]) == 0
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    # three figures inlined as SVG: membership network, overlap heatmap, timeline
    assert page.count("<svg") == 3
    # self-contained: nothing is fetched (no src=, no stylesheet or script link)
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "<script" not in page
    for heading in (
        "The membership network",
        "Overlap of organizations",
        "Timeline",
        "Centrality (top 20 by PageRank)",
    ):
        assert f"<h2>{heading}</h2>" in page
    # each figure says what it shows, at which date, and its sources, for a citation
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert len(captions) == 3
    assert captions[0].startswith(
        "35 memberships: cities and organizations, and the organizations they belong to "
        "(all dates). Sources (11, id:source/...): developpement2015-afccre, "
    )
    assert "marseille-reseaux-de-villes" in captions[1]
    assert "barcelona-city-council-uclg" in captions[2]  # it dates the UCLG merger
    # text stays text in the SVG: labels can be searched
    assert "Marseille (15)" in page
    assert "Metropolis" in page  # the union view of UCLG's predecessors, said in the page


def test_report_is_deterministic_and_handles_empty_dates(tmp_path):
    for name in ("a", "b"):
        assert main(["report", "-o", str(tmp_path / name), "--data", str(FIXTURE)]) == 0
    first = (tmp_path / "a" / "index.html").read_bytes()
    assert first == (tmp_path / "b" / "index.html").read_bytes()
    assert (
        main(["report", "-o", str(tmp_path / "early"), "--as-of", "1970", "--data", str(FIXTURE)])
        == 0
    )
    page = (tmp_path / "early" / "index.html").read_text(encoding="utf-8")
    assert "nothing to draw as of 1970: no membership in force" in page
    # the timeline is still drawn, to that date (a dashed line, said in its title), and its
    # caption gives the date
    assert re.search(r"<figcaption>Organizations [^<]*\(as of 1970\)\. ", page)
    assert "as of 1970 (dashed line)" in page
    # before any organization was founded, nothing to draw (it drew an empty axis, 1990-2000)
    argv = ["report", "-o", str(tmp_path / "none"), "--as-of", "1800", "--data", str(FIXTURE)]
    assert main(argv) == 0
    page = (tmp_path / "none" / "index.html").read_text(encoding="utf-8")
    assert "<svg" not in page
    assert "nothing to draw as of 1800: no organization founded yet" in page


@pytest.mark.parametrize("max_drawn", [5, 12, 30, 10_000])
def test_the_membership_figure_draws_the_best_connected_subgraph_of_the_view(
    kg, max_drawn, monkeypatch
):
    """The figure ranks nodes on the incidence matrix and builds only their subgraph: the same
    graph (nodes, edges, attributes, order) as the whole view's ``subgraph(ranked).copy()``."""
    import networkx as nx

    from citygraph import report
    from citygraph.analysis import read_facts
    from citygraph.analysis.views import membership_graph

    facts = read_facts(kg)
    drawn = {}
    real = report.membership_graph

    def keep(*args, **kwargs):
        drawn["graph"] = real(*args, **kwargs)
        return drawn["graph"]

    monkeypatch.setattr(report, "membership_graph", keep)
    _figure, note = report.membership_figure(facts, max_drawn=max_drawn)
    whole = membership_graph(facts)
    expected = whole
    if len(whole) > max_drawn:
        ranked = sorted(whole.nodes, key=lambda n: (-whole.degree(n), n))[:max_drawn]
        expected = whole.subgraph(ranked).copy()
        assert note == f"showing the {max_drawn} best-connected of {len(whole)} nodes"
    graph = drawn["graph"]
    # (networkx's subgraph lists a small part's nodes in the order of a set: the string hashes'
    # order, which changes from one process to the next; ours are sorted, as the whole view's)
    assert sorted(graph.nodes(data=True)) == sorted(expected.nodes(data=True))
    assert sorted(graph.edges(data=True)) == sorted(expected.edges(data=True))
    assert list(graph) == sorted(graph)
    assert list(graph.edges) == sorted(graph.edges)
    assert graph.graph == expected.graph and nx.is_directed(graph)
