"""`citygraph build` and `citygraph validate`: the happy path, and every kind of bad input.

Each bad input must give one clear message naming the file and line (or the entity), a non-zero
exit code, no traceback, and nothing written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citygraph import resources
from citygraph.cli import main

PREFIXES = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix schema: <https://schema.org/> .
@prefix cg: <https://w3id.org/citygraph/ontology#> .
@prefix id: <https://w3id.org/citygraph/id/> .
@prefix src: <https://w3id.org/citygraph/id/source/> .
"""

SOURCE = """src:{slug} a dcterms:BibliographicResource, prov:Entity ;
    dcterms:title "A test source"@en ; dcterms:language "en" ;
    schema:url <https://example.org/{slug}> .
"""


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A working copy of the shipped data that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(resources.data_dir(), target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def write(folder: Path, name: str, body: str, slug: str = "test-source") -> Path:
    path = folder / name
    path.write_text(PREFIXES + SOURCE.format(slug=slug) + body, encoding="utf-8")
    return path


# --- the happy path ----------------------------------------------------------------------------


def test_build_writes_distribution_and_summary(tmp_path, capsys):
    code, out, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert code == 0, err
    assert (tmp_path / "dist" / "citygraph.ttl").stat().st_size > 0
    assert (tmp_path / "dist" / "citygraph.trig").stat().st_size > 0
    assert "validation: conforms" in err
    # The four cities of the page plus those the research facts add are all counted.
    assert "cg:City" in err and "org:Membership" in err


def test_validate_shipped_data_conforms(capsys):
    code, out, err = run(capsys, "validate", "--no-warnings")
    assert code == 0, out
    assert "validation: conforms (0 violations" in out


def test_the_shipped_data_conforms_on_the_reference_engine_too(capsys):
    code, out, err = run(capsys, "validate", "--engine", "rdflib")
    assert code == 0, out
    assert "validation: conforms" in out


def test_an_ill_typed_literal_read_by_rdflib_is_reported_without_a_trace():
    # in a process of its own: in the tests' process, pytest takes what rdflib logs
    bad = Path(__file__).parent / "data" / "invalid" / "charter-date-does-not-exist.ttl"
    argv = ["validate", "--engine", "rdflib", str(bad)]
    script = f"import sys\nfrom citygraph.cli import main\nsys.exit(main({argv!r}))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert '"1997-02-30" is not a valid xsd:date' in done.stdout
    assert done.stderr == ""


def test_validate_turtle_report_is_a_shacl_report(capsys):
    from rdflib import Graph
    from rdflib.namespace import SH

    code, out, _ = run(capsys, "validate", "--format", "turtle")
    assert code == 0
    report = Graph().parse(data=out, format="turtle")
    assert (None, SH.conforms, None) in report


def test_blank_nodes_are_named_the_same_in_every_report(capsys):
    # (each parse gave them new random labels: the report changed from run to run)
    invalid = Path(__file__).parent / "data" / "invalid"
    files = [str(invalid / "membership-blank-node.ttl"), str(invalid / "city-blank-node.ttl")]
    reports = []
    for _ in range(2):
        code, out, _ = run(capsys, "validate", *files)
        assert code == 1
        reports.append(out)
    assert reports[0] == reports[1]
    assert reports[0].startswith("_:b1 (a blank node)\n  Violation: Name every city with an IRI")
    assert "\n_:b2 (a blank node)\n  Violation: Name every membership with an IRI" in reports[0]
    assert "value: _:b2" in reports[0]


def test_a_quality_query_result_in_the_shacl_report_names_its_query_and_value(capsys):
    # (it had neither: a SHACL consumer could not tell which check found it, nor the value)
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import SH, XSD

    bad = Path(__file__).parent / "data" / "invalid" / "charter-date-does-not-exist.ttl"
    code, out, _ = run(capsys, "validate", "--format", "turtle", str(bad))
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    query = URIRef("https://w3id.org/citygraph/qc/invalid-date-violation")
    (result,) = report.subjects(SH.sourceConstraint, query)
    assert report.value(result, SH.focusNode) == URIRef(
        "https://w3id.org/citygraph/id/charter-lyon-marseille"
    )
    assert report.value(result, SH.value) == Literal("1997-02-30", datatype=XSD.date)
    assert report.value(result, SH.resultPath) == URIRef("https://schema.org/foundingDate")


# --- bad input ---------------------------------------------------------------------------------


def test_turtle_syntax_error_names_file_line_and_column(data_copy, tmp_path, capsys):
    write(data_copy, "broken.ttl", "id:x a cg:City \nid:y a cg:City .\n")
    dist = tmp_path / "dist"
    code, out, err = run(capsys, "build", "--data", str(data_copy), "-o", str(dist))
    assert code == 1
    # the statement on line 13 lacks its final dot; the parser notices at the next line
    assert "data/broken.ttl:14:1: A dot is expected at the end of statements" in err
    assert not dist.exists()


def test_undefined_prefix_names_file_and_line(data_copy, capsys):
    write(data_copy, "prefix.ttl", "id:x a nope:City .\n")
    code, _, err = run(capsys, "validate", "--data", str(data_copy))
    assert code == 1
    assert "data/prefix.ttl:13:8: The prefix nope: has not been declared" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "validate", str(tmp_path / "nowhere.ttl"))
    assert code == 1
    assert f"{tmp_path / 'nowhere.ttl'}: no such file" in err


def test_unreadable_file(tmp_path, capsys):
    if os.getuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "secret.ttl"
    path.write_text("", encoding="utf-8")
    path.chmod(0)
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1 and "cannot be read" in err


def test_file_that_is_not_utf8(data_copy, capsys):
    path = data_copy / "latin1.ttl"
    path.write_bytes((PREFIXES + 'id:x rdfs:label "Gênes"@fr .\n').encode("latin-1"))
    code, _, err = run(capsys, "validate", "--data", str(data_copy))
    assert code == 1
    assert "data/latin1.ttl:10: not UTF-8 (byte 0xea at offset" in err
    assert "save the file as UTF-8" in err


