"""The distribution: every format carries the same graph, readably and deterministically."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from citygraph import export

RDF_FILES = {
    "citygraph.ttl": ("turtle", ox.RdfFormat.TURTLE),
    "citygraph.nt": ("nt", ox.RdfFormat.N_TRIPLES),
    "citygraph.jsonld": ("json-ld", ox.RdfFormat.JSON_LD),
    "citygraph.rdf": ("xml", ox.RdfFormat.RDF_XML),
}
QUAD_FILES = {
    "citygraph.nq": ("nquads", ox.RdfFormat.N_QUADS),
    "citygraph.trig": ("trig", ox.RdfFormat.TRIG),
}


@pytest.fixture(scope="module")
def turtle_graph(dist) -> Graph:
    return Graph().parse(dist / "citygraph.ttl", format="turtle")


def _oxigraph_graph(path: Path, fmt: ox.RdfFormat) -> Graph:
    """The file parsed by pyoxigraph, as an rdflib graph (union of its graphs)."""
    nt = ox.serialize(
        (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=fmt)),
        format=ox.RdfFormat.N_TRIPLES,
    )
    return Graph().parse(data=nt, format="nt")


def test_distribution_has_every_file(dist):
    names = sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "SHA256SUMS",
            "catalog.ttl",
            "citygraph.jsonld",
            "citygraph.nq",
            "citygraph.nt",
            "citygraph.rdf",
            "citygraph.trig",
            "citygraph.ttl",
            "context.jsonld",
            "csv/cities.csv",
            "csv/csv-metadata.json",
            "csv/events.csv",
            "csv/memberships.csv",
            "csv/organizations.csv",
            "csv/reported_sizes.csv",
            "csv/sources.csv",
        ]
    )


@pytest.mark.parametrize("name", sorted(RDF_FILES))
def test_triple_files_agree_between_parsers_and_with_turtle(dist, turtle_graph, name):
    """Each file read by rdflib and by pyoxigraph gives the same graph, and that graph is the
    Turtle export's."""
    rdflib_format, ox_format = RDF_FILES[name]
    by_rdflib = Graph().parse(dist / name, format=rdflib_format)
    by_oxigraph = _oxigraph_graph(dist / name, ox_format)
    assert len(by_rdflib) == len(turtle_graph) > 1000
    assert isomorphic(by_rdflib, by_oxigraph)
    assert isomorphic(by_rdflib, turtle_graph)


@pytest.mark.parametrize("name", sorted(QUAD_FILES))
def test_quad_files_agree_between_parsers(dist, turtle_graph, name):
    rdflib_format, ox_format = QUAD_FILES[name]
    dataset = Dataset()
    dataset.parse(dist / name, format=rdflib_format)
    by_rdflib = {
        (s, p, o, str(g))
        for s, p, o, g in dataset.quads((None, None, None, None))
        if str(g) != str(dataset.default_graph.identifier)
    }
    by_oxigraph = {
        (str(q.subject.value), str(q.predicate.value), str(q.object), str(q.graph_name.value))
        for q in ox.parse(path=str(dist / name), format=ox_format)
        if isinstance(q.graph_name, ox.NamedNode)
    }
    assert len(by_rdflib) == len(by_oxigraph)
    # the union of the named graphs is exactly the Turtle export
    union = Graph()
    for s, p, o, _ in by_rdflib:
        union.add((s, p, o))
    assert isomorphic(union, turtle_graph)


def test_quad_exports_say_where_each_graph_comes_from(dist):
    """vocabulary.md: each source's named graph has prov:wasDerivedFrom -> that source."""
    dataset = Dataset()
    dataset.parse(dist / "citygraph.trig", format="trig")
    graph = URIRef("https://w3id.org/citygraph/graph/marseille-reseaux-de-villes")
    source = URIRef("https://w3id.org/citygraph/id/source/marseille-reseaux-de-villes")
    assert (graph, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), source) in dataset
    assert len(list(dataset.graph(graph).triples((None, None, None)))) > 100


def test_no_blank_nodes_anywhere(dist):
    for name in [*RDF_FILES, *QUAD_FILES, "catalog.ttl"]:
        fmt = {**RDF_FILES, **QUAD_FILES}.get(name, ("", ox.RdfFormat.TURTLE))[1]
        for q in ox.parse(path=str(dist / name), format=fmt):
            for term in (q.subject, q.object):
                assert not isinstance(term, ox.BlankNode), f"{name}: blank node in {q}"


