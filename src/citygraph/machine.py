"""What the machine gives a build: the memory this process can still take.

In a container (Docker, Kubernetes, most CI runners) ``/proc/meminfo`` tells the host's memory,
not the container's: a build that trusted it alone would keep a large graph in memory and be
stopped by the kernel (SIGKILL, no message) when it reached the container's limit. So the limit
of the process's control group is read too (cgroup v2 ``memory.max``, or v1's hierarchical
limit), and the smaller of the two is what is available. Linux only; elsewhere the system does
not say, and the caller decides without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CGROUPS = Path("/sys/fs/cgroup")
# cgroup v1 writes "no limit" as a huge number (PAGE_COUNTER_MAX pages): anything above this is
# no limit
_UNLIMITED = 1 << 60


@dataclass(frozen=True)
class GroupMemory:
    """The memory limit of the process's control group (the tightest one on its path) and
    what the group uses of it, less the file cache the kernel can take back (``inactive_file``,
    as Kubernetes counts its working set)."""

    limit: int
    used: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)


def available_memory(proc: Path = PROC, cgroups: Path = CGROUPS) -> int | None:
    """Bytes of memory this process can still take without swapping or reaching its control
    group's limit: the system's ``MemAvailable``, or what the group's limit leaves, whichever
    is smaller. None where neither is known."""
    system = _system_available(proc)
    group = group_memory(proc, cgroups)
    if group is None:
        return system
    return group.left if system is None else min(system, group.left)


def group_memory(proc: Path = PROC, cgroups: Path = CGROUPS) -> GroupMemory | None:
    """The control group's memory limit and use, or None if it has no limit (or this is not
    Linux)."""
    try:
        lines = (proc / "self" / "cgroup").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for line in lines:
        number, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if number == "0" and controllers == "":
            found = _v2(cgroups, path)
        elif "memory" in controllers.split(","):
            found = _v1(cgroups / "memory", path)
        else:
            continue
        if found is not None:
            return found
    return None


def _system_available(proc: Path) -> int | None:
    """Linux's ``MemAvailable``: what a new process can take without swapping."""
    try:
        with open(proc / "meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _folders(root: Path, path: str) -> list[Path]:
    """The group's folder and its parents up to ``root``. In a container with its own cgroup
    namespace the group is the root itself, whatever ``/proc/self/cgroup`` says of the host's
    path: then only the root."""
    leaf = root / path.strip("/")
    if not leaf.is_dir() or root not in (leaf, *leaf.parents):
        return [root]
    return [leaf, *[p for p in leaf.parents if root in (p, *p.parents)]]


def _v2(root: Path, path: str) -> GroupMemory | None:
    """cgroup v2: the smallest ``memory.max`` on the path, and that group's use."""
    tightest: tuple[int, Path] | None = None
    for folder in _folders(root, path):
        limit = _number(folder / "memory.max")  # (None for "max": no limit there)
        if limit is not None and (tightest is None or limit < tightest[0]):
            tightest = (limit, folder)
    if tightest is None:
        return None
    limit, folder = tightest
    current = _number(folder / "memory.current")
    if current is None:
        return None
    return GroupMemory(limit, max(current - _stats(folder).get("inactive_file", 0), 0))


def _v1(root: Path, path: str) -> GroupMemory | None:
    """cgroup v1: the hierarchical limit (the smallest of the group and its parents)."""
    folder = _folders(root, path)[0]
    stats = _stats(folder)
    limit = stats.get("hierarchical_memory_limit") or _number(folder / "memory.limit_in_bytes")
    if not limit or limit >= _UNLIMITED:
        return None
    usage = _number(folder / "memory.usage_in_bytes")
    if usage is None:
        return None
    return GroupMemory(limit, max(usage - stats.get("total_inactive_file", 0), 0))


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _number(path: Path) -> int | None:
    text = _read(path)
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _stats(folder: Path) -> dict[str, int]:
    """The group's ``memory.stat``, read once (a value that is not a number is left out)."""
    stats = {}
    for line in (_read(folder / "memory.stat") or "").splitlines():
        name, _, value = line.partition(" ")
        try:
            stats[name] = int(value)
        except ValueError:
            continue
    return stats
