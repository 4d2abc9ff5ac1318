"""citygraph validate"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_graph_options, add_validator_option, load_graph


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check the data (or given files) against the shapes and quality queries",
        description="Validate the project's data, or the RDF files given, against the SHACL "
        "shapes and the quality queries. Exit 0: conforms; 1: violations; 2: usage error.",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="Turtle files to check instead of the project's data",
    )
    add_graph_options(p)
    add_validator_option(p)
    p.add_argument(
        "--format",
        choices=("text", "turtle"),
        default="text",
        help="text: readable report grouped by entity; turtle: the SHACL report graph",
    )
    p.add_argument("--no-warnings", action="store_true", help="show violations only")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..graph import KnowledgeGraph

    if args.files:
        # the files alone, or beside a data folder when --data is given too
        kg = KnowledgeGraph.load(
            args.data,
            [*args.files, *args.extra],
            engine=args.engine,
            include_data=args.data is not None,
        )
    else:
        kg = load_graph(args)
    report = kg.validate(validator=args.validator)
    if args.format == "turtle":
        sys.stdout.write(report.turtle())
        print(report.summary(), file=sys.stderr)
    else:
        print(report.text(kg, warnings=not args.no_warnings))
    return 0 if report.conforms else 1
