"""Writing output files so that a failed run never leaves a half-written file behind."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DataError


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        raise DataError(
            f"{folder}: the output folder does not exist",
            hint="create it first, or pick another -o",
        )
    if not folder.is_dir():
        raise DataError(f"{folder}: is not a folder")
    if not os.access(folder, os.W_OK):
        raise DataError(f"{folder}: the output folder is not writable", hint="pick another -o")


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename."""
    path = Path(path)
    _check_folder(path.parent if str(path.parent) else Path("."))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


log = logging.getLogger("citygraph")


def scratch_folder(parent: Path, prefix: str) -> Path:
    """A fresh folder in ``parent`` for a run's temporary files (``tempfile.mkdtemp``), named
    after this process: ``PREFIX<machine>-<process id>-<its start time>-<random>``.

    A run removes its scratch folder when it fails or is stopped, but a process killed with
    SIGKILL (the kernel out of memory, a CI job's hard timeout, a power cut) runs no code: at
    10 M statements it leaves gigabytes behind. So the folders of the same kind in ``parent``
    whose process no longer runs are removed first (:func:`remove_abandoned`)."""
    remove_abandoned(parent, prefix)
    pid = os.getpid()
    return Path(
        tempfile.mkdtemp(prefix=f"{prefix}{_machine()}-{pid}-{_start_time(pid)}-", dir=parent)
    )


def remove_abandoned(parent: Path, prefix: str) -> list[Path]:
    """Remove the scratch folders in ``parent`` (made by :func:`scratch_folder` with this
    prefix) whose process no longer runs, and say so; the folders removed. A folder whose
    process runs, or may run, is left alone, and so is one made on another machine, another
    boot or in another container (a folder shared between them): its process id means
    nothing here."""
    pattern = re.compile(re.escape(prefix) + r"([0-9a-f]{8})-(\d+)-(\d+)-[a-z0-9_]+")
    removed: list[Path] = []
    try:
        entries = sorted(Path(parent).iterdir())
    except OSError:
        return removed
    here = _machine()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or entry.is_symlink() or not entry.is_dir():
            continue
        machine, pid, started = match.group(1), int(match.group(2)), int(match.group(3))
        if machine != here or _running(pid, started):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            removed.append(entry)
            log.warning(
                "removed %s: left by an earlier run that was killed (process %d no longer runs)",
                entry,
                pid,
            )
    return removed


def _machine() -> str:
    """Eight hex digits that name where process ids mean the same thing: this host, since its
    last boot (Linux's boot id), in this process id namespace (a container has its own)."""
    import hashlib
    import socket

    parts = [socket.gethostname()]
    try:
        parts.append(Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip())
        parts.append(str(os.stat("/proc/self/ns/pid").st_ino))
    except (OSError, UnicodeDecodeError):
        pass
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]


def _start_time(pid: int) -> int:
    """When a process started, in clock ticks since boot (Linux's /proc/PID/stat, field 22);
    0 where the system does not say. With the process id it names one process: an id is
    reused, the pair is not."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            fields = stat.read().rpartition(")")[2].split()  # (the name may hold spaces)
        return int(fields[19])
    except (OSError, ValueError, IndexError):
        return 0


def _running(pid: int, started: int) -> bool:
    """Whether the process that made a scratch folder may still run (when unsure: yes)."""
    if os.name != "posix":  # (on Windows, os.kill with signal 0 would stop the process)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it runs
        pass
    now = _start_time(pid)
    return not (started and now and now != started)  # an id reused: another process now


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A scratch folder whose files replace those of ``target`` only if the block succeeds."""
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    _check_folder(parent)
    if target.exists() and not target.is_dir():
        raise DataError(f"{target}: exists and is not a folder")
    stage = scratch_folder(parent, f".{target.name}.")
    try:
        yield stage
        target.mkdir(exist_ok=True)
        for item in sorted(stage.rglob("*")):
            if item.is_file():
                destination = target / item.relative_to(stage)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(item, destination)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
