"""Windows over a board: the first cards of each column (or lane) in board order, the columns'
counts, and the page's filters, all answered by SQL.

The widget shows a board of any size by holding only what is on screen: per column (per column
and lane, with swimlanes) the first ``limit`` cards in board order, plus how many cards the
column holds under the filters. Everything here reads through the store's public methods
(``reading()``, ``cards()``, ``choices()``) and runs in the caller's read transaction when there
is one, so a snapshot of windows, counts and cursor is consistent.

Board order is ``COALESCE(priority, 0) DESC, created_at, id`` (:func:`card_order_sql`). Two
indexes make a window an index seek instead of a sort of the whole column
(:func:`ensure_indexes`); without them (a read-only board) the same queries are only slower.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterable, Optional

from .errors import KanbanError
from .vocabulary import BOARD_COLUMNS, UNASSIGNED, card_order_sql, card_sort_key

#: Cards a window starts with, and how many more each "show more" adds.
PAGE = 50

#: Characters of ``body`` and ``result`` the search looks in: the preview the page shows
#: (``protocol.CARD_TEXT_PREVIEW``), so a card never matches on text the page does not have.
SEARCH_PREVIEW = 500

#: The indexes the windows use, by name. Plain ``CREATE INDEX IF NOT EXISTS`` on Hermes' own
#: ``tasks`` table: Hermes ignores indexes it did not make, and its migrations only add columns.
#: ``board_order`` serves a column's window (``status = ?`` in board order); ``lane_order`` a
#: lane's (``assignee = ? AND status = ?``), created only once lanes are shown.
INDEXES = {
    "board_order": ("idx_kanban_widget_board_order",
                    "tasks(status, COALESCE(priority, 0) DESC, created_at)"),
    "lane_order": ("idx_kanban_widget_lane_order",
                   "tasks(assignee, status, COALESCE(priority, 0) DESC, created_at)"),
}

_ORDER = card_order_sql("t")
_PRIORITY = "COALESCE(t.priority, 0)"
_SEARCH_FUNCTION = "kanban_widget_matches"


@dataclass(frozen=True)
class View:
    """What the page asks to see: the filters, whether lanes split the columns, and whether
    the archived column is shown. Its rules are ``board.matches_filters``'s, in SQL."""

    search: str = ""
    tenant: str = ""
    assignee: str = ""
    lanes: bool = False
    include_archived: bool = False

    @property
    def needle(self) -> str:
        """The search text as it is matched: trimmed, lower case."""
        return self.search.strip().lower()


def lane_of(card: dict) -> str:
    """The swimlane a card shows in: its assignee, or ``"(unassigned)"`` for none."""
    return card.get("assignee") or UNASSIGNED


def ensure_indexes(store, *, lanes: bool = False) -> list[str]:
    """Create the windows' indexes this board lacks (``lane_order`` only with ``lanes``); return
    the names created. A read-only store, or a board whose write lock another process holds,
    gets none (its windows are answered all the same, by a sort)."""
    wanted = [INDEXES["board_order"]] + ([INDEXES["lane_order"]] if lanes else [])
    if store.read_only:
        return []
    try:
        with store.reading() as conn:
            have = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'")}
        missing = [(name, on) for name, on in wanted if name not in have]
        if missing:
            with store.atomic() as conn:
                for name, on in missing:
                    conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")
    except (KanbanError, sqlite3.Error):
        return []  # busy or not writable after all: the windows work without
    return [name for name, _ in missing]


# -- filters ------------------------------------------------------------------------------------

def _matches(needle: str, *fields: Optional[str]) -> bool:
    # Python's lower(), not SQLite's (which folds ASCII only): the page's rule ("été" finds "ÉTÉ").
    return any(isinstance(text, str) and needle in text.lower() for text in fields if text)


def filter_sql(view: View, *, conn: sqlite3.Connection) -> tuple[str, list]:
    """SQL conditions on ``tasks t`` (joined with AND, ``"1"`` for none) and their parameters
    for the view's filters and archived rule. Registers the search function on ``conn``."""
    where, params = [], []
    if not view.include_archived:
        # Two ranges of the status index rather than a filter over every row.
        where.append("(t.status < 'archived' OR t.status > 'archived')")
    if view.tenant:
        where.append("t.tenant = ?")
        params.append(view.tenant)
    if view.assignee == UNASSIGNED:
        where.append("(t.assignee IS NULL OR t.assignee = '')")
    elif view.assignee:
        where.append("t.assignee = ?")
        params.append(view.assignee)
    if view.needle:
        conn.create_function(_SEARCH_FUNCTION, 7, _matches, deterministic=True)
        where.append(f"{_SEARCH_FUNCTION}(?, t.id, t.title, substr(t.body, 1, {SEARCH_PREVIEW}), "
                     f"t.assignee, t.tenant, substr(t.result, 1, {SEARCH_PREVIEW}))")
        params.append(view.needle)
    return " AND ".join(where) or "1", params


