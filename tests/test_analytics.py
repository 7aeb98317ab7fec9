"""Analytics: status replay, per-task frames and the event log, on a board with known history.

The board is described in ``analytics_fixtures.write_history_board``; every expected value
here follows from that table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import at, hours, stamp, write_history_board
from kanban_widget import analytics

NS_UTC = "datetime64[ns, UTC]"
NS = "timedelta64[ns]"


@pytest.fixture
def history_board(tmp_path):
    """The path of the board in ``write_history_board``."""
    return write_history_board(tmp_path / "kanban.db")


def spells(frame: pd.DataFrame, task_id: str) -> list[tuple]:
    rows = frame[frame["task_id"] == task_id]
    return [(r.status, r.start, None if pd.isna(r.end) else r.end)
            for r in rows.itertuples(index=False)]


# --- status_intervals -----------------------------------------------------------------------

def test_intervals_dtypes_and_order(history_board):
    frame = analytics.status_intervals(history_board)
    assert list(frame.columns) == ["task_id", "status", "start", "end", "duration", "inferred"]
    assert str(frame["start"].dtype) == NS_UTC and str(frame["end"].dtype) == NS_UTC
    assert str(frame["duration"].dtype) == NS
    assert frame["task_id"].tolist() == sorted(frame["task_id"].tolist())
    assert len(frame) == 4 + 8 + 6 + 4 + 1 + 1 + 3 + 3


def test_intervals_blocked_unblocked_reclaimed(history_board):
    frame = analytics.status_intervals(history_board)
    assert spells(frame, "t_b") == [
        ("ready", stamp(0, 9, 30), stamp(0, 11)),
        ("running", stamp(0, 11), stamp(0, 13)),
        ("blocked", stamp(0, 13), stamp(1, 9)),
        ("ready", stamp(1, 9), stamp(1, 10)),
        ("running", stamp(1, 10), stamp(1, 11)),
        ("ready", stamp(1, 11), stamp(1, 12)),
        ("running", stamp(1, 12), stamp(2, 8)),
        ("done", stamp(2, 8), None),
    ]
    durations = frame.loc[frame["task_id"] == "t_b", "duration"].tolist()
    assert durations[:7] == [hours(1.5), hours(2), hours(20), hours(1), hours(1), hours(1),
                             hours(20)]
    assert pd.isna(durations[7])


def test_intervals_reopened_from_done(history_board):
    frame = analytics.status_intervals(history_board)
    assert spells(frame, "t_c") == [
        ("ready", stamp(0, 8), stamp(0, 9)),
        ("running", stamp(0, 9), stamp(0, 17)),
        ("done", stamp(0, 17), stamp(1, 8)),
        ("ready", stamp(1, 8), stamp(1, 9)),
        ("running", stamp(1, 9), stamp(1, 15)),
        ("done", stamp(1, 15), None),
    ]


def test_intervals_old_event_names(history_board):
    # ``ready`` is the old ``promoted``, ``spawn_auto_blocked`` the old ``gave_up``.
    frame = analytics.status_intervals(history_board)
    assert spells(frame, "t_d") == [
        ("todo", stamp(0, 10), stamp(1, 10)),
        ("ready", stamp(1, 10), stamp(1, 11)),
        ("running", stamp(1, 11), stamp(1, 11, 30)),
        ("blocked", stamp(1, 11, 30), None),
    ]


def test_intervals_broken_status_payload_changes_nothing(history_board):
    # t_a has a ``status`` event at 0 11:30 whose payload is not JSON: still ready until 12:00.
    frame = analytics.status_intervals(history_board)
    assert spells(frame, "t_a") == [
        ("todo", stamp(0, 9), stamp(0, 10)),
        ("ready", stamp(0, 10), stamp(0, 12)),
        ("running", stamp(0, 12), stamp(1, 12)),
        ("done", stamp(1, 12), None),
    ]


def test_intervals_without_created_event(history_board):
    frame = analytics.status_intervals(history_board)
    # No created event: starts at created_at in the status its first status event leads to.
    assert spells(frame, "t_e") == [("running", stamp(0, 12), None)]
    # No events at all: starts at created_at in its current status.
    assert spells(frame, "t_f") == [("triage", stamp(1, 6), None)]


def test_intervals_archived_after_done(history_board):
    frame = analytics.status_intervals(history_board)
    assert spells(frame, "t_g") == [
        ("ready", stamp(0, 7), stamp(0, 20)),
        ("done", stamp(0, 20), stamp(2, 12)),
        ("archived", stamp(2, 12), None),
    ]


def test_intervals_filters(history_board):
    assert sorted(set(analytics.status_intervals(history_board, assignee="alice")["task_id"])) \
        == ["t_a", "t_c", "t_g"]
    assert sorted(set(analytics.status_intervals(history_board, tenant="globex")["task_id"])) \
        == ["t_c", "t_h"]
    assert sorted(set(analytics.status_intervals(
        history_board, assignee="(unassigned)")["task_id"])) == ["t_d", "t_f"]


def test_assignee_filter_matches_as_latest_hermes_stores_names(history_board):
    # Assignees are stored lower-cased (latest Hermes' profile names): any casing finds them.
    assert sorted(set(analytics.status_intervals(history_board, assignee="ALICE")["task_id"])) \
        == ["t_a", "t_c", "t_g"]


def test_created_event_status_wins_over_first_status_event(tmp_path):
    from analytics_fixtures import BoardWriter

    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "ready")
    w.event("t_1", "created", at(0, 1), {"status": "todo"})
    w.event("t_1", "promoted", at(0, 2))
    w.event("t_1", "claimed", at(0, 3))
    w.event("t_1", "heartbeat", at(0, 4))
    # Same instant: the event with the larger id comes later.
    w.event("t_1", "blocked", at(0, 5))
    w.event("t_1", "unblocked", at(0, 5))
    path = w.close()
    frame = analytics.status_intervals(path)
    assert spells(frame, "t_1") == [
        ("todo", stamp(0, 1), stamp(0, 2)),
        ("ready", stamp(0, 2), stamp(0, 3)),
        ("running", stamp(0, 3), stamp(0, 5)),
        ("blocked", stamp(0, 5), stamp(0, 5)),
        ("ready", stamp(0, 5), None),
    ]


# --- tasks ----------------------------------------------------------------------------------

def test_tasks_columns_and_dtypes(history_board):
    frame = analytics.tasks(history_board)
    assert frame.index.name == "id"
    assert list(frame.index) == ["t_a", "t_b", "t_c", "t_d", "t_e", "t_f", "t_g", "t_h"]
    assert list(frame.columns) == [
        "title", "status", "assignee", "tenant", "priority", "created_at", "started_at",
        "completed_at", "n_parents", "n_children", "children_done", "comments", "lead_time",
        "cycle_time"]
    for col in ("created_at", "started_at", "completed_at"):
        assert str(frame[col].dtype) == NS_UTC
    for col in ("lead_time", "cycle_time"):
        assert str(frame[col].dtype) == NS
    for col in ("priority", "n_parents", "n_children", "children_done", "comments"):
        assert frame[col].dtype == np.int64


def test_tasks_lead_and_cycle_times(history_board):
    frame = analytics.tasks(history_board)
    assert frame.loc["t_a", "lead_time"] == hours(27)
    assert frame.loc["t_a", "cycle_time"] == hours(24)
    assert frame.loc["t_b", "lead_time"] == hours(46.5)
    assert frame.loc["t_b", "cycle_time"] == hours(45)
    # Reopened and done again: the last entry into done, the first entry into running.
    assert frame.loc["t_c", "lead_time"] == hours(31)
    assert frame.loc["t_c", "cycle_time"] == hours(30)
    # Done without ever running, then archived: a lead time, no cycle time.
    assert frame.loc["t_g", "lead_time"] == hours(13)
    assert pd.isna(frame.loc["t_g", "cycle_time"])
    # Reopened from done and not finished since; never done; still running.
    for task_id in ("t_h", "t_d", "t_e", "t_f"):
        assert pd.isna(frame.loc[task_id, "lead_time"]), task_id
        assert pd.isna(frame.loc[task_id, "cycle_time"]), task_id


def test_tasks_fields_and_counts(history_board):
    frame = analytics.tasks(history_board)
    assert frame["status"].tolist() == ["done", "done", "done", "blocked", "running", "triage",
                                        "archived", "todo"]
    assert frame.loc["t_a", "priority"] == 2 and frame.loc["t_d", "priority"] == 0
    assert pd.isna(frame.loc["t_d", "assignee"]) and frame.loc["t_b", "assignee"] == "bob"
    assert frame.loc["t_c", "tenant"] == "globex" and pd.isna(frame.loc["t_e", "tenant"])
    assert frame.loc["t_b", "created_at"] == stamp(0, 9, 30)
    assert pd.isna(frame.loc["t_b", "completed_at"])
    assert frame["n_parents"].to_dict() == {
        "t_a": 0, "t_b": 1, "t_c": 0, "t_d": 1, "t_e": 0, "t_f": 0, "t_g": 1, "t_h": 1}
    assert frame.loc["t_a", ["n_children", "children_done", "comments"]].tolist() == [3, 1, 2]
    assert frame.loc["t_d", ["n_children", "children_done", "comments"]].tolist() == [1, 0, 0]


def test_tasks_filters(history_board):
    assert list(analytics.tasks(history_board, tenant="acme").index) == [
        "t_a", "t_b", "t_d", "t_g"]
    frame = analytics.tasks(history_board, tenant="acme", assignee="alice")
    assert list(frame.index) == ["t_a", "t_g"]
    assert frame.loc["t_a", "lead_time"] == hours(27)


# --- events ---------------------------------------------------------------------------------

def test_events_rows_columns_and_order(history_board):
    frame = analytics.events(history_board)
    assert len(frame) == 33
    assert list(frame.columns[:5]) == ["id", "task_id", "kind", "created_at", "payload"]
    assert str(frame["created_at"].dtype) == NS_UTC
    assert frame["id"].dtype == np.int64
    keys = sorted(c for c in frame.columns if c.startswith("payload."))
    assert keys == [f"payload.{k}" for k in (
        "assignee", "author", "error", "expires", "failures", "len", "lock", "parents",
        "reason", "result_len", "stale_lock", "status", "tenant")]
    # Time order, then id: the fixture inserted some rows out of time order.
    order = list(zip(frame["created_at"], frame["id"]))
    assert order == sorted(order)
    assert frame.loc[0, "kind"] == "created" and frame.loc[0, "task_id"] == "t_h"


def test_events_without_payloads(history_board):
    full = analytics.events(history_board)
    bare = analytics.events(history_board, payload=False, kinds="claimed", tenant="acme")
    assert list(bare.columns) == ["id", "task_id", "kind", "created_at"]
    expected = full[(full["kind"] == "claimed") & full["task_id"].isin(["t_a", "t_b", "t_d"])]
    assert bare.equals(expected[bare.columns].reset_index(drop=True))
    assert len(analytics.events(history_board, payload=False)) == len(full)


def test_events_old_kind_names_read_as_current(history_board):
    frame = analytics.events(history_board)
    kinds = set(frame["kind"])
    assert {"ready", "spawn_auto_blocked"}.isdisjoint(kinds)
    d_kinds = frame.loc[frame["task_id"] == "t_d", "kind"].tolist()
    assert d_kinds == ["created", "promoted", "claimed", "gave_up"]


def test_events_kinds_filter_matches_old_names(history_board):
    frame = analytics.events(history_board, kinds=["promoted", "gave_up"])
    assert list(zip(frame["task_id"], frame["kind"])) == [
        ("t_a", "promoted"), ("t_d", "promoted"), ("t_d", "gave_up")]
    assert analytics.events(history_board, kinds="completed")["task_id"].tolist() == [
        "t_h", "t_c", "t_g", "t_a", "t_c", "t_b"]
    assert len(analytics.events(history_board, kinds=[])) == 0
    # An old name asks for its current one.
    assert analytics.events(history_board, kinds="spawn_auto_blocked")["kind"].tolist() == [
        "gave_up"]


def test_events_since_and_filters(history_board):
    frame = analytics.events(history_board, since=stamp(2))
    assert frame["kind"].tolist() == ["completed", "archived"]
    assert analytics.events(history_board, since=at(2)).equals(frame)
    naive = analytics.events(history_board, since="2026-01-07 00:00")
    assert naive["id"].tolist() == frame["id"].tolist()
    assert set(analytics.events(history_board, tenant="globex")["task_id"]) == {"t_c", "t_h"}
    assert set(analytics.events(history_board, assignee="bob")["task_id"]) == {"t_b", "t_e", "t_h"}


def test_events_payloads_decoded_and_flattened(history_board):
    frame = analytics.events(history_board).set_index("id")
    blocked = frame[frame["kind"] == "blocked"].iloc[0]
    assert blocked["payload"] == {"reason": "needs input"}
    assert blocked["payload.reason"] == "needs input"
    assert pd.isna(blocked["payload.lock"])
    created = frame[(frame["kind"] == "created") & (frame["task_id"] == "t_a")].iloc[0]
    assert created["payload"] == {"assignee": "alice", "status": "todo", "parents": [],
                                  "tenant": "acme"}
    assert created["payload.parents"] == []
    # A JSON null reads as missing in the flat column, which keeps the text dtype.
    d_created = frame[(frame["kind"] == "created") & (frame["task_id"] == "t_d")].iloc[0]
    assert d_created["payload"]["assignee"] is None and pd.isna(d_created["payload.assignee"])
    assert frame["payload.assignee"].dtype == frame["task_id"].dtype
    claims = frame[frame["kind"] == "claimed"]
    assert claims["payload.expires"].tolist() == [
        at(0, 9, 15), at(0, 11, 15), at(0, 12, 15), at(1, 9, 15), at(1, 10, 15),
        at(1, 11, 15), at(1, 12, 15), at(1, 14, 15)]
    assert frame["payload.len"].dtype == np.float64       # an int key with gaps
    assert frame.loc[frame["kind"] == "commented", "payload.len"].tolist() == [5.0]


def test_events_undecodable_and_null_payloads_are_empty_dicts(history_board):
    frame = analytics.events(history_board)
    edited = frame[frame["kind"] == "edited"]
    assert edited["payload"].tolist() == [{}]
    broken_status = frame[(frame["kind"] == "status") & (frame["task_id"] == "t_a")]
    assert broken_status["payload"].tolist() == [{}]
    assert pd.isna(broken_status["payload.status"].iloc[0])
    assert frame.loc[frame["kind"] == "assigned", "payload"].tolist() == [{}]
    assert frame.loc[frame["kind"] == "promoted", "payload"].tolist() == [{}, {}]


def test_events_payload_that_is_json_but_not_an_object(tmp_path):
    from analytics_fixtures import BoardWriter

    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "todo")
    for i, text in enumerate(['[1, 2]', '"text"', "42", "null", "", '{"n": 1}', '{"n": 2}']):
        w.event("t_1", "note", at(0, i), text)
    path = w.close()
    frame = analytics.events(path)
    assert frame["payload"].tolist() == [{}, {}, {}, {}, {}, {"n": 1}, {"n": 2}]
    assert frame["payload.n"].tolist()[5:] == [1.0, 2.0]
    assert frame["payload.n"].isna().tolist() == [True] * 5 + [False, False]


def test_events_complete_int_key_stays_int64(tmp_path):
    from analytics_fixtures import BoardWriter

    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "todo")
    for i in range(3):
        w.event("t_1", "reprioritized", at(0, i), {"priority": i, "flag": i % 2 == 0})
    frame = analytics.events(w.close())
    assert frame["payload.priority"].dtype == np.int64
    assert frame["payload.priority"].tolist() == [0, 1, 2]
    assert frame["payload.flag"].tolist() == [True, False, True]


def test_events_many_payloads_with_one_broken_in_the_middle(tmp_path):
    # Payloads are decoded in batches; a broken one must not shift or drop its neighbours.
    from analytics_fixtures import BoardWriter

    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "todo")
    for i in range(10_000):
        w.event("t_1", "note", at(0, 0, i), "{broken" if i == 5000 else {"i": i})
    frame = analytics.events(w.close())
    assert frame.loc[5000, "payload"] == {}
    assert frame["payload"].drop(index=5000).map(lambda d: d["i"]).tolist() == [
        i for i in range(10_000) if i != 5000]
