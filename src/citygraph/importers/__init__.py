"""Tables (CSV) to RDF through a declared mapping; every row accounted for, names reconciled.

The modules, in the order an import runs through them: :mod:`.mapping` (the mapping file),
:mod:`.table` (reading the CSV), :mod:`.clean` (cell values), :mod:`.checks` (quality warnings),
:mod:`.reconcile` (same actor, known entity), :mod:`.writer` (the RDF), :mod:`.pipeline` (one
import end to end), :mod:`.report` (summary, rejects, reconciliation report).
:func:`run_import` is the one entry point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..engine import format_of
from .mapping import load_mapping
from .pipeline import (
    ImportResult,
    check_counts,
    import_memberships,
    import_organizations,
    open_table,
)
from .reconcile import Curated, load_overrides, slugify

OUTPUT_FORMATS = {"trig": "trig", "nquads": "nquads", "turtle": "turtle"}


def output_format(path: Path) -> str:
    """TriG or N-Quads by suffix (graph in the file); Turtle otherwise."""
    fmt = format_of(Path(path))
    return fmt if fmt in ("trig", "nquads") else "turtle"


def source_slug(mapping_slug: str, output: Path) -> str:
    """The source (and graph) slug: the mapping's, except for Turtle, where it is the file's.

    The loader puts a Turtle file in the graph named after its stem (graph.extra_file), and the
    quality checks require a graph's statements to cite ``id:source/<graph slug>``.
    """
    if output_format(output) == "turtle":
        return slugify(Path(output).stem) or mapping_slug
    return mapping_slug


def run_import(
    table: Path,
    mapping_path: Path,
    output: Path,
    kg: Any,
    *,
    overrides: Path | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> ImportResult:
    """Read, check, reconcile against ``kg`` (the known entities) and build the import graph.

    Nothing is written here: the caller writes the outputs once everything has succeeded.
    """
    mapping = load_mapping(mapping_path)
    loaded_overrides = load_overrides(overrides)
    data = open_table(table, mapping, encoding, delimiter)
    curated = Curated.from_graph(kg)
    slug = source_slug(mapping.source.slug, output)
    run = import_memberships if mapping.kind == "memberships" else import_organizations
    result = run(data, mapping, curated, loaded_overrides, slug, kg)
    check_counts(result)
    return result


__all__ = ["ImportResult", "output_format", "run_import", "source_slug"]