def _lane_sql(lane: Optional[str]) -> tuple[str, list]:
    if lane is None:
        return "1", []
    if lane == UNASSIGNED:
        return "(t.assignee IS NULL OR t.assignee = '')", []
    return "t.assignee = ?", [lane]


# -- reads --------------------------------------------------------------------------------------

def cursor_of(store) -> int:
    """The id of the board's last event (0 for none): the cursor a snapshot reflects."""
    with store.reading() as conn:
        return conn.execute("SELECT COALESCE(MAX(id), 0) FROM task_events").fetchone()[0]


def counts(store, view: View) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Cards per column under the view's filters, and, with lanes, per column and lane
    (``{status: {lane: n}}``; ``{}`` without lanes). Columns and lanes without cards are absent."""
    with store.reading() as conn:
        if not view.lanes and not (view.needle or view.tenant or view.assignee):
            # No filter: the status index counted, by ranges that skip the archived tasks
            # (often most of an old board) unless they are shown.
            ranges = ["1"] if view.include_archived else ["status < 'archived'",
                                                          "status > 'archived'"]
            return {status: n for where in ranges for status, n in conn.execute(
                f"SELECT status, COUNT(*) FROM tasks WHERE {where} GROUP BY status")}, {}
        where, params = filter_sql(view, conn=conn)
        if not view.lanes:
            rows = conn.execute(
                f"SELECT t.status, COUNT(*) FROM tasks t WHERE {where} GROUP BY t.status", params)
            return {status: n for status, n in rows}, {}
        rows = conn.execute(
            f"SELECT t.status, COALESCE(NULLIF(t.assignee, ''), ?), COUNT(*) FROM tasks t "
            f"WHERE {where} GROUP BY 1, 2", [UNASSIGNED, *params])
        per_column: dict[str, int] = {}
        per_lane: dict[str, dict[str, int]] = {}
        for status, lane, n in rows:
            per_column[status] = per_column.get(status, 0) + n
            per_lane.setdefault(status, {})[lane] = n
        return per_column, per_lane


def column_count(store, view: View, status: str, lane: Optional[str] = None) -> int:
    """Cards of column ``status`` (of ``lane``, with lanes) under the view's filters: one column
    counted, not the board (a search tests each card in Python; other columns' need not be)."""
    with store.reading() as conn:
        where, params = filter_sql(view, conn=conn)
        lane_where, lane_params = _lane_sql(lane)
        return conn.execute(
            f"SELECT COUNT(*) FROM tasks t WHERE t.status = ? AND {lane_where} AND {where}",
            [status, *lane_params, *params]).fetchone()[0]


def window_ids(store, view: View, status: str, lane: Optional[str], limit: int,
               after: Optional[tuple] = None, offset: int = 0) -> list[str]:
    """Ids of the first ``limit`` cards of column ``status`` (and ``lane``, with lanes) under the
    view's filters, in board order; with ``after`` (a :func:`card_sort_key`), those after it;
    with ``offset``, past that many more (SQL's OFFSET: a served board's page by position)."""
    with store.reading() as conn:
        where, params = filter_sql(view, conn=conn)
        lane_where, lane_params = _lane_sql(lane)
        keyset, keyset_params = "1", []
        if after is not None:
            neg_priority, created_at, task_id = after
            keyset = (f"({_PRIORITY} < ? OR ({_PRIORITY} = ? AND "
                      "(t.created_at > ? OR (t.created_at = ? AND t.id > ?))))")
            keyset_params = [-neg_priority, -neg_priority, created_at, created_at, task_id]
        rows = conn.execute(
            f"SELECT t.id FROM tasks t WHERE t.status = ? AND {lane_where} AND {where} "
            f"AND {keyset} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
            [status, *lane_params, *params, *keyset_params, limit, offset])
        return [row[0] for row in rows]


def window_cards(store, view: View, status: str, lane: Optional[str], limit: int,
                 after: Optional[tuple] = None, offset: int = 0) -> list[dict]:
    """The cards :func:`window_ids` names, in board order (``Store.cards`` builds them)."""
    with store.reading():
        ids = window_ids(store, view, status, lane, limit, after, offset)
        by_id = {card["id"]: card for card in store.cards(ids)}
    return sorted((by_id[i] for i in ids if i in by_id), key=card_sort_key)


def matching_ids(store, view: View) -> list[str]:
    """Ids of every card the view shows, in board order (across columns)."""
    with store.reading() as conn:
        where, params = filter_sql(view, conn=conn)
        return [row[0] for row in conn.execute(
            f"SELECT t.id FROM tasks t WHERE {where} ORDER BY {_ORDER}", params)]


def columns_of(found: Iterable[str], include_archived: bool) -> list[str]:
    """The columns to show: the board's in order, ``archived`` when shown, then any unknown
    status found, sorted."""
    columns = list(BOARD_COLUMNS) + (["archived"] if include_archived else [])
    return columns + sorted(set(found) - set(columns) - {"archived"})


def lanes_of(lane_counts: dict[str, dict[str, int]]) -> list[str]:
    """Every lane some column has cards in."""
    return sorted({lane for per_lane in lane_counts.values() for lane in per_lane})


def claims_of(store, task_ids: Iterable[str]) -> dict[str, tuple]:
    """``{task id: (claim_lock, claim_expires)}`` of these tasks (the running cards shown: a
    worker's heartbeat extends its claim without an event, so they are read again)."""
    ids = list(task_ids)
    if not ids:
        return {}
    with store.reading() as conn:
        rows = conn.execute("SELECT id, claim_lock, claim_expires FROM tasks WHERE id IN "
                            f"({','.join('?' * len(ids))})", ids)
        return {task_id: (lock, expires) for task_id, lock, expires in rows}


def choices(store) -> tuple[list[str], list[str]]:
    """``Store.choices()``'s lists (tenants of every task, assignees of tasks not archived),
    read by seeking from one distinct value to the next in their indexes: a few index seeks
    per value instead of a pass over every task."""
    with store.reading() as conn:
        tenants = _distinct(conn, "tenant")
        assignees = _distinct(conn, "assignee")
        if tenants is None or assignees is None:
            return store.choices()
        return tenants, [v for v in assignees if _has_shown(conn, v)]


def _distinct(conn: sqlite3.Connection, column: str) -> Optional[list[str]]:
    """The column's distinct values in order, or None when one cannot be sought past: text
    that is not UTF-8 reads back with U+FFFD, which does not sort where the stored bytes do."""
    found: list[str] = []
    value = conn.execute(f"SELECT MIN({column}) FROM tasks").fetchone()[0]
    while value is not None:
        if not isinstance(value, str) or "\ufffd" in value or (found and value <= found[-1]):
            return None
        found.append(value)
        value = conn.execute(f"SELECT MIN({column}) FROM tasks WHERE {column} > ?",
                             (value,)).fetchone()[0]
    return found


def _has_shown(conn: sqlite3.Connection, assignee: str) -> bool:
    """Whether a task not archived has this assignee (two ranges of the (assignee, status)
    index, not every task of the assignee)."""
    return conn.execute("SELECT 1 FROM tasks WHERE assignee = ? "
                        "AND (status < 'archived' OR status > 'archived') LIMIT 1",
                        (assignee,)).fetchone() is not None


def choices_after(store, tenants: list[str], assignees: list[str],
                  cards: Iterable[dict]) -> tuple[list[str], list[str]]:
    """The filter choices (``Store.choices()``'s lists) after ``cards`` changed, without a scan:
    the values these cards bring are added, and each listed value is checked with one index
    seek to still be used (``tenants`` of any task, ``assignees`` of tasks not archived)."""
    tenant_set, assignee_set = set(tenants), set(assignees)
    for card in cards:
        if card.get("tenant") is not None:
            tenant_set.add(card["tenant"])
        if card.get("assignee") is not None and card["status"] != "archived":
            assignee_set.add(card["assignee"])
    with store.reading() as conn:
        tenant_set = {v for v in tenant_set if conn.execute(
            "SELECT 1 FROM tasks WHERE tenant = ? LIMIT 1", (v,)).fetchone()}
        assignee_set = {v for v in assignee_set if _has_shown(conn, v)}
    return sorted(tenant_set), sorted(assignee_set)
