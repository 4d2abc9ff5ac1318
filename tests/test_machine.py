"""The memory a build can take: the system's, or its control group's limit (a container's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citygraph.machine import GroupMemory, available_memory, group_memory

GB = 10**9
HOST_AVAILABLE = 20 * GB  # what the host's /proc/meminfo says is available


def _proc(tmp_path: Path, cgroup: str, meminfo: bool = True) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text(cgroup)
    if meminfo:
        (proc / "meminfo").write_text(
            f"MemTotal:       24684096 kB\nMemFree:         1000000 kB\n"
            f"MemAvailable:   {HOST_AVAILABLE // 1024} kB\n"
        )
    return proc


def _files(folder: Path, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_", ".", 1)).write_text(text)


def test_a_cgroup_v2_limit_leaves_its_limit_less_what_the_group_uses(tmp_path):
    """A container of 8 GB that uses 3 GB, 1 GB of which is file cache the kernel can take
    back: 6 GB are left, not the host's 20 GB."""
    proc = _proc(tmp_path, "0::/\n")
    cgroups = tmp_path / "cgroup"
    _files(
        cgroups,
        memory_max=f"{8 * GB}\n",
        memory_current=f"{3 * GB}\n",
        memory_stat=f"anon {2 * GB}\nfile {GB}\ninactive_file {GB}\nactive_file 0\n",
    )
    assert group_memory(proc, cgroups) == GroupMemory(limit=8 * GB, used=2 * GB)
    assert available_memory(proc, cgroups) == 6 * GB


def test_the_tightest_limit_on_the_group_s_path_counts(tmp_path):
    """On a host (no cgroup namespace), the process's group is a folder under the root: a
    parent's smaller limit is the one that stops it, with the parent's use."""
    proc = _proc(tmp_path, "0::/user.slice/build.scope\n")
    cgroups = tmp_path / "cgroup"
    _files(cgroups / "user.slice", memory_max=f"{5 * GB}\n", memory_current=f"{4 * GB}\n")
    _files(
        cgroups / "user.slice" / "build.scope",
        memory_max="max\n",
        memory_current=f"{GB}\n",
    )
    assert group_memory(proc, cgroups) == GroupMemory(limit=5 * GB, used=4 * GB)
    assert available_memory(proc, cgroups) == GB


def test_the_host_s_memory_counts_when_it_is_the_smaller(tmp_path):
    proc = _proc(tmp_path, "0::/\n")
    cgroups = tmp_path / "cgroup"
    _files(cgroups, memory_max=f"{64 * GB}\n", memory_current=f"{GB}\n")
    assert available_memory(proc, cgroups) == HOST_AVAILABLE


@pytest.mark.parametrize(
    "cgroup_files",
    [
        {"memory_max": "max\n", "memory_current": "1000\n"},  # no limit
        {},  # no memory controller in this group
        {"memory_max": "lots\n", "memory_current": "1000\n"},  # unreadable: ignored
        {"memory_max": f"{GB}\n"},  # a limit but no use: ignored
    ],
    ids=["max", "none", "garbage", "no-current"],
)
def test_without_a_known_v2_limit_the_host_s_memory_counts(tmp_path, cgroup_files):
    proc = _proc(tmp_path, "0::/\n")
    cgroups = tmp_path / "cgroup"
    _files(cgroups, **cgroup_files)
    assert group_memory(proc, cgroups) is None
    assert available_memory(proc, cgroups) == HOST_AVAILABLE


def test_a_cgroup_v1_hierarchical_limit(tmp_path):
    """cgroup v1 (this machine's kind): the memory controller's own hierarchy, whose
    ``hierarchical_memory_limit`` is already the smallest on the path. The host's path in
    /proc/self/cgroup does not exist in a container's view: the mount's root is the group."""
    proc = _proc(tmp_path, "5:devices:/x\n4:memory:/process_api/0123abcd\n0::/\n")
    cgroups = tmp_path / "cgroup"
    _files(
        cgroups / "memory",
        memory_limit_in_bytes="9223372036854771712\n",
        memory_usage_in_bytes=f"{7 * GB}\n",
        memory_stat=f"cache {4 * GB}\nhierarchical_memory_limit {10 * GB}\n"
        f"total_inactive_file {3 * GB}\n",
    )
    assert group_memory(proc, cgroups) == GroupMemory(limit=10 * GB, used=4 * GB)
    assert available_memory(proc, cgroups) == 6 * GB


def test_an_unlimited_cgroup_v1_group(tmp_path):
    """v1 writes "no limit" as 2^63 rounded down to a page: the host's memory counts."""
    proc = _proc(tmp_path, "4:memory:/\n")
    cgroups = tmp_path / "cgroup"
    _files(
        cgroups / "memory",
        memory_limit_in_bytes="9223372036854771712\n",
        memory_usage_in_bytes=f"{7 * GB}\n",
        memory_stat="hierarchical_memory_limit 9223372036854771712\n",
    )
    assert group_memory(proc, cgroups) is None
    assert available_memory(proc, cgroups) == HOST_AVAILABLE


def test_a_limit_without_meminfo_is_still_a_limit(tmp_path):
    proc = _proc(tmp_path, "0::/\n", meminfo=False)
    cgroups = tmp_path / "cgroup"
    _files(cgroups, memory_max=f"{2 * GB}\n", memory_current=f"{GB}\n")
    assert available_memory(proc, cgroups) == GB


def test_a_system_that_says_nothing(tmp_path):
    """Not Linux (no /proc): None, and the build decides without it (on disk)."""
    assert available_memory(tmp_path / "no-proc", tmp_path / "no-cgroup") is None


def test_a_group_over_its_limit_has_nothing_left():
    assert GroupMemory(limit=GB, used=2 * GB).left == 0
