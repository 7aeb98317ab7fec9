"""Analytics on awkward input: empty boards, missing files, files that are not boards, old
schemas, and the promise never to write."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import BoardWriter, at, write_empty_board, write_history_board
from kanban_widget import analytics

NS_UTC = "datetime64[ns, UTC]"
NS = "timedelta64[ns]"


@pytest.fixture
def empty_board(tmp_path):
    return write_empty_board(tmp_path / "kanban.db")


def test_empty_board_tasks(empty_board):
    frame = analytics.tasks(empty_board)
    assert frame.empty and frame.index.name == "id"
    assert list(frame.columns) == [
        "title", "status", "assignee", "tenant", "priority", "created_at", "started_at",
        "completed_at", "n_parents", "n_children", "children_done", "comments", "lead_time",
        "cycle_time"]
    assert str(frame["created_at"].dtype) == NS_UTC and str(frame["lead_time"].dtype) == NS
    assert frame["priority"].dtype == np.int64 and frame["comments"].dtype == np.int64


def test_empty_board_events(empty_board):
    frame = analytics.events(empty_board)
    assert frame.empty
    assert list(frame.columns) == ["id", "task_id", "kind", "created_at", "payload"]
    assert frame["id"].dtype == np.int64 and str(frame["created_at"].dtype) == NS_UTC
    assert frame["payload"].dtype == object


def test_empty_board_intervals_and_flow(empty_board):
    intervals = analytics.status_intervals(empty_board)
    assert intervals.empty
    assert intervals.dtypes.astype(str).tolist()[2:] == [NS_UTC, NS_UTC, NS, "bool"]
    flow = analytics.cumulative_flow(empty_board)
    assert flow.empty and str(flow.index.dtype) == NS_UTC
    assert list(flow.columns) == list(analytics.STATUSES)
    assert (flow.dtypes == np.int64).all()
    throughput = analytics.throughput(empty_board)
    assert throughput.empty and throughput.dtype == np.int64
    assert str(throughput.index.dtype) == NS_UTC


def test_empty_board_other_views(empty_board):
    cycle = analytics.cycle_times(empty_board)
    assert cycle.empty and str(cycle.dtype) == NS and cycle.index.name == "task_id"
    aging = analytics.aging_wip(empty_board, now=at(0))
    assert aging.empty and list(aging.columns) == ["status", "since", "age", "percentile",
                                                     "assignee", "title"]
    assert str(aging["since"].dtype) == NS_UTC and str(aging["age"].dtype) == NS
    lanes = analytics.lanes(empty_board)
    assert lanes.empty and list(lanes.columns) == list(analytics.STATUSES[:-1])
    progress = analytics.progress(empty_board)
    assert progress.empty and list(progress.columns) == ["done", "total", "ratio"]
    assert progress["ratio"].dtype == np.float64


def test_empty_frames_match_full_frames_dtypes(empty_board, tmp_path):
    full = write_history_board(tmp_path / "full.db")
    for fn in (analytics.tasks, analytics.status_intervals, analytics.cumulative_flow,
               analytics.lanes, analytics.progress):
        assert fn(empty_board).dtypes.to_dict() == fn(full).dtypes.to_dict(), fn.__name__
    base = ["id", "task_id", "kind", "created_at", "payload"]
    assert (analytics.events(empty_board).dtypes[base].to_dict()
            == analytics.events(full).dtypes[base].to_dict())


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope" / "kanban.db"
    with pytest.raises(FileNotFoundError, match="nope"):
        analytics.tasks(missing)
    assert not missing.parent.exists()                  # nothing created on the way


def test_not_sqlite_names_the_path(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes, definitely not a database " * 100)
    with pytest.raises(ValueError, match="notes.txt.*not a SQLite database"):
        analytics.events(path)


def test_sqlite_but_not_a_board(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    before = path.read_bytes()
    with pytest.raises(ValueError, match="other.db.*not a kanban board"):
        analytics.cumulative_flow(path)
    assert path.read_bytes() == before


def test_analytics_errors_are_kanban_errors(tmp_path):
    """Each failure is a KanbanError, and still the standard error it always was."""
    from kanban_widget import KanbanError
    from kanban_widget.store import NotAKanbanDatabase, ValidationError

    with pytest.raises(KanbanError) as missing:
        analytics.tasks(tmp_path / "nope.db")
    assert isinstance(missing.value, FileNotFoundError)
    assert isinstance(missing.value, analytics.BoardNotFound)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database " * 100)
    with pytest.raises(NotAKanbanDatabase) as foreign:
        analytics.events(notes)
    assert isinstance(foreign.value, ValueError)
    assert isinstance(foreign.value, analytics.UnreadableBoard)
    board = write_history_board(tmp_path / "kanban.db")
    for call in (lambda: analytics.events(board, since="soonish"),
                 lambda: analytics.throughput(board, freq="fortnightly-ish")):
        with pytest.raises(ValidationError) as bad:
            call()
        assert isinstance(bad.value, ValueError)


def test_wrong_src_type():
    with pytest.raises(TypeError, match="Store or the path"):
        analytics.tasks(42)


def test_accepts_str_path_and_objects_with_a_path(tmp_path):
    path = write_history_board(tmp_path / "kanban.db")

    class Holder:
        def __init__(self, p):
            self.path = p

    expected = analytics.lanes(path)
    assert analytics.lanes(str(path)).equals(expected)
    assert analytics.lanes(Holder(path)).equals(expected)


def test_path_with_characters_special_in_uris(tmp_path):
    folder = tmp_path / "my boards #1?"
    folder.mkdir()
    path = write_history_board(folder / "kanban 100%.db")
    assert len(analytics.tasks(path)) == 8


def test_never_writes(tmp_path):
    path = write_history_board(tmp_path / "kanban.db")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for fn in (analytics.tasks, analytics.events, analytics.status_intervals,
               analytics.cumulative_flow, analytics.throughput, analytics.cycle_times,
               analytics.aging_wip, analytics.lanes, analytics.progress):
        fn(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kanban.db"]


def test_old_board_without_optional_columns_and_tables(tmp_path):
    # A board from before tenant/result existed, with no links or comments tables.
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT,"
                     " assignee TEXT, status TEXT NOT NULL, created_at INTEGER NOT NULL)")
        conn.execute("CREATE TABLE task_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                     " task_id TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT,"
                     " created_at INTEGER NOT NULL)")
        conn.execute("INSERT INTO tasks VALUES ('t_1', 'old', NULL, 'ann', 'done', ?)", (at(0),))
        conn.executemany("INSERT INTO task_events (task_id, kind, payload, created_at)"
                         " VALUES ('t_1', ?, NULL, ?)", [("claimed", at(0, 1)),
                                                         ("completed", at(0, 3))])
    frame = analytics.tasks(path)
    assert pd.isna(frame.loc["t_1", "tenant"]) and frame.loc["t_1", "priority"] == 0
    # No created event: the task starts at created_at in the status of its first status event
    # (claimed → running), so its cycle runs from 0 00:00, not from the claim at 01:00.
    assert frame.loc["t_1", "cycle_time"] == pd.Timedelta(hours=3)
    assert frame.loc["t_1", "n_children"] == 0
    assert analytics.progress(path).empty
    assert analytics.tasks(path, tenant="acme").empty


def test_events_of_unknown_tasks_are_left_out_of_the_replay(tmp_path):
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "todo")
    w.event("t_1", "created", at(0), {"status": "todo"})
    w.event("t_gone", "created", at(0), {"status": "todo"})
    path = w.close()
    assert analytics.status_intervals(path)["task_id"].tolist() == ["t_1"]
    assert analytics.cumulative_flow(path)["todo"].tolist() == [1]
    assert len(analytics.events(path)) == 2              # the log itself keeps every row


def test_bad_times_name_the_parameter(tmp_path):
    path = write_history_board(tmp_path / "kanban.db")
    with pytest.raises(ValueError, match="since='last tuesday' is not a time"):
        analytics.events(path, since="last tuesday")
    with pytest.raises(ValueError, match="now='soon' is not a time"):
        analytics.aging_wip(path, now="soon")
    with pytest.raises(TypeError, match="kinds must be event kind names"):
        analytics.events(path, kinds=[1, 2])


def test_fractional_since(tmp_path):
    path = write_history_board(tmp_path / "kanban.db")
    assert len(analytics.events(path, since=at(2, 8) - 0.5)) == 2
    assert len(analytics.events(path, since=at(2, 8) + 0.5)) == 1


def test_ids_holding_the_column_separator_still_read_right(tmp_path):
    # Columns are fetched joined by \x1f; a value holding it takes the row-by-row path.
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_\x1fodd", at(0), "ready").task("t_2", at(0), "todo")
    w.event("t_\x1fodd", "created", at(0), {"status": "todo"})
    w.event("t_\x1fodd", "promoted", at(0, 1))
    w.event("t_2", "created", at(0), {"status": "todo"})
    path = w.close()
    assert analytics.events(path)["task_id"].tolist() == ["t_\x1fodd", "t_2", "t_\x1fodd"]
    intervals = analytics.status_intervals(path)
    assert intervals["task_id"].tolist() == ["t_\x1fodd", "t_\x1fodd", "t_2"]   # \x1f < "2"
    assert intervals["status"].tolist() == ["todo", "ready", "todo"]