@pytest.mark.parametrize("overlap", [None, "fork", "thread"])
def test_date_that_does_not_exist(data_copy, tmp_path, capsys, monkeypatch, overlap):
    """Also with the builds of large graphs (checks in a forked process, or in a thread on a
    temporary on-disk store, while the files are written): the same report, nothing written,
    no staging folder and no store left."""
    if overlap:
        from citygraph import export

        monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    if overlap == "thread":
        from citygraph.commands import build as build_command

        monkeypatch.setattr(build_command, "IN_MEMORY_STATEMENTS", 0)
    write(
        data_copy,
        "bad-date.ttl",
        'id:charter-lyon-marseille schema:foundingDate "1997-02-30"^^xsd:date ;\n'
        "    dcterms:source src:test-source .\n",
    )
    dist = tmp_path / "dist"
    code, _, err = run(capsys, "build", "--data", str(data_copy), "-o", str(dist))
    assert code == 1
    assert "id:charter-lyon-marseille" in err
    assert '"1997-02-30" is not a valid xsd:date' in err
    assert not dist.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_link_to_undefined_resource(data_copy, capsys):
    write(
        data_copy,
        "dangling.ttl",
        "id:marseille schema:location id:atlantis ;\n    dcterms:source src:test-source .\n",
    )
    code, out, _ = run(capsys, "validate", "--data", str(data_copy))
    assert code == 1
    assert "links to https://w3id.org/citygraph/id/atlantis, which no data file defines" in out


def test_incompatible_classes_in_two_files(data_copy, capsys):
    # Lyon is a city in the page's files; this file says it is a network.
    write(
        data_copy,
        "clash.ttl",
        "id:lyon a org:FormalOrganization ;\n    dcterms:source src:test-source .\n",
    )
    code, out, _ = run(capsys, "validate", "--data", str(data_copy))
    assert code == 1
    assert "id:lyon" in out
    assert "data/clash.ttl" in out and "data/marseille-reseaux-de-villes/" in out
    assert "one IRI cannot be both" in out


