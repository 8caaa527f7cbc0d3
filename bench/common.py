"""Helpers shared by the benchmarks: machine description, peak memory, data paths."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLEUALIGN = ROOT.parent / "shared" / "data" / "bleualign"
"""Default location of the Bleualign gold set: ``../shared/data/bleualign`` from the repository root."""


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def machine() -> dict[str, object]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": cores, "memory_gib": mem_gib, "python": platform.python_version()}
