"""citygraph export on the command line, and byte-identical builds whatever PYTHONHASHSEED."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from citygraph.cli import main

BUILD = """
import sys
from pathlib import Path
import citygraph
from citygraph import export
export.write_distribution(citygraph.load(), Path(sys.argv[1]))
"""


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path):
    outputs = []
    for seed in ("1", "4242"):
        folder = tmp_path / f"seed-{seed}"
        folder.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", BUILD, str(folder)], check=True, env=env)
        outputs.append(_files(folder))
    assert len(outputs[0]) == 16
    assert outputs[0].keys() == outputs[1].keys()
    for name in outputs[0]:
        assert outputs[0][name] == outputs[1][name], f"{name} differs between hash seeds"


def test_export_to_stdout(capsysbinary):
    assert main(["export", "--format", "ntriples"]) == 0
    out = capsysbinary.readouterr().out
    assert (
        b"<https://w3id.org/citygraph/id/marseille> <http://www.w3.org/ns/org#memberOf> "
        b"<https://w3id.org/citygraph/id/eurocities> .\n" in out
    )


@pytest.mark.parametrize(
    ("fmt", "name", "rdflib_format"),
    [
        ("turtle", "x.ttl", "turtle"),
        ("jsonld", "x.jsonld", "json-ld"),
        ("rdfxml", "x.rdf", "xml"),
    ],
)
def test_export_to_a_file(tmp_path, fmt, name, rdflib_format, capsys):
    assert main(["export", "--format", fmt, "-o", str(tmp_path / name)]) == 0
    assert capsys.readouterr().err.startswith(f"wrote {tmp_path / name} (")
    reference = tmp_path / "reference.nt"
    assert main(["export", "-f", "ntriples", "-o", str(reference)]) == 0
    assert isomorphic(
        Graph().parse(tmp_path / name, format=rdflib_format), Graph().parse(reference, format="nt")
    )


def test_unknown_format(capsys):
    assert main(["export", "--format", "yaml"]) == 2
    assert capsys.readouterr().err == (
        "citygraph export: unknown format 'yaml': use one of turtle, ntriples, nquads, trig, "
        "jsonld, rdfxml, csv\n"
    )


def test_csv_needs_a_table_or_a_folder(capsys):
    assert main(["export", "--format", "csv"]) == 2
    assert capsys.readouterr().err == (
        "citygraph export: csv is a set of tables: add --table NAME (one of organizations, "
        "cities, memberships, events, reported_sizes, sources) or -o FOLDER for all of them\n"
    )


def test_csv_unknown_table(capsys):
    assert main(["export", "--format", "csv", "--table", "mayors"]) == 2
    assert capsys.readouterr().err == (
        "citygraph export: unknown table 'mayors': use one of organizations, cities, "
        "memberships, events, reported_sizes, sources\n"
    )


def test_csv_one_table_to_stdout_and_all_to_a_folder(tmp_path, capsysbinary):
    assert main(["export", "--format", "csv", "--table", "events"]) == 0
    out = capsysbinary.readouterr().out
    assert out.startswith(b"id,kind,date,original,resulting,source\r\n")
    assert main(["export", "--format", "csv", "-o", str(tmp_path / "tables")]) == 0
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        "cities.csv",
        "csv-metadata.json",
        "events.csv",
        "memberships.csv",
        "organizations.csv",
        "reported_sizes.csv",
        "sources.csv",
    ]
    assert (tmp_path / "tables" / "events.csv").read_bytes() == out


def test_output_in_a_missing_folder(tmp_path, capsys):
    target = tmp_path / "missing" / "x.ttl"
    assert main(["export", "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == (
        f"citygraph export: {tmp_path / 'missing'}: the output folder does not exist"
    )
    assert not target.exists()


def test_output_in_a_read_only_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root writes anywhere: make the check see what a user sees
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == folder else real(p, m))
    try:
        assert main(["export", "-o", str(folder / "x.ttl")]) == 1
    finally:
        folder.chmod(0o755)
    assert capsys.readouterr().err.splitlines()[0] == (
        f"citygraph export: {folder}: the output folder is not writable"
    )
    assert list(folder.iterdir()) == []


def test_failed_export_keeps_the_previous_file(tmp_path, monkeypatch, capsys):
    from citygraph import export

    target = tmp_path / "citygraph.ttl"
    target.write_bytes(b"previous export\n")

    def broken(snapshot):
        raise KeyboardInterrupt

    monkeypatch.setitem(export.RENDERERS, "turtle", broken)
    assert main(["export", "-o", str(target)]) == 130
    assert target.read_bytes() == b"previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["citygraph.ttl"]
