"""How each step grows from S to M to L: one figure and one table, from benchmarks/results/*.json.

    python benchmarks/plot.py      # writes benchmarks/results/growth.png and growth.md

Each line is one step of ``benchmarks/run.py`` (time against the number of statements, both on
log scales, so a straight line of slope 1 is linear growth). The table gives each step's time and
peak memory at every size measured, and its growth exponent between the two largest sizes
(log of the time ratio over log of the statement ratio: 1 = linear, 2 = quadratic). A catalogue
query's time is the median of its warm runs (``median_seconds``), where its record has one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SHOWN = (  # the steps drawn (all are in the table); prefixes of run.py's step names
    ("citygraph", "build (whole process"),
    ("citygraph", "load (Oxigraph, memory)"),
    ("citygraph", "validate: SHACL shapes"),
    ("citygraph", "validate: missing-inverse-violation"),
    ("citygraph", "validate: undescribed-source-violation"),
    ("citygraph", "validate: dangling-link-violation"),
    ("citygraph", "export: turtle"),
    ("citygraph", "export: csv tables"),
    ("citygraph", "load into the persistent store"),
    ("citygraph", "query: members-of-network"),
    ("citygraph", "analysis: read facts"),
    ("citygraph", "analysis: summary"),
    ("citygraph", "analysis: centrality"),
    ("citygraph", "analysis: communities"),
    ("plain", "load (rdflib"),
    ("plain", "validate (pyshacl)"),
)


def load() -> dict[str, dict]:
    runs = {}
    for size in ("S", "M", "L"):
        path = RESULTS / f"{size}.json"
        if path.exists():
            runs[size] = json.loads(path.read_text(encoding="utf-8"))
    return runs


Point = tuple[int, float | None, float | None]


def series(runs: dict[str, dict]) -> dict[tuple[str, str], list[Point]]:
    found: dict[tuple[str, str], list] = {}
    for run in runs.values():
        quads = run["counts"]["quads"]
        for r in run["records"]:
            # a query's time: the median of its warm runs, not the step's total (whose number of
            # runs may differ from one size to the next)
            seconds = r.get("median_seconds", r["seconds"])
            found.setdefault((r["stack"], r["step"]), []).append((quads, seconds, r.get("peak_mb")))
    return found


def on_disk(runs: dict[str, dict]) -> set[tuple[str, str, int]]:
    """(stack, step, statements) of the steps that ran on the on-disk store at a size where the
    same step runs in memory at the others (``run.py``'s ``ON_DISK``: the build, the checks and
    the exports at L)."""
    return {
        (r["stack"], r["step"], run["counts"]["quads"])
        for run in runs.values()
        for r in run["records"]
        if r.get("on_disk")
    }


def changes_engine(key: tuple[str, str], points: list[Point], disk: set) -> bool:
    """Whether the last two timed sizes of a step ran one in memory and one on disk: its growth
    exponent then also measures the change of storage, not only the graph's growth."""
    timed = [q for q, s, _ in points if s]
    return len(timed) >= 2 and len({(*key, q) in disk for q in timed[-2:]}) == 2


def exponent(points: list[tuple[int, float | None, float]]) -> float | None:
    timed = [(q, s) for q, s, _ in points if s]
    if len(timed) < 2:
        return None
    (q1, s1), (q2, s2) = timed[-2], timed[-1]
    if q1 == q2 or s1 <= 0:
        return None
    return math.log(s2 / s1) / math.log(q2 / q1)


NOISE_SECONDS = 0.1  # below this at both of the last two sizes, an exponent says little


def fastest(found: dict, disk: set, top: int = 3) -> list[tuple[float, str, str]]:
    """The steps whose time grows fastest between the two largest sizes they were measured at,
    fastest first: (exponent, stack, step), leaving out steps too quick there to be measured
    well (under ``NOISE_SECONDS`` at both sizes) and those whose storage changed between the
    two (see :func:`changes_engine`)."""
    ranked = []
    for (stack, step), points in found.items():
        timed = [s for _q, s, _m in points if s]
        k = exponent(points)
        if changes_engine((stack, step), points, disk):
            continue
        if k is not None and max(timed[-2:]) >= NOISE_SECONDS:
            ranked.append((k, stack, step))
    return sorted(ranked, key=lambda r: (-r[0], r[1], r[2]))[:top]


