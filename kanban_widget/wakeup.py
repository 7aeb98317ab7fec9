"""How the watching thread sleeps: until the board's files change, it is poked, or time is up.

On Linux the operating system says when the board file or its ``-wal`` changes (inotify, through
``inotify_simple``), so the first commit after any quiet spell wakes the thread at once and an
idle board costs nothing between the fallback checks. Elsewhere, or when inotify cannot be had
(its watch limit reached, a filesystem without it), the thread polls as before. A network
filesystem may not report another host's writes at all: the caller keeps a slow fallback poll
even when notifications work.

Only a watch on the board's *folder* is taken: inotify needs no descriptor of the board file
(see the file rule in :mod:`kanban_widget.store.boardfile`).
"""

from __future__ import annotations

import logging
import os
import select
from pathlib import Path

log = logging.getLogger(__name__)

try:  # a dependency on Linux only (see pyproject.toml)
    from inotify_simple import INotify, flags
except ImportError:  # pragma: no cover - other platforms
    INotify = None


class Wakeup:
    """Sleep until ``path`` (or its ``-wal`` or ``-journal``) changes, :meth:`poke` is called,
    or the timeout passes. (Changes to ``-shm`` are writes to shared memory that report
    nothing, and readers make them too.)"""

    def __init__(self, path: Path):
        self._names = {path.name + suffix for suffix in ("", "-wal", "-journal")}
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._read_end, False)
        os.set_blocking(self._write_end, False)
        self._inotify = None
        if INotify is not None:
            try:
                inotify = INotify()
                try:
                    inotify.add_watch(str(path.parent), flags.MODIFY | flags.CREATE | flags.DELETE
                                      | flags.MOVED_TO | flags.MOVED_FROM)
                except OSError:
                    inotify.close()
                    raise
                self._inotify = inotify
            except OSError as exc:  # the per-user watch or instance limit, or no inotify here
                log.info("board sync: no file notifications for %s (%s); polling", path, exc)

    @property
    def notified(self) -> bool:
        """True when the operating system reports changes (else only polling finds them)."""
        return self._inotify is not None

    def poke(self) -> None:
        """Wake the sleeper now (safe from any thread)."""
        try:
            os.write(self._write_end, b"!")
        except (BlockingIOError, OSError):
            pass  # already pending, or closed

    def wait(self, timeout: float) -> bool:
        """Sleep at most ``timeout`` seconds; True when woken by a change or a poke."""
        sources = [self._read_end] + ([self._inotify] if self._inotify is not None else [])
        try:
            ready, _, _ = select.select(sources, [], [], timeout)
        except (OSError, ValueError):  # closed under us
            return True
        woke = False
        if self._read_end in ready:
            try:
                while os.read(self._read_end, 512):
                    pass
            except BlockingIOError:
                pass
            woke = True
        if self._inotify is not None and self._inotify in ready:
            events = self._inotify.read(timeout=0)
            woke = woke or any(event.name in self._names for event in events)
        return woke

    def close(self) -> None:
        for fd in (self._read_end, self._write_end):
            try:
                os.close(fd)
            except OSError:
                pass
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
