"""Analytics over time and across the board: cumulative flow, throughput, cycle times, aging
WIP, lanes and progress, on the board in ``analytics_fixtures.write_history_board``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import BoardWriter, at, hours, stamp, write_history_board
from kanban_widget import analytics

STATUS_COLUMNS = ["triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done",
                  "archived"]


@pytest.fixture
def history_board(tmp_path):
    return write_history_board(tmp_path / "kanban.db")


def row(frame: pd.DataFrame, when: pd.Timestamp) -> dict:
    """The non-zero counts of one period end."""
    return {k: v for k, v in frame.loc[when].items() if v}


# --- cumulative_flow ------------------------------------------------------------------------

def test_cumulative_flow_period_ends_and_counts(history_board):
    frame = analytics.cumulative_flow(history_board)
    # First event 0 06:00, last 2 12:00: each midnight after the first through the first after
    # the last.
    assert list(frame.index) == [stamp(1), stamp(2), stamp(3)]
    assert str(frame.index.dtype) == "datetime64[ns, UTC]"
    assert frame.index.name == "period_end"
    assert list(frame.columns) == STATUS_COLUMNS
    assert (frame.dtypes == np.int64).all()
    assert row(frame, stamp(1)) == {"todo": 2, "running": 2, "blocked": 1, "done": 2}
    assert row(frame, stamp(2)) == {"triage": 1, "todo": 1, "running": 2, "blocked": 1,
                                    "done": 3}
    assert row(frame, stamp(3)) == {"triage": 1, "todo": 1, "running": 1, "blocked": 1,
                                    "done": 3, "archived": 1}


def test_cumulative_flow_counts_a_change_at_the_instant(tmp_path):
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0, 12), "done")
    w.event("t_1", "created", at(0, 12), {"status": "ready"})
    w.event("t_1", "claimed", at(1))            # exactly at the first period end
    w.event("t_1", "completed", at(1, 1))
    frame = analytics.cumulative_flow(w.close())
    assert list(frame.index) == [stamp(1), stamp(2)]
    assert row(frame, stamp(1)) == {"running": 1}
    assert row(frame, stamp(2)) == {"done": 1}


def test_cumulative_flow_hourly_and_filtered(history_board):
    hourly = analytics.cumulative_flow(history_board, freq="h")
    assert hourly.index[0] == stamp(0, 7) and hourly.index[-1] == stamp(2, 13)
    assert len(hourly) == 2 * 24 + 7
    # t_a is promoted and t_d created at exactly 0 10:00; t_h was reopened to todo at 08:00.
    assert row(hourly, stamp(0, 10)) == {"todo": 2, "ready": 3, "running": 1}
    acme = analytics.cumulative_flow(history_board, tenant="acme")
    assert row(acme, stamp(3)) == {"blocked": 1, "done": 2, "archived": 1}
    bob = analytics.cumulative_flow(history_board, assignee="bob")
    assert row(bob, stamp(1)) == {"todo": 1, "running": 1, "blocked": 1}


def test_cumulative_flow_weekly_grid(history_board):
    weekly = analytics.cumulative_flow(history_board, freq="W")
    # T0 is a Monday; the first Sunday midnight after it is day 6.
    assert list(weekly.index) == [stamp(6)]
    assert weekly.loc[stamp(6)].sum() == 8


@pytest.mark.parametrize("fn", [analytics.cumulative_flow, analytics.throughput])
def test_bad_freq_is_named(history_board, fn):
    with pytest.raises(ValueError, match="freq='fortnightly-ish' is not a pandas frequency"):
        fn(history_board, freq="fortnightly-ish")


def test_cumulative_flow_keeps_unknown_statuses(tmp_path):
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "qa")
    w.event("t_1", "created", at(0), {"status": "todo"})
    w.event("t_1", "status", at(0, 5), {"status": "qa"})
    frame = analytics.cumulative_flow(w.close())
    assert list(frame.columns) == STATUS_COLUMNS + ["qa"]
    assert row(frame, stamp(1)) == {"qa": 1}


# --- throughput -----------------------------------------------------------------------------

def test_throughput_per_day(history_board):
    series = analytics.throughput(history_board)
    # t_g on day 0, t_a and t_c (its last done) on day 1, t_b on day 2; t_h was reopened.
    assert series.to_dict() == {stamp(0): 1, stamp(1): 2, stamp(2): 1}
    assert series.dtype == np.int64
    assert str(series.index.dtype) == "datetime64[ns, UTC]"
    assert series.name == "throughput"


def test_throughput_fills_empty_periods_and_other_freqs(history_board):
    hourly = analytics.throughput(history_board, freq="12h")
    assert hourly.to_dict() == {stamp(0, 12): 1, stamp(1): 0, stamp(1, 12): 2, stamp(2): 1}
    assert analytics.throughput(history_board, tenant="globex").to_dict() == {stamp(1): 1}


# --- cycle_times ----------------------------------------------------------------------------

def test_cycle_times(history_board):
    series = analytics.cycle_times(history_board)
    assert list(series.index) == ["t_a", "t_b", "t_c", "t_g"]
    assert series.index.name == "task_id" and series.name == "cycle_time"
    assert str(series.dtype) == "timedelta64[ns]"
    assert series.iloc[:3].tolist() == [hours(24), hours(45), hours(30)]
    assert pd.isna(series["t_g"])                       # done without ever running
    assert analytics.cycle_times(history_board, assignee="bob").tolist() == [hours(45)]


# --- aging_wip ------------------------------------------------------------------------------

def test_aging_wip_against_fixed_now(history_board):
    frame = analytics.aging_wip(history_board, now=stamp(3))
    assert list(frame.index) == ["t_e", "t_d"]                     # oldest first
    assert frame["status"].tolist() == ["running", "blocked"]
    assert frame["since"].tolist() == [stamp(0, 12), stamp(1, 11, 30)]
    assert frame["age"].tolist() == [hours(60), hours(36.5)]
    assert str(frame["since"].dtype) == "datetime64[ns, UTC]"
    assert str(frame["age"].dtype) == "timedelta64[ns]"
    assert frame.loc["t_e", "assignee"] == "bob" and frame.loc["t_d", "title"] == "Task t_d"


def test_aging_wip_now_forms(history_board):
    by_stamp = analytics.aging_wip(history_board, now=stamp(3))
    assert analytics.aging_wip(history_board, now=at(3)).equals(by_stamp)
    assert analytics.aging_wip(history_board, now="2026-01-08").equals(by_stamp)
    assert list(analytics.aging_wip(history_board, now=stamp(3), tenant="acme").index) == ["t_d"]
    # Without ``now``, ages are measured from the present, long after this history.
    assert (analytics.aging_wip(history_board)["age"] > hours(24 * 300)).all()


# --- lanes and progress ---------------------------------------------------------------------

def test_lanes(history_board):
    frame = analytics.lanes(history_board)
    assert list(frame.index) == ["alice", "bob", "(unassigned)"]
    assert frame.index.name == "assignee"
    assert list(frame.columns) == STATUS_COLUMNS[:-1]        # archived tasks are not counted
    assert (frame.dtypes == np.int64).all()
    assert frame.loc["alice"].to_dict() == dict.fromkeys(STATUS_COLUMNS[:-1], 0) | {"done": 2}
    assert frame.loc["bob"].to_dict() == dict.fromkeys(STATUS_COLUMNS[:-1], 0) | {
        "todo": 1, "running": 1, "done": 1}
    assert frame.loc["(unassigned)"].to_dict() == dict.fromkeys(STATUS_COLUMNS[:-1], 0) | {
        "triage": 1, "blocked": 1}
    acme = analytics.lanes(history_board, tenant="acme")
    assert list(acme.index) == ["alice", "bob", "(unassigned)"]
    assert acme.to_numpy().sum() == 3


def test_progress(history_board):
    frame = analytics.progress(history_board)
    assert frame.index.name == "parent_id"
    assert list(frame.index) == ["t_a", "t_d"]
    # t_a: t_b done, t_d blocked; t_g is archived and does not count.
    assert frame.loc["t_a"].tolist() == [1, 2, 0.5]
    assert frame.loc["t_d"].tolist() == [0, 1, 0.0]
    assert frame["done"].dtype == np.int64 and frame["ratio"].dtype == np.float64


def test_progress_skips_parents_whose_children_are_all_archived(tmp_path):
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_p", at(0), "todo").task("t_c", at(0), "archived").link("t_p", "t_c")
    assert analytics.progress(w.close()).empty
