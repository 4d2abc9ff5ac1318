"""Writing output files so that a failed run never leaves a half-written file behind."""

from __future__ import annotations

import os
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


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A scratch folder whose files replace those of ``target`` only if the block succeeds."""
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    _check_folder(parent)
    if target.exists() and not target.is_dir():
        raise DataError(f"{target}: exists and is not a folder")
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
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
