"""Forecasts and their backtest, with answers worked out by hand.

The history board (``analytics_fixtures.write_history_board``) enters done at 0 07:00 (t_h),
0 17:00 (t_c), 0 20:00 (t_g), 1 12:00 (t_a), 1 15:00 (t_c again) and 2 08:00 (t_b): seen from
day 3 with a three-day window, the days deliver 3, 2 and 1 items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics_fixtures import stamp, write_history_board
from kanban_widget import analytics
from kanban_widget.store.errors import ValidationError


@pytest.fixture
def history_board(tmp_path):
    return write_history_board(tmp_path / "kanban.db")


@pytest.fixture
def steady_board(tmp_path):
    """Three items done every day for 30 days from 2026-01-05."""
    return analytics.synthetic_board(tmp_path / "steady.db", [3] * 30)


def test_daily_throughput_counts_entries_into_done_per_day_before_now(history_board):
    sample = analytics.daily_throughput(history_board, window=3, now=stamp(3))
    assert sample.tolist() == [3, 2, 1]
    assert list(sample.index) == [stamp(0), stamp(1), stamp(2)]
    # Days are 24-hour spans back from now, not calendar days: from 1 12:00, t_a's delivery
    # at 1 12:00 is "now" and not yet in the past.
    assert analytics.daily_throughput(history_board, window=2, now=stamp(1, 12)).tolist() == [1, 2]
    assert analytics.daily_throughput(history_board, window="3D", now=stamp(3)).tolist() == [3, 2, 1]


def test_forecast_when_on_a_steady_board_is_exact(steady_board):
    frame = analytics.forecast_when(steady_board, 10, window=7, now="2026-01-20", seed=1)
    # 3 a day: the 10th item comes on the 4th day, at every level.
    assert list(frame.index) == [50, 70, 85, 95]
    assert frame["days"].tolist() == [4, 4, 4, 4]
    assert (frame["date"] == pd.Timestamp("2026-01-24", tz="UTC")).all()
    assert frame.attrs["items"] == 10 and frame.attrs["trials"] == 10_000


def test_forecast_when_levels_by_hand(history_board):
    # Days drawn from {3, 2, 1}. Four items: never in one day; in two with P = 6/9 (sums
    # 4, 5, 6 of the nine pairs); within three unless all three draws are 1: P = 26/27.
    # The p-level answer is the least d with P(D <= d) >= p.
    frame = analytics.forecast_when(history_board, 4, window=3, now=stamp(3), seed=7)
    assert frame["days"].to_dict() == {50: 2, 70: 3, 85: 3, 95: 3}
    assert frame.loc[85, "date"] == stamp(6)


def test_forecast_how_many_levels_by_hand(history_board):
    # Two days drawn from {3, 2, 1}: P(T >= 2, 3, 4, 5, 6) = 1, 8/9, 6/9, 3/9, 1/9. The
    # p-level answer is the largest x with P(T >= x) >= p.
    frame = analytics.forecast_how_many(history_board, stamp(5), window=3, now=stamp(3), seed=7)
    assert frame["items"].to_dict() == {50: 4, 70: 3, 85: 3, 95: 2}
    assert frame.attrs["days"] == 2
    # Half a day short of two days rounds down to one: P(T >= 1, 2, 3) = 1, 2/3, 1/3.
    one_day = analytics.forecast_how_many(history_board, stamp(4, 23), window=3, now=stamp(3),
                                          seed=7)
    assert one_day["items"].to_dict() == {50: 2, 70: 1, 85: 1, 95: 1}


def test_forecasts_are_reproducible_with_a_seed(history_board):
    one = analytics.forecast_when(history_board, 7, window=3, now=stamp(3), seed=3)
    two = analytics.forecast_when(history_board, 7, window=3, now=stamp(3), seed=3)
    assert one.equals(two)


def test_simulated_days_follow_the_sample():
    rng = np.random.default_rng(0)
    assert (analytics._forecast.simulate_days(np.array([1]), 5, 100, rng) == 5).all()
    # Only one day in four delivers (2 items): 7 items need four delivering days.
    days = analytics._forecast.simulate_days(np.array([0, 0, 0, 2]), 7, 2000, rng)
    assert days.min() >= 4
    assert abs(days.mean() - 16) < 1          # four waits of mean 4 days each


def test_forecast_open_counts_a_parents_open_children(history_board):
    # t_a's children: t_b (done), t_d (blocked), t_g (archived): one open item.
    frame = analytics.forecast_open(history_board, parent="t_a", window=3, now=stamp(3),
                                    seed=1)
    assert frame.attrs["open_ids"] == ["t_d"]
    assert frame["days"].tolist() == [1, 1, 1, 1]       # every day of the sample delivers
    chosen = analytics.forecast_open(history_board, ["t_e", "t_a", "t_f"], window=3,
                                     now=stamp(3), seed=1)
    assert chosen.attrs["open_ids"] == ["t_e", "t_f"] and chosen.attrs["items"] == 2
    nothing = analytics.forecast_open(history_board, ["t_a"], window=3, now=stamp(3))
    assert nothing.empty and nothing.attrs["open_ids"] == []


@pytest.mark.parametrize("call, message", [
    (lambda b: analytics.forecast_when(b, 0, now=stamp(3)), "items=0"),
    (lambda b: analytics.forecast_when(b, 2, window="soon", now=stamp(3)), "window='soon'"),
    (lambda b: analytics.forecast_when(b, 2, window="36h", now=stamp(3)), "whole number of days"),
    (lambda b: analytics.forecast_when(b, 2, window=3, now=stamp(30)), "widen the window"),
    (lambda b: analytics.forecast_how_many(b, stamp(3, 12), now=stamp(3)), "less than a day"),
    (lambda b: analytics.forecast_open(b), "task_ids"),
    (lambda b: analytics.forecast_open(b, ["t_zz"]), "t_zz"),
    (lambda b: analytics.forecast_open(b, parent="t_zz"), "t_zz"),
    (lambda b: analytics.backtest_forecast(b, level=90), "level=90"),
])
def test_bad_forecast_arguments_are_named(history_board, call, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(")):
        call(history_board)


def test_backtest_on_a_steady_board_always_hits(steady_board):
    frame = analytics.backtest_forecast(steady_board, items=10, window=7)
    # Moments every day from day 7 while the answer is known: the 10th item after a moment
    # at midnight comes at 12:00 on day 4, before the forecast date (midnight after day 4).
    assert frame.attrs["hit_rate"] == 1.0
    assert frame.index[0] == pd.Timestamp("2026-01-12", tz="UTC")
    assert frame["hit"].all() and len(frame) == 30 - 7 - 3
    assert (frame["actual"] - frame.index == pd.Timedelta(days=3, hours=12)).all()


def test_backtest_on_a_random_board_hits_about_85_percent(tmp_path):
    # Poisson throughput of 3 a day, the same all along: the forecast is calibrated, so about
    # 85 % of the 85 % forecasts come true (the sample window adds some spread).
    counts = np.random.default_rng(11).poisson(3, 200)
    board = analytics.synthetic_board(tmp_path / "poisson.db", counts)
    frame = analytics.backtest_forecast(board, items=20, window=28, step=2)
    assert len(frame) > 80
    assert 0.78 <= frame.attrs["hit_rate"] <= 0.95


def test_backtest_counts_an_undelivered_forecast_as_a_miss(tmp_path):
    # Three a day for 10 days, then nothing for 10 days: forecasts near the end promise
    # deliveries that never come.
    board = analytics.synthetic_board(tmp_path / "stall.db", [3] * 10 + [0] * 10 + [1])
    frame = analytics.backtest_forecast(board, items=6, window=5)

    def day(d):
        return pd.Timestamp("2026-01-05", tz="UTC") + pd.Timedelta(days=d)

    # From day 8: two days of 3 deliver the 6 items on day 9, before the forecast (day 10).
    assert frame.loc[day(8), "hit"] and frame.loc[day(8), "actual"] == day(9) + pd.Timedelta(hours=12)
    # From day 9 the forecast says day 11; only 3 + 1 items ever come: a miss.
    assert not frame.loc[day(9), "hit"] and pd.isna(frame.loc[day(9), "actual"])
    assert frame.loc[day(9), "forecast"] == day(11)
    assert frame.attrs["hit_rate"] < 1.0
