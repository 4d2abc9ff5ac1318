"""Export speed: rdflib's serialisers, Oxigraph's, and citygraph's writers, side by side.

    python benchmarks/bench_export.py [--size M] [--seed 1] [--skip-rdflib FORMAT ...]

Generates the synthetic graph with benchmarks/generate.py (size M = 100,000 memberships), loads it
once into Oxigraph and once into an rdflib Dataset, then times each format:

* rdflib: ``Graph.serialize`` (union) or ``Dataset.serialize`` (quad formats), the library's own
  writer, unsorted;
* oxigraph: ``Store.dump``, fast, but in the store's hash order, prefixes in random order;
* citygraph: ``citygraph.export`` (sorted, readable, deterministic), including the snapshot it
  builds once per distribution (timed separately and added to each format's figure, as a single
  ``citygraph export`` pays it).

Also prints the size of each output. One run per cell: the numbers are seconds of wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from citygraph import export  # noqa: E402
from citygraph.engine import OxigraphEngine  # noqa: E402
from citygraph.graph import KnowledgeGraph  # noqa: E402

RDFLIB = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "rdfxml": "xml",
}
OXIGRAPH = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def timed(fn):  # noqa: ANN001, ANN201 - a tiny helper
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="M", choices=("S", "M", "L"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--skip-rdflib",
        nargs="*",
        default=[],
        metavar="FORMAT",
        help="formats not to time with rdflib (it is slow)",
    )
    parser.add_argument(
        "--no-rdflib",
        action="store_true",
        help="do not load the graph into rdflib at all (Oxigraph and citygraph only)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synthetic.nq"
        import generate  # benchmarks/generate.py, beside this script

        generate.generate(args.size, args.seed, data, violations=False)

        engine = OxigraphEngine()
        seconds, _ = timed(lambda: engine.bulk_load(data))
        kg = KnowledgeGraph(engine)
        print(f"size {args.size}: {len(kg)} quads; oxigraph load {seconds:.2f} s", flush=True)
        snap_s, snapshot = timed(lambda: export.Snapshot.of(kg))
        print(
            f"citygraph snapshot (sorted canonical lines, once per build): {snap_s:.2f} s, "
            f"{len(snapshot.triples)} distinct triples"
        )

        dataset, union = Dataset(), Graph()
        if args.no_rdflib:
            args.skip_rdflib = list(export.RDF_FORMATS)
        else:
            seconds, _ = timed(lambda: dataset.parse(str(data), format="nquads"))
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                union.add((s, p, o))
            print(f"rdflib load {seconds:.2f} s; union graph {len(union)} triples", flush=True)

        # the sources' graphs only (the engine's default graph is their union)
        named_store = ox.Store()
        named_store.extend(q for q in engine.store if isinstance(q.graph_name, ox.NamedNode))
        union_store = ox.Store()
        union_store.extend(
            ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in engine.store
        )

        print()
        print(
            f"{'format':<10}{'rdflib s':>10}{'oxigraph s':>12}{'citygraph s':>13}"
            f"{'(+snapshot)':>13}{'citygraph bytes':>17}"
        )
        for fmt in export.RDF_FORMATS:
            if fmt in args.skip_rdflib:
                rdflib_s = float("nan")
            else:
                target = dataset if fmt in ("nquads", "trig") else union
                rdflib_s, _ = timed(lambda t=target, f=fmt: t.serialize(format=RDFLIB[f]))
            if fmt in ("nquads", "trig"):
                ox_s, _ = timed(lambda f=fmt: named_store.dump(format=OXIGRAPH[f]))
            else:
                ox_s, _ = timed(
                    lambda f=fmt: union_store.dump(format=OXIGRAPH[f], from_graph=ox.DefaultGraph())
                )
            ours_s, ours = timed(lambda f=fmt: export.RENDERERS[f](snapshot))
            print(
                f"{fmt:<10}{rdflib_s:>10.2f}{ox_s:>12.2f}{ours_s:>13.2f}"
                f"{ours_s + snap_s:>13.2f}{len(ours):>17,}",
                flush=True,
            )
        csv_s, files = timed(lambda: export.csv_files(kg))
        print(
            f"{'csv':<10}{'-':>10}{'-':>12}{csv_s:>13.2f}{'':>13}"
            f"{sum(len(v) for v in files.values()):>17,}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
