"""The store's foundation: opening a board file safely, transactions, the clock, event writing.

Everything that touches the connection goes through :meth:`StoreBase.atomic` (writes) or
:meth:`StoreBase.reading` (consistent multi-statement reads), under one re-entrant lock, so a
``Store`` may be shared by the threads of a notebook kernel.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Optional

from . import schema
from .boardfile import check_openable, connect, identity, not_writable, sqlite_uri
from .boards import create_board, list_boards
from .errors import (BoardBusy, BoardGone, KanbanError, NotAKanbanDatabase, ReadOnlyBoard,
                     ValidationError)
from .paths import resolve_board_path


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


#: The longest wait for another writer's lock a store accepts, in seconds (a day).
MAX_BUSY_TIMEOUT = 86_400.0

#: The identity of no file: a store that let go of its connection re-opens on its next use.
_DETACHED = object()


class StoreBase:
    """Opens the board file and owns its connection; the verbs live in the mixins.

    ``live`` is False when the board was opened from a folder SQLite cannot write, where it can
    read the file but not see other processes' commits.

    The connection follows the path, not the file: when the file at ``path`` is replaced (a
    restore from backup, ``mv new.db kanban.db``), the next transaction re-opens it, so a write
    never lands in a file that no longer has a name. A deleted board raises BoardGone.
    """

    def __init__(
        self,
        path: str | os.PathLike | None = None,
        *,
        board: Optional[str] = None,
        create: bool = False,
        read_only: bool = False,
        busy_timeout: float = 10.0,
        clock: Optional[Callable[[], float]] = None,
    ):
        self.path = self.resolve_path(path, board=board, create=create)
        if create and board is not None:
            create_board(board)  # its board.json too, so latest Hermes lists what we create
        self.busy_timeout = float(busy_timeout)
        if not 0 <= self.busy_timeout <= MAX_BUSY_TIMEOUT:  # also refuses nan
            raise ValueError(
                f"busy_timeout must be between 0 and {MAX_BUSY_TIMEOUT:g} seconds, got "
                f"{busy_timeout!r} (SQLite stops waiting at all past about 24 days)")
        self._clock = clock or time.time
        self._lock = threading.RLock()
        self._depth = 0
        self._asked_read_only = bool(read_only)
        self._conn: Optional[sqlite3.Connection] = None
        self._identity: object = _DETACHED
        self._closed = False
        self._open()

    @staticmethod
    def resolve_path(path: str | os.PathLike | None, board: Optional[str] = None, *,
                     create: bool = False) -> Path:
        """The absolute path ``Store(path)`` or ``Store(board=...)`` opens: ``~`` expanded;
        with neither, the board found as Hermes finds it (:mod:`.paths`).

        Raises ValidationError for both at once or a malformed slug, and BoardNotFound (naming
        the boards there are) for a board that does not exist, unless ``create``.
        """
        if path is not None and board is not None:
            raise ValidationError(
                f"give a path or a board, not both (got path={str(path)!r} and board={board!r}): "
                "a path names any board file, a board one of the kanban home's boards")
        if path is not None:
            return Path(path).expanduser().absolute()
        return resolve_board_path(board, create=create and board is not None)

    #: ``Store.boards(root=None)``: the boards latest Hermes lists (see :mod:`.boards`).
    boards = staticmethod(list_boards)

    #: ``Store.create_board(slug, *, name=None, description="", root=None)``: a new board
    #: latest Hermes lists (see :mod:`.boards`).
    create_board = staticmethod(create_board)

    # -- opening -------------------------------------------------------------------------------

    def _open(self) -> None:
        """Check the path, connect, and bring a writable board's schema up to date.

        Nothing here opens the file except SQLite (see :mod:`.boardfile`): a foreign or damaged
        file is recognised by SQLite's own reading of it, and left as it was.
        """
        exists = check_openable(self.path, read_only=self._asked_read_only)
        if not exists and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only = self._asked_read_only or not_writable(self.path)
        if not exists and self.read_only:
            raise ReadOnlyBoard(f"there is no board at {self.path} and its folder cannot be "
                                "written; create it somewhere writable")
        if self.read_only:
            self._inspect_without_sidecars()
        conn = self._connect()
        self._has_run_id = None  # asked again of this file (tasks.py caches the answer)
        try:
            self._conn = conn
            self._identity = identity(self.path)
            self._prepare()
        except BaseException:
            conn.close()
            self._conn, self._identity = None, _DETACHED
            raise

    def file_replaced(self) -> bool:
        """True when the path names another file than the one this store has open, or none
        (a restore, ``mv new.db kanban.db``, a deletion). Only a ``stat``: cheap to ask often."""
        return identity(self.path) != self._identity

    def follow_path(self) -> None:
        """Make sure the connection is to the file the path names now (every transaction does
        this first).

        A board replaced on disk is re-opened (and checked again); a deleted one raises
        BoardGone rather than letting a write land in an unlinked file.
        """
        with self._lock:
            now = identity(self.path)
            if now == self._identity or self._closed:
                return
            if now is None:
                raise BoardGone(
                    f"the board file {self.path} was deleted while it was open; nothing was "
                    "written. Restore it, or open another board")
            # Close first: the -wal and -shm are named after the path, so the old file's must be
            # checkpointed and removed (by the last connection to it closing) before the new
            # file is opened beside them.
            self.let_go()
            self._open()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this store's connection: it changes whenever
        another connection commits to the file, so it is the cheap way to notice a change."""
        return self._query("PRAGMA data_version", plain=True)[0][0]

    def let_go(self) -> None:
        """Close the connection now; the next transaction opens whatever file the path names
        then. Used when the file was replaced, so every connection to the old one can close
        before any opens the new one."""
        with self._lock:
            if self._conn is not None:
                if not self.read_only:
                    # SQLite neither checkpoints nor removes the WAL of a file that was renamed
                    # or unlinked, and the next connection to the new file would read those
                    # frames as its own: write them into the old file and empty the WAL first.
                    try:
                        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    except sqlite3.Error:
                        pass  # another connection is mid-transaction; nothing more we can do
                self._conn.close()
                self._conn = None
            self._identity = _DETACHED

    def _inspect_without_sidecars(self) -> None:
        """Refuse a foreign file before a read-only connection leaves ``-wal``/``-shm`` files
        beside it (a read-only connection cannot remove them). Only when there is no ``-wal`` or
        ``-journal``, so the main file holds the whole database."""
        if any(Path(f"{self.path}{suffix}").exists() for suffix in ("-wal", "-journal")):
            return
        conn = sqlite3.connect(sqlite_uri(self.path, mode="ro", immutable="1"), uri=True)
        try:
            schema.inspect(conn, self.path)
        except NotAKanbanDatabase as exc:
            # "immutable" reads take no locks, so a board another process is writing right now
            # can look torn here; only a clear verdict (a foreign schema) counts. Anything else
            # is decided by the locked inspection that follows.
            if "not a usable SQLite database" in str(exc):
                return
            raise
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn, self.live = connect(self.path, read_only=self.read_only, timeout=self.busy_timeout)
        conn.row_factory = sqlite3.Row
        return conn

    def _prepare(self) -> None:
        try:
            tables = schema.inspect(self._conn, self.path)
        except sqlite3.OperationalError as exc:
            raise translate(exc, self.path) from None
        if self.read_only:
            if not tables.get("tasks"):
                raise ReadOnlyBoard(f"{self.path} holds no board yet and is read-only")
            return
        self._use_wal()
        if schema.missing_parts(tables) or schema.missing_indexes(self._conn):
            with self.atomic() as conn:
                # Look again under the write lock: another process may have migrated it meanwhile.
                for sql in schema.missing_parts(schema.inspect(conn, self.path)):
                    conn.execute(sql)
                for sql in schema.missing_indexes(conn):
                    conn.execute(sql)

    def _use_wal(self) -> None:
        """Switch the board to WAL (if it is not yet) and set synchronous=NORMAL.

        Two connections switching at once can deadlock on the upgrade from a read lock, and
        SQLite then answers 'locked' at once, without its busy handler: so this retries until
        the busy timeout is spent.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode.lower() != "wal":
                    self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                return
            except sqlite3.OperationalError as exc:
                error = translate(exc, self.path)
                if not isinstance(error, BoardBusy) or time.monotonic() >= deadline:
                    raise error from None
                time.sleep(0.01)

    # -- transactions --------------------------------------------------------------------------

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: ``BEGIN IMMEDIATE``, or a savepoint when nested.

        Everything inside commits together or not at all. Raises ReadOnlyBoard on a read-only
        board and BoardBusy when the write lock cannot be had within ``busy_timeout``.
        """
        if self.read_only:
            raise ReadOnlyBoard(f"{self.path} was opened read-only; open it writable to change it")
        with self._lock:
            depth = self._depth
            savepoint = f"kanban_sp{depth}"
            if depth == 0:
                self.follow_path()
            try:
                self._conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {savepoint}")
            except sqlite3.OperationalError as exc:
                raise translate(exc, self.path) from None
            self._depth += 1
            try:
                yield self._conn
            except BaseException as exc:
                self._depth = depth
                # SQLite may already have rolled back by itself (after SQLITE_FULL, an
                # interrupt...): then there is nothing to undo, and the original error is the news.
                if self._conn.in_transaction:
                    if depth == 0:
                        self._conn.execute("ROLLBACK")
                    else:
                        self._conn.execute(f"ROLLBACK TO {savepoint}")
                        self._conn.execute(f"RELEASE {savepoint}")
                error = translate(exc, self.path) if isinstance(exc, sqlite3.DatabaseError) else exc
                if error is exc:
                    raise
                raise error from None
            self._depth = depth
            try:
                self._conn.execute("COMMIT" if depth == 0 else f"RELEASE {savepoint}")
            except sqlite3.OperationalError as exc:
                if depth == 0 and self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise translate(exc, self.path) from None

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement inside sees the same snapshot of the board."""
        with self._lock:
            if self._depth or (self._conn is not None and self._conn.in_transaction):
                yield self._conn
                return
            self.follow_path()
            try:
                self._conn.execute("BEGIN")
            except sqlite3.OperationalError as exc:
                raise translate(exc, self.path) from None
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                error = translate(exc, self.path)
                if error is exc:
                    raise
                raise error from None
            finally:
                if self._conn.in_transaction:
                    try:
                        self._conn.execute("COMMIT")
                    except sqlite3.Error:  # after a failed read (a damaged page, say)
                        if self._conn.in_transaction:
                            self._conn.execute("ROLLBACK")

    def _query(self, sql: str, params: tuple | list | dict = (), *,
               plain: bool = False) -> list:
        """Run one read and return its rows (``sqlite3.Row``, or tuples with ``plain``), with
        SQLite's lock and damage errors turned into the store's own."""
        with self._lock:
            if not self._depth and (self._conn is None or not self._conn.in_transaction):
                self.follow_path()
            try:
                cursor = self._conn.cursor()
                if plain:
                    cursor.row_factory = None
                return cursor.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                error = translate(exc, self.path)
                if error is exc:
                    raise
                raise error from None

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Within the block, writes wait at most ``seconds`` (never more than ``busy_timeout``)
        for another process's write lock before raising BoardBusy.

        For callers that must answer quickly (the widget answering its page on the kernel's
        main thread). SQLite's busy timeout belongs to the connection, so the block holds the
        store's lock: other threads wait for it rather than inherit the short timeout.
        """
        with self._lock:
            self.follow_path()  # the connection the block will use
            wait = min(float(seconds), self.busy_timeout)
            self._conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            try:
                yield
            finally:
                if self._conn is not None:
                    self._conn.execute(
                        f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    # -- helpers for the verbs -----------------------------------------------------------------

    def now(self) -> int:
        """The store's clock in integer Unix seconds (the time its writes are stamped with)."""
        return int(self._clock())

    _now = now  # the verbs' spelling

    def _event(self, task_id: str, kind: str, payload: Optional[dict] = None) -> None:
        """Append one event; must run inside :meth:`atomic`. An empty payload is stored as NULL,
        as Hermes does."""
        self._conn.execute(
            "INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
            (task_id, kind, json.dumps(payload, ensure_ascii=False) if payload else None, self._now()),
        )

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection. The store cannot be used afterwards."""
        with self._lock:
            self._closed = True
            if self._conn is not None:
                self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = " read-only" if self.read_only else ""
        return f"<Store{mode} {self.path}>"

