"""citygraph diff"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import say


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "diff",
        help="list the statements added and removed between two exports, by entity",
        description="Compare two RDF files (any format, chosen by extension: .ttl .nt .nq .trig "
        ".jsonld .rdf) and list the statements added (+) and removed (-), grouped by entity. "
        "Two quad files (.nq, .trig) are compared graph by graph, i.e. source by source. "
        "Exit 0 whether or not they differ; 1 when a file cannot be read as RDF.",
    )
    p.add_argument("old", type=Path, metavar="OLD")
    p.add_argument("new", type=Path, metavar="NEW")
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): readable report; json: for programs",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..diff import diff
    from ..engine import SUFFIXES, format_of
    from ..errors import UsageError

    for path in (args.old, args.new):  # (a .txt was read as Turtle: a misleading syntax error)
        if path.suffix.lower() not in SUFFIXES:
            raise UsageError(
                f"{path}: the extension does not say which RDF format it is; use one of "
                f"{', '.join(SUFFIXES)}"
            )
    quads = {format_of(p) in ("nquads", "trig") for p in (args.old, args.new)}
    if len(quads) == 2:
        say(
            "note: a triple file is compared with a quad file: the quad file's statements are "
            "compared as their union, and the statements its default graph holds (each source "
            "graph's provenance) count as added or removed"
        )
    result = diff(args.old, args.new)
    sys.stdout.write(result.text() if args.format == "text" else result.json())
    if args.format == "json":
        say(result.summary())
    return 0
