"""Flow efficiency, net flow, time blocked, Little's law and column spell percentiles, on the
board in ``analytics_fixtures.write_history_board``; every expected value is worked out by hand
from its table of events (the spells are listed in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import BoardWriter, at, hours, stamp, write_history_board
from kanban_widget import analytics
from kanban_widget.store.errors import ValidationError


@pytest.fixture
def history_board(tmp_path):
    return write_history_board(tmp_path / "kanban.db")


# --- flow_efficiency ------------------------------------------------------------------------

def test_flow_efficiency_running_over_cycle(history_board):
    frame = analytics.flow_efficiency(history_board)
    # t_a runs 0 12:00 → done 1 12:00: all 24 h running.
    # t_b first runs 0 11:00, done 2 08:00 (45 h); running 2 + 1 + 20 = 23 h.
    # t_c first runs 0 09:00, done again 1 15:00 (30 h); running 8 + 6 = 14 h.
    # t_g and t_h finished without running: no cycle, no row.
    assert list(frame.index) == ["t_a", "t_b", "t_c"]
    assert frame["cycle_time"].tolist() == [hours(24), hours(45), hours(30)]
    assert frame["active_time"].tolist() == [hours(24), hours(23), hours(14)]
    assert frame["waiting_time"].tolist() == [hours(0), hours(22), hours(16)]
    assert frame["efficiency"].tolist() == pytest.approx([1, 23 / 45, 14 / 30])
    assert frame.attrs["overall"] == pytest.approx(61 / 99)


def test_flow_efficiency_with_ready_counted_as_active(history_board):
    frame = analytics.flow_efficiency(history_board, active=["running", "ready"])
    # t_b adds ready 1 09:00–10:00 and 1 11:00–12:00; t_c adds ready 1 08:00–09:00. Its
    # 15 h in done before being reopened stay waiting.
    assert frame["active_time"].tolist() == [hours(24), hours(25), hours(15)]
    with pytest.raises(ValidationError, match="active=\\['runing'\\]"):
        analytics.flow_efficiency(history_board, active=["runing"])


# --- net_flow -------------------------------------------------------------------------------

def test_net_flow_per_day(history_board):
    frame = analytics.net_flow(history_board, "D")
    # Created: seven tasks on day 0, t_f on day 1. Finished (done time, as throughput counts):
    # t_g 0 20:00; t_a 1 12:00 and t_c 1 15:00; t_b 2 08:00.
    assert list(frame.index) == [stamp(0), stamp(1), stamp(2)]
    assert frame["arrivals"].tolist() == [7, 1, 0]
    assert frame["departures"].tolist() == [1, 2, 1]
    assert frame["net_flow"].tolist() == [6, -1, -1]
    weekly = analytics.net_flow(history_board)      # weeks from Sunday 2026-01-04
    assert list(weekly.index) == [stamp(-1)] and weekly["net_flow"].tolist() == [4]


# --- blocked_time ---------------------------------------------------------------------------

def test_blocked_time_by_reason(history_board):
    frame = analytics.blocked_time(history_board, now=stamp(3))
    # t_d: blocked by spawn_auto_blocked (no reason; its current name is gave_up) from
    # 1 11:30, still blocked at day 3: 36.5 h. t_b: "needs input" 0 13:00 → 1 09:00: 20 h.
    assert list(frame.index) == ["gave_up", "needs input"]
    assert frame["total"].tolist() == [hours(36.5), hours(20)]
    assert frame["median"].tolist() == [hours(36.5), hours(20)]
    assert frame["spells"].tolist() == [1, 1] and frame["tasks"].tolist() == [1, 1]
    assert frame["share"].tolist() == pytest.approx([36.5 / 56.5, 20 / 56.5])
    # Before t_d was blocked, only t_b's spell counts, measured up to now while open.
    early = analytics.blocked_time(history_board, now=stamp(0, 23))
    assert early["total"].to_dict() == {"needs input": hours(10)}


def test_blocked_time_of_a_spell_no_event_records(tmp_path):
    w = BoardWriter(tmp_path / "kanban.db")
    w.task("t_1", at(0), "blocked")               # no events: the closing spell is inferred
    w.task("t_2", at(0), "blocked")
    w.event("t_2", "created", at(0), {"status": "ready"})
    w.event("t_2", "blocked", at(0, 1), {"reason": "  waiting on legal "})
    w.event("t_2", "unblocked", at(0, 3))
    w.event("t_2", "blocked", at(0, 4), {"reason": "waiting on legal"})
    frame = analytics.blocked_time(w.close(), now=stamp(0, 10))
    assert frame["total"].to_dict() == {"(not recorded)": hours(10),
                                        "waiting on legal": hours(8)}
    assert frame.loc["waiting on legal", "spells"] == 2
    assert frame.loc["waiting on legal", "median"] == hours(4)


# --- littles_law ----------------------------------------------------------------------------

def test_littles_law_per_day(history_board):
    frame = analytics.littles_law(history_board, "D")
    # In progress (first running → done, or open): t_a 0 12:00–1 12:00, t_b 0 11:00–2 08:00,
    # t_c 0 09:00–1 15:00, t_d 1 11:00–, t_e 0 12:00–. The history runs 0 06:00 → 2 12:00.
    # Day 0 (18 h from 06:00): 12 + 13 + 15 + 12 = 52 task-hours; nothing that ran finished.
    # Day 1: 12 + 24 + 15 + 13 + 24 = 88 task-hours over 24 h; t_a (24 h) and t_c (30 h).
    # Day 2 (12 h to the last event): 8 + 12 + 12 = 32 task-hours; t_b (45 h).
    assert frame["avg_wip"].tolist() == pytest.approx([52 / 18, 88 / 24, 32 / 12])
    assert frame["throughput"].tolist() == pytest.approx([0, 2, 2])
    assert pd.isna(frame["predicted_cycle_time"].iloc[0])
    assert frame["predicted_cycle_time"].iloc[1:].tolist() == [hours(44), hours(32)]
    assert frame["observed_cycle_time"].iloc[1:].tolist() == [hours(27), hours(45)]
    assert frame["ratio"].iloc[1:].tolist() == pytest.approx([27 / 44, 45 / 32])
    overall = frame.attrs["overall"]
    # 172 task-hours over 54 h; 3 finished in 2.25 days; mean cycle (24 + 45 + 30) / 3 h.
    assert overall["avg_wip"] == pytest.approx(172 / 54)
    assert overall["throughput"] == pytest.approx(3 / 2.25)
    assert overall["observed_cycle_time"] == hours(33)
    # (172 / 54) / (3 / 2.25) = 516 / 216 days = 57 h 20 min.
    assert overall["predicted_cycle_time"] == pd.Timedelta(hours=57, minutes=20)


# --- spell_percentiles and aging_wip's percentile ------------------------------------------

def test_spell_percentiles_by_hand(history_board):
    frame = analytics.spell_percentiles(history_board, now=stamp(3), min_spells=1)
    # Finished running spells: 0.5, 1, 2, 6, 8, 20, 24 h. The p-th percentile is the
    # ceil(7p/100)-th shortest: 4th, 6th, 7th.
    running = frame.loc["running"]
    assert running["spells"] == 7
    assert [running["p50"], running["p85"], running["p95"]] == [hours(6), hours(20), hours(24)]
    # Default: fewer than 20 spells is too thin to judge by.
    thin = analytics.spell_percentiles(history_board, now=stamp(3))
    assert thin["p85"].isna().all() and thin.loc["running", "spells"] == 7
    # Only spells that had ended by ``now`` count.
    assert analytics.spell_percentiles(history_board, now=stamp(1), min_spells=1).loc[
        "running", "spells"] == 2
    with pytest.raises(ValidationError, match="percentiles"):
        analytics.spell_percentiles(history_board, percentiles=(0, 50))


def _running_history(path):
    """Four finished running spells of 1, 2, 3 and 4 h, and t_5 running since 2 00:00."""
    w = BoardWriter(path)
    for n in range(1, 5):
        w.task(f"t_{n}", at(0), "done")
        w.event(f"t_{n}", "created", at(0), {"status": "ready"})
        w.event(f"t_{n}", "claimed", at(1))
        w.event(f"t_{n}", "completed", at(1, n))
    w.task("t_5", at(0), "running")
    w.event("t_5", "created", at(0), {"status": "ready"})
    w.event("t_5", "claimed", at(2))
    return w.close()


@pytest.mark.parametrize("age_hours, percentile", [(0.5, 0.0), (2, 50.0), (2.5, 50.0),
                                                   (3.5, 75.0), (4, 100.0)])
def test_aging_wip_percentile_against_the_column(tmp_path, age_hours, percentile):
    board = _running_history(tmp_path / "kanban.db")
    frame = analytics.aging_wip(board, now=stamp(2) + hours(age_hours), min_spells=4)
    assert frame.loc["t_5", "percentile"] == percentile
    # The same yardstick: an age reaches the p-th percentile exactly when percentile >= p.
    p50 = analytics.spell_percentiles(board, now=stamp(3), min_spells=4).loc["running", "p50"]
    assert (hours(age_hours) >= p50) == (percentile >= 50)


def test_aging_wip_percentile_is_nan_when_history_is_thin(history_board):
    frame = analytics.aging_wip(history_board, now=stamp(3))
    assert frame["percentile"].isna().all() and frame["percentile"].dtype == np.float64
    frame = analytics.aging_wip(history_board, now=stamp(3), min_spells=1)
    # t_e running 60 h: longer than all 7 running spells; t_d blocked 36.5 h: than t_b's 20 h.
    assert frame["percentile"].to_dict() == {"t_e": 100.0, "t_d": 100.0}
