"""How the watching thread sleeps: until the board's files change, it is poked, or time is up.

On Linux the operating system says when the board file or its ``-wal`` changes (inotify, through
``inotify_simple``), so the first commit after any quiet spell wakes the thread at once and an
idle board costs nothing between the (rare) fallback checks. Elsewhere, or when inotify cannot
be had (its watch limit reached, a filesystem without it), the thread polls as before.

A network filesystem (NFS, SMB/CIFS, sshfs and other FUSE mounts, 9p, Ceph, Lustre, Gluster…)
reports only this host's writes, never another host's: there :attr:`Wakeup.notified` is False
and the caller polls as if there were no notifications (they still wake it early for local
writes). The folder's filesystem is read from ``/proc/self/mountinfo``
(:func:`filesystem_type`). An overflow of inotify's queue (events were lost) counts as a wake;
a watch the kernel drops (the folder was removed) ends notifications, and polling takes over.

Only a watch on the board's *folder* is taken: inotify needs no descriptor of the board file
(see the file rule in :mod:`kanban_widget.store.boardfile`), and ``/proc`` is no board file.
"""

from __future__ import annotations

import logging
import os
import re
import select
from pathlib import Path
from typing import Optional

log = logging.getLogger(__name__)

#: Filesystem types (as ``/proc/self/mountinfo`` names them) whose other clients' writes raise no
#: inotify event here. Any FUSE filesystem (``fuse``, ``fuse.sshfs``…) counts too, except
#: ``fuseblk`` (a local disk through FUSE, such as NTFS).
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "9p", "ceph", "lustre",
    "glusterfs", "gpfs", "afs", "ocfs2", "gfs2", "beegfs", "orangefs", "pvfs2", "coda",
    "davfs", "virtiofs",
})

try:  # a dependency on Linux only (see pyproject.toml)
    from inotify_simple import INotify, flags
except ImportError:  # pragma: no cover - other platforms
    INotify = None


def unescape_mount_field(field: str) -> str:
    """A mountinfo field as the path it names: the kernel writes space, tab, newline and
    backslash as three-digit octal escapes (``\\040`` for a space)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> list[tuple[str, str]]:
    """``(mount point, filesystem type)`` per line of ``/proc/<pid>/mountinfo`` text (fields:
    id, parent, major:minor, root, mount point, options, optional fields…, ``-``, type, …)."""
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if "-" not in fields[6:]:
            continue  # not a mountinfo line
        dash = fields.index("-", 6)
        if dash + 1 < len(fields):
            mounts.append((unescape_mount_field(fields[4]), fields[dash + 1]))
    return mounts


def mount_of(path: str, mounts: list[tuple[str, str]]) -> Optional[tuple[str, str]]:
    """The mount ``path`` (absolute, symlinks resolved) lives on: the deepest mount point that
    is ``path`` or one of its folders (the last mounted wins where two share a point)."""
    best = None
    for point, fstype in mounts:
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fstype)
    return best


def filesystem_type(path) -> Optional[str]:
    """The type of the filesystem ``path`` lives on (``ext4``, ``nfs4``, ``fuse.sshfs``…), from
    ``/proc/self/mountinfo``; None where that cannot be read (not Linux)."""
    try:
        text = Path("/proc/self/mountinfo").read_text(errors="replace")
    except OSError:
        return None
    found = mount_of(os.path.realpath(path), parse_mountinfo(text))
    return found[1] if found else None


def is_network_filesystem(fstype: Optional[str]) -> bool:
    """True for a filesystem whose other clients' writes inotify does not report here."""
    if not fstype:
        return False
    return fstype in NETWORK_FILESYSTEMS or fstype == "fuse" or fstype.startswith("fuse.")


class Wakeup:
    """Sleep until ``path`` (or its ``-wal`` or ``-journal``) changes, :meth:`poke` is called,
    or the timeout passes. (Changes to ``-shm`` are writes to shared memory that report
    nothing, and readers make them too.)"""

    def __init__(self, path: Path):
        self._names = {path.name + suffix for suffix in ("", "-wal", "-journal")}
        self._folder = path.parent
        self._read_end, self._write_end = os.pipe()
        os.set_blocking(self._read_end, False)
        os.set_blocking(self._write_end, False)
        self._inotify = None
        self.filesystem = filesystem_type(path.parent)
        # Another host's writes make no event on a network filesystem: notifications there are
        # only an early wake for this host's, and the caller must keep polling.
        self.remote = is_network_filesystem(self.filesystem)
        if self.remote:
            log.info("board sync: %s is on %s, a network filesystem; polling", path,
                     self.filesystem)
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
        """True when the operating system reports every change (else polling must find them:
        no inotify, or a network filesystem)."""
        return self._inotify is not None and not self.remote

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
            woke = self._read_events() or woke
        return woke

    def _read_events(self) -> bool:
        """Read what inotify queued; True when it concerns the board (or events were lost)."""
        woke = False
        for event in self._inotify.read(timeout=0):
            if event.mask & flags.Q_OVERFLOW:
                woke = True  # events were dropped: one of them may have been a commit
            elif event.mask & flags.IGNORED:
                # The watch is gone (the folder was removed or unmounted): no more events will
                # come, so say so and let the caller poll.
                log.info("board sync: the watch on %s ended; polling", self._folder)
                self._inotify.close()
                self._inotify = None
                return True
            elif event.name in self._names:
                woke = True
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
