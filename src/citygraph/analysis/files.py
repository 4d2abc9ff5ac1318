"""Graph files for the tools analysts use: GraphML and GEXF (Gephi, Cytoscape), node-link JSON (D3).

Attributes are written with their types (``weight`` and the coefficients as numbers, the rest as
strings); the views never hold None, which the networkx writers reject. Output is deterministic:
nodes and edges are in sorted order and GEXF's "last modified" date is left out.

In GEXF, ``start`` and ``end`` are not attributes but the time an element exists (networkx
writes them so, and makes the graph dynamic); a membership's partial dates ("1991", "" when
unknown) are not such times, so GEXF carries them as the attributes ``begin_date`` and
``end_date`` of a static graph (:func:`read_graph` reads them back as ``begin`` and ``end``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from ..atomic import write_bytes
from ..errors import UsageError

GRAPH_FORMATS = ("graphml", "gexf", "json")
_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# the attributes GEXF would read as times (see the module's docstring), and their names there
_GEXF_NAMES = {"begin": "begin_date", "end": "end_date"}


def graph_bytes(graph: nx.Graph, fmt: str) -> bytes:
    """The graph serialised in ``fmt``."""
    if fmt == "graphml":
        lines = nx.generate_graphml(graph, named_key_ids=True)
        return "\n".join([_XML_DECLARATION, *lines, ""]).encode("utf-8")
    if fmt == "gexf":
        lines = nx.generate_gexf(_renamed(graph, _GEXF_NAMES), version="1.2draft")
        text = "\n".join([_XML_DECLARATION, *lines, ""])
        text = re.sub(r' lastmodifieddate="[^"]*"', "", text)
        return text.encode("utf-8")
    if fmt == "json":
        data = nx.node_link_data(graph, edges="links")
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
    raise UsageError(f"unknown graph format {fmt!r}: use one of {', '.join(GRAPH_FORMATS)}")


def _renamed(graph: nx.Graph, names: dict[str, str]) -> nx.Graph:
    """A copy of the graph whose node and edge attributes in ``names`` are renamed."""
    copy = graph.copy()
    items = [data for _, data in copy.nodes(data=True)]
    items += [data for *_, data in copy.edges(data=True)]
    for data in items:
        for old, new in names.items():
            if old in data:
                data[new] = data.pop(old)
    return copy


def write_graph(graph: nx.Graph, fmt: str, path: Path) -> None:
    """Write atomically: a failed run leaves no half-written file."""
    write_bytes(Path(path), graph_bytes(graph, fmt))


def read_graph(path: Path, fmt: str) -> nx.Graph:
    """Read a file written by :func:`write_graph` back (for tests and round trips)."""
    if fmt == "graphml":
        return nx.read_graphml(path)
    if fmt == "gexf":
        graph = nx.read_gexf(path, version="1.2draft")
        return _renamed(graph, {new: old for old, new in _GEXF_NAMES.items()})
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return nx.node_link_graph(data, edges="links")
