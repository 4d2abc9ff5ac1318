"""citygraph build"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..machine import available_memory, group_memory
from . import add_graph_options, add_validator_option, load_graph, say

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph

# Up to this many statements (estimated from the files' sizes) a build without --store keeps the
# graph in memory. Above it, in memory too if the machine has the memory for it (below), else in
# a temporary on-disk store: in memory, the 10 M statements of the L benchmark build in 4.1-4.4
# min with a peak of 7.2-7.4 GB; on disk, in 7.1 min with 4.8 GB (notes/issue-7.md). This is
# also where the exports stop being rendered by two forked workers (export.PARALLEL_LIMIT).
IN_MEMORY_STATEMENTS = 3_000_000
# What a build in memory holds at its peak, per statement: the store, the checks and the
# snapshot of the exports (7.4 GB at 10 M statements), with a margin.
BUILD_BYTES_PER_STATEMENT = 800
# The share of the memory available that such a build may take.
MEMORY_SHARE = 0.8


def _in_memory(estimate: int) -> tuple[bool, str]:
    """Whether a build of about ``estimate`` statements is kept in memory, and why (nothing to
    say for a graph of at most ``IN_MEMORY_STATEMENTS``)."""
    if estimate <= IN_MEMORY_STATEMENTS:
        return True, ""
    need, available = estimate * BUILD_BYTES_PER_STATEMENT, available_memory()
    if available is None:
        return False, "this system does not say how much memory is available"
    sizes = f"about {need / 1e9:.1f} GB, and {available / 1e9:.1f} GB are available"
    group = group_memory()
    if group is not None and group.left <= available:  # (a container's limit, usually)
        sizes += f" under this process's memory limit of {group.limit / 1e9:.1f} GB"
    if need <= MEMORY_SHARE * available:
        return True, f"in memory it takes {sizes}"
    return False, f"in memory it would take {sizes}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="load, validate and write the distribution (dist/)",
        description="Load the ontology's data, validate it (SHACL + quality queries) and write "
        "every export to the output folder. On a violation nothing is written and the exit code "
        "is 1. The graph is kept in memory if the machine has the memory for it (about 0.8 GB "
        "per million statements); otherwise it is built in a temporary on-disk store beside the "
        "output folder (deleted at the end). --store or --in-memory say where to keep it.",
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
        help="keep the graph in memory whatever its size and the memory available (by default "
        "a graph of more than 3 million statements goes into a temporary on-disk store when "
        "80%% of the memory available is less than about 0.8 GB per million statements)",
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

    from ..atomic import scratch_folder
    from ..errors import UsageError
    from ..graph import estimated_statements, source_files

    if args.in_memory and args.store is not None:
        raise UsageError("--in-memory and --store ask for two places to keep the graph: give one")
    if args.store is not None or args.in_memory or args.engine != "oxigraph":
        yield load_graph(args)
        return
    estimate = estimated_statements(source_files(args.data, args.extra))
    in_memory, why = _in_memory(estimate)
    if in_memory:
        if why:  # minutes for such a graph: say where it goes, and how to choose otherwise
            say(
                f"about {estimate / 1e6:,.0f} million statements ({why}): building in memory "
                "(--store PATH builds on disk)"
            )
        yield load_graph(args)
        return
    beside = Path(args.output).absolute().parent
    try:
        beside.mkdir(parents=True, exist_ok=True)
        scratch = scratch_folder(beside, ".citygraph-build-store-")
    except OSError as exc:
        raise UsageError(
            f"{beside}: cannot make a temporary store for this large graph ({exc})",
            hint="give --store PATH in a folder you can write to, or --in-memory",
        ) from None
    say(
        f"about {estimate / 1e6:,.0f} million statements ({why}): building on disk, in "
        f"{scratch} (deleted at the end; --store PATH keeps the store, --in-memory keeps the "
        "graph in memory)"
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
