"""Time every catalogue query on both engines and print a Markdown table of medians.

    python benchmarks/bench_queries.py                       # shipped data, 20 warm runs each
    python benchmarks/bench_queries.py --data FILE.nq --runs 3 --rdflib-budget 120
    python benchmarks/bench_queries.py --cli                 # `citygraph query NAME` as a process

A query runs once to warm up, then ``--runs`` times; the median is reported in milliseconds. On a
large synthetic file (``benchmarks/generate.py --size M``: 100,000 memberships) rdflib can take
minutes per query, so after the first run of a query on rdflib exceeds ``--rdflib-budget`` seconds
its remaining runs are skipped and the single time is shown with ``(1 run)``. ``--skip`` leaves out
queries whose shape needs another plan at scale (pairwise aggregations: see the note of issue 3).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from citygraph.engine import make_engine
from citygraph.graph import KnowledgeGraph
from citygraph.query import bind, catalogue, parse_assignments, run_sparql


def _load(engine: str, data: Path | None) -> tuple[KnowledgeGraph, float]:
    start = time.perf_counter()
    if data is None:
        kg = KnowledgeGraph.load(engine=engine)
    else:
        kg = KnowledgeGraph(make_engine(engine))
        kg.engine.load(data, None)
    return kg, time.perf_counter() - start


def _time(kg: KnowledgeGraph, text: str, bindings: dict, runs: int, budget: float) -> str:
    start = time.perf_counter()
    result = run_sparql(kg, text, bindings)
    first = time.perf_counter() - start
    size = len(result.rows) if result.kind == "select" else len(result.triples)
    if first > budget:
        return f"{first * 1000:,.0f} (1 run, {size} rows)"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run_sparql(kg, text, bindings)
        times.append(time.perf_counter() - start)
    return f"{statistics.median(times) * 1000:,.1f} ({size} rows)"


def bench_engines(
    data: Path | None,
    runs: int,
    budget: float,
    skip: list[str],
    engines: list[str],
    overrides: dict[str, str],
    skip_on: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    queries = catalogue()
    loaded = {}
    for engine in engines:
        kg, seconds = _load(engine, data)
        loaded[engine] = kg
        print(f"loaded {len(kg):,} quads on {engine} in {seconds:.1f} s", file=sys.stderr)
    print(f"| query (first example) | {' | '.join(f'{e} median ms' for e in engines)} |")
    print(f"| --- | {' | '.join('---:' for _ in engines)} |")
    for name, query in queries.items():
        example = dict(query.examples[0]) if query.examples else {}
        example.update({k: v for k, v in overrides.items() if query.param(k)})
        if name in skip:
            print(f"| {name} | {' | '.join('skipped' for _ in engines)} |")
            continue
        bindings = bind(query, example)
        cells = [
            "skipped"
            if (e, name) in skip_on
            else _time(loaded[e], query.text, bindings, runs, budget)
            for e in engines
        ]
        print(f"| {name} {_shown(example)} | {' | '.join(cells)} |", flush=True)


def _shown(example: dict) -> str:
    return " ".join(f"{k}={v}" for k, v in example.items())


def bench_cli(runs: int) -> None:
    """`citygraph query NAME` as a whole process, first example of each query, median of runs."""
    print("| command | median s | max s |")
    print("| --- | ---: | ---: |")
    for name, query in catalogue().items():
        example = query.examples[0] if query.examples else {}
        fmt = "turtle" if "CONSTRUCT" in query.text else "csv"
        command = ["citygraph", "query", name, "--format", fmt]
        for key, value in example.items():
            command += ["--param", f"{key}={value}"]
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        print(
            f"| `{' '.join(command)}` | {statistics.median(times):.2f} | {max(times):.2f} |",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an RDF file to load instead of the shipped data")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rdflib-budget", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME")
    parser.add_argument("--engine", action="append", choices=("oxigraph", "rdflib"))
    parser.add_argument(
        "--skip-on",
        action="append",
        default=[],
        metavar="ENGINE:NAME",
        help="skip one query on one engine only (e.g. rdflib:disagreements)",
    )
    parser.add_argument("--cli", action="store_true", help="time whole `citygraph query` processes")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter value for every query that has it (e.g. a synthetic slug)",
    )
    args = parser.parse_args()
    if args.cli:
        bench_cli(args.runs)
    else:
        bench_engines(
            args.data,
            args.runs,
            args.rdflib_budget,
            args.skip,
            args.engine or ["oxigraph", "rdflib"],
            parse_assignments(args.set),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
