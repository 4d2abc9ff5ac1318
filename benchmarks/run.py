"""citygraph against the plain rdflib + pyshacl + networkx stack, step by step, on the same file.

    python benchmarks/run.py --size S|M|L [--seed 1] [--work DIR] [--plain-timeout 300]

One run generates (once, cached in ``--work``) the synthetic graph of that size without its
deliberate violations (``benchmarks/generate.py --no-violations``; ``build`` refuses a graph that
does not conform), then measures, each group of steps in its own fresh Python process so that the
peak memory of one group does not leak into the next:

* plain stack: rdflib parses the N-Quads into a memory Dataset, pyshacl validates the union,
  rdflib writes Turtle, networkx builds the membership graph and the co-membership projection
  among cities; each step stops after ``--plain-timeout`` seconds (said so in the table);
* citygraph: ``citygraph build`` as a whole process (load, validate, every export: the headline
  number), then its steps one by one: load, SHACL (fastshacl) and each quality query, the export
  snapshot and each format, loading the persistent store (``--store``), each catalogue query on the
  store (median of ``--runs`` warm runs), reading the analysis facts and each analysis, and
  ``citygraph analyze summary`` as a whole process on the store, twice: the first run reads the
  facts and keeps them beside the store, the second loads them. For each query whose work grows
  with the graph (a wide result, or a text search) the note also gives its floor: the least it
  must read, whatever its form (``FLOORS``), timed the same way in raw pyoxigraph.

At L (10 M statements) the checks and exports are timed on the store group's persistent on-disk
store, and their rows say so. The build group runs ``citygraph build`` as a user would: the command
keeps the graph in memory if the machine has the memory for it, else builds on disk, and its row
says which.

Time is wall-clock (``time.perf_counter``), except for the plain stack with ``--plain-clock cpu``:
the CPU time of its single-threaded process, which a busy machine (or pausing it with SIGSTOP
while something else is measured) does not inflate. ``--reuse GROUP[=FILE]`` takes a group's
records from an earlier results file instead of measuring it again.

Memory is the process's peak resident set size (``ru_maxrss``): for a whole process, read with
``os.wait4``; for a step inside a group, the peak of the process so far, which includes what
earlier steps of the group loaded (the graph, typically).
The table goes to standard output and to ``benchmarks/results/<size>.md``; raw numbers to
``benchmarks/results/<size>.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ORG = "http://www.w3.org/ns/org#"


class StepTimeout(Exception):
    pass


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _emit(record: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(record), flush=True)


def _measure(
    stack: str,
    step: str,
    fn: Callable[[], Any],
    timeout: float | None = None,
    clock: str = "wall",
    fields: dict[str, Any] | None = None,
) -> tuple[bool, Any]:
    """Run one step, print its record; False when it timed out or failed (the record says so).
    ``fields``: more numbers for the record, filled in by ``fn`` (a query's median).

    ``clock="cpu"``: the step's time is the CPU time of this process (user + system), for a
    single-threaded stack measured while the machine is shared: on a quiet machine the two are
    the same, on a busy one the wall time would count the time others ran."""

    def alarm(_signum: int, _frame: Any) -> None:
        raise StepTimeout

    if timeout:
        signal.signal(signal.SIGALRM, alarm)
        signal.alarm(int(timeout))
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        value = fn()
    except StepTimeout:
        _emit(
            {
                "stack": stack,
                "step": step,
                "seconds": None,
                "peak_mb": _peak_mb(),
                "note": f"stopped after {timeout:.0f} s",
            }
        )
        return False, None
    except Exception as exc:  # a benchmark reports a failing step and goes on
        _emit(
            {
                "stack": stack,
                "step": step,
                "seconds": None,
                "peak_mb": _peak_mb(),
                "note": f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}",
            }
        )
        return False, None
    finally:
        if timeout:
            signal.alarm(0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    note = value if isinstance(value, str) else ""
    if clock == "cpu":
        note = "; ".join(filter(None, [note, f"CPU time (wall {seconds:,.1f} s, machine shared)"]))
        seconds = cpu
    record = {"stack": stack, "step": step, "seconds": seconds, "peak_mb": _peak_mb(), "note": note}
    _emit(record | (fields or {}))
    return True, value


# --- the groups (each runs in its own process: python run.py --group NAME ...) ---------------


def group_plain(args: argparse.Namespace) -> None:
    """The plain stack, as a researcher without citygraph would write it."""
    import logging

    import networkx as nx
    import pyshacl
    from networkx.algorithms import bipartite
    from rdflib import Dataset, Graph, URIRef

    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    timeout = args.plain_timeout
    state: dict[str, Any] = {}

    def parse() -> str:
        ds = Dataset()
        ds.parse(args.file, format="nquads")
        union = Graph()
        for s, p, o, _g in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        state["union"] = union
        return f"{len(union):,} triples"

    ok, _ = _measure(
        "plain", "load (rdflib parse N-Quads, union)", parse, timeout, args.plain_clock
    )
    if not ok:
        return
    union = state["union"]

    def shacl() -> str:
        conforms, _report, _text = pyshacl.validate(
            union, shacl_graph=str(args.shapes), inference="none", advanced=False
        )
        return f"conforms={conforms}"

    _measure("plain", "validate (pyshacl)", shacl, timeout, args.plain_clock)

    def turtle() -> str:
        out = Path(args.work) / f"plain-{Path(args.file).stem}.ttl"
        union.serialize(destination=str(out), format="turtle")
        return f"{out.stat().st_size / 1e6:,.0f} MB"

    _measure("plain", "export turtle (rdflib)", turtle, timeout, args.plain_clock)

    def projection() -> str:
        member_of = URIRef(ORG + "memberOf")
        graph = nx.Graph()
        for s, _p, o in union.triples((None, member_of, None)):
            graph.add_node(s, bipartite=0)
            graph.add_node(o, bipartite=1)
            graph.add_edge(s, o)
        actors = [n for n, side in graph.nodes(data="bipartite") if side == 0]
        projected = bipartite.weighted_projected_graph(graph, actors)
        return f"{projected.number_of_edges():,} city pairs"

    _measure(
        "plain",
        "analysis (networkx co-membership projection)",
        projection,
        timeout,
        args.plain_clock,
    )


# Sizes whose graph is checked, exported, queried and analysed on a persistent on-disk store
# (``--store``), loaded once for the groups that follow, as a user of a large graph would. (The
# build group runs the command without options: it decides itself where to keep the graph.)
ON_DISK = ("L",)


# the command installed beside this interpreter (a virtual environment's bin/, which need not be
# on the PATH), else the one on the PATH
_CITYGRAPH = next(
    (str(p) for p in [Path(sys.executable).parent / "citygraph"] if p.is_file()), "citygraph"
)


def _on_disk(args: argparse.Namespace) -> bool:
    return args.size in ON_DISK


def group_build(args: argparse.Namespace) -> None:
    """`citygraph build` as a whole process, with no option but the files and the output (the
    number a user sees). Above 3 million statements the command itself decides where to keep
    the graph: in memory if the machine has the memory for it, else in a temporary on-disk
    store of its own (made, used, then deleted); the record says which."""
    empty = Path(args.work) / "empty-data"
    empty.mkdir(exist_ok=True)
    out = Path(args.work) / f"dist-{Path(args.file).stem}"
    cmd = [_CITYGRAPH, "build", "--data", str(empty), "--with", str(args.file), "-o", str(out)]
    said: list[str] = []
    record = _process(
        "citygraph", "build (whole process: load, validate, every export)", cmd, said=said
    )
    record["on_disk"] = "building on disk" in said[0]
    where = "on disk by itself, in a temporary store" if record["on_disk"] else "in memory"
    record["note"] = "; ".join(filter(None, [record["note"], f"{where} (load included)"]))
    _emit(record)


def _process(
    stack: str,
    step: str,
    cmd: list[str],
    timeout: float | None = None,
    said: list[str] | None = None,
) -> dict:
    """Run ``cmd`` as a process of its own: its time and peak memory (``said``, if given, gets
    what it wrote to standard error)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        proc.returncode = 0
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if said is not None:
        said.append(err)
    code = os.waitstatus_to_exitcode(status)
    note = "" if code == 0 else f"exit {code}: {err.strip().splitlines()[-1][:100] if err else ''}"
    return {
        "stack": stack,
        "step": step,
        "seconds": seconds if code == 0 else None,
        "peak_mb": usage.ru_maxrss / 1024,
        "note": note,
    }


def _kg(args: argparse.Namespace, store: Path | None = None):
    """The graph, in memory; or the persistent store at ``store`` (loaded if it is not yet)."""
    from citygraph.graph import KnowledgeGraph

    empty = Path(args.work) / "empty-data"
    empty.mkdir(exist_ok=True)
    return KnowledgeGraph.load(empty, [Path(args.file)], store=store)


def _steps_graph(args: argparse.Namespace, load_step: str, purpose: str) -> Any:
    """The graph that the validate and export groups time their steps on, and its record: loaded
    in memory; at the sizes of ``ON_DISK`` the persistent store of the store group, opened (or
    loaded, if that group has not run)."""
    store = _store_path(args) if _on_disk(args) else None
    state: dict[str, Any] = {}

    def load() -> str:
        state["kg"] = _kg(args, store)
        count = f"{len(state['kg']):,} statements"
        if store:
            return f"{count}; the steps below run on disk"
        if state["kg"].engine.union_pending:  # a bulk load: the union waits for a query
            return f"{count} (sources; their union is made when a query first needs it)"
        return f"{count} (sources + union)"

    _measure("citygraph", f"open the persistent store {purpose}" if store else load_step, load)
    return state["kg"]


def group_validate(args: argparse.Namespace) -> None:
    import logging

    from citygraph.validate import quality_queries, run_shacl

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    kg = _steps_graph(args, "load (Oxigraph, memory)", "for the checks")

    def shacl() -> str:
        findings, _ = run_shacl(kg, validator="fast")
        violations = sum(1 for f in findings if f.severity == "Violation")
        return f"{violations} violations, {len(findings) - violations} warnings"

    _measure("citygraph", "validate: SHACL shapes (fastshacl)", shacl)
    for path in quality_queries():
        _measure(
            "citygraph",
            f"validate: {path.stem}",
            # as the validation runs them: each distinct row once
            lambda p=path: (
                f"{len(kg.sparql(p.read_text(encoding='utf-8'), distinct_rows=True).rows)} rows"
            ),
        )


def group_export(args: argparse.Namespace) -> None:
    from citygraph import export

    state: dict[str, Any] = {}
    kg = _steps_graph(args, "load (Oxigraph, memory) for the exports", "for the exports")
    _measure(
        "citygraph",
        "export: snapshot (sorted canonical N-Triples)",
        lambda: state.setdefault("snap", export.Snapshot.of(kg)) and "",
    )
    for fmt in export.RDF_FORMATS:
        _measure(
            "citygraph",
            f"export: {fmt}",
            lambda f=fmt: f"{len(export.render(kg, f, state['snap'])) / 1e6:,.1f} MB",
        )
    _measure(
        "citygraph",
        "export: csv tables",
        lambda: f"{sum(len(b) for b in export.csv_files(kg).values()) / 1e6:,.1f} MB",
    )


def _store_path(args: argparse.Namespace) -> Path:
    return Path(args.work) / f"store-{Path(args.file).stem}"


def group_store(args: argparse.Namespace) -> None:
    import shutil

    store = _store_path(args)
    if store.exists():
        shutil.rmtree(store)
    _measure(
        "citygraph",
        "load into the persistent store (--store, bulk load)",
        lambda: f"{len(_kg(args, store)):,} statements",
    )


def _bindings_for(query: Any, sample: dict[str, str]) -> dict[str, str]:
    values = {}
    for param in query.params:
        if param.name in sample:
            values[param.name] = sample[param.name]
        elif param.required and query.examples:
            values[param.name] = query.examples[0].get(param.name, "")
    return values


def _samples(kg: Any) -> dict[str, dict[str, str]]:
    """Parameters that hit the synthetic data, twice: a typical case (the median city by number of
    memberships, the median network by number of members: what a researcher usually asks about)
    and the worst case (the busiest city, the largest network)."""
    prefix = "https://w3id.org/citygraph/id/"

    def ranked(link: str) -> list[str]:
        rows = kg.select_text(
            f"SELECT ?x (COUNT(*) AS ?n) WHERE {{ ?x <{ORG}{link}> ?y }} GROUP BY ?x ORDER BY ?n ?x"
        )[1]
        return [str(x)[len(prefix) :] for x, _n in rows]

    cities, networks = ranked("memberOf"), ranked("hasMember")
    common = {
        "min": "2",
        "date": "2010",
        "from": "2000",
        "to": "2005",
        "theme": "climate",
        "scope": "europe",
        "language": "en",
    }
    samples = {}
    for case, city, network in (
        ("typical", cities[len(cities) // 2], networks[len(networks) // 2]),
        ("largest", cities[-1], networks[-1]),
    ):
        samples[case] = {
            **common,
            "city": city,
            "network": network,
            "organization": network,
            "entity": network,
            "text": city.split("-")[0],
        }
    return samples


# The least each catalogue query whose work grows with the graph must read, whatever its form:
# the triple patterns that produce its rows (no labels, no dates, no ordering, no conversion into
# Python terms), each term of each row read once from Oxigraph; for a count, the count (Oxigraph
# counts without reading the terms' text); for a text search, the test of every name. A query
# whose floor is over the target cannot meet it on this engine, however it is written. ($name: a
# parameter, written in.)
FLOORS = {
    "actors-in-networks": "SELECT ?actor (COUNT(DISTINCT ?network) AS ?networks) WHERE "
    "{ ?actor org:memberOf ?network } GROUP BY ?actor",
    "members-of-network": "SELECT ?membership ?member ?role WHERE "
    "{ ?membership org:organization $network ; org:member ?member ; org:role ?role }",
    "memberships-with-dates": "SELECT ?membership ?member ?org ?role WHERE { ?membership "
    "org:memberDuring ?interval ; org:member ?member ; org:organization ?org ; org:role ?role }",
    # no text index: every name is tested for the text
    "search-by-name": "SELECT ?entity ?name WHERE { ?entity rdfs:label|skos:altLabel ?name "
    "FILTER(CONTAINS(LCASE(STR(?name)), LCASE(STR($text)))) }",
    "shared-networks": "SELECT ?other ?network WHERE "
    "{ $city org:memberOf ?network . ?other org:memberOf ?network }",
    "sources-of-entity": "SELECT ?predicate ?value ?graph WHERE "
    "{ GRAPH ?graph { $entity ?predicate ?value } }",
    # no range index on dates: every dated interval's bounds are read to find those in the span
    "timeline": "SELECT ?interval ?bound WHERE "
    "{ { ?interval time:hasBeginning ?bound } UNION { ?interval time:hasEnd ?bound } }",
    "wikidata-links": "SELECT ?entity ?item WHERE { ?entity owl:sameAs ?item }",
}
_FLOOR_PREFIXES = (
    f"PREFIX org: <{ORG}> PREFIX time: <http://www.w3.org/2006/time#> "
    "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)


def floor_text(name: str, bindings: dict[str, Any]) -> str:
    """The query's floor (``FLOORS``) with its parameters written in."""
    import re

    def value(found: re.Match[str]) -> str:
        return bindings[found.group(1)].n3() if found.group(1) in bindings else found.group(0)

    return _FLOOR_PREFIXES + re.sub(r"\$(\w+)", value, FLOORS[name])


def floor_seconds(kg: Any, name: str, bindings: dict[str, Any], runs: int) -> float | None:
    """The median time (of ``runs``, after one warm-up) of the query's floor (``FLOORS``) on the
    graph's Oxigraph store; None for a query without one."""
    if name not in FLOORS:
        return None
    text = floor_text(name, bindings)
    store = kg.engine.store
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        for solution in store.query(text):
            for _term in solution:
                pass
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def group_queries(args: argparse.Namespace) -> None:
    from citygraph.query import bind, catalogue, prepared, run_sparql

    state: dict[str, Any] = {}
    _measure(
        "citygraph",
        "open the persistent store (no reload)",
        lambda: f"{len(state.setdefault('kg', _kg(args, _store_path(args)))):,} statements",
    )
    kg = state["kg"]
    samples = _samples(kg)
    for name, query in sorted(catalogue().items()):
        if name in args.skip_queries:
            _emit(
                {
                    "stack": "citygraph",
                    "step": f"query: {name}",
                    "seconds": None,
                    "peak_mb": _peak_mb(),
                    "note": "skipped (pairwise aggregation: see note)",
                }
            )
            continue
        typical = bind(query, _bindings_for(query, samples["typical"]))
        largest = bind(query, _bindings_for(query, samples["largest"]))
        cases = [("", typical)] if typical == largest else [("", typical), (" (largest)", largest)]
        for label, bindings in cases:
            shown = ", ".join(f"{k}={str(v).rsplit('/', 1)[-1]}" for k, v in bindings.items())
            # the floor first, outside the query's step (whose time is its own runs only)
            floor = floor_seconds(kg, name, bindings, args.runs)
            numbers: dict[str, Any] = {} if floor is None else {"floor_seconds": floor}

            def timed(
                q: Any = query, b: dict = bindings, shown: str = shown, numbers: dict = numbers
            ) -> str:
                text, bound = prepared(q, b)  # as `citygraph query NAME` runs it
                first = run_sparql(kg, text, bound)
                times = []
                for _ in range(args.runs):
                    start = time.perf_counter()
                    run_sparql(kg, text, bound)
                    times.append(time.perf_counter() - start)
                rows = len(first.rows) if first.kind == "select" else len(first.triples)
                numbers["median_seconds"] = median = statistics.median(times)
                where = f"; {shown}" if shown else ""
                floor = numbers.get("floor_seconds")
                least = "" if floor is None else f"; floor {floor * 1000:,.1f} ms"
                return f"median of {args.runs}: {median * 1000:,.1f} ms, {rows} rows{where}{least}"

            _measure(
                "citygraph", f"query: {name}{label}", timed, args.query_timeout, fields=numbers
            )


def group_analysis(args: argparse.Namespace) -> None:
    _analysis_steps(args)
    gc.collect()  # the steps' graph is gone: the store's lock is free for the process below
    store = _store_path(args)
    (store / "citygraph-facts.pickle").unlink(missing_ok=True)  # the first command on the store
    command = [_CITYGRAPH, "analyze", "summary", "--data", str(Path(args.work) / "empty-data")]
    for step in (
        "analyze summary (whole process, on the store)",
        "analyze summary again (facts kept beside the store)",
    ):
        _emit(_process("citygraph", step, [*command, "--store", str(store)]))


def _analysis_steps(args: argparse.Namespace) -> None:
    from citygraph.analysis import measures, read_facts

    state: dict[str, Any] = {}
    kg = _kg(args, _store_path(args))
    _measure(
        "citygraph",
        "analysis: read facts (SPARQL)",
        lambda: f"{len(state.setdefault('facts', read_facts(kg)).memberships):,} memberships",
    )
    facts = state["facts"]
    analyses: dict[str, Callable[[], Any]] = {
        "summary": lambda: measures.summary(facts),
        "centrality (top 20)": lambda: measures.centrality(facts, top=20),
        "components": lambda: measures.components(facts),
        "k-cores": lambda: measures.kcores(facts),
        "overlap of organizations": lambda: measures.overlap(facts),
        "communities (Louvain)": lambda: measures.communities(facts),
    }
    for name, fn in analyses.items():
        _measure(
            "citygraph",
            f"analysis: {name}",
            lambda f=fn: f"{len(f().rows):,} rows",
            args.analysis_timeout,
        )


GROUPS = {
    "plain": group_plain,
    "build": group_build,
    "validate": group_validate,
    "export": group_export,
    "store": group_store,
    "queries": group_queries,
    "analysis": group_analysis,
}


# --- the orchestrator ---------------------------------------------------------------------


def _run_group(name: str, args: argparse.Namespace, file: Path) -> list[dict]:
    cmd = [
        sys.executable,
        __file__,
        "--group",
        name,
        "--file",
        str(file),
        "--work",
        args.work,
        "--size",
        args.size,
        "--plain-timeout",
        str(args.plain_timeout),
        "--plain-clock",
        args.plain_clock,
        "--runs",
        str(args.runs),
        "--query-timeout",
        str(args.query_timeout),
        "--analysis-timeout",
        str(args.analysis_timeout),
        "--shapes",
        str(args.shapes),
    ]
    for skipped in args.skip_queries:
        cmd += ["--skip-query", skipped]
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
    # A step's alarm cannot interrupt every C-level loop (rdflib's Turtle writer ignored it at
    # M), so the whole group also has a budget, after which its process is killed.
    budget = 4 * args.plain_timeout + 120 if name == "plain" else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    try:
        stdout, stderr = proc.communicate(timeout=budget)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        killed = True
    records = [json.loads(line[7:]) for line in stdout.splitlines() if line.startswith("RESULT ")]
    if killed:
        records.append(
            {
                "stack": "plain",
                "step": "(the remaining plain steps)",
                "seconds": None,
                "peak_mb": None,
                "note": f"stopped: group budget of {budget:.0f} s spent",
            }
        )
    elif proc.returncode != 0:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else "no message"
        records.append(
            {
                "stack": "citygraph" if name != "plain" else "plain",
                "step": f"({name} group crashed)",
                "seconds": None,
                "peak_mb": None,
                "note": last[:120],
            }
        )
    for r in records:
        shown = "—" if r["seconds"] is None else f"{r['seconds']:.2f} s"
        print(f"    {r['step']}: {shown} {r.get('note', '')}", file=sys.stderr, flush=True)
    return records


def _reused(size: str, info: dict, entries: list[str]) -> dict[str, list[dict]]:
    """Records of earlier runs on the same graph, by group, marked with their date. Each entry
    is a group, taken from this size's results file, or ``group=FILE`` (another run's results
    file, e.g. a copy kept while a long plain-stack run rewrites this size's file)."""
    found: dict[str, list[dict]] = {}
    for entry in entries:
        group, _, file = entry.partition("=")
        path = Path(file) if file else RESULTS / f"{size}.json"
        if not path.exists():
            raise SystemExit(f"--reuse: {path} does not exist; run those groups first")
        old = json.loads(path.read_text(encoding="utf-8"))
        if old.get("counts") != info["counts"]:
            raise SystemExit(
                f"--reuse: {path} was measured on another graph; run those groups again"
            )
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        found[group] = []
        for r in old["records"]:
            if (r.get("group") or ("plain" if r["stack"] == "plain" else None)) != group:
                continue
            r = dict(r)
            r.setdefault("measured", when)
            if "(measured " not in r.get("note", ""):
                r["note"] = (r.get("note", "") + f" (measured {r['measured']})").strip()
            found[group].append(r)
        if not found[group]:
            raise SystemExit(f"--reuse: {path} has no records of {group}")
    return found


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.1f} ms" if value < 1 else f"{value:,.2f} s"


def table(size: str, info: dict, records: list[dict]) -> str:
    counts = info["counts"]
    lines = [
        f"## Size {size}: {counts['cities']:,} cities, {counts['networks']:,} networks, "
        f"{counts['memberships']:,} memberships, {counts['quads']:,} statements",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores with "
        f"`python benchmarks/run.py --size {size}`; peak = peak resident memory of the process "
        "(for a step inside a group: of the process so far).",
        "",
        "| stack | step | time | peak memory | note |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for r in records:
        peak = "—" if r.get("peak_mb") is None else f"{r['peak_mb']:,.0f} MB"
        lines.append(
            f"| {r['stack']} | {r['step']} | {_fmt_seconds(r['seconds'])} | {peak} | "
            f"{r.get('note', '')} |"
        )
    compared = comparison(records)
    if len(compared) > 2:  # more than the header: some step was measured on both stacks
        lines += ["", *compared]
    return "\n".join(lines) + "\n"


def _find(records: list[dict], stack: str, prefix: str) -> dict | None:
    return next((r for r in records if r["stack"] == stack and r["step"].startswith(prefix)), None)


def comparison(records: list[dict]) -> list[str]:
    """Plain stack against citygraph, step by step, and the whole build."""
    pairs = [
        ("load", "load (rdflib", "load (Oxigraph, memory)"),
        ("validate (SHACL)", "validate (pyshacl)", "validate: SHACL shapes"),
        ("export Turtle", "export turtle", "export: turtle"),
        ("co-membership analysis", "analysis (networkx", "analysis: summary"),
    ]
    lines = [
        "| step | plain stack | citygraph | plain / citygraph |",
        "| --- | ---: | ---: | ---: |",
    ]
    plain_total = 0.0
    plain_complete = True
    for label, plain_prefix, cg_prefix in pairs:
        plain, ours = _find(records, "plain", plain_prefix), _find(records, "citygraph", cg_prefix)
        if plain is None or ours is None:
            if plain is None and label != "co-membership analysis":
                plain_complete = False  # a part of the plain build is missing: a lower bound
            continue
        p, c = plain["seconds"], ours["seconds"]
        if p is None:
            # the build's plain total is load + validate + Turtle: the analysis does not count
            plain_complete = plain_complete and label == "co-membership analysis"
            note = plain.get("note") or "not run"
            ratio = (
                f"> {float(note.split()[2]) / c:,.0f}x" if "stopped after" in note and c else "—"
            )
            lines.append(f"| {label} | {note} | {_fmt_seconds(c)} | {ratio} |")
            if "stopped after" in note and label != "co-membership analysis":
                plain_total += float(note.split()[2])
            continue
        if label != "co-membership analysis":
            plain_total += p
        ratio = f"{p / c:,.1f}x" if c else "—"
        lines.append(f"| {label} | {_fmt_seconds(p)} | {_fmt_seconds(c)} | {ratio} |")
    build = _find(records, "citygraph", "build (whole process")
    if build and build["seconds"] and not any(r["stack"] == "plain" for r in records):
        lines.append(  # (at L the plain stack is not run: no "at least 0 s" against it)
            f"| **build** (citygraph: the whole `citygraph build`, every format) | not run at "
            f"this size | {_fmt_seconds(build['seconds'])} | — |"
        )
    elif build and build["seconds"]:
        sign = "" if plain_complete else "at least "
        lines.append(
            f"| **build** (load + validate + Turtle; citygraph: the whole `citygraph build`, "
            f"every format) | {sign}{_fmt_seconds(plain_total)} | {_fmt_seconds(build['seconds'])} "
            f"| {sign}{plain_total / build['seconds']:,.1f}x |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("S", "M", "L"), default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "citygraph-bench"))
    parser.add_argument(
        "--plain-timeout",
        type=float,
        default=300.0,
        help="seconds after which a plain-stack step is stopped (default 300)",
    )
    parser.add_argument(
        "--plain-clock",
        choices=("wall", "cpu"),
        default="wall",
        help="time the plain stack's steps by wall clock (default) or by the CPU time of its "
        "single-threaded process: the same on a quiet machine, and unaffected by other work "
        "running meanwhile",
    )
    parser.add_argument("--runs", type=int, default=5, help="warm runs per catalogue query")
    parser.add_argument("--query-timeout", type=float, default=300.0)
    parser.add_argument("--analysis-timeout", type=float, default=300.0)
    parser.add_argument(
        "--skip-query",
        dest="skip_queries",
        action="append",
        default=[],
        help="leave a catalogue query out (repeatable)",
    )
    parser.add_argument("--groups", default="plain,build,validate,export,store,queries,analysis")
    parser.add_argument(
        "--reuse",
        default="",
        help="comma-separated groups whose records are taken from the last results file of this "
        "size instead of being measured again (e.g. plain: the plain stack does not change when "
        "citygraph does), or GROUP=FILE to take them from another results file; each such record "
        "says when it was measured",
    )
    parser.add_argument("--shapes", type=Path, default=HERE.parent / "ontology" / "shapes.ttl")
    parser.add_argument("--group", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.group:
        GROUPS[args.group](args)
        return 0
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"{args.size.lower()}-seed{args.seed}.nq"
    sys.path.insert(0, str(HERE))
    import generate

    if not data.exists() or not generate.sidecar_path(data).exists():
        generate.generate(args.size, args.seed, data, violations=False)
    info = json.loads(generate.sidecar_path(data).read_text())
    reused = _reused(args.size, info, [g for g in args.reuse.split(",") if g])
    records: list[dict] = []
    for name in args.groups.split(","):
        if name in reused:
            records += reused[name]
            continue
        for r in _run_group(name, args, data):
            r["group"] = name
            if _on_disk(args) and name in ("build", "validate", "export"):
                # in memory at the other sizes (plot.py marks the change); the build's own
                # record says where the command kept the graph
                r.setdefault("on_disk", True)
            records.append(r)
    text = table(args.size, info, records)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.size}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"{args.size}.json").write_text(
        json.dumps({"size": args.size, "counts": info["counts"], "records": records}, indent=1),
        encoding="utf-8",
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