def test_violation_leaves_existing_dist_untouched(data_copy, tmp_path, capsys):
    dist = tmp_path / "dist"
    assert run(capsys, "build", "--data", str(data_copy), "-o", str(dist))[0] == 0
    before = {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    write(data_copy, "bad.ttl", "id:nowhere-city a cg:City ; dcterms:source src:test-source .\n")
    assert run(capsys, "build", "--data", str(data_copy), "-o", str(dist))[0] == 1
    assert {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()} == before


def _build_killed_while_writing(
    target: Path,
    *,
    on_disk: bool = False,
    overlapped: bool = False,
    slow_checks: bool = False,
    signal_name: str = "SIGTERM",
) -> subprocess.CompletedProcess:
    """`citygraph build -o target` in a process of its own that receives SIGTERM (`kill`, a CI
    job's timeout), or ``signal_name``, as the exports start being written (in a process of its
    own: without the command's handler, the signal would end the tests)."""
    script = (
        "import os, signal, sys\n"
        "from citygraph import export\n"
        "from citygraph.cli import main\n"
        "from citygraph.commands import build\n"
        + (  # on disk by itself: too large for the memory available
            "build.IN_MEMORY_STATEMENTS = 0\nbuild.available_memory = lambda: 0\n"
            "build.group_memory = lambda: None\n"
            if on_disk
            else ""
        )
        + ("export.PARALLEL_THRESHOLD = 0\n" if overlapped else "")  # checks beside the exports
        + (  # checks still running when the signal comes
            "import time\nfrom citygraph.graph import KnowledgeGraph\n"
            "KnowledgeGraph.validate = lambda *_, **__: time.sleep(60)\n"
            if slow_checks
            else ""
        )
        + "export.Distribution.write = (\n"
        f"    lambda self, *_, **__: os.kill(os.getpid(), signal.{signal_name}))\n"
        + f"sys.exit(main(['build', '-o', {str(target)!r}]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("overlapped", [False, True], ids=["serial", "overlapped"])
def test_a_build_stopped_by_sigterm_leaves_nothing_behind(tmp_path, overlapped):
    """The staging folder goes, the target is not made, the command says so and exits 143
    (128 + SIGTERM). Overlapped, the forked checks and render workers end with it."""
    done = _build_killed_while_writing(tmp_path / "dist", overlapped=overlapped)
    assert (done.returncode, done.stdout) == (143, ""), done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        "citygraph build: stopped (SIGTERM); no output was written"
    )
    assert list(tmp_path.iterdir()) == []  # no target, no hidden staging folder


@pytest.mark.parametrize("overlapped", [False, True], ids=["serial", "checks-in-a-thread"])
def test_a_large_build_stopped_by_sigterm_deletes_its_temporary_store(tmp_path, overlapped):
    """Also when a thread is still running the checks on that store: it is not waited for."""
    import time

    started = time.monotonic()
    done = _build_killed_while_writing(
        tmp_path / "dist", on_disk=True, overlapped=overlapped, slow_checks=overlapped
    )
    assert time.monotonic() - started < 40  # not the minute the checks would still take
    assert done.returncode == 143, done.stderr
    assert "building on disk" in done.stderr  # it did make a temporary store
    assert list(tmp_path.iterdir()) == []  # neither that store nor a stage is left


def test_what_a_killed_build_left_is_removed_by_the_next_one(tmp_path, capsys, caplog, large):
    """SIGKILL (the kernel out of memory, a hard timeout) runs no handler: the build's staging
    folder and its temporary store stay. The next build beside them removes them, says so,
    and builds as usual; a folder of a build still running is not touched."""
    import logging
    import re

    from citygraph.atomic import scratch_folder

    done = _build_killed_while_writing(tmp_path / "dist", on_disk=True, signal_name="SIGKILL")
    assert done.returncode == -9, done.stderr
    left = sorted(tmp_path.iterdir())
    # each named after the killed process: the machine, its id, its start time, a random part
    names = [
        re.fullmatch(r"(\.dist\.|\.citygraph-build-store-)[0-9a-f]{8}-(\d+)-\d+-\w+", p.name)
        for p in left
    ]
    assert all(names) and len(names) == 2, left
    assert {m.group(1) for m in names} == {".dist.", ".citygraph-build-store-"}
    (killed,) = {m.group(2) for m in names}
    running = scratch_folder(tmp_path, ".dist.")  # this process's, as another build's would be
    with caplog.at_level(logging.WARNING, logger="citygraph"):
        code, _, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dist", running.name])
    assert sorted(caplog.messages) == [
        f"removed {path}: left by an earlier run that was killed (process {killed} no longer runs)"
        for path in left
    ]


def test_a_program_that_handles_sigterm_keeps_its_handler(tmp_path, capsys):
    import signal

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        assert run(capsys, "build", "-o", str(tmp_path / "dist"))[0] == 0
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert run(capsys, "build", "-o", str(tmp_path / "dist"))[0] == 0
    assert signal.getsignal(signal.SIGTERM) is previous  # set while it ran, then put back


def test_missing_data_folder(tmp_path, capsys):
    code, _, err = run(capsys, "validate", "--data", str(tmp_path / "none"))
    assert code == 1 and "no such data folder" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--no-such-option"])
    assert exit_.value.code == 2


def test_help_is_fast_to_import():
    """--help must not import rdflib, pyshacl, networkx or matplotlib (issue 2: < 0.3 s)."""
    code = (
        "import sys; from citygraph.cli import parser; parser().format_help(); "
        "heavy = [m for m in ('rdflib', 'pyshacl', 'networkx', 'matplotlib', 'pyoxigraph') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_file_outside_data_is_filed_under_the_source_it_describes(tmp_path, capsys):
    """`validate FILE` / `--with FILE`: the statements go to the named graph of the one source the
    file describes (not to a graph named after the file), so the quality queries that tie a graph
    to its source hold for contributed files too."""
    path = tmp_path / "my-notes.ttl"
    path.write_text(
        PREFIXES
        + SOURCE.format(slug="field-survey-2026")
        + 'id:nice a cg:City, schema:City ; rdfs:label "Nice"@fr, "Nice"@en ;\n'
        + '    schema:addressCountry "FR" ; dcterms:source src:field-survey-2026 .\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "validate", "--no-warnings", str(path))
    assert code == 0, out

    import citygraph

    kg = citygraph.load(None, path)
    assert "https://w3id.org/citygraph/graph/field-survey-2026" in kg.engine.graphs()
    assert "https://w3id.org/citygraph/graph/my-notes" not in kg.engine.graphs()


# --- the overlapped build of large graphs ------------------------------------------------------


@pytest.fixture
def overlapped(monkeypatch):
    """Make the shipped data count as large: checks in a forked process, RDF formats rendered
    by forked workers, as `citygraph build` does above export.PARALLEL_THRESHOLD statements."""
    from citygraph import export

    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_overlapped_build_writes_the_same_bytes(tmp_path, capsys, monkeypatch):
    serial = tmp_path / "serial"
    code, _, serial_err = run(capsys, "build", "-o", str(serial))
    assert code == 0
    from citygraph import export

    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    seen = _spy_on_overlap(monkeypatch)
    overlapped = tmp_path / "overlapped"
    code, _, err = run(capsys, "build", "-o", str(overlapped))
    assert code == 0
    assert seen == ["fork"]
    assert _files(overlapped) == _files(serial)
    assert err.replace(str(overlapped), str(serial)) == serial_err  # the same summary


def _build_of_graphs_only(nquads: Path, folder: Path) -> list[str]:
    """The arguments of a build of an N-Quads export's named graphs alone, as generated (the
    export's default graph, each graph's provenance, would be statements of the file's own,
    whose union a load makes at once): from no data but that file."""
    import pyoxigraph as ox

    quads = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    graphs = [q for q in quads if q.graph_name != ox.DefaultGraph()]
    (folder / "graphs.nq").write_bytes(ox.serialize(graphs, format=ox.RdfFormat.N_QUADS))
    empty = folder / "empty"
    empty.mkdir()
    return ["build", "--data", str(empty), "--with", str(folder / "graphs.nq")]


def test_an_overlapped_build_of_a_file_of_many_graphs_writes_the_same_bytes(
    tmp_path, capsys, monkeypatch
):
    """One N-Quads file of many graphs (the path of the large generated graphs: one bulk load
    into memory, which leaves the union of every graph to be made), built serially and
    overlapped: the same files. Overlapped, the union is made by the checks' process only:
    the snapshot, the tables and the counts read the sources' graphs."""
    from citygraph import export
    from citygraph import graph as graph_module
    from citygraph.engine import OxigraphEngine

    source = tmp_path / "source"
    assert run(capsys, "build", "-o", str(source))[0] == 0
    args = _build_of_graphs_only(source / "citygraph.nq", tmp_path)

    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)  # bulk-loaded, as at M and L
    made: list[int] = []  # the processes that made the union
    real = OxigraphEngine._merge_into_union

    def spy(self, graph):
        made.append(os.getpid())
        return real(self, graph)

    monkeypatch.setattr(OxigraphEngine, "_merge_into_union", spy)
    serial = tmp_path / "serial"
    code, _, serial_err = run(capsys, *args, "-o", str(serial))
    assert code == 0, serial_err
    assert made == [os.getpid()]  # by the checks, here
    made.clear()
    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    overlapped = tmp_path / "overlapped"
    code, _, err = run(capsys, *args, "-o", str(overlapped))
    assert code == 0, err
    assert made == []  # not in this process (the forked one has its own list)
    assert _files(overlapped) == _files(serial)
    assert err.replace(str(overlapped), str(serial)) == serial_err  # the same summary
    assert "validation: conforms (0 violations, 86 warnings)" in err
    assert (serial / "citygraph.nq").read_bytes() == (source / "citygraph.nq").read_bytes()


def test_a_killed_check_worker_is_redone_here(tmp_path, capsys, monkeypatch, overlapped):
    """If the checks' process dies (out of memory), the build checks in its own process."""
    from citygraph import build as build_module

    monkeypatch.setattr(build_module, "_validate_shared", _die)
    dist = tmp_path / "dist"
    code, _, err = run(capsys, "build", "-o", str(dist))
    assert code == 0
    assert "validation: conforms (0 violations, 86 warnings)" in err
    assert (dist / "citygraph.ttl").is_file()


def _die(validator: str) -> None:
    os._exit(1)


def test_a_failing_build_stops_its_workers_and_leaves_nothing(tmp_path, monkeypatch, overlapped):
    """A failure in the main process while the forked workers still run: they are ended, the
    error comes out, and neither the output folder nor a staging folder is left."""
    import multiprocessing
    import time

    import citygraph
    from citygraph import build as build_module
    from citygraph import export

    real_render = export.RENDERERS["jsonld"]

    def slow(snapshot):
        time.sleep(30)  # still running when the main process fails
        return real_render(snapshot)

    def broken(kg):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(export.RENDERERS, "jsonld", slow)
    monkeypatch.setitem(export.STREAMERS, "jsonld", lambda s, _: slow(s))
    monkeypatch.setattr(export, "csv_files", broken)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="disk on fire"):
        build_module.build(citygraph.load(), tmp_path / "dist")
    assert time.monotonic() - started < 20  # the sleeping worker was not waited for
    assert multiprocessing.active_children() == []
    assert list(tmp_path.iterdir()) == []


def test_the_report_names_the_line_without_counting_the_graph(data_copy, capsys, monkeypatch):
    """Each entity of the report is located in its file; the report never counts the graph
    (it did, once per entity, through ``if kg``: hours for 275,000 warnings at 10 M statements),
    and files over the big-file size are not searched line by line."""
    from citygraph import graph as graph_module
    from citygraph.graph import KnowledgeGraph

    def counted(self):
        raise AssertionError("the report counted the graph")

    monkeypatch.setattr(KnowledgeGraph, "__len__", counted)
    write(
        data_copy,
        "dangling.ttl",
        "id:marseille schema:location id:atlantis ;\n    dcterms:source src:test-source .\n",
    )
    code, out, _ = run(capsys, "validate", "--data", str(data_copy), "--no-warnings")
    assert code == 1
    assert "id:marseille  (data/dangling.ttl:13)\n  Violation" in out
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 100)  # every data file is "big" now
    code, out, _ = run(capsys, "validate", "--data", str(data_copy), "--no-warnings")
    assert code == 1
    assert "id:marseille\n  Violation" in out


