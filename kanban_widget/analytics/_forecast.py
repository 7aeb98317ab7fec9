"""Monte Carlo forecasts from the board's own throughput: ``forecast_when``,
``forecast_how_many`` and ``forecast_open``.

The model: the future is a sequence of days, each delivering as many items as a day drawn at
random (with replacement) from the last ``window`` days did. Days are 24-hour spans counted back
from ``now`` (day 1 is ``[now - 24 h, now)``), not calendar days, so a forecast made at 15:00
uses the history up to 15:00. An item is delivered when it enters done (a task reopened and
finished again counts each time, as someone watching the board at the time saw it).
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from ..store.errors import ValidationError
from ._replay import load_history
from ._source import now_seconds, open_board, to_timestamp

#: The confidence levels every forecast reports, in percent.
LEVELS = (50, 70, 85, 95)
#: The default history a forecast resamples: the last six weeks.
DEFAULT_WINDOW_DAYS = 42
DEFAULT_TRIALS = 10_000
_DAY_S = 86_400
#: A forecast giving up beyond this many days means the window holds almost no deliveries.
_MAX_DAYS = 36_500


def daily_throughput(src, *, window=DEFAULT_WINDOW_DAYS, now=None,
                     tenant: Optional[str] = None, assignee: Optional[str] = None) -> pd.Series:
    """Items delivered (entries into done) in each of the ``window`` 24-hour days before
    ``now``: an int64 Series indexed by each day's start, oldest first. The sample the
    forecasts resample.

    :param window: days of history (an int, or a ``pd.Timedelta`` / string such as ``"6W"``
        holding whole days); the last six weeks by default.
    :param now: the moment to look back from (datetime, Timestamp, ISO string or Unix
        seconds); the current time by default.
    :param tenant, assignee: count only tasks in this tenant / now assigned to this profile.
    """
    days = _window_days(window)
    now_s = now_seconds(now)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    entered_done = h.start[h.spell_status == h.code("done")]
    return _bin_days(entered_done, now_s, days)


def _bin_days(times: np.ndarray, now_s: int, days: int) -> pd.Series:
    """Count ``times`` (Unix seconds) per 24-hour day in ``[now - days, now)``."""
    first = now_s - days * _DAY_S
    inside = times[(times >= first) & (times < now_s)]
    counts = np.bincount((inside - first) // _DAY_S, minlength=days).astype(np.int64)
    starts = pd.DatetimeIndex(
        pd.to_datetime((first + _DAY_S * np.arange(days)) * 1_000_000_000, utc=True),
        name="day").as_unit("ns")
    return pd.Series(counts, index=starts, name="delivered")


def forecast_when(src, items: int, *, window=DEFAULT_WINDOW_DAYS, now=None, trials: int =
                  DEFAULT_TRIALS, seed: Optional[int] = None, tenant: Optional[str] = None,
                  assignee: Optional[str] = None) -> pd.DataFrame:
    """When will ``items`` more items be done? Monte Carlo over the board's daily throughput.

    Each trial draws days from the last ``window`` days' delivery counts (with replacement)
    until the running total reaches ``items``; the number of days drawn is that trial's answer.
    The answer at level p is the smallest whole number of days within which at least p % of
    the trials finished (the p-th percentile, no interpolation).

    Returns a DataFrame indexed by ``level`` (50, 70, 85, 95) with ``days`` (int64, counted
    from ``now``) and ``date`` (``now`` + days, ``datetime64[ns, UTC]``). ``frame.attrs``
    holds ``items``, ``trials``, ``now`` and ``throughput`` (the resampled daily counts).

    :param items: how many more items (an int ≥ 1).
    :param window: days of history to resample (see ``daily_throughput``).
    :param now: make the forecast as of this moment (the backtest uses it); the current time
        by default.
    :param trials: how many simulated futures (10,000 by default).
    :param seed: a seed for numpy's random generator, for the same answer every time.
    :param tenant, assignee: use only the throughput of tasks in this tenant / assigned to
        this profile.

    Raises ValidationError (a ValueError) for a bad argument, or when no item was delivered
    in the window (the forecast would never finish: widen the window).
    """
    items = _positive_int(items, "items")
    trials = _positive_int(trials, "trials")
    sample = daily_throughput(src, window=window, now=now, tenant=tenant, assignee=assignee)
    days = simulate_days(sample.to_numpy(), items, trials, np.random.default_rng(seed))
    now_ts = sample.index[-1] + pd.Timedelta(days=1)
    levels = np.array(LEVELS)
    # Smallest d with at least p % of trials done within d days: the ceil(n·p)-th smallest.
    ranked = np.sort(days)
    at = np.ceil(trials * levels / 100).astype(np.int64) - 1
    needed = ranked[at]
    frame = pd.DataFrame({"days": needed.astype(np.int64),
                          "date": now_ts + pd.to_timedelta(needed, unit="D")},
                         index=pd.Index(levels, name="level"))
    frame.attrs.update(items=items, trials=trials, now=now_ts, throughput=sample)
    return frame


def simulate_days(daily: np.ndarray, items: int, trials: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Per trial, the number of days drawn from ``daily`` until the total reaches ``items``.

    Vectorised: days are drawn for all unfinished trials a block at a time, and a trial's
    answer is the first day its running total reaches ``items``.
    """
    daily = np.asarray(daily, dtype=np.int64)
    if not daily.any():
        raise ValidationError(
            f"no item was delivered in the {len(daily)}-day window: the forecast would never "
            "finish; widen the window (window=...) or check the tenant/assignee filters")
    # A first block long enough for most trials: twice the days the mean rate needs.
    block = int(min(max(8, 2 * np.ceil(items / daily.mean())), 4096))
    answer = np.zeros(trials, dtype=np.int64)
    remaining = np.full(trials, items, dtype=np.int64)
    open_ = np.arange(trials)
    elapsed = 0
    while len(open_):
        if elapsed > _MAX_DAYS:
            raise ValidationError(
                f"{items} items would take more than {_MAX_DAYS} days at this throughput; "
                "forecast fewer items or widen the window")
        drawn = daily[rng.integers(0, len(daily), size=(len(open_), block))]
        totals = np.cumsum(drawn, axis=1)
        reached = totals >= remaining[open_, None]
        done = reached[:, -1]
        first = np.argmax(reached[done], axis=1)
        answer[open_[done]] = elapsed + first + 1
        remaining[open_[~done]] -= totals[~done, -1]
        open_ = open_[~done]
        elapsed += block
    return answer


