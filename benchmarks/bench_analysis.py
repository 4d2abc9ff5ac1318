"""Time and peak memory of each network view and measure, on the synthetic graph.

    python benchmarks/bench_analysis.py                    # size M: 100,000 memberships
    python benchmarks/bench_analysis.py --size S --k 100   # quicker

The graph comes from benchmarks/generate.py (deterministic by seed), loaded into Oxigraph. Each
step is run twice: once for its wall time, once under tracemalloc for its peak of Python-side
allocations (numpy and scipy arrays included; Oxigraph's own Rust memory is not, so the load step
also reports the process's peak RSS). The full actor co-membership projection is never built:
its pairs are counted in sparse row blocks, which is the point of :mod:`citygraph.analysis.sparse`.

Also timed: ``citygraph analyze summary`` on the shipped data, as a whole process.
"""

from __future__ import annotations

import argparse
import gc
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def measure(name: str, step: Callable[[], Any], memory: bool = True) -> Any:
    """Run ``step``: print its time, then (second run) its tracemalloc peak."""
    gc.collect()
    start = time.perf_counter()
    value = step()
    elapsed = time.perf_counter() - start
    peak = ""
    if memory:
        del value
        gc.collect()
        tracemalloc.start()
        value = step()
        peak = f"{tracemalloc.get_traced_memory()[1] / 2**20:10.1f} MiB"
        tracemalloc.stop()
    print(f"{name:<52} {elapsed:8.2f} s {peak}", flush=True)
    return value


def whole_process_summary() -> None:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(["citygraph", "analyze", "summary"], check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    print(
        f"{'citygraph analyze summary (shipped data, process)':<52} {min(runs):8.2f} s "
        f"(best of 3; {', '.join(f'{r:.2f}' for r in runs)})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("S", "M", "L"), default="M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--k", type=int, default=100, help="betweenness pivots (default 100, as the CLI)"
    )
    parser.add_argument("--file", type=Path, help="use this generated file instead")
    args = parser.parse_args(argv)

    import networkx as nx

    from citygraph.analysis import measures, read_facts
    from citygraph.analysis.sparse import Incidence
    from citygraph.analysis.views import (
        comembership_graph,
        lineage_graph,
        membership_graph,
        org_network,
        structure_graph,
    )
    from citygraph.graph import KnowledgeGraph

    whole_process_summary()
    folder = Path(tempfile.mkdtemp(prefix="bench-analysis-"))
    path = args.file or folder / f"{args.size}.nq"
    if args.file is None:
        import generate  # benchmarks/generate.py, beside this script

        generate.generate(args.size, args.seed, path, violations=False)
    print(f"{'step':<52} {'time':>10} {'peak (tracemalloc)':>14}")
    kg = measure(
        "load into Oxigraph",
        lambda: KnowledgeGraph.load(None, [path], include_data=False),
        memory=False,
    )
    print(
        f"{'  process peak RSS after load':<52} "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f} MiB"
    )
    facts = measure("read facts (SPARQL)", lambda: read_facts(kg))
    print(f"  {len(facts.memberships):,} memberships, {len(facts.entities):,} entities")
    graph = measure("view: membership (DiGraph)", lambda: membership_graph(facts))
    print(f"  {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges")
    measure("view: structure", lambda: structure_graph(facts))
    measure("view: lineage (with founders)", lambda: lineage_graph(facts))
    measure("view: org-network", lambda: org_network(facts))
    orgs = measure(
        "view: organizations projection (networkx)",
        lambda: comembership_graph(facts, "organizations"),
    )
    print(f"  {orgs.number_of_edges():,} organization pairs")
    incidence = measure("sparse incidence matrix", lambda: Incidence.from_facts(facts))
    pairs = measure("actor pairs: count (sparse, blocks)", lambda: incidence.count_pairs("actors"))
    print(f"  {pairs:,} actor pairs share an organization (never materialised)")
    measure("actor pairs: top 20 (sparse, blocks)", lambda: incidence.top_pairs("actors", 20))
    measure(
        "actor pairs: >= 10 shared (sparse, blocks)",
        lambda: sum(1 for _ in incidence.pairs("actors", min_shared=10, with_ids=False)),
    )
    busiest = incidence.actors[int(incidence.sizes("actors").argmax())]
    measure(f"co-members of one actor ({busiest})", lambda: incidence.co_members(busiest))
    measure("weighted degree, all actors (no product)", lambda: incidence.weighted_degree("actors"))
    measure("distinct co-member degree, all actors (blocks)", lambda: incidence.degree("actors"))
    measure("overlap matrix, 300 organizations (dense)", lambda: incidence.overlap_matrix())
    undirected = graph.to_undirected()
    measure("degree (membership graph)", lambda: dict(undirected.degree()))
    measure(
        f"betweenness, networkx, sampled k={args.k}",
        lambda: measures.betweenness(undirected, exact_limit=0, k=args.k),
        memory=False,
    )
    measure("PageRank", lambda: nx.pagerank(undirected))
    measure("connected components", lambda: list(nx.connected_components(undirected)))
    measure("k-cores (core numbers)", lambda: nx.core_number(undirected))
    measure(
        "Louvain communities (seed 42)",
        lambda: nx.community.louvain_communities(undirected, seed=42),
        memory=False,
    )
    actors = incidence.actors
    measure(
        "shortest path between two actors (explained)",
        lambda: measures.path(facts, actors[0], actors[-1]),
    )
    measure("ego network of the busiest actor", lambda: measures.ego(facts, busiest))
    measure("summary (all counts)", lambda: measures.summary(facts), memory=False)
    print(
        f"{'process peak RSS':<52} "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:8.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