def _written_forms(iri: str, lines: list[str]) -> list[str]:
    """The ways a file may write ``iri``: ``<IRI>`` and a prefixed name of each prefix it
    declares, found the slow way."""
    forms = [f"<{iri}>"]
    for line in lines:
        match = re.match(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z0-9_.-]*):\s*<([^>]*)>", line, re.I)
        if match and iri.startswith(match.group(2)):
            local = iri[len(match.group(2)) :]
            if local and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local):
                forms.append(f"{match.group(1)}:{local}")
    return forms


def _locate_line_by_line(iri: str, lines: list[str]) -> int | None:
    """Where ``iri`` is described, found the slow way (the reference for the index): the first
    line that starts with it, as a subject; else the first line naming it."""
    forms = _written_forms(iri, lines)
    for number, line in enumerate(lines, 1):
        for form in forms:
            if form.startswith("<") and line.startswith(form):
                return number
            if not form.startswith("<") and re.match(
                rf"(?:[A-Za-z0-9_-]*\.)*{re.escape(form)}(?![A-Za-z0-9_-])", line
            ):
                return number
    return _mentioned_line_by_line(iri, lines)


def _mentioned_line_by_line(iri: str, lines: list[str]) -> int | None:
    """The first line naming ``iri``, found the slow way."""
    forms = _written_forms(iri, lines)
    for number, line in enumerate(lines, 1):
        for form in forms:
            if form.startswith("<"):
                if form in line:
                    return number
            elif re.search(rf"(?<![A-Za-z0-9_:/-]){re.escape(form)}(?![A-Za-z0-9_-])", line):
                return number
    return None


TRICKY = """@prefix id: <https://w3id.org/citygraph/id/> .
@prefix x.y: <http://example.org/> .
PREFIX e: <http://example.org/e/>
id:zeta a <http://example.org/C> .
<https://w3id.org/citygraph/id/alpha> a <http://example.org/C> .
x.id:beta a e:gamma.
id:delta.epsilon a id:eta-theta ; e:x "id:iota" , "<https://w3id.org/citygraph/id/kappa>" .
ab-id:lambda id:mu:nu x.y:pi .
<<https://w3id.org/citygraph/id/rho>> (id:sigma) e:gamma .
@prefix late: <http://example.org/late/> .
late:tau id:mu .
"""


def test_an_entity_is_placed_where_it_is_described_not_where_another_names_it(tmp_path):
    # (a report placed Marseille on another entity's "schema:location id:marseille" line, in
    # the first file in order, not in the file that describes it)
    from citygraph.engine import make_engine
    from citygraph.graph import KnowledgeGraph, SourceFile

    prefix = "@prefix id: <https://w3id.org/citygraph/id/> .\n"
    mentions = tmp_path / "a.ttl"
    mentions.write_text(prefix + "id:ipgr\n    id:seat id:marseille .\n", encoding="utf-8")
    describes = tmp_path / "b.ttl"
    describes.write_text(prefix + "\nid:marseille\n    a id:City .\n", encoding="utf-8")
    files = [SourceFile(mentions, None, "a.ttl"), SourceFile(describes, None, "b.ttl")]
    kg = KnowledgeGraph(make_engine(), files=files)
    assert kg.locate("https://w3id.org/citygraph/id/marseille") == "b.ttl:3"
    assert kg.locate("https://w3id.org/citygraph/id/seat") == "a.ttl:3"  # only ever mentioned