def forecast_how_many(src, by, *, window=DEFAULT_WINDOW_DAYS, now=None,
                      trials: int = DEFAULT_TRIALS, seed: Optional[int] = None,
                      tenant: Optional[str] = None,
                      assignee: Optional[str] = None) -> pd.DataFrame:
    """How many items will be done by ``by``? Monte Carlo over the board's daily throughput.

    The days until ``by`` are the whole 24-hour days between ``now`` and ``by`` (rounded
    down). Each trial sums that many days drawn from the last ``window`` days' delivery counts
    (with replacement). The answer at level p is the largest count that at least p % of the
    trials reached (so higher confidence means fewer items).

    Returns a DataFrame indexed by ``level`` (50, 70, 85, 95) with ``items`` (int64).
    ``frame.attrs`` holds ``by``, ``days``, ``trials``, ``now`` and ``throughput``.

    :param by: the date (datetime, Timestamp, ISO string or Unix seconds), at least a day
        after ``now``.
    :param window, now, trials, seed, tenant, assignee: as for ``forecast_when``.

    Raises ValidationError (a ValueError) for a bad argument.
    """
    trials = _positive_int(trials, "trials")
    sample = daily_throughput(src, window=window, now=now, tenant=tenant, assignee=assignee)
    now_ts = sample.index[-1] + pd.Timedelta(days=1)
    by_ts = to_timestamp(by, "by")
    n_days = int((by_ts - now_ts) // pd.Timedelta(days=1))
    if n_days < 1:
        raise ValidationError(f"by={by!r} is less than a day after now ({now_ts}): give a later "
                              "date")
    rng = np.random.default_rng(seed)
    daily = sample.to_numpy()
    totals = np.zeros(trials, dtype=np.int64)
    # Blocks of days keep the drawn matrix to a few MB however far ``by`` is.
    for start in range(0, n_days, 256):
        width = min(256, n_days - start)
        totals += daily[rng.integers(0, len(daily), size=(trials, width))].sum(axis=1)
    levels = np.array(LEVELS)
    # Largest x with at least p % of trials ≥ x: the (floor(n·(1-p)) + 1)-th smallest.
    ranked = np.sort(totals)
    at = np.floor(trials * (100 - levels) / 100 + 1e-9).astype(np.int64)
    frame = pd.DataFrame({"items": ranked[np.minimum(at, trials - 1)]},
                         index=pd.Index(levels, name="level"))
    frame.attrs.update(by=by_ts, days=n_days, trials=trials, now=now_ts, throughput=sample)
    return frame


def forecast_open(src, task_ids: Optional[Iterable[str]] = None, *, parent: Optional[str] = None,
                  **options) -> pd.DataFrame:
    """``forecast_when`` for the open items among some tasks: the board's ``forecast()``.

    Give ``task_ids`` (the board's selection) or ``parent`` (a task id: its children). The
    items are those of them not done or archived now; ``frame.attrs["open_ids"]`` lists them.
    With none open, the result has no rows. ``options`` go to ``forecast_when`` (``window``,
    ``now``, ``trials``, ``seed``, ``tenant``, ``assignee``).

    Raises ValidationError when neither or both of ``task_ids`` and ``parent`` are given, or
    when an id is not on the board.
    """
    if (task_ids is None) == (parent is None):
        raise ValidationError("forecast_open needs task_ids (e.g. the board's selection) or "
                              "parent (a task id), not both or neither")
    with open_board(src) as board:
        if parent is not None:
            if not board.conn.execute("SELECT 1 FROM tasks WHERE id = ?", (parent,)).fetchone():
                raise ValidationError(f"parent {parent!r} is not a task on this board")
            rows = board.conn.execute(
                "SELECT c.id, c.status FROM task_links l JOIN tasks c ON c.id = l.child_id"
                " WHERE l.parent_id = ? ORDER BY c.id", (parent,)).fetchall() \
                if "task_links" in board.tables else []
        else:
            wanted = list(dict.fromkeys(task_ids))
            found = dict(board.conn.execute(
                f"SELECT id, status FROM tasks WHERE id IN ({','.join('?' * len(wanted))})",
                wanted).fetchall()) if wanted else {}
            missing = [i for i in wanted if i not in found]
            if missing:
                raise ValidationError(f"not on this board: {missing[:5]!r}; pass ids of its tasks")
            rows = [(i, found[i]) for i in wanted]
    open_ids = [i for i, status in rows if status not in ("done", "archived")]
    if not open_ids:
        frame = pd.DataFrame({"days": np.zeros(0, dtype=np.int64),
                              "date": pd.DatetimeIndex([], tz="UTC").as_unit("ns")},
                             index=pd.Index(np.zeros(0, dtype=np.int64), name="level"))
        frame.attrs.update(items=0, open_ids=[])
        return frame
    frame = forecast_when(src, len(open_ids), **options)
    frame.attrs["open_ids"] = open_ids
    return frame


def _window_days(window) -> int:
    if isinstance(window, (int, np.integer)) and not isinstance(window, bool):
        days = int(window)
    else:
        try:
            span = pd.Timedelta(window)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"window={window!r} is not a duration: give days (42) or a "
                                  "Timedelta / string such as '6W'") from exc
        if span % pd.Timedelta(days=1):
            raise ValidationError(f"window={window!r} is not a whole number of days")
        days = span // pd.Timedelta(days=1)
    if days < 1:
        raise ValidationError(f"window={window!r} must be at least one day")
    return days



def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValidationError(f"{what}={value!r} must be a whole number of at least 1")
    return int(value)
