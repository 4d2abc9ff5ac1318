"""citygraph query / citygraph queries"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_graph_options, load_graph, seconds

FORMATS = ("table", "csv", "tsv", "json", "turtle")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query",
        help="run a catalogue query, a query file or a SPARQL text",
        description="Run a named query of the catalogue (see 'citygraph queries'), a .rq file or a "
        "SPARQL text, on the loaded graph or on a remote SPARQL endpoint. Parameter values are "
        "checked against their declared types, then written into the query as RDF constants (or "
        "bound, as its header says), never pasted as text. Updates (INSERT, DELETE, DROP...) "
        "are refused. Results go to standard output.",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a catalogue query name")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter of the query; repeatable",
    )
    p.add_argument("--file", type=Path, metavar="Q.rq", help="run the SPARQL query in this file")
    p.add_argument(
        "--sparql",
        metavar="TEXT",
        help="run this SPARQL query (the project's prefixes need not be declared)",
    )
    p.add_argument(
        "-f",
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (default: table; json is SPARQL 1.1 Query Results JSON; "
        "turtle for CONSTRUCT/DESCRIBE)",
    )
    remote = p.add_argument_group("remote endpoint")
    remote.add_argument(
        "--endpoint",
        metavar="URL",
        help="ask this SPARQL 1.1 endpoint instead "
        "of loading the data (a base URL gets /query appended)",
    )
    remote.add_argument(
        "--timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="give up on the endpoint after this long (default: 30)",
    )
    remote.add_argument(
        "--default-graph",
        choices=("union", "server"),
        default="union",
        help="union (default): query the merge of all the store's named graphs, "
        "sent as default-graph-uri; server: leave the dataset to the server",
    )
    add_graph_options(p)
    p.set_defaults(run=run)

    q = sub.add_parser(
        "queries",
        help="list the query catalogue",
        description="List the catalogue: each query's name, title and parameters.",
    )
    q.add_argument(
        "-f",
        "--format",
        choices=("table", "json"),
        default="table",
        help="json gives name, title, description and typed parameters, for scripts",
    )
    q.set_defaults(run=run_list)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..query import (
        bind,
        format_rows,
        get,
        parse_assignments,
        prepared,
        rows_of,
        run_sparql,
        with_prefixes,
    )

    given = [x for x in (args.name, args.file, args.sparql) if x is not None]
    if len(given) != 1:
        raise UsageError(
            "give exactly one of NAME, --file Q.rq or --sparql TEXT",
            hint="'citygraph queries' lists the catalogue names",
        )
    values = parse_assignments(args.param)
    drop: list[str] = []
    if args.name:
        query = get(args.name)
        text, bindings = prepared(query, bind(query, values))
        name, offset = query.path.name, 0
        drop = [p.name for p in query.params]
    else:
        if values:
            raise UsageError("--param is for catalogue queries (NAME)")
        if args.file:
            try:
                raw = args.file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{args.file}: cannot be read ({exc})") from None
            name = str(args.file)
        else:
            raw, name = args.sparql, "--sparql"
        text, offset = with_prefixes(raw)
        bindings = {}
    if args.endpoint:
        from ..remote import SparqlEndpoint, endpoint_urls

        target = SparqlEndpoint(endpoint_urls(args.endpoint)[0], args.timeout, args.default_graph)
    else:
        target = load_graph(args)
    result = run_sparql(target, text, bindings, name=name, line_offset=offset)
    sys.stdout.write(format_rows(rows_of(result, drop), args.format))
    return 0


def run_list(args: argparse.Namespace) -> int:
    import json

    from ..query import catalogue

    queries = catalogue()
    if args.format == "json":
        sys.stdout.write(
            json.dumps([q.as_dict() for q in queries.values()], indent=2, ensure_ascii=False) + "\n"
        )
        return 0
    for q in queries.values():
        params = " ".join(
            f"{p.name}={p.type_label}" + ("" if p.required else "?") for p in q.params
        )
        sys.stdout.write(f"{q.name}  {params}\n    {q.title}: {q.description}\n")
    return 0
