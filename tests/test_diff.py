"""citygraph diff: what changed between two exports, by entity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citygraph.cli import main
from citygraph.diff import diff

OLD = """@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/citygraph/id/> .
id:eurocities schema:foundingDate "1986"^^xsd:gYear ; schema:location id:brussels .
id:marseille schema:addressCountry "FR" .
"""
# NEW: EUROCITIES founded 1991 instead of 1986 (the other claim of the sources), seat unchanged,
# Marseille unchanged, Lyon added.
_E = "<https://w3id.org/citygraph/id/"
_S = "<https://schema.org/"
NEW = (
    f'{_E}eurocities> {_S}foundingDate> "1991"^^<http://www.w3.org/2001/XMLSchema#gYear> .\n'
    f"{_E}eurocities> {_S}location> {_E}brussels> .\n"
    f'{_E}marseille> {_S}addressCountry> "FR" .\n'
    f'{_E}lyon> {_S}addressCountry> "FR" .\n'
)


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.ttl", tmp_path / "new.nt"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    return old, new


def test_changes_grouped_by_entity(files):
    result = diff(*files)
    assert (result.added, result.removed) == (2, 1)
    assert [c.entity.rsplit("/", 1)[1] for c in result.entities] == ["eurocities", "lyon"]


def test_text_report(files, capsys):
    assert main(["diff", str(files[0]), str(files[1])]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2:] == [
        "id:eurocities",
        '  - schema:foundingDate "1986"^^xsd:gYear',
        '  + schema:foundingDate "1991"^^xsd:gYear',
        "",
        "id:lyon",
        '  + schema:addressCountry "FR"',
    ]
    assert out.startswith("2 added, 1 removed, 2 entities changed")


def test_json_report(files, capsys):
    assert main(["diff", str(files[0]), str(files[1]), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["added"] == 2 and document["removed"] == 1
    assert document["entities"][1] == {
        "entity": "https://w3id.org/citygraph/id/lyon",
        "added": [
            '<https://w3id.org/citygraph/id/lyon> <https://schema.org/addressCountry> "FR" .'
        ],
        "removed": [],
    }


def test_same_graph_in_two_formats_has_no_difference(kg, tmp_path):
    from citygraph import export

    export.write_distribution(kg, tmp_path)
    result = diff(tmp_path / "citygraph.ttl", tmp_path / "citygraph.rdf")
    assert (result.added, result.removed) == (0, 0)
    assert diff(tmp_path / "citygraph.nq", tmp_path / "citygraph.trig").entities == []


def test_quad_files_compare_sources(tmp_path):
    """The same triple moved from one source's graph to another's is a change for two quad files."""
    triple = '<https://w3id.org/citygraph/id/a> <https://schema.org/name> "A"'
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    old.write_text(f"{triple} <https://w3id.org/citygraph/graph/s1> .\n", encoding="utf-8")
    new.write_text(f"{triple} <https://w3id.org/citygraph/graph/s2> .\n", encoding="utf-8")
    result = diff(old, new)
    assert (result.added, result.removed) == (1, 1)
    assert "[s2]" in result.text()


def test_not_rdf_names_the_file_and_the_error(files, tmp_path, capsys):
    bad = tmp_path / "notes.ttl"
    bad.write_text("this is not turtle\n", encoding="utf-8")
    assert main(["diff", str(bad), str(files[1])]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"citygraph diff: {bad}:1:1: ")
    assert "Traceback" not in err


def test_missing_file(files, tmp_path, capsys):
    assert main(["diff", str(tmp_path / "nope.ttl"), str(files[1])]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        f"citygraph diff: {tmp_path / 'nope.ttl'}: no such file"
    )


def test_a_literal_holding_a_line_separator_is_one_statement(tmp_path):
    """A literal with U+2028 (written unescaped by N-Triples) used to be split into fragments,
    so a changed label was reported as broken pieces of statements."""
    name = "<https://w3id.org/citygraph/id/a> <https://schema.org/name>"
    old, new = tmp_path / "old.nt", tmp_path / "new.nt"
    old.write_text(f'{name} "A\u2028B" .\n', encoding="utf-8")
    new.write_text(f'{name} "A\u2028C" .\n', encoding="utf-8")
    result = diff(old, new)
    assert (result.added, result.removed) == (1, 1)
    assert [c.entity for c in result.entities] == ["https://w3id.org/citygraph/id/a"]


def test_an_import_with_a_line_separator_in_a_name_writes_whole_statements():
    """The import writer sorts N-Quads lines: a name holding U+2029 stays one statement."""
    import pyoxigraph as ox

    from citygraph.importers.writer import ImportGraph

    graph = ImportGraph("example")
    graph.add("https://w3id.org/citygraph/id/a", "https://schema.org/name", ox.Literal("A\u2029B"))
    data = graph.serialize("nquads")
    assert data.count(b"\n") == 1
    (quad,) = ox.parse(data, format=ox.RdfFormat.N_QUADS)
    assert quad.object == ox.Literal("A\u2029B")


def test_a_file_whose_extension_names_no_rdf_format_is_a_usage_error(files, tmp_path, capsys):
    # (a .txt was read as Turtle, and its first line reported as a syntax error)
    notes = tmp_path / "notes.txt"
    notes.write_text(OLD, encoding="utf-8")
    assert main(["diff", str(notes), str(files[1])]) == 2
    assert capsys.readouterr().err == (
        f"citygraph diff: {notes}: the extension does not say which RDF format it is; use one "
        "of .ttl, .nt, .nq, .trig, .rdf, .owl, .xml, .jsonld, .n3\n"
    )


def test_a_triple_file_against_a_quad_file_says_so(files, tmp_path, capsys):
    quads = tmp_path / "new.nq"
    quads.write_text(
        NEW.replace(" .\n", " <https://w3id.org/citygraph/graph/s1> .\n"), encoding="utf-8"
    )
    assert main(["diff", str(files[0]), str(quads)]) == 0
    assert capsys.readouterr().err.startswith("note: a triple file is compared with a quad file: ")
