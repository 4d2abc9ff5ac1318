"""citygraph report: a self-contained HTML report of the networks, with figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import add_graph_options, analysis_facts, say
from .analyze import AS_OF_HELP


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write an HTML report (membership network, overlap heatmap, timeline, centrality)",
        description="Write DIR/index.html: a self-contained page (figures inlined as SVG, no "
        "network access needed) with the membership network, the overlap heatmap of "
        "organizations, a timeline of foundings, charters and mergers, and the centrality table.",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="DIR",
        help="folder to write index.html into (created if missing; the folder it is in must exist)",
    )
    p.add_argument("--as-of", metavar="DATE", help=AS_OF_HELP)
    add_graph_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis import parse_as_of
    from ..report import write_report

    as_of = parse_as_of(args.as_of) if args.as_of else None
    facts = analysis_facts(args)
    path = write_report(facts, args.output, as_of)
    say(f"wrote {path}")
    return 0
