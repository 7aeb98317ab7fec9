"""The board file on disk: what may be opened, how SQLite names it, how to tell it was replaced.

The one rule of the board file: **only SQLite opens it** (and its ``-wal`` and ``-shm``). Closing
any descriptor of a database file drops every POSIX lock the process holds on it (SQLite's "How
To Corrupt An SQLite Database File", section 2.2); another process then believes it is the last
user, checkpoints and deletes the WAL under our open connections, and acknowledged writes
vanish. So this module looks at the file only through ``os.stat``/``os.lstat`` (no descriptor)
and leaves every read of its bytes to SQLite.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
from pathlib import Path
from typing import NamedTuple, Optional
from urllib.parse import quote, urlencode

from .errors import NotAKanbanDatabase, ReadOnlyBoard

#: Text that is not valid UTF-8 (a board written by another tool) is read with U+FFFD in place
#: of the bad bytes instead of failing the whole read. A C-level callable, so it costs little.
decode_text = functools.partial(str, encoding="utf-8", errors="replace")


class FileIdentity(NamedTuple):
    """Which file a path names right now: a replaced or re-created file has another one."""

    device: int
    inode: int


def identity(path: Path) -> Optional[FileIdentity]:
    """The identity of the file at ``path``, or None when there is none (deleted, dangling)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return FileIdentity(st.st_dev, st.st_ino)


def sqlite_uri(path: Path, **params: str) -> str:
    """A ``file:`` URI for ``path`` that SQLite reads back as exactly that path.

    Every character that means something in a URI (``#``, ``?``, ``%``, spaces...) is quoted, so
    a board called ``sprint #3?.db`` opens the file of that name and not a truncated one.
    """
    uri = "file:" + quote(os.fsencode(path), safe="/")  # bytes: any name the OS allows
    return f"{uri}?{urlencode(params)}" if params else uri


def connect(path: Path, *, read_only: bool, timeout: float) -> tuple[sqlite3.Connection, bool]:
    """Open a SQLite connection to the board file the store's way; returns it and whether it
    sees other processes' commits ("live").

    Autocommit (the store issues BEGIN itself), usable from any thread (callers serialise),
    and text that is not UTF-8 decoded with replacement characters. A read-only connection to
    a board we could write is an ordinary one with ``query_only`` set: unlike ``mode=ro`` it
    can remove the ``-wal``/``-shm`` files when it is the last to close, so reading a board
    leaves nothing behind. Where the file or folder cannot be written it is ``mode=ro``, and
    ``immutable`` (not live) when there is no ``-shm`` either: a WAL board cannot otherwise be
    read there at all (SQLite can neither create the ``-shm`` nor do without it), and nobody
    can commit to a board through a folder nobody may write.
    """
    target, uri, live = str(path), False, True
    guard = read_only and not not_writable(path)
    if read_only and not guard:
        params = {"mode": "ro"}
        if not Path(f"{path}-shm").exists() and not folder_writable(path):
            params["immutable"] = "1"
            live = False
        target, uri = sqlite_uri(path, **params), True
    conn = sqlite3.connect(target, uri=uri, timeout=timeout, isolation_level=None,
                           check_same_thread=False)
    conn.text_factory = decode_text
    if guard:
        conn.execute("PRAGMA query_only = ON")
    return conn, live


def write_over(target: Path, source: Path) -> None:
    """Replace the whole content of the board file ``target`` with that of ``source``, and
    remove ``source``.

    Through SQLite's backup API when ``target`` is a SQLite file: every connection open on it
    (a board, an agent) sees one ordinary commit, and no file is unlinked under them, which
    deleting and re-creating the board would do. Anything else at ``target`` (not SQLite, or
    nothing) is simply replaced by ``source``.
    """
    if identity(target) is not None and _backup(source, target):
        Path(source).unlink()
    else:
        os.replace(source, target)


def _backup(source: Path, target: Path) -> bool:
    """Copy ``source`` over ``target`` through SQLite; False when ``target`` is not SQLite."""
    source_conn = sqlite3.connect(sqlite_uri(source, mode="ro"), uri=True)
    target_conn = sqlite3.connect(target, timeout=30.0)
    try:
        target_conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        source_conn.backup(target_conn)
        return True
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            return False  # not SQLite: nobody has it open as a board
        raise
    finally:
        target_conn.close()
        source_conn.close()


def check_openable(path: Path, *, read_only: bool) -> bool:
    """Refuse paths SQLite must not be pointed at, with a message that says what to do.

    Returns True when a board file exists at ``path`` (False: it will be created). Raises
    NotAKanbanDatabase for a directory, a FIFO, a socket, a device or a dangling symbolic link
    (SQLite would hang on a FIFO, and create a file somewhere unexpected through a dangling
    link), and ReadOnlyBoard for a missing file that cannot be created.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(path):
            target = os.readlink(path)
            raise NotAKanbanDatabase(
                f"{path} is a symbolic link to {target}, which does not exist; fix or remove "
                "the link, or point at the board file itself") from None
        if read_only:
            raise ReadOnlyBoard(
                f"there is no board at {path} and it cannot be created read-only") from None
        return False
    if stat.S_ISDIR(st.st_mode):
        raise NotAKanbanDatabase(f"{path} is a directory; give the path of a .db file")
    if not stat.S_ISREG(st.st_mode):
        raise NotAKanbanDatabase(
            f"{path} is a {_kind(st.st_mode)}, not a file; a board is a regular SQLite file. "
            "It was left untouched")
    return st.st_size > 0


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def not_writable(path: Path) -> bool:
    """True when the file, or the folder it lives in, is not meant to be written.

    SQLite needs the folder too (for its ``-wal``, ``-shm`` and ``-journal`` files). Write bits
    are checked as well as ``os.access``, so a file or folder marked read-only stays read-only
    even for root, who could write it anyway.
    """
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    targets = (path, folder) if path.exists() else (folder,)
    return any(_no_write_access(target) for target in targets)


def folder_writable(path: Path) -> bool:
    """True when SQLite could create the ``-wal``/``-shm`` files beside ``path``."""
    return not _no_write_access(path.parent)


def _no_write_access(target: Path) -> bool:
    if not target.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return True
    return not os.access(target, os.W_OK)
