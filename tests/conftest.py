"""Shared fixtures: the shipped knowledge graph, loaded once per test session."""

from __future__ import annotations

import functools
import gc
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def kg():
    """The shipped data on the default engine (Oxigraph)."""
    import citygraph

    return citygraph.load()


@pytest.fixture(scope="session")
def kg_rdflib():
    """The shipped data on the reference engine (rdflib), for differential tests."""
    import citygraph

    return citygraph.load(engine="rdflib")


@functools.cache
def _benchmark_script(stem: str, module_name: str):
    """benchmarks/STEM.py as a module (the benchmarks are scripts, not part of the package)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(module_name, ROOT / "benchmarks" / f"{stem}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def benchmark_script():
    """Load a script of benchmarks/ by its name ("run", "plot"), once per session."""
    return lambda stem: _benchmark_script(stem, f"cg_{stem}")


@pytest.fixture(scope="session")
def generator():
    """benchmarks/generate.py as a module."""
    return _benchmark_script("generate", "cg_gen")


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def dist(kg, tmp_path_factory) -> Path:
    """The distribution of the shipped data, written once (tests read it, none changes it)."""
    from citygraph import export

    folder = tmp_path_factory.mktemp("dist")
    export.write_distribution(kg, folder)
    return folder


@pytest.fixture
def collections():
    """The collections that start while the test runs, with a low threshold so that a few
    hundred new objects would start one; the collector's state is restored after."""
    started: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(info["generation"])

    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.enable()
    gc.set_threshold(50, 10, 10)
    gc.collect()  # the counts start from zero
    gc.callbacks.append(note)
    try:
        yield started
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*threshold)
        (gc.enable if enabled else gc.disable)()