def test_ntriples_and_nquads_are_sorted_lines(dist):
    for name in ("citygraph.nt", "citygraph.nq"):
        lines = (dist / name).read_bytes().decode("utf-8").splitlines()
        assert lines == sorted(lines)
        assert len(lines) == len(set(lines))


def test_turtle_is_readable(dist):
    text = (dist / "citygraph.ttl").read_text(encoding="utf-8")
    declared = re.findall(r"^@prefix (\w+): ", text, re.M)
    body = text.split("\n\n", 1)[1]
    # every declared prefix is used, and the ones we expect are there
    for name in declared:
        assert re.search(rf"(?<![\w.:/#-]){name}:", body), f"prefix {name} declared, unused"
    assert {"org", "schema", "skos", "dcterms", "cg", "id", "membership"} <= set(declared)
    assert "xsd" in declared  # foundingDate "1951"^^xsd:gYear
    # subjects in order, each once; rdf:type first and labels next
    subjects = re.findall(r"^(\S+) ", body, re.M)
    assert len(subjects) == len(set(subjects))
    marseille = re.search(r"^id:marseille a (.*?) \.\n", body, re.M | re.S).group(0)
    predicates = re.findall(r"^\t(\S+) ", marseille, re.M)
    assert predicates[0] == "rdfs:label"
    assert predicates[-1] == "dcterms:source"
    assert "\\/" not in body  # names that would need escaping are written as full IRIs


def test_subjects_sorted_by_iri(turtle_graph, dist):
    body = (dist / "citygraph.nt").read_text(encoding="utf-8")
    expected = sorted({line.split(" ", 1)[0][1:-1] for line in body.splitlines()})
    turtle_text = (dist / "citygraph.ttl").read_text(encoding="utf-8")
    seen = []
    for token in re.findall(r"^(\S+) ", turtle_text.split("\n\n", 1)[1], re.M):
        if token.startswith("<"):
            seen.append(token[1:-1])
        else:
            prefix, local = token.split(":", 1)
            seen.append(export.CANDIDATE_PREFIXES[prefix] + local)
    assert seen == expected


def test_jsonld_reads_like_json_and_expands_back_with_pyld(dist, turtle_graph):
    pyld = pytest.importorskip("pyld")
    document = json.loads((dist / "citygraph.jsonld").read_text(encoding="utf-8"))
    nodes = {n["@id"]: n for n in document["@graph"]}
    # the names a web developer reads (docs/model.md; AIMF founded 1979 per the Marseille page)
    marseille = nodes["id:marseille"]
    assert "id:eurocities" in marseille["memberOf"]
    assert marseille["label"]["fr"] == "Marseille"
    assert "City" in marseille["@type"]
    assert {"@value": "1979", "@type": "xsd:gYear"} in _as_list(nodes["id:aimf"]["foundingDate"])
    nquads = pyld.jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert isomorphic(Graph().parse(data=nquads, format="nt"), turtle_graph)


def _as_list(value):
    return value if isinstance(value, list) else [value]


def test_shipped_context_is_the_one_in_the_jsonld(dist):
    context = json.loads((dist / "context.jsonld").read_text(encoding="utf-8"))
    document = json.loads((dist / "citygraph.jsonld").read_text(encoding="utf-8"))
    assert context["@context"] == document["@context"]
    assert context["@context"]["memberOf"] == {"@id": "org:memberOf", "@type": "@id"}
    assert context["@context"]["foundingDate"] == "schema:foundingDate"


