"""citygraph analyze: network measures as tables (table, CSV, JSON) and graph files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import add_graph_options, analysis_facts, at_least_one, say

AS_OF_HELP = (
    "take the graph as it was at this date: YYYY, YYYY-MM or YYYY-MM-DD. A partial date is the "
    "period it names; a membership counts when its period overlaps (begun by the period's last "
    "day, not ended before its first day); an undated membership begins when its organization "
    "was founded, and an undated internal unit when its organization was"
)
VIEWS = ("membership", "actors", "organizations", "structure", "lineage", "org-network")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="network measures: centrality, overlap, paths, lineage, communities, graph files",
        description="Measures on the networks of the knowledge graph (membership, co-membership, "
        "structure, lineage), computed with networkx and scipy. Data goes to standard output, "
        "notes (how a measure was computed, empty selections) to standard error.",
    )
    measures = p.add_subparsers(dest="measure", metavar="MEASURE")
    measures.required = True

    def measure(name: str, help_text: str) -> argparse.ArgumentParser:
        q = measures.add_parser(name, help=help_text, description=help_text)
        q.add_argument("--as-of", metavar="DATE", help=AS_OF_HELP)
        if name != "export":
            q.add_argument(
                "--format",
                choices=("table", "csv", "json"),
                default="table",
                help="output format (default: table)",
            )
        add_graph_options(q)
        q.set_defaults(run=run)
        return q

    measure("summary", "counts: memberships, actors, organizations, components, pairs")
    q = measure("centrality", "degree, weighted degree, betweenness and PageRank of every node")
    q.add_argument("--top", type=at_least_one, metavar="N", help="only the N most central")
    q.add_argument(
        "--kind",
        metavar="KIND",
        help="only nodes of this kind (city, organization, network, charter...)",
    )
    q = measure("overlap", "shared members of organizations (or shared organizations of actors)")
    q.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="organizations to compare pairwise (default: the top pairs)",
    )
    q.add_argument("--among", choices=("organizations", "actors"), default="organizations")
    q.add_argument(
        "--top", type=at_least_one, default=20, metavar="N", help="pairs shown without names"
    )
    q.add_argument("--min-shared", type=at_least_one, default=1, metavar="N")
    q = measure("ego", "an actor's organizations, members and co-members")
    q.add_argument("name", metavar="NAME", help="slug, label or alternative label")
    q = measure("path", "the shortest chain of memberships linking two actors, in words")
    q.add_argument("start", metavar="FROM")
    q.add_argument("goal", metavar="TO")
    q = measure("lineage", "ancestors and descendants of an organization (mergers, successions)")
    q.add_argument("name", metavar="ORG")
    q.add_argument("--founders", action="store_true", help="count founders as ancestors too")
    q = measure("communities", "Louvain communities of the membership graph (fixed seed)")
    q.add_argument("--seed", type=int, default=42)
    q.add_argument("--resolution", type=float, default=1.0)
    measure("components", "connected components of the membership graph")
    measure("kcores", "core number of every node of the membership graph")
    q = measure("export", "write a view as a graph file (GraphML, GEXF, node-link JSON)")
    q.add_argument(
        "--view", choices=VIEWS, default="membership", help="which network (default: membership)"
    )
    q.add_argument("--format", choices=("graphml", "gexf", "json"), default="graphml")
    q.add_argument(
        "--min-shared",
        type=at_least_one,
        default=1,
        metavar="N",
        help="co-membership views: keep pairs sharing at least N",
    )
    q.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")


def run(args: argparse.Namespace) -> int:
    from ..analysis import measures, parse_as_of
    from ..errors import UsageError

    as_of = parse_as_of(args.as_of) if args.as_of else None
    if args.measure == "centrality":  # (before the graph is read)
        _check_kind(args.kind)
    if args.measure == "export" and args.output.is_dir():
        raise UsageError(
            f"-o {args.output} is a folder: give the file to write, e.g. "
            f"{args.output / (args.view + '.' + args.format)}"
        )
    facts = analysis_facts(args)
    name = args.measure
    if name == "export":
        return _export(args, facts, as_of)
    if name == "summary":
        result = measures.summary(facts, as_of)
    elif name == "centrality":
        result = measures.centrality(facts, as_of, top=args.top, kind=args.kind)
    elif name == "overlap":
        result = measures.overlap(
            facts, args.names, as_of, among=args.among, top=args.top, min_shared=args.min_shared
        )
    elif name == "ego":
        result = measures.ego(facts, args.name, as_of)
    elif name == "path":
        result = measures.path(facts, args.start, args.goal, as_of)
    elif name == "lineage":
        result = measures.lineage(facts, args.name, as_of, founders=args.founders)
    elif name == "communities":
        result = measures.communities(facts, as_of, seed=args.seed, resolution=args.resolution)
    elif name == "components":
        result = measures.components(facts, as_of)
    else:
        result = measures.kcores(facts, as_of)
    sys.stdout.write(result.render(args.format))
    if args.format != "json":
        for note in result.notes:
            say(note)
    return 0


def _check_kind(kind: str | None) -> None:
    from ..analysis.facts import KIND_OF_TYPE
    from ..errors import UsageError

    kinds = sorted({k for _, k in KIND_OF_TYPE})
    if kind is not None and kind not in kinds:
        raise UsageError(f"unknown kind {kind!r}: use one of {', '.join(kinds)}")


def _export(args: argparse.Namespace, facts, as_of) -> int:
    from ..analysis.files import write_graph
    from ..analysis.views import build_view

    graph = build_view(facts, args.view, as_of, min_shared=args.min_shared)
    write_graph(graph, args.format, args.output)
    when = f" as of {as_of.text}" if as_of else ""
    say(
        f"wrote {args.output}: {args.view} view{when}, {graph.number_of_nodes()} nodes, "
        f"{graph.number_of_edges()} edges ({args.format})"
    )
    if graph.number_of_nodes() == 0:
        say(f"the {args.view} view is empty{when}")
    return 0
