"""Opening a board for analytics: read-only, validated, and fetched fast.

Analytics never writes and never leans on ``Store`` internals: it opens the SQLite file itself
in read-only mode, checks that it is a kanban board, and reads the Hermes tables with plain SQL.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import pandas as pd

from ..store.boardfile import connect
from ..store._columns import fetch_columns  # noqa: F401  (re-exported for the views)
from ..store.errors import BoardNotFound, NotAKanbanDatabase, ValidationError
from ..store.vocabulary import (EVENT_ALIASES, STATUSES, UNASSIGNED,  # noqa: F401
                                normalize_assignee, status_order)

class UnreadableBoard(NotAKanbanDatabase, ValueError):
    """The file is not a SQLite kanban board, or cannot be opened read-only."""


#: The dtype pandas gives text columns: ``str`` on pandas 3, ``object`` on pandas 2. Empty
#: frames use it too, so an empty board has the same dtypes as a full one.
TEXT = pd.Series(["x"]).dtype

#: The columns without which a ``tasks`` table is not a kanban board.
_CORE_TASK_COLUMNS = {"id", "title", "status", "created_at"}
_CORE_EVENT_COLUMNS = {"id", "task_id", "kind", "created_at"}


@dataclass(frozen=True)
class Board:
    """An open read-only connection plus what the schema holds (old boards lack some columns)."""

    conn: sqlite3.Connection
    path: Path
    task_columns: frozenset
    tables: frozenset

    def col(self, name: str, alias: str = "t") -> str:
        """SQL for a ``tasks`` column, or NULL when this board's table predates it."""
        return f"{alias}.{name}" if name in self.task_columns else "NULL"


def resolve_path(src) -> Path:
    """The board file ``src`` names: a ``Store`` (anything with ``.path``) or a path."""
    raw = getattr(src, "path", src)
    try:
        return Path(os.fspath(raw))
    except TypeError:
        raise TypeError(
            f"analytics needs a Store or the path of a kanban.db file, got {type(src).__name__}"
        ) from None