def summary(found: dict, disk: set) -> str:
    """The lines above the table: the fastest-growing steps, and where the notes explain them."""
    ranked = fastest(found, disk)
    if not ranked:
        return ""
    names = "; ".join(f"`{stack}: {step}` (x^{k:.2f})" for k, stack, step in ranked)
    text = (
        f"Fastest-growing steps between the two largest sizes measured: {names}. Why they grow "
        "as they do: [`notes/issue-7.md`](../../notes/issue-7.md) (the growth sections). A "
        "query's time is the median of its warm runs on the store.\n\n"
    )
    if disk:
        text += (
            "A time marked (disk) was measured on an on-disk store, where the same step runs in "
            "memory at the other sizes: at L, the checks and the exports on the persistent store "
            "(`--store`) that the queries and analyses use (the build keeps the graph in memory "
            "when the machine has the memory for it, as it did here; else its record is marked "
            "too). Such a step's exponent (marked memory → disk) also measures the change of "
            "storage, and it is not ranked above.\n\n"
        )
    return text


def _duration(seconds: float) -> str:
    """Seconds, or milliseconds under one second (a lookup's median is a fraction of one)."""
    return f"{seconds:,.2f} s" if seconds >= 1 else f"{seconds * 1000:,.1f} ms"


def table(runs: dict[str, dict], found: dict, disk: set) -> str:
    sizes = list(runs)
    head = " | ".join(f"{s} time | {s} peak" for s in sizes)
    lines = [
        "| stack | step | " + head + " | growth exponent (last two sizes) |",
        "| --- | --- | " + " | ".join("---: | ---:" for _ in sizes) + " | ---: |",
    ]
    for (stack, step), points in found.items():
        cells = []
        by_quads = {q: (s, m) for q, s, m in points}
        for size in sizes:
            quads = runs[size]["counts"]["quads"]
            s, m = by_quads.get(quads, (None, None))
            where = " (disk)" if s is not None and (stack, step, quads) in disk else ""
            cells.append("—" if s is None else f"{_duration(s)}{where}")
            cells.append("—" if m is None else f"{m:,.0f} MB")
        k = exponent(points)
        shown = "—" if k is None else f"{k:.2f}"
        if k is not None and changes_engine((stack, step), points, disk):
            shown += " (memory → disk)"
        lines.append(f"| {stack} | {step} | " + " | ".join(cells) + f" | {shown} |")
    return "\n".join(lines) + "\n"


def drawn(found: dict, disk: set) -> list[tuple[tuple[str, str], bool]]:
    """The steps of the figure: those of ``SHOWN``, then the fastest-growing ones (named above
    the table) that ``SHOWN`` leaves out; each with whether it is among the fastest-growing."""
    fastest_keys = [(stack, step) for _k, stack, step in fastest(found, disk)]
    keys = []
    for stack, prefix in SHOWN:
        key = next((k for k in found if k[0] == stack and k[1].startswith(prefix)), None)
        if key is not None:
            keys.append(key)
    keys += [key for key in fastest_keys if key not in keys]
    return [(key, key in fastest_keys) for key in keys]


def figure(runs: dict[str, dict], found: dict, disk: set, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 6.5), dpi=110)
    colours = iter(plt.get_cmap("tab20").colors)  # one colour per line (tab10 repeats after 10)
    for key, fast in drawn(found, disk):
        points = [(q, s) for q, s, _ in found[key] if s]
        if not points:
            continue
        stack = key[0]
        style = "--" if stack == "plain" else "-"
        k = exponent(found[key])
        colour = next(colours)
        memory = sorted(p for p in points if (*key, p[0]) not in disk)
        stored = sorted(p for p in points if (*key, p[0]) in disk)
        if memory and stored:  # the step ran on disk at the larger sizes: a dotted last leg
            label = f"{stack}: {key[1][:40]}  (dotted: L on disk)"
            ax.plot(*zip(*memory, strict=True), style, marker="o", label=label, color=colour)
            leg = [memory[-1], *stored]
            ax.plot(*zip(*leg, strict=True), ":", color=colour)
            ax.plot(*zip(*stored, strict=True), "s", fillstyle="none", color=colour)
            continue
        label = f"{stack}: {key[1][:48]}" + (f"  (x^{k:.2f})" if k is not None else "")
        label += "  fastest-growing" if fast else ""
        ax.plot(*zip(*sorted(points), strict=True), style, marker="o", label=label, color=colour)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("statements in the graph (S, M, L)")
    ax.set_ylabel("wall time (s)")
    ax.set_title("How each step grows with the graph (log-log; slope 1 = linear)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(out)


def main() -> int:
    runs = load()
    if not runs:
        print("no results yet: run benchmarks/run.py --size S (and M, L) first")
        return 1
    found = series(runs)
    disk = on_disk(runs)
    text = summary(found, disk) + table(runs, found, disk)
    (RESULTS / "growth.md").write_text(text, encoding="utf-8")
    figure(runs, found, disk, RESULTS / "growth.png")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
