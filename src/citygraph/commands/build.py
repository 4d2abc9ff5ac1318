"""citygraph build"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import add_graph_options, add_validator_option, load_graph, say

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

# Above this many statements (estimated from the files' sizes) a build without --store loads the
# graph into a temporary on-disk store rather than into memory. In memory, a build holds the
# store (sources and their union) and the export snapshot: 1.8 GB at 1.1 M statements, 22.7 GB at
# 10 M (notes/issue-7.md); on disk the 10 M build peaks at 6.4 GB in about the same time.
# This is also where the exports stop being rendered in parallel (export.PARALLEL_LIMIT).
IN_MEMORY_STATEMENTS = 3_000_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="load, validate and write the distribution (dist/)",
        description="Load the ontology's data, validate it (SHACL + quality queries) and write "
        "every export to the output folder. On a violation nothing is written and the exit code "
        "is 1. A graph of more than about 3 million statements is built in a temporary on-disk "
        "store beside the output folder (deleted at the end), unless --store or --in-memory says "
        "otherwise.",
    )
    add_graph_options(p)
    add_validator_option(p)
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("dist"),
        metavar="DIR",
        help="output folder (default: ./dist)",
    )
    p.add_argument(
        "--in-memory",
        action="store_true",
        help="keep the graph in memory whatever its size (by default a graph of more than about "
        "3 million statements goes into a temporary on-disk store: in memory, a build needs "
        "about 2 GB per million statements)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..build import build

    at_terminal = sys.stderr.isatty()  # each stage takes minutes on a large graph: say which
    with _graph(args) as kg:
        summary = build(
            kg,
            args.output,
            validator=args.validator,
            progress=say if at_terminal else None,
            close_graph=True,  # let go of once the exports need only their snapshot
        )
    say(summary.text())
    return 0


@contextmanager
def _graph(args: argparse.Namespace) -> Iterator[KnowledgeGraph]:
    """The graph to build: as the options say, or, for a graph too large for memory when they say
    nothing, in a temporary on-disk store beside the output folder, deleted at the end."""
    import shutil
    import tempfile

    from ..errors import UsageError
    from ..graph import estimated_statements, source_files

    if args.in_memory and args.store is not None:
        raise UsageError("--in-memory and --store ask for two places to keep the graph: give one")
    if args.store is not None or args.in_memory or args.engine != "oxigraph":
        yield load_graph(args)
        return
    estimate = estimated_statements(source_files(args.data, args.extra))
    if estimate <= IN_MEMORY_STATEMENTS:
        yield load_graph(args)
        return
    beside = Path(args.output).absolute().parent
    try:
        beside.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".citygraph-build-store-", dir=beside))
    except OSError as exc:
        raise UsageError(
            f"{beside}: cannot make a temporary store for this large graph ({exc})",
            hint="give --store PATH in a folder you can write to, or --in-memory",
        ) from None
    say(
        f"about {estimate / 1e6:,.0f} million statements: building on disk, in {scratch} "
        "(deleted at the end; --store PATH keeps the store, --in-memory keeps the graph in memory)"
    )
    try:
        # (the checks and the exports do not need the sources' union: at 10 M statements the
        # load takes 98 s instead of 186 s without it)
        kg = load_graph(args, store=scratch / "store", union=False)
        try:
            yield kg
        finally:
            kg.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