def test_the_index_of_names_finds_the_lines_the_slow_search_finds(tmp_path, generator):
    """Each file is read once into an index of the names it writes; for every IRI it must give
    the line that searching the file line by line gives: prefixed names next to ".", "-", ":"
    or "/", names in strings, nested IRIs, prefixes declared after their use."""
    from citygraph.engine import make_engine
    from citygraph.graph import KnowledgeGraph, SourceFile

    path = tmp_path / "tricky.ttl"
    path.write_text(TRICKY, encoding="utf-8")
    kg = KnowledgeGraph(make_engine(), files=[SourceFile(path, None, "tricky.ttl")])
    names = "zeta alpha beta gamma delta delta.epsilon eta eta-theta iota kappa lambda mu nu pi"
    iris = [f"https://w3id.org/citygraph/id/{n}" for n in (*names.split(), "rho", "sigma")]
    iris += [f"http://example.org/{n}" for n in ("C", "pi", "e/gamma", "e/x", "late/tau")]
    lines = TRICKY.splitlines()
    expected = {iri: _locate_line_by_line(iri, lines) for iri in iris}
    assert {iri: kg.locate(iri) for iri in iris} == {
        iri: f"tricky.ttl:{n}" if n else None for iri, n in expected.items()
    }
    assert expected["https://w3id.org/citygraph/id/beta"] == 6  # x.id:beta holds id:beta
    assert expected["https://w3id.org/citygraph/id/delta"] == 7  # id:delta.epsilon
    assert expected["https://w3id.org/citygraph/id/lambda"] is None  # ab-id:lambda does not
    assert expected["http://example.org/late/tau"] == 11
    # and on a generated graph: every subject of the file
    import re

    generated = tmp_path / "generated.ttl"
    generator.generate("XS", 1, generated, violations=False)
    lines = generated.read_text(encoding="utf-8").splitlines()
    kg = KnowledgeGraph(make_engine(), files=[SourceFile(generated, None, "g.ttl")])
    subjects = sorted({m for line in lines for m in re.findall(r"^(\S+:\S+|<[^>]+>) ", line)})
    prefixes = dict(re.findall(r"^@prefix (\S*): <([^>]*)>", "\n".join(lines), re.M))
    sample = subjects[:: max(1, len(subjects) // 150)]
    for written in sample:
        iri = (
            written[1:-1]
            if written.startswith("<")
            else (prefixes[written.split(":", 1)[0]] + written.split(":", 1)[1])
        )
        n = _locate_line_by_line(iri, lines)
        assert n is not None and kg.locate(iri) == f"g.ttl:{n}", iri


# --- a graph too large for memory is built on disk -----------------------------------------


@pytest.fixture
def large(monkeypatch):
    """Every graph counts as too large for memory: above the 3 million statements always kept
    there, on a machine with no memory available."""
    from citygraph.commands import build as build_command

    monkeypatch.setattr(build_command, "IN_MEMORY_STATEMENTS", 0)
    monkeypatch.setattr(build_command, "available_memory", lambda: 0)
    monkeypatch.setattr(build_command, "group_memory", lambda: None)  # (whatever the machine's)


_TOO_LARGE = (
    "about 0 million statements (in memory it would take about 0.0 GB, and 0.0 GB are "
    "available): building on disk, in "
)


@pytest.mark.parametrize(
    ("available", "where"),
    [
        (10**12, "memory"),
        (2000, "disk: in memory it would take about 0.0 GB, and 0.0 GB are available"),
        (None, "disk: this system does not say how much memory is available"),
    ],
    ids=["room", "no-room", "unknown"],
)
def test_a_graph_over_3_million_statements_is_kept_in_memory_if_it_fits(
    tmp_path, capsys, monkeypatch, available, where
):
    """Above ``IN_MEMORY_STATEMENTS`` the build keeps the graph in memory when 80 % of the
    memory available holds about 800 bytes per statement (the shipped data, about 4,000
    statements estimated: 3.2 MB), else it builds on disk and says why: the same files."""
    from citygraph.commands import build as build_command
    from citygraph.graph import estimated_statements, source_files

    monkeypatch.setattr(build_command, "IN_MEMORY_STATEMENTS", 0)
    monkeypatch.setattr(build_command, "available_memory", lambda: available)
    monkeypatch.setattr(build_command, "group_memory", lambda: None)
    estimate = estimated_statements(source_files(None, []))
    assert 2000 < estimate * 800 <= 0.8 * 10**12
    loaded = []
    real = build_command.load_graph
    monkeypatch.setattr(
        build_command,
        "load_graph",
        lambda args, store=None, **kw: loaded.append(store) or real(args, store, **kw),
    )
    out = tmp_path / "out" / "dist"
    out.parent.mkdir()
    code, _, err = run(capsys, "build", "-o", str(out))
    assert code == 0, err
    if where == "memory":
        assert loaded == [None] and "building on disk" not in err
        assert err.startswith(
            "about 0 million statements (in memory it takes about 0.0 GB, and 1000.0 GB are "
            "available): building in memory (--store PATH builds on disk)\n"
        )
    else:
        why = where.removeprefix("disk: ")
        message = f"about 0 million statements ({why}): building on disk, in {out.parent}/"
        assert err.startswith(message)
        assert loaded[0].parent.parent == out.parent and loaded[0].name == "store"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dist"]  # no store left


def test_the_memory_available_is_read_from_the_system():
    from citygraph.commands.build import available_memory

    available = available_memory()
    if Path("/proc/meminfo").is_file():
        total = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0]) * 1024
        assert 0 < available <= total
    else:
        assert available is None


def test_a_memory_limit_that_leaves_too_little_is_named_and_the_graph_built_on_disk(
    tmp_path, capsys, monkeypatch
):
    """In a container, the host has the memory but the container's limit does not: the build
    goes to disk and says which limit decided it."""
    from citygraph.commands import build as build_command
    from citygraph.machine import GroupMemory

    monkeypatch.setattr(build_command, "IN_MEMORY_STATEMENTS", 0)
    group = GroupMemory(limit=4 * 10**9, used=int(3.9 * 10**9))  # 0.1 GB left of 4 GB
    monkeypatch.setattr(build_command, "available_memory", lambda: group.left)
    monkeypatch.setattr(build_command, "group_memory", lambda: group)
    monkeypatch.setattr(build_command, "BUILD_BYTES_PER_STATEMENT", 10**6)  # 1 MB each
    out = tmp_path / "dist"
    code, _, err = run(capsys, "build", "-o", str(out))
    assert code == 0, err
    assert err.startswith("about 0 million statements (in memory it would take about ")
    assert (
        "GB, and 0.1 GB are available under this process's memory limit of 4.0 GB): "
        f"building on disk, in {tmp_path}/.citygraph-build-store-"
    ) in err.splitlines()[0]


def test_a_large_file_is_built_in_a_temporary_store_without_the_union(
    tmp_path, capsys, large, monkeypatch
):
    """A large N-Quads file (bulk-loaded, as at L) goes into the temporary store without the
    union of its graphs, which the checks and the exports do not need: the same files and
    the same report as in memory."""
    from citygraph import export
    from citygraph import graph as graph_module
    from citygraph.engine import OxigraphEngine

    source = tmp_path / "source"
    assert run(capsys, "build", "-o", str(source))[0] == 0
    args = _build_of_graphs_only(source / "citygraph.nq", tmp_path)
    monkeypatch.setattr(graph_module, "BIG_FILE_BYTES", 1000)
    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)  # the checks in a thread, as at L
    in_memory = tmp_path / "memory"
    code, _, memory_err = run(capsys, *args, "--in-memory", "-o", str(in_memory))
    assert code == 0, memory_err
    opened = []
    real_close = OxigraphEngine.close

    def spy(self):
        if "_store" in self.__dict__:  # (the build closes its graph early, the command again)
            opened.append((self.path, self.read_only, self.union_pending))
        real_close(self)

    monkeypatch.setattr(OxigraphEngine, "close", spy)
    on_disk = tmp_path / "disk"
    code, _, err = run(capsys, *args, "-o", str(on_disk))
    assert code == 0, err
    assert _files(on_disk) == _files(in_memory)
    assert "validation: conforms (0 violations, 86 warnings)" in err
    # the store was loaded, then read: both without the union
    assert [(read_only, pending) for path, read_only, pending in opened if path] == [
        (False, True),
        (True, True),
    ]


