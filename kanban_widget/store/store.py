"""``Store``: one kanban board in one SQLite file, in the Hermes ``kanban.db`` format.

The store owns the connection and its transactions. The verbs live in small classes, one
concept each, that hold a reference to the store (as sqlite-utils' ``Table`` holds its
``Database``): ``store.tasks`` (:mod:`.tasks`), ``store.moves`` (:mod:`.moves`),
``store.links``, ``store.comments``, ``store.events``, ``store.claims``, ``store.snapshots``
and ``store.bulk_changes``. Every status change goes through one engine,
:class:`~.transitions.Transitions`, over an explicit :class:`~.transaction.Transaction`. The
public methods below are the API; each hands its work to the class that owns it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from . import schema
from .boardfile import check_openable, connect, identity, not_writable
from .boards import BoardInfo, add_board, list_boards
from .bulk import Bulk
from .claims import DEFAULT_FAILURE_LIMIT, Claims
from .comments import Comments
from .core import MAX_BUSY_TIMEOUT, inspect_without_sidecars, translate, use_wal
from .errors import BoardGone, ReadOnlyBoard, ValidationError
from .events import Events
from .graph import dependency_graph
from .links import Links
from .models import (BoardSnapshot, BulkResult, Comment, DispatchResult, Event, Task,
                     TaskDetail)
from .moves import Moves
from .paths import resolve_board_path
from .settings import Settings
from .snapshot import Snapshots
from .tasks import UNSET, Tasks, new_task_id
from .transaction import Transaction
from .transitions import DEFAULT_CLAIM_TTL

def create_board(slug: str, *, name: Optional[str] = None, description: str = "",
                 root: str | os.PathLike | None = None) -> BoardInfo:
    """Create board ``slug`` under ``root`` (default: the kanban home), as Hermes does: its
    folder, a ``board.json`` Hermes lists, and its ``kanban.db`` with the schema.

    Idempotent, like Hermes' ``POST /boards``: an existing board keeps its metadata and is
    returned as it is. ``default`` always exists. A malformed slug raises ValidationError.
    """
    return add_board(slug, lambda path: Store(path).close(), name=name,
                     description=description, root=root)


#: The identity of no file: a store that let go of its connection re-opens on its next use.
_DETACHED = object()


class Store:
    """A kanban board stored in a SQLite file that Hermes' own tools can also use.

    Example::

        from kanban_widget import Store
        with Store("kanban.db") as store:
            spec = store.create_task("Write the spec", assignee="alice")
            build = store.create_task("Build it", parents=[spec])   # todo until spec is done
            store.move_task(spec, "done", result="spec.md")          # build becomes ready
            store.board().columns["ready"]

    ``Store(path=None, *, board=None, create=False, read_only=False, busy_timeout=10.0)``:
    with no path the board is found as latest Hermes finds it (``board``, ``$KANBAN_DB``,
    ``$HERMES_KANBAN_BOARD``, ``$HERMES_KANBAN_DB``, the kanban home's ``current`` file, else
    its default board; see :mod:`.paths`). ``board="ops"`` opens one of the kanban home's boards
    (``Store.boards()`` lists them; ``create=True`` makes it, with the ``board.json`` Hermes
    lists it by). A new or empty file gets the schema; an older Hermes board gets its
    missing columns, additively. A file that is not a kanban board raises NotAKanbanDatabase
    and is left untouched; a file that cannot be written opens read-only.

    Every verb is one transaction with its events; a write that cannot get the lock within
    ``busy_timeout`` seconds raises BoardBusy and writes nothing. Everything that touches the
    connection goes through :meth:`atomic` (writes) or :meth:`reading` (consistent
    multi-statement reads), under one re-entrant lock, so a ``Store`` may be shared by the
    threads of a notebook kernel.

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
        # The nouns: each owns one concept and holds this store (its connection, its clock).
        self.tasks = Tasks(self)
        self.moves = Moves(self)
        self.links = Links(self)
        self.comments = Comments(self)
        self.events = Events(self)
        self.claims = Claims(self)
        self.snapshots = Snapshots(self)
        self.bulk_changes = Bulk(self)
        self.settings = Settings(self)
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
            inspect_without_sidecars(self.path)
        conn = self._connect()
        self.events.forget_columns()  # another file may have other columns
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
        return self.query("PRAGMA data_version", plain=True)[0][0]

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
        use_wal(self._conn, self.path, self.busy_timeout)
        if schema.missing_parts(tables) or schema.missing_indexes(self._conn):
            with self.atomic() as conn:
                # Look again under the write lock: another process may have migrated it meanwhile.
                for sql in schema.missing_parts(schema.inspect(conn, self.path)):
                    conn.execute(sql)
                for sql in schema.missing_indexes(conn):
                    conn.execute(sql)

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
    def transaction(self) -> Iterator[Transaction]:
        """:meth:`atomic`, handing out the :class:`Transaction` the verbs write through (the
        connection, this store's clock, event writing, task look-ups)."""
        with self.atomic() as conn:
            yield Transaction(conn, path=self.path, now=self.now, new_task_id=self._new_id)

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

    def query(self, sql: str, params: tuple | list | dict = (), *, plain: bool = False) -> list:
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

    _query = query  # the name older callers (the demo, tests) use

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

    def now(self) -> int:
        """The store's clock in integer Unix seconds (the time its writes are stamped with)."""
        return int(self._clock())

    _now = now  # the spelling older callers use

    def _new_id(self) -> str:
        """A new task's id; a subclass may draw them otherwise (the demo seeds them)."""
        return new_task_id(self._conn)

    # -- tasks ---------------------------------------------------------------------------------

    def get_task(self, task_id: str) -> Optional[Task]:
        """The task with this id, or None."""
        return self.tasks.get(task_id)

    def list_tasks(
        self,
        *,
        status: Optional[str] = None,
        assignee: Optional[str] = None,
        tenant: Optional[str] = None,
        include_archived: bool = False,
        limit: Optional[int] = None,
    ) -> list[Task]:
        """Tasks ordered by priority (highest first), then age, then id.

        Archived tasks are left out unless ``include_archived`` or ``status="archived"``.
        ``assignee`` matches as latest Hermes stores it (lower-cased) or exactly as given.
        Raises ValidationError for an unknown ``status``.
        """
        return self.tasks.find(status=status, assignee=assignee, tenant=tenant,
                               include_archived=include_archived, limit=limit)

    def parents_of(self, task_id: str) -> list[str]:
        """Ids of the tasks this one depends on."""
        return self.tasks.parents_of(task_id)

    def parents_of_all(self, task_ids: Iterable[str]) -> set[str]:
        """Ids of every task that any of ``task_ids`` depends on (one query per 500 ids)."""
        return self.tasks.parents_of_all(task_ids)

    def children_of(self, task_id: str) -> list[str]:
        """Ids of the tasks that depend on this one."""
        return self.tasks.children_of(task_id)

    def create_task(
        self,
        title: str,
        *,
        body: Optional[str] = None,
        assignee: Optional[str] = None,
        tenant: Optional[str] = None,
        priority: int = 0,
        parents: Iterable[str] = (),
        triage: bool = False,
        created_by: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        workspace_kind: str = "scratch",
        workspace_path: Optional[str] = None,
    ) -> str:
        """Create a task and return its id.

        It starts in ``triage`` when ``triage`` is true, else in ``todo`` while any parent is
        not done (archived parents count as done), else in ``ready``. The task, its links and
        its ``created`` event are one transaction. With an ``idempotency_key`` already used by
        a live task, that task's id is returned and nothing is written. The assignee is stored
        as latest Hermes stores profile names (stripped, lower-cased), so its
        ``list_tasks(assignee=...)`` finds the task.

        Raises ValidationError for a blank title, a bad priority or workspace kind, or unknown
        parents (named in the message).
        """
        return self.tasks.create(
            title, body=body, assignee=assignee, tenant=tenant, priority=priority,
            parents=parents, triage=triage, created_by=created_by,
            idempotency_key=idempotency_key, workspace_kind=workspace_kind,
            workspace_path=workspace_path)

    def update_task(self, task_id: str, *, title=UNSET, body=UNSET, assignee=UNSET,
                    priority=UNSET, tenant=UNSET) -> Task:
        """Change any of title, body, assignee, priority and tenant, all or nothing.

        Writes ``edited {fields}`` for title/body/tenant, ``assigned {assignee}`` and
        ``reprioritized {priority}``, each only for a value that actually changed.
        Raises TaskNotFound, ValidationError (blank title, bad priority) or TaskRunning
        (reassigning a claimed running task).
        """
        return self.tasks.update(task_id, title=title, body=body, assignee=assignee,
                                 priority=priority, tenant=tenant)

    def assign_task(self, task_id: str, assignee: Optional[str]) -> bool:
        """Hermes' ``assign_task``: set (or, with None, clear) the assignee, stored as a
        latest Hermes profile name (stripped, lower-cased).

        Returns False for an unknown task. Raises TaskRunning when the task is running under a
        claim (reclaim it first).
        """
        return self.tasks.assign(task_id, assignee)

    # -- moves ---------------------------------------------------------------------------------

    def move_task(
        self,
        task_id: str,
        status: str,
        *,
        reason: Optional[str] = None,
        result: Optional[str] = None,
        ttl_seconds: int = DEFAULT_CLAIM_TTL,
    ) -> Task:
        """Move a task to ``status`` as a drag on the board does, and return it.

        The rules (STORE.md, "Moves"; :attr:`Transitions.MOVES` in code): ``done`` takes an
        optional ``result``; ``ready`` needs every parent done; ``running`` only from ready, as
        a claim by this process; ``blocked`` takes an optional ``reason``; leaving ``running``
        releases the claim; moving to the current status does nothing. Children are promoted
        or demoted in the same transaction, each with its own event.

        Raises TaskNotFound, ValidationError (unknown status) or InvalidTransition (the message
        names the blocking parent or the current status).
        """
        return self.moves.move(task_id, status, reason=reason, result=result,
                               ttl_seconds=ttl_seconds)

    def bulk(self, task_ids: Iterable[str], *, status: Optional[str] = None, assignee=UNSET,
             priority=UNSET, archive: bool = False) -> list[BulkResult]:
        """Apply one change to many tasks in one transaction; one :class:`BulkResult` per id,
        in order: ``ok`` (with the task as it is now) or refused (with the store's message).

        The change is any of ``assignee`` (None or blank unassigns), ``priority``, and then
        either ``status`` (a move, as :meth:`move_task` makes it) or ``archive=True``. Each task
        gets the single-task verbs' rules and events (:meth:`update_task`, then
        :meth:`move_task`) in its own savepoint: a task the store refuses (unknown, running
        under a claim, waiting for a parent...) is left as it was and the others still change.

        Raises ValidationError, before writing anything, for no change, both ``status`` and
        ``archive``, an unknown status or a priority that is not a whole number; ReadOnlyBoard
        and BoardBusy as any write does (then nothing is written).
        """
        return self.bulk_changes.apply(task_ids, status=status, assignee=assignee,
                                       priority=priority, archive=archive)

    def recompute_ready(self) -> int:
        """Promote every todo task whose parents are all done (archived counts as done), with a
        ``promoted`` event each, in one set-based pass. Triage is never promoted. Returns how
        many were promoted."""
        return self.moves.recompute_ready()

    def complete_task(self, task_id: str, *, result: Optional[str] = None) -> bool:
        """Hermes' ``complete_task``: running, ready or blocked → done, children re-evaluated in
        the same transaction. False for an unknown task or any other status."""
        return self.moves.complete(task_id, result=result)

    def block_task(self, task_id: str, *, reason: Optional[str] = None) -> bool:
        """Hermes' ``block_task``: running or ready → blocked. False otherwise."""
        return self.moves.block(task_id, reason=reason)

    def unblock_task(self, task_id: str) -> bool:
        """Hermes' ``unblock_task``: blocked → ready, or → todo while a parent is not done.
        False when the task is unknown or not blocked."""
        return self.moves.unblock(task_id)

    def archive_task(self, task_id: str) -> bool:
        """Hermes' ``archive_task``: any status but archived → archived, releasing any claim.
        False when the task is unknown or already archived."""
        return self.moves.archive(task_id)

    # -- links ---------------------------------------------------------------------------------

    def link_tasks(self, parent_id: str, child_id: str) -> bool:
        """Make ``child_id`` depend on ``parent_id``. Returns False when the link existed.

        A ready child of a parent that is not done goes back to todo (with its own event).
        Raises ValidationError for a self-link or unknown ids, CycleError when the parent
        already depends on the child.
        """
        return self.links.link(parent_id, child_id)

    def unlink_tasks(self, parent_id: str, child_id: str) -> bool:
        """Remove a dependency; the child is re-evaluated at once (a todo child whose remaining
        parents are all done becomes ready). Returns whether a link was removed."""
        return self.links.unlink(parent_id, child_id)

    # -- comments and events -------------------------------------------------------------------

    def add_comment(self, task_id: str, author: str, body: str) -> int:
        """Add a comment and return its id. Raises ValidationError for a blank author or body,
        TaskNotFound for an unknown task."""
        return self.comments.add(task_id, author, body)

    def list_comments(self, task_id: str) -> list[Comment]:
        """The task's comments, oldest first."""
        return self.comments.of(task_id)

    def list_events(self, task_id: Optional[str] = None) -> list[Event]:
        """Events of one task (or of the whole board), oldest first."""
        return self.events.of(task_id)

    def events_since(self, cursor: int, limit: int = 1000) -> list[Event]:
        """Up to ``limit`` events with an id above ``cursor``, in id order: the live feed."""
        return self.events.since(cursor, limit)

    # -- claims and dispatch -------------------------------------------------------------------

    def claim_task(
        self, task_id: str, *, ttl_seconds: int = DEFAULT_CLAIM_TTL, claimer: Optional[str] = None
    ) -> Optional[Task]:
        """Compare-and-swap a ready, unclaimed task to running under ``claimer`` (default
        ``"<host>:<pid>"``) for ``ttl_seconds``. Returns the task, or None when another claimer
        won or the task is not ready."""
        return self.claims.claim(task_id, ttl_seconds=ttl_seconds, claimer=claimer)

    def heartbeat_claim(
        self, task_id: str, *, ttl_seconds: int = DEFAULT_CLAIM_TTL, claimer: Optional[str] = None
    ) -> bool:
        """Extend a running task's claim by ``ttl_seconds`` from now; only the claim's owner
        can. Returns whether it was extended. Writes no event (heartbeats are not history)."""
        return self.claims.heartbeat(task_id, ttl_seconds=ttl_seconds, claimer=claimer)

    def release_stale_claims(self) -> int:
        """Send every running task whose claim expired back to ready (``reclaimed``). Returns
        how many."""
        return self.claims.release_stale()

    def dispatch_once(
        self,
        spawn: Callable[[Task], Any],
        *,
        max_spawn: Optional[int] = None,
        dry_run: bool = False,
        ttl_seconds: int = DEFAULT_CLAIM_TTL,
        failure_limit: int = DEFAULT_FAILURE_LIMIT,
    ) -> DispatchResult:
        """One dispatcher pass: reclaim stale claims, promote ready tasks, then claim each ready,
        assigned task in priority order and hand it to ``spawn(task)``, at most ``max_spawn``.

        A pid returned by ``spawn`` is recorded with a ``spawned`` event. If ``spawn`` raises,
        the claim is released (``spawn_failed``); the ``failure_limit``-th consecutive failure
        blocks the task (``gave_up``). A dry run writes nothing and calls nothing; its result
        says what a real pass would do.
        """
        return self.claims.dispatch_once(spawn, max_spawn=max_spawn, dry_run=dry_run,
                                         ttl_seconds=ttl_seconds, failure_limit=failure_limit)

    # -- snapshot reads ------------------------------------------------------------------------

    def board(self, *, tenant: Optional[str] = None, include_archived: bool = False,
              as_of=None) -> BoardSnapshot:
        """The whole board in one read transaction: every column in order (``triage, todo,
        scheduled, ready, running, blocked, review, done``, then ``archived`` when asked, then
        any unknown statuses), cards ordered by priority desc, created_at asc, id asc; the
        distinct tenants and assignees; and the event cursor the snapshot reflects.

        ``as_of`` (a datetime, pandas Timestamp or Unix seconds): the board as it was then, a
        :class:`~kanban_widget.store.history.PastBoard` (see :mod:`.history`)."""
        if as_of is not None:  # time travel needs numpy: imported on demand (see history.py)
            from .history import past_board
            return past_board(self, as_of, tenant=tenant, include_archived=include_archived)
        return self.snapshots.board(tenant=tenant, include_archived=include_archived)

    def choices(self) -> tuple[list[str], list[str]]:
        """The board's filter choices: distinct tenants (of every task) and assignees (of tasks
        not archived), sorted."""
        return self.snapshots.choices()

    def task_detail(self, task_id: str) -> TaskDetail:
        """A task with its parents, children, comments and events, all read in one snapshot
        (what the page's drawer and ``kanban-widget show`` display). Raises TaskNotFound."""
        return self.snapshots.task_detail(task_id)

    def wip_limits(self) -> dict[str, int]:
        """The board's soft WIP limits, ``{status: limit}`` (``{}`` when none were set)."""
        return self.settings.wip_limits()

    def set_wip_limits(self, limits: Mapping[str, Optional[int]], *,
                       replace: bool = True) -> dict[str, int]:
        """Store soft WIP limits and return all of the board's limits afterwards.

        ``replace`` (default) makes ``limits`` the whole set (``{}`` clears every limit);
        ``replace=False`` changes only the statuses named (None removes one). Raises
        ValidationError for an unknown status or a limit that is not a whole number from 0 to
        MAX_WIP_LIMIT, and ReadOnlyBoard on a read-only board. Limits are soft: nothing refuses
        a move past them; the board shows the column as over its limit. They live in the file's
        own ``kanban_widget_settings`` table, made on first use, which Hermes ignores.
        """
        return self.settings.set_wip_limits(limits, replace=replace)

    def graph(self, roots=None, *, depth=None, limit=None, include_archived=True):
        """The dependency graph (see :func:`.graph.dependency_graph`): the whole board, or the
        neighbourhood of ``roots`` within ``depth`` links (None: their whole components)."""
        return dependency_graph(self, roots, depth=depth, limit=limit,
                                include_archived=include_archived)

    def running_claims(self) -> dict[str, tuple]:
        """``{task id: (claim_lock, claim_expires)}`` for every running task.

        A worker's heartbeat extends its claim without writing an event (Hermes' does), so a
        reader following the events alone would keep an old expiry; this is the cheap check
        (one indexed read of the running tasks) that catches it.
        """
        return self.snapshots.running_claims()

    def cards(self, task_ids: Iterable[str]) -> list[dict]:
        """The cards of these tasks (unknown ids are skipped), read in one snapshot."""
        return self.snapshots.cards(task_ids)

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