def test_every_predicate_of_the_data_has_a_context_term(turtle_graph):
    """A web developer never meets a full IRI as a key for our data's own properties."""
    compactor = export._Compactor(export.context_document()["@context"])
    missing = sorted(
        {
            str(p)
            for p in turtle_graph.predicates()
            if str(p) not in compactor.properties
            and str(p) != "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        }
    )
    assert missing == []


def test_checksums_cover_every_file(dist):
    lines = (dist / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    assert set(listed) == files - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


def test_csv_tables(dist):
    """Marseille is a member of EUROCITIES according to the Marseille page (its entry
    "EUROCITES"): one row, with the membership node, the default role and that source."""
    import csv

    rows = list(csv.DictReader((dist / "csv/memberships.csv").open(encoding="utf-8")))
    wanted = [
        r
        for r in rows
        if r["member"].endswith("/id/marseille")
        and r["organization"].endswith("/id/eurocities")
        and r["source"].endswith("/source/marseille-reseaux-de-villes")
    ]
    assert wanted == [
        {
            "member": "https://w3id.org/citygraph/id/marseille",
            "organization": "https://w3id.org/citygraph/id/eurocities",
            "membership": "https://w3id.org/citygraph/id/membership/marseille--eurocities",
            "role": "https://w3id.org/citygraph/id/role/member",
            "begin": "",
            "end": "",
            "source": "https://w3id.org/citygraph/id/source/marseille-reseaux-de-villes",
        }
    ]
    # One row per source: the Marseille page names it and gives its country, the "public code
    # files" source its Wikidata and GeoNames identifiers (vocabulary.md: wd:Q23482, 2995469).
    cities = list(csv.DictReader((dist / "csv/cities.csv").open(encoding="utf-8")))
    by_source = {
        r["source"].rsplit("/", 1)[1]: r
        for r in cities
        if r["id"] == "https://w3id.org/citygraph/id/marseille"
    }
    page = by_source["marseille-reseaux-de-villes"]
    assert (page["label_fr"], page["label_en"], page["country"]) == ("Marseille", "Marseille", "FR")
    assert by_source["public-code-files-identifiers"]["same_as"] == (
        "http://www.wikidata.org/entity/Q23482|https://sws.geonames.org/2995469/"
    )


def test_csvw_metadata_describes_every_column(dist):
    import csv

    metadata = json.loads((dist / "csv/csv-metadata.json").read_text(encoding="utf-8"))
    assert metadata["@context"] == "http://www.w3.org/ns/csvw"
    assert {t["url"] for t in metadata["tables"]} == {f"{t}.csv" for t in export.TABLE_NAMES}
    for table in metadata["tables"]:
        header = next(csv.reader((dist / "csv" / table["url"]).open(encoding="utf-8")))
        columns = table["tableSchema"]["columns"]
        assert [c["name"] for c in columns] == header
        assert all(c["dc:description"] for c in columns)


def test_unknown_format_lists_the_known_ones(kg):
    from citygraph.errors import UsageError

    with pytest.raises(UsageError) as caught:
        export.render(kg, "yaml")
    assert str(caught.value) == (
        "unknown format 'yaml': use one of turtle, ntriples, nquads, trig, jsonld, rdfxml, csv"
    )
    assert caught.value.exit_code == 2


def test_failed_build_leaves_previous_files_intact(kg, tmp_path, monkeypatch):
    from citygraph.atomic import staged_folder

    target = tmp_path / "dist"
    with staged_folder(target) as stage:
        export.write_distribution(kg, stage)
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}

    def broken(snapshot, *_folder):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(export.RENDERERS, "rdfxml", broken)  # fails after ttl, nt, nq, trig...
    monkeypatch.setitem(export.STREAMERS, "rdfxml", broken)  # (the file is written in pieces)
    with pytest.raises(RuntimeError), staged_folder(target) as stage:
        export.write_distribution(kg, stage)
    after = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]  # no staging folder left behind

    # and a failure while the files are being written (the disk fills after five files)
    monkeypatch.undo()
    real_write = Path.write_bytes
    calls = []

    def full_disk(self, data):
        calls.append(self)
        if len(calls) > 5:
            raise OSError(28, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OSError), staged_folder(target) as stage:
        export.write_distribution(kg, stage)
    assert len(calls) == 6
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"]


def test_both_engines_write_the_same_bytes(dist, kg_rdflib, tmp_path):
    """The reference engine (rdflib) gives byte-identical RDF files: the writers depend on the
    graph only, never on the store that held it."""
    export.write_distribution(kg_rdflib, tmp_path)
    for name in [*RDF_FILES, *QUAD_FILES, "catalog.ttl"]:
        assert (tmp_path / name).read_bytes() == (dist / name).read_bytes(), name


