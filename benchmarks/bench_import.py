"""Benchmark: the full ETMUN members import, reconciled and validated, as whole processes.

Runs, each as its own process measured with /usr/bin/time -v when present (else
resource.getrusage of the children):

1. import of organisations.csv (the networks), then of members.csv with --with the former;
2. ``citygraph validate --with`` both imports beside the curated data (pySHACL + quality queries).

Prints wall time, peak memory and the import's counts. Usage:
    python benchmarks/bench_import.py [--skip-validate] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ETMUN = ROOT.parent / "shared" / "datasets" / "etmun"


def measured(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one process."""
    timer = shutil.which("time") and Path("/usr/bin/time").exists()
    full = ["/usr/bin/time", "-v", *command] if timer else command
    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if timer:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peak = int(match.group(1)) / 1024 if match else float("nan")
    else:
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if done.returncode not in (0, 1):
        print(done.stderr[-2000:], file=sys.stderr)
    return wall, peak, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-validate", action="store_true")
    parser.add_argument("--out", type=Path, help="keep the outputs in this folder")
    args = parser.parse_args()
    if not (ETMUN / "members.csv").is_file():
        print(f"{ETMUN}: not found", file=sys.stderr)
        return 2
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-import-"))
    out.mkdir(parents=True, exist_ok=True)
    cg = [sys.executable, "-m", "citygraph.cli"]
    orgs, members = out / "etmun-organisations.trig", out / "etmun-members.trig"
    steps = [
        (
            "import organisations",
            [
                *cg,
                "import",
                str(ETMUN / "organisations.csv"),
                "--mapping",
                str(ROOT / "examples/etmun-organisations.yaml"),
                "-o",
                str(orgs),
            ],
        ),
        (
            "import members",
            [
                *cg,
                "import",
                str(ETMUN / "members.csv"),
                "--mapping",
                str(ROOT / "examples/etmun-members.yaml"),
                "--with",
                str(orgs),
                "-o",
                str(members),
                "--rejects",
                str(out / "rejects.csv"),
                "--report",
                str(out / "report.json"),
            ],
        ),
    ]
    if not args.skip_validate:
        steps.append(
            (
                "validate data + both imports",
                [*cg, "validate", "--no-warnings", "--with", str(orgs), "--with", str(members)],
            )
        )
    total = 0.0
    for name, command in steps:
        wall, peak, code = measured(command)
        total += wall
        print(f"{name:32s} {wall:7.1f} s  peak {peak:7.0f} MB  exit {code}")
    print(f"{'total':32s} {total:7.1f} s")
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]
    print(
        json.dumps(
            {
                k: summary[k]
                for k in (
                    "rows",
                    "imported",
                    "rejected",
                    "rejected_by_reason",
                    "actors",
                    "memberships",
                    "triples",
                )
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
