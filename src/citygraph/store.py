"""The on-disk store (``--store PATH``): loaded completely or not at all, and its manifest.

A store is loaded in a staging folder beside ``PATH`` and renamed to ``PATH`` only once every
file is in it, with a manifest (``citygraph-store.json``, inside the store) that lists the files
it was loaded from. A load that fails or is stopped leaves nothing at ``PATH``; a store is
reopened as it is, and the manifest tells which of the files asked for have changed since.
Oxigraph (and ``oxigraph serve --location PATH``) ignores the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import __version__
from .atomic import scratch_folder
from .errors import DataError

if TYPE_CHECKING:
    from .graph import SourceFile

MANIFEST = "citygraph-store.json"
T = TypeVar("T")


def read_manifest(store: Path) -> dict[str, Any] | None:
    """The manifest of a store citygraph loaded; None where there is no store yet."""
    manifest = store / MANIFEST
    if manifest.is_file():
        try:
            return json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise DataError(
                f"{manifest}: unreadable manifest ({exc})",
                hint=f"delete {store} and run the command again to load the data into it",
            ) from None
    if store.exists() and (not store.is_dir() or any(store.iterdir())):
        raise DataError(
            f"{store}: not a store that citygraph loaded completely (it has no {MANIFEST}: an "
            "earlier version or another program made it)",
            hint=f"delete {store} and run the command again to load the data into it, "
            "or give --store a new path",
        )
    return None


def _stamp(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return {"bytes": stat.st_size, "modified_ns": stat.st_mtime_ns}


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _changed(entry: dict[str, Any], path: Path) -> bool:
    """A file's content differs from when it was loaded (its hash is read only when its size
    is the same and its time is not: a checkout or a copy touches files without changing them)."""
    stamp = _stamp(path)
    if entry.get("bytes") != stamp["bytes"]:
        return True
    return entry.get("modified_ns") != stamp["modified_ns"] and entry.get("sha256") != _sha256(path)


def write_manifest(store: Path, files: list[SourceFile], *, union: bool = True) -> None:
    """``union``: whether the store holds the union of its sources as its default graph (a
    large build's temporary store does not: see ``OxigraphEngine``)."""
    manifest = {
        "made_by": f"citygraph {__version__}",
        "loaded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "union": union,
        "files": [
            {
                "path": str(f.path.resolve()),
                "label": f.label,
                "graph": f.graph,
                "extra": f.extra,
                **_stamp(f.path),
                "sha256": _sha256(f.path),
            }
            for f in files
        ],
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (store / MANIFEST).write_text(text, encoding="utf-8")


def files_of(manifest: dict[str, Any]) -> list[SourceFile]:
    """The files a store was loaded from that are still there (to name file and line)."""
    from .graph import SourceFile

    return [
        SourceFile(Path(f["path"]), f["graph"], f["label"], f["extra"])
        for f in manifest.get("files", [])
        if Path(f["path"]).is_file()
    ]


def differences(
    manifest: dict[str, Any], asked: list[SourceFile], *, compare_data: bool
) -> list[tuple[str, str]]:
    """The files asked for that the store does not hold as they are now: (label, "changed")
    for a file changed since the store was loaded, (label, "missing") for one not in it. Files
    of the data folder count only when ``compare_data`` (``--data`` given): by default a store
    is opened with whatever data it holds."""
    loaded = {f["path"]: f for f in manifest.get("files", [])}
    found = []
    for source in asked:
        if not (source.extra or compare_data):
            continue
        entry = loaded.get(str(source.path.resolve()))
        if entry is None:
            found.append((source.label, "missing"))
        elif _changed(entry, source.path):
            found.append((source.label, "changed"))
    return found


def warning(store: Path, stale: list[tuple[str, str]]) -> str:
    """One line for the person at the terminal: which files the reopened store lacks."""

    def some(labels: list[str]) -> str:
        shown = ", ".join(labels[:3])
        more = len(labels) - 3
        return f"{shown} and {more} more" if more > 0 else shown

    changed = [label for label, what in stale if what == "changed"]
    missing = [label for label, what in stale if what == "missing"]
    parts = []
    if changed:
        parts.append(f"{len(changed)} file(s) changed since it was loaded ({some(changed)})")
    if missing:
        parts.append(f"{len(missing)} file(s) are not in it ({some(missing)})")
    return (
        f"warning: the store {store} is used as it was loaded: "
        + "; ".join(parts)
        + f". Delete {store} to load them."
    )


@contextmanager
def staged_store(store: Path) -> Iterator[Path]:
    """A staging folder beside ``store``, renamed to ``store`` if the block succeeds and
    deleted if it fails (or is interrupted)."""
    parent = store.parent if str(store.parent) else Path(".")
    if not parent.is_dir():
        raise DataError(
            f"{store}: its folder {parent} does not exist", hint="create it, or pick another path"
        )
    staging = scratch_folder(parent, f".{store.name}.loading-")
    try:
        yield staging
        try:
            os.replace(staging, store)  # a folder onto a missing or empty one
        except OSError:
            if not (store / MANIFEST).is_file():
                raise
            shutil.rmtree(staging)  # another process loaded it meanwhile: that one is used
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def derived(store: Path, name: str, schema: str, compute: Callable[[], T]) -> T:
    """What ``compute`` derives from a loaded store, kept in the store's folder
    (``citygraph-NAME.pickle``) for the next command: a store's content never changes once it
    is loaded, so what was derived from it stays true. The file is used only if it was made
    from the same manifest, by the same citygraph version, for the same ``schema`` (a text that
    names the shape of the value); anything else (missing, older, unreadable) is derived
    again, and a folder that cannot be written to is only not written to.

    The file is Python's pickle: it is trusted as the store itself is (only whoever can write
    the store's folder can write it).
    """
    import gc
    import hashlib
    import pickle

    try:
        manifest = hashlib.sha256((store / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return compute()
    key = f"citygraph {__version__}; {schema}; manifest {manifest}"
    path = store / f"citygraph-{name}.pickle"
    try:
        with open(path, "rb") as handle:
            if pickle.load(handle) == key:
                gc.disable()  # millions of small objects: the collector would run for nothing
                try:
                    return pickle.load(handle)
                finally:
                    gc.enable()
    except Exception:  # noqa: BLE001 - none yet, or a damaged or foreign one: derive it again
        pass
    value = compute()
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=store)
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(key, handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(temporary, 0o644)  # readable as the store's other files are
        os.replace(temporary, path)
    except BaseException as exc:  # never a half-written file left behind
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if not isinstance(exc, OSError):  # Ctrl-C goes on; a read-only folder or a full disk
            raise  # only means that the next command derives it again
    return value


def has_union(manifest: dict[str, Any]) -> bool:
    """Whether the store holds its sources' union (stores loaded before this was recorded do)."""
    return manifest.get("union", True) is not False
