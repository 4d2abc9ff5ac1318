"""The growth table (benchmarks/plot.py): steps measured on the on-disk store at one size and in
memory at the others are marked, and their exponent is not ranked among the fastest-growing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def plot(benchmark_script):
    return benchmark_script("plot")


def _runs() -> dict[str, dict]:
    """Three sizes, 10x apart: a build linear in memory then on disk at L (10x the time: slope 1),
    a query growing as x^1.5, and a quick step under the noise floor that grows as x^2."""

    def records(quads: int, disk: bool) -> list[dict]:
        return [
            {
                "stack": "citygraph",
                "step": "build (whole process)",
                "seconds": quads / 100,
                "peak_mb": 10,
            }
            | ({"on_disk": True} if disk else {}),
            {
                "stack": "citygraph",
                "step": "query: members-of-network",
                "seconds": (quads / 1000) ** 1.5,
            },
            {"stack": "citygraph", "step": "tiny", "seconds": (quads / 1e6) ** 2, "peak_mb": 1},
        ]

    return {
        size: {"counts": {"quads": quads}, "records": records(quads, size == "L")}
        for size, quads in (("S", 1_000), ("M", 10_000), ("L", 100_000))
    }


def test_a_step_measured_on_disk_at_one_size_is_marked_in_the_table(plot) -> None:
    runs = _runs()
    found, disk = plot.series(runs), plot.on_disk(runs)
    assert disk == {("citygraph", "build (whole process)", 100_000)}
    rows = plot.table(runs, found, disk).splitlines()
    assert rows[2] == (
        "| citygraph | build (whole process) | 10.00 s | 10 MB | 100.00 s | 10 MB "
        "| 1,000.00 s (disk) | 10 MB | 1.00 (memory → disk) |"
    )
    assert rows[3] == (
        "| citygraph | query: members-of-network | 1.00 s | — | 31.62 s | — | 1,000.00 s | — "
        "| 1.50 |"
    )
    # under a second, in milliseconds (a lookup's median would read "0.00 s")
    assert rows[4] == "| citygraph | tiny | 0.0 ms | 1 MB | 0.1 ms | 1 MB | 10.0 ms | 1 MB | 2.00 |"


def test_the_fastest_growing_steps_leave_out_storage_changes_and_noise(plot) -> None:
    runs = _runs()
    found, disk = plot.series(runs), plot.on_disk(runs)
    # "tiny" grows as x^2 but takes under NOISE_SECONDS; the build changed storage
    assert [(round(k, 2), step) for k, _stack, step in plot.fastest(found, disk)] == [
        (1.5, "query: members-of-network")
    ]
    text = plot.summary(found, disk)
    assert text.startswith(
        "Fastest-growing steps between the two largest sizes measured: "
        "`citygraph: query: members-of-network` (x^1.50)."
    )
    assert "marked (disk)" in text and "not ranked above" in text


def test_without_disk_records_nothing_is_marked(plot, tmp_path: Path) -> None:
    runs = _runs()
    for run in runs.values():
        for r in run["records"]:
            r.pop("on_disk", None)
    found = plot.series(runs)
    assert plot.on_disk(runs) == set()
    assert "(disk)" not in plot.table(runs, found, set())
    assert "marked (disk)" not in plot.summary(found, set())
    # and the files: the table and the figure are written from the results folder
    for size, run in runs.items():
        (tmp_path / f"{size}.json").write_text(json.dumps(run), encoding="utf-8")
    plot.RESULTS = tmp_path
    try:
        assert plot.main() == 0
    finally:
        plot.RESULTS = ROOT / "benchmarks" / "results"
    assert (tmp_path / "growth.md").read_text(encoding="utf-8").startswith("Fastest-growing")
    assert (tmp_path / "growth.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_query_grows_by_its_median_not_by_its_step_total(plot) -> None:
    # five warm runs at M, three at L: the step's totals would understate the growth; the
    # medians give it (x^1.5 here)
    runs = _runs()
    for size, runs_made in (("S", 5), ("M", 5), ("L", 3)):
        query = runs[size]["records"][1]
        query["median_seconds"] = query["seconds"]
        query["seconds"] = query["seconds"] * (runs_made + 1)
    found = plot.series(runs)
    assert round(plot.exponent(found[("citygraph", "query: members-of-network")]), 2) == 1.5


def test_the_figure_draws_the_fastest_growing_steps_too(plot) -> None:
    runs = _runs()
    for run in runs.values():
        run["records"][1]["step"] = "query: timeline"  # not one of the steps always drawn
    found, disk = plot.series(runs), plot.on_disk(runs)
    assert plot.drawn(found, disk) == [
        (("citygraph", "build (whole process)"), False),
        (("citygraph", "query: timeline"), True),
    ]