def test_a_killed_render_worker_falls_back_to_rendering_here(kg, tmp_path, monkeypatch):
    """On a large graph the formats are rendered in forked workers; if one dies (out of memory,
    seen at 10 M statements), the build renders them in its own process: same bytes, no trace."""
    from citygraph import export

    serial = tmp_path / "serial"
    serial.mkdir()
    export.write_distribution(kg, serial)

    monkeypatch.setattr(export, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(export, "_render_shared", _die)
    fallback = tmp_path / "fallback"
    fallback.mkdir()
    export.write_distribution(kg, fallback)
    for path in serial.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (fallback / path.relative_to(serial)).read_bytes(), path


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_large_graph_is_rendered_beside_a_second_process(kg, dist, tmp_path, monkeypatch):
    """Above ``PARALLEL_LIMIT`` the tables come first, then the snapshot; a second process,
    started afresh, writes Turtle, RDF/XML and JSON-LD from a file of the union in reading
    order while this process writes TriG, N-Quads and N-Triples: the same bytes as the serial
    build, and the file is gone."""
    monkeypatch.setattr(export, "PARALLEL_LIMIT", 0)
    here = _spy_on_rendering_here(monkeypatch)
    large = tmp_path / "large"
    large.mkdir()
    with export.Distribution(kg, large) as distribution:
        assert distribution.large
        written = distribution.write()
    assert _tree(large) == _tree(dist)
    assert sorted(written) == sorted(p for p in large.rglob("*") if p.is_file())
    assert here == [["trig", "nquads", "ntriples"]]


@pytest.mark.parametrize("how", ["killed", "no-interpreter"])
def test_what_the_second_process_did_not_write_is_written_here(
    dist, kg, tmp_path, monkeypatch, how
):
    """The second process killed as it starts (as the out-of-memory killer would end it), or no
    Python to start it with (an embedded interpreter): its three formats are written here, with
    the same bytes."""
    import sys

    monkeypatch.setattr(export, "PARALLEL_LIMIT", 0)
    if how == "killed":
        real = export._TextWriter.start

        def start_then_kill(*args):
            writer = real(*args)
            writer.process.kill()
            writer.process.wait()
            return writer

        monkeypatch.setattr(export._TextWriter, "start", start_then_kill)
    else:
        monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    here = _spy_on_rendering_here(monkeypatch)
    fallback = tmp_path / "fallback"
    fallback.mkdir()
    export.write_distribution(kg, fallback)
    assert _tree(fallback) == _tree(dist)
    assert here == [["trig", "nquads", "ntriples"], ["rdfxml", "jsonld", "turtle"]]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_the_second_process_ends_when_the_build_does(tmp_path):
    """A build killed outright (SIGKILL: no handler runs) does not leave its second process
    behind: that one ends when its standard input, a pipe from the build, closes. Here it waits
    to open a named pipe that nobody writes, so it would never end by itself."""
    import os
    import signal
    import subprocess
    import sys
    import time

    fifo = tmp_path / "text"
    os.mkfifo(fifo)
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from citygraph import export\n"
            "w = export._TextWriter.start(Path(sys.argv[1]), Path(sys.argv[2]), ['turtle'])\n"
            "print(w.process.pid, flush=True); time.sleep(120)",
            str(fifo),
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(parent.stdout.readline())
    time.sleep(1)
    assert _alive(child)  # waiting on the pipe
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, ended but not yet collected, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _spy_on_rendering_here(monkeypatch) -> list[list[str]]:
    real = export.Distribution._rendered_here
    here: list[list[str]] = []

    def spy(self, formats):
        here.append(list(formats))
        return real(self, here[-1])

    monkeypatch.setattr(export.Distribution, "_rendered_here", spy)
    return here


def _die(task: str, folder: Path) -> None:
    """A render worker that dies as the kernel's out-of-memory killer would end it."""
    import os

    os._exit(1)


def test_line_formats_are_streamed_in_sorted_order(tmp_path):
    """N-Triples and N-Quads are written piece by piece (no whole copy of millions of lines);
    the file is the sorted lines, exactly as ``sorted()`` of all of them would give, including
    a triple stated in two graphs whose names differ only after a shared beginning ("a" and
    "a-b": "<...a> ." sorts after "<...a-b> .")."""
    from citygraph.export import Snapshot, nquads, ntriples, render_file

    a, ab = "https://w3id.org/citygraph/graph/a", "https://w3id.org/citygraph/graph/a-b"
    shared = '<http://example.org/s> <http://example.org/p> "x"@en .'
    graphs = {
        a: [shared, '<http://example.org/s> <http://example.org/p> "x" .'],
        ab: ['<http://example.org/s> <http://example.org/p> "x"@en-gb .', shared],
    }
    snapshot = Snapshot({k: list(v) for k, v in graphs.items()}, sorted({*graphs[a], *graphs[ab]}))
    every_quad = [
        *(line[:-2] + f" <{g}> ." for g, lines in graphs.items() for line in lines),
        *snapshot.provenance(),
    ]
    assert nquads(snapshot).decode().splitlines() == sorted(every_quad)
    assert ntriples(snapshot.triples).decode().splitlines() == snapshot.triples
    for fmt, expected in (("nquads", nquads(snapshot)), ("ntriples", ntriples(snapshot.triples))):
        written = render_file(tmp_path, fmt, snapshot)
        data = (tmp_path / export.FILES[fmt]).read_bytes()
        assert data == expected
        assert (written.size, written.sha256) == (len(data), export.sha256(data))


RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def test_jsonld_keeps_blank_nodes_escapes_and_every_kind_of_literal():
    """The JSON-LD writer reads N-Triples as text: a blank node (subject, object, class), the
    escapes of a literal, a language string, a typed literal and a plain one come back from pyld
    as the same graph. (A blank node object used to stop the export with a traceback.)"""
    pyld = pytest.importorskip("pyld")
    a, xsd = "<https://w3id.org/citygraph/id/a>", "http://www.w3.org/2001/XMLSchema#"
    label, kind = "<http://www.w3.org/2000/01/rdf-schema#label>", f"<{RDF}type>"
    ntriples = "\n".join(
        [
            f"{a} <http://www.w3.org/2000/01/rdf-schema#seeAlso> _:b1 .",
            f'{a} <https://schema.org/foundingDate> "1979"^^<{xsd}gYear> .',
            f'{a} <http://example.org/p> "42"^^<{xsd}integer> .',
            f'{a} <http://example.org/p> "plain, with a tab\\t" .',
            f'_:b1 {label} "line\\nbreak \\"quoted\\" back\\\\slash \\u00E9t\\u00E9"@fr .',
            f"_:b1 {kind} _:c .",
            f"_:b1 {kind} <https://schema.org/City> .",
        ]
    )
    lines = export.Snapshot.from_ntriples(ntriples).triples
    document = json.loads(export.jsonld(lines))
    nodes = {n["@id"]: n for n in document["@graph"]}
    assert nodes["_:b1"]["label"] == {"fr": 'line\nbreak "quoted" back\\slash été'}
    assert nodes["id:a"]["seeAlso"] == "_:b1"
    assert nodes["id:a"]["foundingDate"] == {"@value": "1979", "@type": "xsd:gYear"}
    nquads = pyld.jsonld.to_rdf(document, {"format": "application/n-quads"})
    expected = Graph().parse(data=ntriples, format="nt")
    assert isomorphic(Graph().parse(data=nquads, format="nt"), expected)


_ID = "https://w3id.org/citygraph/id/"
_PIECES_LINES = sorted(
    [
        f"<{_ID}aimf> <{RDF}type> <https://w3id.org/citygraph/ontology#CityNetwork> .",
        f'<{_ID}aimf> <http://www.w3.org/2000/01/rdf-schema#label> "AIMF"@fr .',
        f"<{_ID}aimf> <https://w3id.org/citygraph/ontology#reportedSize> "
        f"<{_ID}size/aimf/cities-2020> .",
        f'<{_ID}size/aimf/cities-2020> <https://schema.org/value> "300"^^'
        "<http://www.w3.org/2001/XMLSchema#integer> .",
        f'<{_ID}marseille> <http://www.w3.org/2000/01/rdf-schema#label> "Marseille" .',
        f"<{_ID}marseille> <http://www.w3.org/2002/07/owl#sameAs> <{_ID}city/marseille> .",
    ]
)


@pytest.mark.parametrize("piece", [1, 7, 64, 8 << 20])
def test_turtle_trig_and_rdfxml_are_written_in_pieces(tmp_path, monkeypatch, piece):
    """The Turtle, TriG and RDF/XML files are written piece by piece from the serialiser's text,
    read in place or, for RDF/XML, from a file (at 10 M statements a copy of it is 450-920 MB).
    Whatever the size of the pieces, the file is the same readable text: the used prefixes only,
    a blank line between subjects, names that would need "\\/" written as full IRIs, and the
    prefix that only such names used (size:) not declared, while one also used plainly
    elsewhere (id:) is (worked out by hand)."""
    from citygraph.export import Snapshot, rdfxml, render_file, trig, turtle

    graph = "https://w3id.org/citygraph/graph/marseille-reseaux-de-villes"
    snapshot = Snapshot({graph: list(_PIECES_LINES)}, list(_PIECES_LINES))
    expected = {
        "turtle": turtle(_PIECES_LINES, export._comment()),
        "trig": trig(snapshot, export._comment()),
        "rdfxml": rdfxml(_PIECES_LINES),
    }
    assert (
        expected["turtle"]
        == (
            f"# {export._comment()}\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            "@prefix schema: <https://schema.org/> .\n"
            "@prefix cg: <https://w3id.org/citygraph/ontology#> .\n"
            "@prefix id: <https://w3id.org/citygraph/id/> .\n"
            "\n"
            "id:aimf a cg:CityNetwork ;\n"
            '\trdfs:label "AIMF"@fr ;\n'
            "\tcg:reportedSize <https://w3id.org/citygraph/id/size/aimf/cities-2020> .\n"
            "\n"
            'id:marseille rdfs:label "Marseille" ;\n'
            "\towl:sameAs <https://w3id.org/citygraph/id/city/marseille> .\n"
            "\n"
            "<https://w3id.org/citygraph/id/size/aimf/cities-2020> schema:value 300 .\n"
        ).encode()
    )
    assert b'\n\tid:marseille rdfs:label "Marseille" ;\n' in expected["trig"]
    monkeypatch.setattr(export, "_PIECE", piece)
    for fmt, text in expected.items():
        pieces = list(export.STREAMERS[fmt](snapshot, tmp_path))
        # RDF/XML: before the declarations, them, the rest; the others: header, lines, end
        assert len(pieces) >= (6 if piece == 1 and fmt != "rdfxml" else 3)
        written = render_file(tmp_path, fmt, snapshot)
        data = (tmp_path / export.FILES[fmt]).read_bytes()
        assert data == text, fmt
        assert (written.size, written.sha256) == (len(data), export.sha256(data))
    # RDF/XML went through a file beside the others (no copy of its text in memory), now gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(export.FILES[f] for f in expected)


def test_literals_holding_unicode_line_separators_stay_whole(tmp_path):
    """N-Triples writes U+2028, U+2029 and U+0085 unescaped inside a literal; ``splitlines()``
    split the snapshot's lines there, so the N-Triples and N-Quads files held broken statements
    and the Turtle writer stopped with an internal error. Every format now carries the three
    literals whole, and the two line formats have one line per statement."""
    import citygraph

    comments = ["one\u2028two", "three\u2029four", "five\u0085six"]
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        + "".join(f'<https://example.org/x> rdfs:comment "{c}" .\n' for c in comments),
        encoding="utf-8",
    )
    kg = citygraph.load(None, extra)
    folder = tmp_path / "dist"
    folder.mkdir()
    export.write_distribution(kg, folder)
    comment = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
    for name, (_, fmt) in {**RDF_FILES, **QUAD_FILES}.items():
        found = {
            q.object.value
            for q in ox.parse(path=str(folder / name), format=fmt)
            if q.subject == ox.NamedNode("https://example.org/x") and q.predicate == comment
        }
        assert found == set(comments), name
    for name, fmt in (
        ("citygraph.nt", ox.RdfFormat.N_TRIPLES),
        ("citygraph.nq", ox.RdfFormat.N_QUADS),
    ):
        lines = (folder / name).read_bytes().split(b"\n")[:-1]
        assert len(lines) == sum(1 for _ in ox.parse(path=str(folder / name), format=fmt)), name
        assert all(line.endswith(b" .") for line in lines), name
