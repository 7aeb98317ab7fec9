"""Checking the forecasts against what happened: ``backtest_forecast`` and ``synthetic_board``.

A backtest stands at many past moments, forecasts from the history up to each one exactly as
``forecast_when(now=moment)`` would, and compares with when the items were really delivered.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from ..store.errors import ValidationError
from ._forecast import (DEFAULT_TRIALS, LEVELS, _DAY_S, _bin_days, _positive_int,
                        _window_days, simulate_days)
from ._replay import load_history
from ._source import NO_TIME, open_board, utc


def backtest_forecast(src, *, items: int = 10, level: int = 85, window=14, step=1,
                      trials: int = DEFAULT_TRIALS, seed: Optional[int] = 0,
                      tenant: Optional[str] = None,
                      assignee: Optional[str] = None) -> pd.DataFrame:
    """How often the real delivery of ``items`` items came by the ``level`` % forecast date.

    Forecast moments start ``window`` days after the board's first event and follow every
    ``step`` days up to its last event. At each one, ``forecast_when(items=items,
    window=window, now=moment)`` gives a date; the real answer is when the ``items``-th item
    after the moment entered done. A forecast *hits* when that happened before the forecast
    date. Moments whose answer the board cannot tell yet (not delivered, forecast date after
    the last event) are left out, and so are moments with no delivery in their window.

    Returns one row per moment kept, indexed by ``now``: ``forecast`` (the date),
    ``actual`` (NaT when not delivered by the last event) and ``hit`` (bool).
    ``frame.attrs["hit_rate"]`` is the share of hits (NaN with no rows); a well calibrated
    85 % forecast hits about 85 % of the time on a board whose throughput does not change.

    :param items: items per forecast.
    :param level: the confidence level checked: one of 50, 70, 85, 95.
    :param window: days of history each forecast resamples.
    :param step: days between forecast moments (a whole number).
    :param trials, seed, tenant, assignee: as for ``forecast_when``.
    """
    items = _positive_int(items, "items")
    step = _positive_int(step, "step")
    if level not in LEVELS:
        raise ValidationError(f"level={level!r}: pick one of {LEVELS}")
    days = _window_days(window)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    if h.first_event is None:
        raise ValidationError("the board has no history to backtest")
    delivered = np.sort(h.start[h.spell_status == h.code("done")])
    rng = np.random.default_rng(seed)
    rows = []
    for now_s in range(h.first_event + days * _DAY_S, h.last_event + 1, step * _DAY_S):
        sample = _bin_days(delivered, now_s, days).to_numpy()
        if not sample.any():
            continue
        ranked = np.sort(simulate_days(sample, items, trials, rng))
        needed = int(ranked[int(np.ceil(trials * level / 100)) - 1])
        forecast = now_s + needed * _DAY_S
        after = np.searchsorted(delivered, now_s, side="left")
        actual = (int(delivered[after + items - 1]) if after + items - 1 < len(delivered)
                  else None)
        if actual is None and forecast <= h.last_event:
            rows.append((now_s, forecast, None, False))       # not delivered by the date
        elif actual is not None:
            rows.append((now_s, forecast, actual, actual < forecast))
    cols = list(zip(*rows)) if rows else [(), (), (), ()]
    frame = pd.DataFrame({
        "forecast": utc(np.array(cols[1], dtype=np.int64)),
        "actual": utc(np.array([NO_TIME if a is None else a for a in cols[2]], dtype=np.int64)),
        "hit": np.array(cols[3], dtype=bool),
    }, index=pd.Index(utc(np.array(cols[0], dtype=np.int64)), name="now"))
    frame.attrs.update(hit_rate=float(frame["hit"].mean()) if len(frame) else float("nan"),
                       items=items, level=level, window=days)
    return frame


def synthetic_board(path, delivered_per_day: Sequence[int], *, start="2026-01-05") -> Path:
    """Write a new board on which ``delivered_per_day[d]`` tasks are finished on day ``d``.

    Each task is created at the start of its day, claimed an hour later and completed at
    12:00 (so all of a day's deliveries fall inside it, whichever hour a forecast stands
    at). For checking forecasts against a throughput you chose, e.g. ``rng.poisson(3, 90)``.

    :param path: a new board file.
    :param delivered_per_day: non-negative counts, one per day.
    :param start: day 0 (a date; midnight UTC).
    """
    from .. import Store     # the store creates the schema: analytics itself never writes

    counts = [int(c) for c in delivered_per_day]
    if any(c < 0 for c in counts):
        raise ValidationError("delivered_per_day must hold counts of 0 or more")
    day0 = int(pd.Timestamp(start, tz="UTC").normalize().value // 1_000_000_000)
    Store(path).close()
    conn = sqlite3.connect(path)
    try:
        n = 0
        for day, count in enumerate(counts):
            base = day0 + day * _DAY_S
            for _ in range(count):
                task = f"syn_{n:06d}"
                n += 1
                conn.execute("INSERT INTO tasks (id, title, status, created_at, completed_at)"
                             " VALUES (?, ?, 'done', ?, ?)",
                             (task, f"Synthetic {task}", base, base + 12 * 3600))
                conn.executemany(
                    "INSERT INTO task_events (task_id, kind, payload, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    [(task, "created", '{"status": "ready"}', base),
                     (task, "claimed", None, base + 3600),
                     (task, "completed", None, base + 12 * 3600)])
        conn.commit()
    finally:
        conn.close()
    return Path(path)
