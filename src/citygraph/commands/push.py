"""citygraph push"""

from __future__ import annotations

import argparse

from . import add_graph_options, load_graph, say, seconds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "push",
        help="upload the graph to a triple store (SPARQL 1.1 Graph Store Protocol)",
        description="Load and check the graph, and upload it to a remote store with the SPARQL "
        "1.1 Graph Store HTTP Protocol: one named graph per source, each replaced with one PUT, "
        "then their union as the store's default graph (replaced too), as SPARQL's default "
        "graph is locally; graphs of sources no longer in the data are deleted. Then "
        "'citygraph query NAME --endpoint URL' asks the store.",
    )
    p.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="the store: a base URL (Oxigraph: http://host:7878, Graph Store at "
        "/store) or its SPARQL query URL",
    )
    p.add_argument(
        "--gsp",
        metavar="URL",
        help="the Graph Store endpoint, when it is not BASE/store (Fuseki: /ds/data)",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
        help="give up on a request after this long (default: 60)",
    )
    add_graph_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..remote import GraphStore, SparqlEndpoint, endpoint_urls, push

    query_url, store_url = endpoint_urls(args.endpoint, args.gsp)
    kg = load_graph(args)
    endpoint = SparqlEndpoint(query_url, args.timeout, "server")
    summary = push(kg, GraphStore(store_url, args.timeout), endpoint=endpoint)
    say(summary.text())
    return 0
