"""Subcommands of the ``citygraph`` CLI, one module each, sharing the options that read the graph.

A module here defines ``register(subparsers)``; it parses and prints, and leaves the work to the
library modules (``graph``, ``validate``, ``query``, ``export``, ``analysis``...). Keep imports of
rdflib, pyoxigraph, networkx and matplotlib inside functions: ``citygraph --help`` imports every
module here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..analysis import Facts
    from ..graph import KnowledgeGraph


def at_least_one(text: str) -> int:
    """An argument that counts something (``--top N``): a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return number


def seconds(text: str) -> float:
    """A waiting time (``--timeout``): a number of seconds above 0."""
    try:
        number = float(text)
    except ValueError:
        number = 0.0
    if not number > 0 or number == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return number


def add_graph_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that reads the graph."""
    group = parser.add_argument_group("graph")
    group.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="folder of curated data (default: the data installed with the package)",
    )
    group.add_argument(
        "--with",
        dest="extra",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="an extra RDF file to load beside the data (e.g. an import); repeatable",
    )
    group.add_argument(
        "--engine",
        choices=("oxigraph", "rdflib"),
        default="oxigraph",
        help="RDF engine (default: oxigraph; rdflib is the reference implementation)",
    )
    group.add_argument(
        "--store",
        type=Path,
        metavar="PATH",
        help="keep the graph in an on-disk Oxigraph store at PATH: loaded once, reused as it is "
        "after (a warning names files changed since; delete PATH to load changed data)",
    )


def add_validator_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--validator",
        choices=("auto", "pyshacl", "fast"),
        default="auto",
        help="SHACL engine: pyshacl (the reference), fast (the shapes compiled to SPARQL on "
        "Oxigraph: same results, linear time) or auto (fast on large graphs; default)",
    )


def load_graph(
    args: argparse.Namespace, store: Path | None = None, *, union: bool = True
) -> KnowledgeGraph:
    """The graph the options name (``store``: an on-disk store to use instead of ``--store``,
    such as a temporary one, loaded without a word; ``union=False``: without the union of the
    sources, if it is a new store, for a build's checks and exports)."""
    from ..graph import KnowledgeGraph

    if store is None and args.store is not None and sys.stderr.isatty():
        from ..errors import DataError
        from ..store import read_manifest

        try:
            fresh = read_manifest(args.store) is None
        except DataError:
            fresh = False  # the load below says what is wrong with the folder
        if fresh:  # minutes for millions of statements: say what is going on
            say(f"loading the data into the store {args.store} (once: later commands reopen it)")
    store = store or args.store
    kg = KnowledgeGraph.load(args.data, args.extra, engine=args.engine, store=store, union=union)
    if kg.stale:
        from ..store import warning

        say(warning(store, kg.stale))
    return kg


def analysis_facts(args: argparse.Namespace) -> Facts:
    """The facts the analyses read (:func:`citygraph.analysis.facts_of`), for the rest of the
    command. They stay until it ends, so the garbage collector is told to leave them alone: a
    million memberships are a few million objects, and every later collection would walk them
    again (measured: building one list of a million pairs took 2.8 s instead of 0.4 s)."""
    import gc

    from ..analysis import facts_of

    facts = facts_of(load_graph(args))
    gc.freeze()
    return facts


def say(message: str) -> None:
    """A message for the person at the terminal (standard error, never mixed with data)."""
    print(message, file=sys.stderr)
