"""Where the ontology, the curated data and the query catalogue live.

In a checkout (and an editable install) they are the top-level folders; in a wheel they are shipped
inside the package under ``_resources/`` (see ``pyproject.toml``). Nothing else in the code knows.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parents[1]


def _resource(name: str) -> Path:
    packaged = _PACKAGE / "_resources" / name
    if packaged.is_dir():
        return packaged
    return _CHECKOUT / name


def ontology_dir() -> Path:
    return _resource("ontology")


def data_dir() -> Path:
    return _resource("data")


def queries_dir() -> Path:
    return _resource("queries")


def ontology_file() -> Path:
    return ontology_dir() / "citygraph.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"
