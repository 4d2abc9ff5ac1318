"""citygraph import"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import add_graph_options, add_validator_option, say


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import a membership (or organization) table through a mapping file",
        description="Map a CSV table to RDF with a declared mapping (YAML or TOML), reconcile its "
        "names with the known entities (the curated data plus --with files), and write one named "
        "graph (TriG/N-Quads by suffix; Turtle otherwise). Every row is imported or rejected "
        "with a reason. Exit 0: written; 1: the data could not be read; 2: usage error (bad "
        "mapping, missing column, unreadable table); nothing is written on failure.",
    )
    p.add_argument("table", type=Path, metavar="TABLE", help="the CSV file")
    p.add_argument(
        "--mapping",
        type=Path,
        required=True,
        metavar="MAPPING",
        help="mapping file (.yaml/.yml or .toml); see examples/README.md",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUT",
        help="the RDF to write: .trig or .nq (graph named by the mapping's source "
        "slug) or .ttl (graph named after the file)",
    )
    p.add_argument(
        "--rejects",
        type=Path,
        metavar="FILE",
        help="CSV of the rejected rows: line, reason, detail, then the row",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="reconciliation report: every actor and network with its evidence "
        "(JSON if FILE ends in .json, text otherwise)",
    )
    p.add_argument(
        "--overrides",
        type=Path,
        metavar="FILE",
        help="YAML file of curator decisions: same, different, map",
    )
    p.add_argument("--encoding", metavar="ENC", help="the table's encoding (default: detected)")
    p.add_argument("--delimiter", metavar="D", help="the table's delimiter (default: detected)")
    add_graph_options(p)
    add_validator_option(p)
    p.add_argument(
        "--no-validate",
        action="store_true",
        help="skip the validation of the result beside the curated data (on by default: "
        "a result with violations is not written, exit 1)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import atomic
    from ..engine import format_of
    from ..errors import UsageError
    from ..importers import output_format, run_import
    from ..importers import report as reports
    from . import load_graph

    delimiter = args.delimiter
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    outputs = [args.output, args.rejects, args.report]
    given = [o.resolve() for o in outputs if o is not None]
    if len(set(given)) != len(given):
        raise UsageError("-o, --rejects and --report must be different files")
    for path in (o for o in outputs if o is not None):  # before any work, not half-way
        if not path.parent.is_dir():
            raise UsageError(f"{path}: the folder {path.parent} does not exist; create it first")
    if format_of(args.output) != output_format(args.output):  # .nt, .rdf, .jsonld...
        raise UsageError(
            f"-o {args.output}: an import is written as Turtle, TriG or N-Quads; "
            "name the output .ttl, .trig or .nq"
        )
    kg = load_graph(args)
    result = run_import(
        args.table,
        args.mapping,
        args.output,
        kg,
        overrides=args.overrides,
        encoding=args.encoding,
        delimiter=delimiter,
    )
    rdf = result.graph.serialize(output_format(args.output))
    if not args.no_validate:
        _validate_beside(kg, rdf, args)
    rejects = reports.rejects_csv(result) if args.rejects else None
    if args.report:
        report = (
            reports.report_json(result)
            if args.report.suffix.lower() == ".json"
            else reports.report_text(result)
        )
    atomic.write_bytes(args.output, rdf)
    if rejects is not None:
        atomic.write_bytes(args.rejects, rejects)
    if args.report:
        atomic.write_bytes(args.report, report)
    say(reports.summary_text(result))
    if not args.no_validate:
        say(args.validation_summary)
    say(
        f"wrote {args.output}"
        + (f", {args.rejects}" if args.rejects else "")
        + (f", {args.report}" if args.report else "")
    )
    return 0


def _validate_beside(kg, rdf: bytes | str, args: argparse.Namespace) -> None:
    """Validate the result together with the graph it was reconciled against; refuse to write
    data that does not conform (the report says what to fix in the mapping or the overrides)."""
    from ..engine import format_of
    from ..errors import ConformanceError
    from ..graph import extra_file

    target = extra_file(args.output)
    kg.engine.load_data(rdf, format_of(args.output), target.graph, name=str(args.output))
    report = kg.validate(validator=args.validator)
    if not report.conforms:
        raise ConformanceError(
            "the imported data does not conform; nothing was written\n"
            + report.text(kg, warnings=False),
            report,
        )
    args.validation_summary = report.summary()
