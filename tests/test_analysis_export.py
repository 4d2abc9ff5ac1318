"""Graph files (GraphML, GEXF, node-link JSON): written by the CLI, read back, checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citygraph.analysis.files import read_graph
from citygraph.cli import main

FIXTURE = Path(__file__).parent / "data" / "analysis"


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_membership_view_round_trip(tmp_path, fmt, capsys):
    out = tmp_path / f"membership.{fmt}"
    assert main(["analyze", "export", "--format", fmt, "-o", str(out), "--data", str(FIXTURE)]) == 0
    assert "11 nodes, 10 edges" in capsys.readouterr().err
    graph = read_graph(out, fmt)
    # 6 cities + 5 organizations with members; 10 memberships (see test_analysis.py)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (11, 10)
    assert graph.is_directed()
    alpha = graph.nodes["alpha"]
    assert (alpha["label"], alpha["kind"]) == ("Alpha", "city")
    edge = graph.edges["alpha", "net-a"]
    assert edge["role"] == "founding-member" and edge["begin"] == "1991"
    assert graph.edges["gamma", "net-b"]["end"] == "2001"
    assert edge["weight"] == 1 and isinstance(edge["weight"], int | float)
    # an unknown date is written as the empty string, never None
    assert graph.edges["alpha", "net-b"]["begin"] == ""


def test_gexf_is_a_static_graph_whose_membership_dates_are_attributes(tmp_path):
    # networkx writes an attribute named "end" as GEXF's time of an edge, and the graph as
    # dynamic with timeformat "date": Gephi then reads end="" or end="2001" as a broken time
    import xml.etree.ElementTree as ET

    out = tmp_path / "membership.gexf"
    assert (
        main(["analyze", "export", "--format", "gexf", "-o", str(out), "--data", str(FIXTURE)]) == 0
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>\n<gexf ')
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph = ET.fromstring(text.encode()).find("g:graph", ns)
    assert graph.get("mode") == "static" and graph.get("timeformat") is None
    declared = {
        a.get("title"): a.get("id")
        for a in graph.findall("g:attributes[@class='edge']/g:attribute", ns)
    }
    assert {"begin_date", "end_date"} <= declared.keys()
    edges = graph.findall("g:edges/g:edge", ns)
    assert all(e.get("start") is None and e.get("end") is None for e in edges)
    gamma = next(e for e in edges if (e.get("source"), e.get("target")) == ("gamma", "net-b"))
    values = {v.get("for"): v.get("value") for v in gamma.findall("g:attvalues/g:attvalue", ns)}
    assert values[declared["end_date"]] == "2001"
    nodes = {a.get("title") for a in graph.findall("g:attributes[@class='node']/g:attribute", ns)}
    assert {"founded", "dissolved"} <= nodes


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_projection_attribute_types(tmp_path, fmt):
    out = tmp_path / f"actors.{fmt}"
    assert (
        main(
            [
                "analyze",
                "export",
                "--view",
                "actors",
                "--format",
                fmt,
                "-o",
                str(out),
                "--data",
                str(FIXTURE),
            ]
        )
        == 0
    )
    graph = read_graph(out, fmt)
    assert graph.number_of_edges() == 5
    ab = graph.edges["alpha", "beta"]
    # shared 2 (net-a, charter-ab), jaccard 2/3, overlap 1: numbers stay numbers
    assert ab["weight"] == 2
    assert isinstance(ab["jaccard"], float) and ab["jaccard"] == pytest.approx(2 / 3)
    assert isinstance(ab["overlap"], float) and ab["overlap"] == 1.0
    assert isinstance(graph.nodes["alpha"]["label"], str)


def test_graphml_declares_types(tmp_path):
    out = tmp_path / "actors.graphml"
    main(["analyze", "export", "--view", "actors", "-o", str(out), "--data", str(FIXTURE)])
    text = out.read_text()
    assert '<key id="jaccard" for="edge" attr.name="jaccard" attr.type="double"' in text
    assert '<key id="label" for="node" attr.name="label" attr.type="string"' in text


def test_json_is_node_link_for_d3(tmp_path):
    out = tmp_path / "lineage.json"
    main(
        [
            "analyze",
            "export",
            "--view",
            "lineage",
            "--format",
            "json",
            "-o",
            str(out),
            "--data",
            str(FIXTURE),
        ]
    )
    data = json.loads(out.read_text())
    assert {"nodes", "links", "directed"} <= set(data)
    assert {"source": "net-c", "target": "net-d"}.items() <= next(
        link for link in data["links"] if link["source"] == "net-c"
    ).items()


def test_export_is_deterministic(tmp_path):
    for name in ("a", "b"):
        main(
            [
                "analyze",
                "export",
                "--view",
                "org-network",
                "--format",
                "gexf",
                "-o",
                str(tmp_path / f"{name}.gexf"),
                "--data",
                str(FIXTURE),
            ]
        )
    assert (tmp_path / "a.gexf").read_bytes() == (tmp_path / "b.gexf").read_bytes()


def test_export_to_missing_folder_writes_nothing(tmp_path, capsys):
    out = tmp_path / "nowhere" / "x.graphml"
    assert main(["analyze", "export", "-o", str(out), "--data", str(FIXTURE)]) == 1
    assert "the output folder does not exist" in capsys.readouterr().err
    assert not out.exists()