@contextmanager
def open_board(src) -> Iterator[Board]:
    """Open ``src`` read-only and check it is a kanban board; close it afterwards.

    Raises BoardNotFound (a KanbanError and FileNotFoundError) when the file does not exist
    and UnreadableBoard (a NotAKanbanDatabase and ValueError) when it is not a SQLite kanban
    board, each naming the path.
    """
    path = resolve_path(src)
    if not path.is_file():
        raise BoardNotFound(
            f"no kanban board at {str(path)!r}: check the path, or create a board there with "
            "Store(path) or `kanban-widget init`")
    # Read-only: analytics must never create, migrate or lock a board for writing.
    try:
        conn, _live = connect(path.resolve(), read_only=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise UnreadableBoard(f"cannot open {str(path)!r} read-only: {exc}") from exc
    try:
        conn.execute("PRAGMA query_only = ON")
        board = _inspect(conn, path)
        # One read transaction: every query of the call sees the same snapshot, even while
        # another process writes (a view built from two queries stays consistent).
        conn.execute("BEGIN")  # the connection is in autocommit mode: this starts the snapshot
        yield board
    finally:
        conn.close()


def _inspect(conn: sqlite3.Connection, path: Path) -> Board:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.OperationalError:
        raise                       # a SQLite file we could not read now (locked, no access)
    except sqlite3.DatabaseError as exc:
        raise UnreadableBoard(f"{str(path)!r} is not a SQLite database ({exc}); "
                         "point analytics at a kanban.db file") from exc
    task_cols = {r[1] for r in conn.execute("PRAGMA table_info(tasks)")}
    event_cols = {r[1] for r in conn.execute("PRAGMA table_info(task_events)")}
    if not (_CORE_TASK_COLUMNS <= task_cols and _CORE_EVENT_COLUMNS <= event_cols):
        raise UnreadableBoard(
            f"{str(path)!r} is a SQLite file but not a kanban board (it needs the tables "
            "'tasks' and 'task_events'); point analytics at a kanban.db file")
    return Board(conn, path, frozenset(task_cols), frozenset(tables))


def task_filter(board: Board, tenant: Optional[str], assignee: Optional[str],
                alias: str = "t") -> tuple[list[str], list]:
    """SQL conditions (on ``tasks AS alias``) and parameters for the tenant/assignee filters.

    ``assignee="(unassigned)"`` selects tasks with no assignee, the lane ``lanes`` names so.
    """
    where, params = [], []
    if tenant is not None:
        where.append(f"{board.col('tenant', alias)} = ?")
        params.append(tenant)
    if assignee is not None:
        if assignee == UNASSIGNED:
            where.append(f"{board.col('assignee', alias)} IS NULL")
        else:
            # As stored by latest Hermes and by us (lower-cased), or exactly as given.
            where.append(f"{board.col('assignee', alias)} IN (?, ?)")
            params += [assignee, normalize_assignee(assignee) or assignee]
    return where, params


def event_task_filter(board: Board, tenant: Optional[str],
                      assignee: Optional[str]) -> tuple[list[str], list]:
    """Conditions on ``task_events`` keeping only events of tasks that pass the filters."""
    where, params = task_filter(board, tenant, assignee, alias="f")
    if not where:
        return [], []
    return [f"task_id IN (SELECT f.id FROM tasks f WHERE {' AND '.join(where)})"], params


#: Marks a missing time in int64 seconds arrays (NaT once converted).
NO_TIME = np.iinfo(np.int64).min


def utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Unix seconds (``NO_TIME`` for missing) as ``datetime64[ns, UTC]``."""
    seconds = np.asarray(seconds, dtype=np.int64)
    missing = seconds == NO_TIME
    ns = np.where(missing, NO_TIME, seconds * 1_000_000_000)
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def seconds_or_missing(values) -> np.ndarray:
    """Nullable integers from SQL (None for NULL) as int64 seconds with ``NO_TIME`` for NULL."""
    return np.array([NO_TIME if v is None else int(v) for v in values], dtype=np.int64)


def durations(seconds: np.ndarray) -> np.ndarray:
    """Seconds (``NO_TIME`` for missing) as ``timedelta64[ns]`` (NaT for missing)."""
    seconds = np.asarray(seconds, dtype=np.int64)
    ns = np.where(seconds == NO_TIME, NO_TIME, seconds * 1_000_000_000)
    return ns.view("timedelta64[ns]")


def text(values, index=None, name=None) -> pd.Series:
    """A text column with the dtype pandas gives text (see ``TEXT``); None stays missing."""
    return pd.Series(values, index=index, name=name, dtype=TEXT)


def to_timestamp(when, what: str) -> pd.Timestamp:
    """A UTC ``pd.Timestamp`` (ns) for a time given as Unix seconds or as anything
    ``pd.Timestamp`` reads (naive times are UTC). Raises ValidationError (a KanbanError and
    ValueError) naming ``what``."""
    if isinstance(when, (int, float, np.integer, np.floating)) and not isinstance(when, bool):
        if isinstance(when, (int, np.integer)):
            return pd.Timestamp(int(when) * 1_000_000_000, unit="ns", tz="UTC")
        return pd.Timestamp(round(float(when) * 1e9), unit="ns", tz="UTC")
    try:
        stamp = pd.Timestamp(when)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}={when!r} is not a time: give a datetime, a Timestamp, an ISO "
                         "string or Unix seconds") from exc
    if stamp is pd.NaT:
        raise ValidationError(f"{what} must be a time, not NaT")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC").as_unit("ns")


def now_seconds(now) -> int:
    """Whole Unix seconds of ``now`` (read as ``to_timestamp`` does; the current time when
    None), rounded down."""
    stamp = pd.Timestamp.now(tz="UTC") if now is None else to_timestamp(now, "now")
    return int(stamp.value // 1_000_000_000)


def to_epoch(when, what: str) -> float:
    """Unix seconds (fractional if need be) for ``when``, read as ``to_timestamp`` does."""
    return to_timestamp(when, what).value / 1e9
