"""Opening a board file safely: SQLite's errors in the store's words, the checks made before
and after connecting, and the switch to WAL. :class:`~.store.Store` calls these; they hold no
state of their own.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from . import schema
from .boardfile import sqlite_uri
from .errors import BoardBusy, KanbanError, NotAKanbanDatabase, ReadOnlyBoard

#: The longest wait for another writer's lock a store accepts, in seconds (a day).
MAX_BUSY_TIMEOUT = 86_400.0


def translate(exc: sqlite3.Error, path: object) -> KanbanError | sqlite3.Error:
    """Turn SQLite's lock, permission and damage errors into the store's own, leaving others
    alone."""
    text = str(exc).lower()
    if not isinstance(exc, sqlite3.OperationalError) and (
            "malformed" in text or "not a database" in text):
        return NotAKanbanDatabase(
            f"{path} is damaged ({exc}); restore it from a backup, or try "
            f"`sqlite3 {path} .recover` into a new file")
    if "locked" in text or "busy" in text:
        return BoardBusy(
            f"{path} is locked by another writer and stayed locked past the busy timeout; "
            "nothing was written. Try again, or open the Store with a larger busy_timeout"
        )
    if "readonly" in text or "read-only" in text:
        return ReadOnlyBoard(f"{path} is read-only: {exc}")
    return exc


def inspect_without_sidecars(path: Path) -> None:
    """Refuse a foreign file before a read-only connection leaves ``-wal``/``-shm`` files
    beside it (a read-only connection cannot remove them). Only when there is no ``-wal`` or
    ``-journal``, so the main file holds the whole database."""
    if any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal")):
        return
    conn = sqlite3.connect(sqlite_uri(path, mode="ro", immutable="1"), uri=True)
    try:
        schema.inspect(conn, path)
    except NotAKanbanDatabase as exc:
        # "immutable" reads take no locks, so a board another process is writing right now
        # can look torn here; only a clear verdict (a foreign schema) counts. Anything else
        # is decided by the locked inspection that follows.
        if "not a usable SQLite database" in str(exc):
            return
        raise
    finally:
        conn.close()


def use_wal(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    """Switch the board to WAL (if it is not yet) and set synchronous=NORMAL.

    Two connections switching at once can deadlock on the upgrade from a read lock, and
    SQLite then answers 'locked' at once, without its busy handler: so this retries until
    the busy timeout is spent.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return
        except sqlite3.OperationalError as exc:
            error = translate(exc, path)
            if not isinstance(error, BoardBusy) or time.monotonic() >= deadline:
                raise error from None
            time.sleep(0.01)
