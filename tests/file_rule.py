"""The file rule's witness for tests: records every Python ``open`` of a watched path.

Only SQLite may open a board file, its ``-wal`` or its ``-shm``: a Python ``open()``/``close()``
drops the process's POSIX locks (the bug behind lost writes). SQLite's own opens raise no
audit event, so anything recorded here broke the rule.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterator

_OPENED: list[str] = []
_WATCHING: list[str] = []


def _audit(event, args):
    if event == "open" and _WATCHING and args and isinstance(args[0], (str, bytes, os.PathLike)):
        name = os.fsdecode(args[0])
        if any(name.startswith(prefix) for prefix in _WATCHING):
            _OPENED.append(name)


sys.addaudithook(_audit)  # once per process: audit hooks cannot be removed


@contextmanager
def python_opens_of(path) -> Iterator[list[str]]:
    """Inside: every Python open of ``path`` or a name beginning with it (``-wal``, ``-shm``),
    collected in the list it yields."""
    prefix = str(path)
    start = len(_OPENED)
    found: list[str] = []
    _WATCHING.append(prefix)
    try:
        yield found
    finally:
        _WATCHING.remove(prefix)
        found.extend(_OPENED[start:])
        del _OPENED[start:]
