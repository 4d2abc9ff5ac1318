"""citygraph: an open knowledge graph of city networks.

>>> import citygraph
>>> kg = citygraph.load()                       # the shipped data, validated on demand
>>> kg.query("networks-of-city", city="marseille")  # a named query of the catalogue
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .graph import KnowledgeGraph


def load(
    data: str | Path | None = None,
    *extra: str | Path,
    engine: str = "oxigraph",
    store: str | Path | None = None,
) -> KnowledgeGraph:
    """Load the knowledge graph: the shipped data (or ``data``), plus any extra RDF files."""
    from .graph import KnowledgeGraph

    return KnowledgeGraph.load(
        Path(data) if data else None,
        [Path(p) for p in extra],
        engine=engine,
        store=Path(store) if store else None,
    )


def sparql(kg: KnowledgeGraph, text: str) -> Any:
    """Run ad-hoc SPARQL on a loaded graph (our prefixes predeclared): rows with named fields."""
    from .query import sparql as run

    return run(kg, text)


def __getattr__(name: str) -> Any:
    if name == "KnowledgeGraph":
        from .graph import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(name)
