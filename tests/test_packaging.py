"""`pip install .` then `citygraph build` works from any folder: the ontology, the data and the
queries travel inside the wheel (issue 2)."""

from __future__ import annotations

import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_resources_and_builds_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(wheels)],
        check=True,
    )
    (wheel,) = wheels.glob("citygraph-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "citygraph/_resources/ontology/shapes.ttl" in names
    assert "citygraph/_resources/data/marseille-reseaux-de-villes/cities.ttl" in names
    assert any(n.startswith("citygraph/_resources/queries/qc/") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # the dependencies come from this test's own environment (not the base interpreter's, which
    # on a fresh machine has none of them), through a path file: its lines are added as they
    # are, so the checkout's editable install, a path file of that environment, is not
    purelib = _python_in(venv, "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    (Path(purelib) / "_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in site.getsitepackages()), encoding="utf-8"
    )
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            str(wheel),
        ],
        check=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [str(venv / "bin" / "citygraph"), "build"], cwd=elsewhere, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "dist" / "citygraph.ttl").stat().st_size > 10_000
    # the installed copy, not the checkout, was used
    where = _python_in(
        venv, "from citygraph import resources; print(resources.data_dir())", cwd=elsewhere
    )
    assert "_resources" in where


def _python_in(venv: Path, code: str, cwd: Path | None = None) -> str:
    """What the virtual environment's Python prints when it runs ``code``."""
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
