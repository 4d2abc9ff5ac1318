"""Graph files for the tools analysts use: GraphML and GEXF (Gephi, Cytoscape), node-link JSON (D3).

Attributes are written with their types (``weight`` and the coefficients as numbers, the rest as
strings); the views never hold None, which the networkx writers reject. Output is deterministic:
nodes and edges are in sorted order and GEXF's "last modified" date is left out.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from ..atomic import write_bytes
from ..errors import UsageError

GRAPH_FORMATS = ("graphml", "gexf", "json")


def graph_bytes(graph: nx.Graph, fmt: str) -> bytes:
    """The graph serialised in ``fmt``."""
    if fmt == "graphml":
        text = "\n".join(nx.generate_graphml(graph, named_key_ids=True)) + "\n"
        return text.encode("utf-8")
    if fmt == "gexf":
        text = "\n".join(nx.generate_gexf(graph, version="1.2draft")) + "\n"
        text = re.sub(r' lastmodifieddate="[^"]*"', "", text)
        return text.encode("utf-8")
    if fmt == "json":
        data = nx.node_link_data(graph, edges="links")
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    raise UsageError(f"unknown graph format {fmt!r}: use one of {', '.join(GRAPH_FORMATS)}")


def write_graph(graph: nx.Graph, fmt: str, path: Path) -> None:
    """Write atomically: a failed run leaves no half-written file."""
    write_bytes(Path(path), graph_bytes(graph, fmt))


def read_graph(path: Path, fmt: str) -> nx.Graph:
    """Read a file written by :func:`write_graph` back (for tests and round trips)."""
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        return nx.read_gexf(path, version="1.2draft")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return nx.node_link_graph(data, edges="links")