def test_a_large_graph_is_built_in_a_temporary_store_with_the_same_bytes(tmp_path, capsys, large):
    from citygraph.engine import OxigraphEngine

    in_memory = tmp_path / "memory"
    assert run(capsys, "build", "--in-memory", "-o", str(in_memory))[0] == 0
    stores = []
    real_close = OxigraphEngine.close

    def spy(self):
        if "_store" in self.__dict__:  # (the build closes its graph early, the command again)
            stores.append((self.path, self.read_only))
        real_close(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(OxigraphEngine, "close", spy)
        on_disk = tmp_path / "disk"
        code, _, err = run(capsys, "build", "-o", str(on_disk))
    assert code == 0
    assert _TOO_LARGE + str(tmp_path / ".citygraph-build") in err
    assert _files(on_disk) == _files(in_memory)
    # the build read an on-disk store, opened read-only, beside the output; it is gone
    (path, read_only), *_ = [(p, ro) for p, ro in stores if p is not None][-1:]
    assert Path(path).parent.parent == tmp_path and read_only is True
    assert Path(path).parent.name.startswith(".citygraph-build-store-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk", "memory"]


def _spy_on_overlap(monkeypatch) -> list[str | None]:
    """How each build runs its checks beside its exports ("fork", "thread" or None)."""
    from citygraph import build as build_module

    seen: list[str | None] = []
    real = build_module._Checks.__init__

    def spy(self, kg, validator, *, how):
        seen.append(how)
        real(self, kg, validator, how=how)

    monkeypatch.setattr(build_module._Checks, "__init__", spy)
    return seen


def _checks_wait_for(monkeypatch, owner: object, name: str, why: str) -> None:
    """The checks, in their thread, wait until ``owner.name`` has been called and has returned
    (which a build that checked first, or did not ask, would never let happen)."""
    import threading

    from citygraph.graph import KnowledgeGraph

    called = threading.Event()
    real, real_validate = getattr(owner, name), KnowledgeGraph.validate

    def calling(*args, **kwargs):
        answer = real(*args, **kwargs)
        called.set()
        return answer

    def checking(self, **options):
        assert threading.current_thread().name == "citygraph-checks"
        assert called.wait(timeout=60), why
        return real_validate(self, **options)

    monkeypatch.setattr(owner, name, calling)
    monkeypatch.setattr(KnowledgeGraph, "validate", checking)


@pytest.mark.parametrize("where", ["disk", "memory-without-fork", "memory-above-the-limit"])
def test_checks_in_a_thread_run_while_the_snapshot_is_taken(
    tmp_path, capsys, monkeypatch, large, where
):
    """On disk (a store is not shared by fork), where processes cannot be forked, or in memory
    above ``PARALLEL_LIMIT`` statements (a forked process and this one would hold two copies
    of the store between them), a large build checks the graph in a thread while it takes the
    snapshot and writes the tables: the checks here wait until the snapshot has been taken,
    which a build that checked first would never do. The same files as the serial build in
    memory."""
    from citygraph import export

    serial = tmp_path / "serial"
    assert run(capsys, "build", "--in-memory", "-o", str(serial))[0] == 0
    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    if where == "memory-without-fork":
        monkeypatch.setattr(export, "can_fork", lambda: False)
    if where == "memory-above-the-limit":
        monkeypatch.setattr(export, "PARALLEL_LIMIT", 0)
    _checks_wait_for(monkeypatch, export.Snapshot, "of", "the exports waited for the checks")
    seen = _spy_on_overlap(monkeypatch)
    overlapped = tmp_path / "overlapped"
    args = ["build", "-o", str(overlapped)]
    code, _, err = run(capsys, *(args + ["--in-memory"] if where != "disk" else args))
    assert code == 0, err
    assert seen == ["thread"]
    assert "validation: conforms (0 violations, 86 warnings)" in err
    assert _files(overlapped) == _files(serial)


def test_checks_in_a_thread_that_fail_stop_the_build_before_any_rdf_is_rendered(
    data_copy, tmp_path, capsys, monkeypatch, large
):
    """The tables are written while the checks run, but where the RDF formats are rendered here,
    one after another (a graph too large for forked writers, as at L: the build's peak of
    memory), only once the checks pass: here they never start, and nothing is left."""
    from citygraph import export

    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(export, "PARALLEL_LIMIT", 0)
    rendered: list[str] = []
    real_render = export.render_file

    def render(folder, fmt, snapshot):
        rendered.append(fmt)
        return real_render(folder, fmt, snapshot)

    monkeypatch.setattr(export, "render_file", render)
    seen = _spy_on_overlap(monkeypatch)
    write(data_copy, "bad.ttl", "id:nowhere-city a cg:City ; dcterms:source src:test-source .\n")
    dist = tmp_path / "out" / "dist"
    code, _, err = run(capsys, "build", "--data", str(data_copy), "-o", str(dist))
    assert (code, seen, rendered) == (1, ["thread"], [])
    assert "the data does not conform; nothing was written" in err
    assert "id:nowhere-city" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_an_error_in_the_checks_thread_is_the_builds_error(tmp_path, capsys, monkeypatch, large):
    """What stops the checks in their thread stops the build with its own message."""
    from citygraph import export
    from citygraph.errors import DataError
    from citygraph.graph import KnowledgeGraph

    def failing(self, **options):
        raise DataError("shapes.ttl: the shapes graph is broken")

    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(KnowledgeGraph, "validate", failing)
    dist = tmp_path / "out" / "dist"
    code, out, err = run(capsys, "build", "-o", str(dist))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == "citygraph build: shapes.ttl: the shapes graph is broken"
    assert "Traceback" not in err
    assert list((tmp_path / "out").iterdir()) == []


def test_in_memory_or_a_store_given_keeps_the_graph_where_it_is_asked(tmp_path, capsys, large):
    code, _, err = run(capsys, "build", "--in-memory", "-o", str(tmp_path / "dist"))
    assert code == 0 and "building on disk" not in err
    store = tmp_path / "store"
    code, _, err = run(capsys, "build", "--store", str(store), "-o", str(tmp_path / "dist2"))
    assert code == 0 and "building on disk" not in err
    assert (store / "citygraph-store.json").is_file()  # the store asked for stays


def test_in_memory_and_a_store_together_are_a_usage_error(tmp_path, capsys):
    code, _, err = run(
        capsys, "build", "--in-memory", "--store", str(tmp_path / "s"), "-o", str(tmp_path / "d")
    )
    assert code == 2
    assert err == (
        "citygraph build: --in-memory and --store ask for two places to keep the graph: give one\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_failing_large_build_leaves_no_store_behind(data_copy, tmp_path, capsys, large):
    write(data_copy, "bad.ttl", "id:nowhere-city a cg:City ; dcterms:source src:test-source .\n")
    dist = tmp_path / "out" / "dist"
    code, _, err = run(capsys, "build", "--data", str(data_copy), "-o", str(dist))
    assert code == 1 and "id:nowhere-city" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_no_room_for_the_temporary_store_is_a_usage_error(tmp_path, capsys, large):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    code, _, err = run(capsys, "build", "-o", str(blocker / "sub" / "dist"))
    assert code == 2
    assert err.startswith(f"citygraph build: {blocker / 'sub'}: cannot make a temporary store")
    assert "hint: give --store PATH in a folder you can write to, or --in-memory" in err


def test_the_estimate_of_statements_reads_the_sizes_by_format(tmp_path):
    from citygraph.graph import estimated_statements, extra_file

    sizes = {"a.nq": 195_000, "b.ttl": 39_000, "c.rdf": 8_100, "d.nt": 1_450, "e.xyz": 400}
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
    files = [extra_file(tmp_path / name) for name in sizes]
    missing = extra_file(tmp_path / "missing.nq")
    # 1,000 + 1,000 + 100 + 10 + 10 (an unknown suffix is read as Turtle); a missing file: 0
    assert estimated_statements([*files, missing]) == 2_120


# --- at a terminal, the build says which stage it is in -----------------------------------


def _at_a_terminal(monkeypatch) -> None:
    """Standard error is a terminal: capsys's stand-in says so (set in the test itself, since
    pytest gives the test another stand-in than its fixtures saw)."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


def test_at_a_terminal_the_build_names_each_stage_as_it_starts(tmp_path, capsys, monkeypatch):
    _at_a_terminal(monkeypatch)
    code, _, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert code == 0
    lines = err.splitlines()
    assert lines[:2] == [
        "checking the graph: SHACL shapes and quality queries",
        "writing the exports",
    ]
    assert lines[2] == "entities by class:"  # then the summary, as without a terminal


def test_at_a_terminal_an_overlapped_build_says_both_run_at_once(tmp_path, capsys, monkeypatch):
    from citygraph import export

    _at_a_terminal(monkeypatch)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "PARALLEL_THRESHOLD", 0)
        code, _, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert code == 0
    lines = err.splitlines()
    assert lines[: lines.index("entities by class:")] == [
        "checking the graph while the exports are written",
        "taking the snapshot of the graph for the exports",
        "writing the CSV tables",
        *([] if "waiting for the checks" not in lines else ["waiting for the checks"]),
        "the checks passed",
        "waiting for the RDF files",  # the forked workers write them
        "writing catalog.ttl and SHA256SUMS",
    ]


@pytest.mark.parametrize("second", [True, False], ids=["second-process", "no-second-process"])
def test_at_a_terminal_a_large_build_on_disk_names_each_stage(
    tmp_path, capsys, monkeypatch, large, second
):
    """At 10 M statements the stages after the load take minutes each: the build says which
    one it is in, and that it waits for the checks (here they are made to wait until it asks
    whether they are done, so that it must), then each RDF file as it writes it: three in a
    second process while this one writes the others, or, where no second Python can be
    started, all of them here."""
    import sys

    from citygraph import build as build_module
    from citygraph import export

    _at_a_terminal(monkeypatch)
    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(export, "PARALLEL_LIMIT", 0)  # too large for forked writers, as at L
    if not second:
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    _checks_wait_for(monkeypatch, build_module._Checks, "done", "the build never asked")
    code, _, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0].startswith(_TOO_LARGE)
    here = ["writing citygraph.trig", "writing citygraph.nq", "writing citygraph.nt"]
    beside = ["writing citygraph.rdf", "writing citygraph.jsonld", "writing citygraph.ttl"]
    rendering = (
        [
            "writing citygraph.rdf, citygraph.jsonld and citygraph.ttl in a second process",
            *here,
            "waiting for the second process",
        ]
        if second
        else [*here, *beside]
    )
    assert lines[1 : lines.index("entities by class:")] == [
        "checking the graph while the exports are written",
        "writing the CSV tables",
        "taking the snapshot of the graph for the exports",
        "waiting for the checks",
        "the checks passed",
        "putting the union in reading order",
        *rendering,
        "writing catalog.ttl and SHA256SUMS",
    ]


def test_a_build_that_fails_its_checks_does_not_start_the_exports(
    data_copy, tmp_path, capsys, monkeypatch
):
    from citygraph import export

    _at_a_terminal(monkeypatch)
    write(data_copy, "bad.ttl", "id:nowhere-city a cg:City ; dcterms:source src:test-source .\n")
    taken = []
    real = export.Snapshot.of
    monkeypatch.setattr(export.Snapshot, "of", lambda kg: taken.append(1) or real(kg))
    code, _, err = run(capsys, "build", "--data", str(data_copy), "-o", str(tmp_path / "dist"))
    assert code == 1
    assert err.splitlines()[0] == "checking the graph: SHACL shapes and quality queries"
    assert "writing the exports" not in err and taken == []  # no snapshot taken for nothing


def test_findings_that_differ_only_in_a_missing_value_sort():
    """Two results of one shape on one entity, one naming a value and one not (a minimum count
    and a wrong value, say): the report sorts them, the one without a value first. (Comparing
    None with a string raised a TypeError and stopped the validation.)"""
    from citygraph.validate import Finding

    with_value = Finding("id:x", "Violation", "wrong", path="schema:value", value="166")
    without = Finding("id:x", "Violation", "wrong", path="schema:value")
    assert sorted([with_value, without]) == [without, with_value]
    assert sorted({with_value, without}, key=Finding._sort_key) == [without, with_value]


# --- what the machine refuses: a full disk, no memory, and our own bugs ------------------


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (28, "no space left on the disk (writing {path})"),  # ENOSPC
        (122, "over the disk quota (writing {path})"),  # EDQUOT (Linux)
    ],
    ids=["full", "quota"],
)
def test_a_full_disk_is_named_as_such_and_leaves_nothing(tmp_path, capsys, monkeypatch, code, said):
    """Not an "internal error" to report: the disk is full. The staging folder goes (which
    frees what it took), the target is not made, and the message says what to do."""
    import errno

    from citygraph import export

    if code == 122 and errno.EDQUOT != 122:
        pytest.skip("EDQUOT has another number here")
    real = export.put

    def put(folder, name, data):
        if name == "citygraph.ttl":
            raise OSError(code, os.strerror(code), str(folder / name))
        return real(folder, name, data)

    monkeypatch.setattr(export, "put", put)
    status, out, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert (status, out) == (1, "")
    (line,) = [m for m in err.splitlines() if m.startswith("citygraph build:")]
    staged = line.split("(writing ")[1].split(")")[0]
    assert line == (
        f"citygraph build: {said.format(path=staged)}; nothing was written. Free some space, "
        "or write elsewhere (-o, --store; the exports of 10 M statements take 6 GB)"
    )
    assert staged.endswith("/citygraph.ttl") and Path(staged).parent.parent == tmp_path
    assert list(tmp_path.iterdir()) == []  # no target, no staging folder

    # another command, whose write fails without a file name: no word of the build's sizes
    class Full:
        def __init__(self, descriptor, mode):
            self.descriptor = descriptor

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            os.close(self.descriptor)

        def write(self, data):
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fdopen", Full)  # (atomic.write_bytes writes through it)
    status, out, err = run(capsys, "export", "--format", "turtle", "-o", str(tmp_path / "g.ttl"))
    assert (status, out, list(tmp_path.iterdir())) == (1, "", [])
    assert err.splitlines()[-1] == (
        f"citygraph export: {said.removesuffix(' (writing {path})')}; nothing was written. "
        "Free some space, or write elsewhere"
    )


def _build_failing_with(error: BaseException, tmp_path, capsys, monkeypatch) -> str:
    """`citygraph build` whose CSV tables raise ``error``: exit 1, nothing on standard output
    and nothing left beside the target; the last line it said."""
    from citygraph import export

    def broken(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(export, "csv_files", broken)
    status, out, err = run(capsys, "build", "-o", str(tmp_path / "dist"))
    assert (status, out) == (1, "")
    assert list(tmp_path.iterdir()) == []
    return err.splitlines()[-1]


def test_running_out_of_memory_says_what_to_do(tmp_path, capsys, monkeypatch):
    assert _build_failing_with(MemoryError(), tmp_path, capsys, monkeypatch) == (
        "citygraph build: ran out of memory; nothing was written "
        "(use --store PATH for a large graph, or a machine with more memory)"
    )


@pytest.mark.parametrize(
    "error",
    [RuntimeError("a bug"), OSError(5, "Input/output error")],
    ids=["bug", "other-os-error"],
)
def test_an_internal_error_is_one_line_and_its_trace_is_there_on_request(
    tmp_path, capsys, monkeypatch, error
):
    """Any other error (an OSError that is not a full disk included) is ours to fix: one
    line that says so, exit 1, nothing written; with CITYGRAPH_DEBUG=1 the exception itself."""
    assert _build_failing_with(error, tmp_path, capsys, monkeypatch) == (
        f"citygraph build: internal error ({type(error).__name__}: {error}); nothing was "
        "written. Run again with CITYGRAPH_DEBUG=1 to see the trace; report it."
    )
    monkeypatch.setenv("CITYGRAPH_DEBUG", "1")
    with pytest.raises(type(error)) as raised:
        main(["build", "-o", str(tmp_path / "dist")])
    assert raised.value is error
    assert list(tmp_path.iterdir()) == []


def test_the_quality_queries_left_when_the_shapes_are_done_are_taken_by_their_thread(
    kg, monkeypatch
):
    """The quality queries run in a thread beside the shapes; once the shapes are done, the
    shapes' thread takes the queries that no other has taken yet. Here the shapes end only
    once the other thread has begun its first query, which waits until the shapes' thread has
    taken one: both take some, each query is run once, and the report holds every finding."""
    import threading

    from citygraph import validate as validate_module

    real = validate_module._quality_findings
    worker_began, shapes_thread_took = threading.Event(), threading.Event()
    taken: list[tuple[str, str]] = []
    main_thread = threading.current_thread()

    def quality_findings(graph, path):
        here = threading.current_thread()
        taken.append((path.stem, "shapes' thread" if here is main_thread else "other"))
        if here is main_thread:
            shapes_thread_took.set()
        elif not worker_began.is_set():
            worker_began.set()
            assert shapes_thread_took.wait(10)
        return real(graph, path)

    def shapes(graph, shapes_path, validator):
        assert worker_began.wait(10)
        return [], None

    monkeypatch.setattr(validate_module, "quality_threads", lambda: 1)
    monkeypatch.setattr(validate_module, "_quality_findings", quality_findings)
    monkeypatch.setattr(validate_module, "run_shacl", shapes)
    report = validate_module.validate(kg)

    checks = [path.stem for path in validate_module.quality_queries()]
    assert sorted(check for check, _ in taken) == sorted(checks)  # each once
    assert {who for _, who in taken} == {"shapes' thread", "other"}
    assert report.findings == []  # the shipped data passes every quality query


def test_a_quality_query_that_fails_in_its_thread_fails_the_validation(kg, monkeypatch):
    from citygraph import validate as validate_module
    from citygraph.errors import QueryError

    def failing(graph, path):
        raise QueryError(f"{path.name}: SPARQL syntax error")

    monkeypatch.setattr(validate_module, "_quality_findings", failing)
    with pytest.raises(QueryError, match=r"-violation\.rq: SPARQL syntax error"):
        validate_module.validate(kg)


def test_when_the_shapes_fail_no_quality_query_is_begun_any_more(kg, monkeypatch):
    """An error of the shapes (or Ctrl-C) goes up once the queries already running end: the
    queries not yet begun are dropped, not run first (at 10 M statements on disk they take
    minutes)."""
    import threading

    from citygraph import validate as validate_module

    taken: list[str] = []
    worker_began = threading.Event()

    def quality_findings(graph, path):
        taken.append(path.stem)
        worker_began.set()
        threading.Event().wait(0.5)  # long enough for the failing shapes to drop the rest
        return []

    def shapes(graph, shapes_path, validator):
        assert worker_began.wait(10)
        raise RuntimeError("the shapes failed")

    monkeypatch.setattr(validate_module, "quality_threads", lambda: 1)
    monkeypatch.setattr(validate_module, "_quality_findings", quality_findings)
    monkeypatch.setattr(validate_module, "run_shacl", shapes)
    with pytest.raises(RuntimeError, match="the shapes failed"):
        validate_module.validate(kg)
    assert taken == [validate_module.quality_queries()[0].stem]  # the one running; no other
