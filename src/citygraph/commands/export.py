"""citygraph export"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_graph_options, load_graph, say


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write the graph in one format (turtle, ntriples, nquads, trig, jsonld, rdfxml, csv)",
        description="Write the knowledge graph in one format, to standard output or to -o PATH "
        "(written atomically: a failed export leaves the previous file in place). Triple formats "
        "hold the union of all sources; nquads and trig keep one named graph per source. csv is a "
        "set of tables: name one with --table (to standard output or a file), or give -o a folder "
        "to get every table with its csv-metadata.json.",
    )
    add_graph_options(p)
    p.add_argument(
        "--format",
        "-f",
        default="turtle",
        metavar="FORMAT",
        help="turtle (default), ntriples, nquads, trig, jsonld, rdfxml or csv",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PATH",
        help="file to write (a folder for csv without --table); default: stdout",
    )
    p.add_argument(
        "--table",
        metavar="NAME",
        help="csv only: organizations, cities, memberships, events, reported_sizes or sources",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import export
    from ..atomic import staged_folder, write_bytes
    from ..errors import UsageError

    fmt = export.check_format(args.format)
    if fmt != "csv" and args.table:
        raise UsageError("--table goes with --format csv only")
    table = export.table_named(args.table) if args.table else None
    if fmt == "csv" and table is None and args.output is None:
        raise UsageError(
            "csv is a set of tables: add --table NAME (one of "
            f"{', '.join(export.TABLE_NAMES)}) or -o FOLDER for all of them"
        )
    if fmt == "csv" and table is None and args.output.suffix.lower() == ".csv":
        raise UsageError(
            f"{args.output}: to write one table add --table NAME; "
            "to write all of them give -o a folder"
        )
    kg = load_graph(args)
    if fmt == "csv" and table is None:
        with staged_folder(args.output) as stage:
            for name, data in export.csv_files(kg).items():
                (stage / name).write_bytes(data)
        say(f"wrote {len(export.TABLES)} tables and {export.CSVW_METADATA} to {args.output}")
        return 0
    data = export.table_csv(kg, table) if table else export.render(kg, fmt)
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_bytes(args.output, data)
        say(f"wrote {args.output} ({len(data)} bytes)")
    return 0
