"""citygraph build"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import add_graph_options, add_validator_option, load_graph, say


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="load, validate and write the distribution (dist/)",
        description="Load the ontology's data, validate it (SHACL + quality queries) and write "
        "every export to the output folder. On a violation nothing is written and the exit code "
        "is 1.",
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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..build import build

    kg = load_graph(args)
    summary = build(kg, args.output, validator=args.validator)
    say(summary.text())
    return 0
