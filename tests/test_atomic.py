"""Scratch folders: a run's temporary files, and what a killed run left of them."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from citygraph.atomic import _machine, _start_time, remove_abandoned, scratch_folder


def _dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_a_scratch_folder_is_named_after_its_process(tmp_path):
    folder = scratch_folder(tmp_path, ".dist.")
    machine, pid, started, random = folder.name.removeprefix(".dist.").split("-", 3)
    assert (machine, int(pid), int(started)) == (_machine(), os.getpid(), _start_time(os.getpid()))
    assert len(machine) == 8 and int(machine, 16) >= 0
    assert folder.is_dir() and folder.parent == tmp_path and random


def test_only_the_folders_of_processes_that_no_longer_run_are_removed(tmp_path, caplog):
    dead = _dead_pid()
    me, started, here = os.getpid(), _start_time(os.getpid()), _machine()
    elsewhere = "0123abcd" if here != "0123abcd" else "89abcdef"
    kept = [
        f".dist.{here}-{me}-{started}-abcd1234",  # a process that runs (this one)
        f".dist.{elsewhere}-{dead}-{started}-abcd1234",  # made on another machine or boot
        ".dist.abcd1234",  # made otherwise (not named after a process)
        f".dist.loading-{here}-1-2-abcd1234",  # another kind of folder
        f".other.{here}-{dead}-1-abcd1234",  # another prefix
        "dist",
    ]
    removed = [
        f".dist.{here}-{dead}-{started}-abcd1234",  # its process has ended
        f".dist.{here}-{dead}-0-x_9",  # (a system that does not tell start times)
    ]
    if started:  # Linux: this process's id with another start time is a reused id
        removed.append(f".dist.{here}-{me}-{started + 1}-abcd1234")
    for name in kept + removed:
        (tmp_path / name / "csv").mkdir(parents=True)
        (tmp_path / name / "csv" / "a.csv").write_text("a\n")
    (tmp_path / f".dist.{here}-{dead}-1-file").write_text("a file, not a folder\n")
    kept.append(f".dist.{here}-{dead}-1-file")
    with caplog.at_level(logging.WARNING, logger="citygraph"):
        gone = remove_abandoned(tmp_path, ".dist.")
    assert sorted(p.name for p in gone) == sorted(removed)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)
    assert sorted(caplog.messages) == sorted(
        f"removed {tmp_path / name}: left by an earlier run that was killed (process "
        f"{name.removeprefix('.dist.').split('-')[1]} no longer runs)"
        for name in removed
    )


def test_a_missing_folder_has_nothing_to_remove(tmp_path):
    assert remove_abandoned(tmp_path / "missing", ".dist.") == []
