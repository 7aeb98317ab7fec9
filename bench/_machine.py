"""What a benchmark ran on, for the header of every results table."""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
import sqlite3
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what platform knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_info(**extra) -> dict:
    """Date, host, cores, CPU, Python, SQLite, platform and load average, plus ``extra``."""
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "host": socket.gethostname(),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan"),
        **extra,
    }
