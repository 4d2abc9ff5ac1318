"""Deterministic serialisations of the knowledge graph (the distribution in ``dist/``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .namespaces import PREFIXES

if TYPE_CHECKING:
    from .graph import KnowledgeGraph


def _sorted_nquads(kg: KnowledgeGraph) -> bytes:
    lines = sorted(set(kg.engine.serialize("nquads").decode("utf-8").splitlines()))
    return ("\n".join(lines) + "\n").encode("utf-8")


def render(kg: KnowledgeGraph, fmt: str) -> bytes:
    """The graph in one format. Triples formats hold the union of the sources."""
    store = ox.Store()
    store.load(_sorted_nquads(kg), ox.RdfFormat.N_QUADS)
    if fmt == "trig":
        return store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    union = ox.Store()
    union.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in store)
    return union.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=PREFIXES)


def write_distribution(kg: KnowledgeGraph, folder: Path) -> list[Path]:
    """Write every export file into ``folder`` (already a staging folder); return their paths."""
    written = []
    for name, fmt in (("citygraph.ttl", "turtle"), ("citygraph.trig", "trig")):
        path = folder / name
        path.write_bytes(render(kg, fmt))
        written.append(path)
    return written
