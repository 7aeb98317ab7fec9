"""Flow over time: ``throughput``, ``cumulative_flow``, ``cycle_times`` and ``aging_wip``."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from ._aging import MIN_SPELLS, finished_spells, percentile_of
from ._replay import History, load_history, per_task_times
from ..store.errors import ValidationError
from ._source import NO_TIME, durations, open_board, text, to_timestamp, utc
from ._tasks import lead_and_cycle

#: The statuses ``aging_wip`` reports: work started or ready to start, not yet finished.
WIP_STATUSES = ("ready", "running", "blocked", "review")

_NS = 1_000_000_000


def throughput(src, freq: str = "D", *, tenant: Optional[str] = None,
               assignee: Optional[str] = None) -> pd.Series:
    """Tasks finished per period: an int64 Series indexed by period (pandas resample labels:
    the period start for ``"D"``, ``"h"``, ``"MS"``), with 0 for periods in between.

    A task counts in the period holding its done time: its last entry into done, for tasks
    whose latest status other than archived is done (see ``tasks``).

    :param src: a ``Store`` or the path of a kanban.db file.
    :param freq: any pandas frequency (``"D"``, ``"W"``, ``"h"``, ``"MS"``…).
    :param tenant: count only tasks in this tenant.
    :param assignee: count only tasks now assigned to this profile.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    offset = _offset(freq)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    done = per_task_times(h)["done"]
    done = np.sort(done[done != NO_TIME])
    ones = pd.Series(np.ones(len(done), dtype=np.int64), index=utc(done))
    counts = ones.resample(offset).sum().astype(np.int64)
    counts.index = pd.DatetimeIndex(counts.index).as_unit("ns")
    counts.index.name = "period"
    counts.name = "throughput"
    return counts


def cumulative_flow(src, freq: str = "D", *, tenant: Optional[str] = None,
                    assignee: Optional[str] = None) -> pd.DataFrame:
    """How many tasks were in each status at each period end.

    Indexed by period-end instants (``period_end``): for ``"D"``, each UTC midnight after the
    first event through the first midnight after the last; for other frequencies, each instant
    on that frequency's grid, the same way (``"h"``: whole hours, ``"W"``: Sunday midnights,
    ``"MS"``: month starts). One int64 column per status (the board's statuses in board order,
    ``archived`` included, then any others found): each created task counts in the status it
    held at that instant; a change at exactly that instant counts.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param freq: any pandas frequency.
    :param tenant: count only tasks in this tenant.
    :param assignee: count only tasks now assigned to this profile.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    offset = _offset(freq)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    columns = pd.Index(h.statuses, name="status")
    if h.first_event is None:
        index = pd.DatetimeIndex([], tz="UTC", name="period_end").as_unit("ns")
        return pd.DataFrame(np.zeros((0, len(columns)), dtype=np.int64), index=index,
                            columns=columns)
    ends = _period_ends(h.first_event, h.last_event, offset)
    at = ends.asi8
    start_ns = h.start * _NS
    # A spell still open never ends: give it the largest time so no period end passes it.
    end_ns = np.where(h.end == NO_TIME, np.iinfo(np.int64).max, h.end * _NS)
    counts = np.zeros((len(at), len(columns)), dtype=np.int64)
    for code in range(len(columns)):
        mask = h.spell_status == code
        entered = np.searchsorted(np.sort(start_ns[mask]), at, side="right")
        left = np.searchsorted(np.sort(end_ns[mask]), at, side="right")
        counts[:, code] = entered - left
    return pd.DataFrame(counts, index=ends.rename("period_end"), columns=columns)


def _offset(freq):
    try:
        return to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"freq={freq!r} is not a pandas frequency: try 'D', 'W', 'h' or 'MS'"
                         ) from exc


def _period_ends(first: int, last: int, offset) -> pd.DatetimeIndex:
    """The grid instants of ``offset`` from the first one after ``first`` through the first
    one after ``last`` (both strictly after), as ``datetime64[ns, UTC]``."""
    def next_after(seconds: int) -> pd.Timestamp:
        stamp = pd.Timestamp(seconds * _NS, unit="ns", tz="UTC")
        if isinstance(offset, Tick):
            return stamp.floor(offset) + offset
        on_grid = offset.rollforward(stamp.normalize())
        return on_grid if on_grid > stamp else on_grid + offset

    ends = pd.date_range(next_after(first), next_after(last), freq=offset)
    return ends.as_unit("ns")


def done_and_cycle(src, tenant=None, assignee=None) -> pd.DataFrame:
    """Per finished task: its done time and cycle time (the data behind the scatter plot)."""
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    return _finished(h)


def _finished(h: History) -> pd.DataFrame:
    times = per_task_times(h)
    _, cycle = lead_and_cycle(h.created, times)
    done = times["done"] != NO_TIME
    return pd.DataFrame(
        {"done_at": utc(times["done"][done]), "cycle_time": durations(cycle[done])},
        index=pd.Index(text(h.task_ids[done]), name="task_id"))


def cycle_times(src, *, tenant: Optional[str] = None,
                assignee: Optional[str] = None) -> pd.Series:
    """Cycle time per finished task: a ``timedelta64[ns]`` Series named ``cycle_time``, indexed
    by ``task_id`` (id order). Cycle time is done time − first entry into running; NaT for a
    task that finished without ever running. Finished: see ``tasks``.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant: keep only tasks in this tenant.
    :param assignee: keep only tasks now assigned to this profile.

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    return done_and_cycle(src, tenant, assignee)["cycle_time"]


def aging_wip(src, *, now=None, tenant: Optional[str] = None,
              assignee: Optional[str] = None, min_spells: int = MIN_SPELLS) -> pd.DataFrame:
    """Work in progress and how long it has sat: one row per task now in ready, running,
    blocked or review, indexed by ``task_id``, oldest first.

    Columns: ``status``, ``since`` (``datetime64[ns, UTC]``: when it entered its current
    status, replayed from events), ``age`` (``timedelta64[ns]``: ``now`` − ``since``),
    ``percentile`` (float64: 100 × the share of that status's finished spells, those that
    ended by ``now``, no longer than ``age``; NaN when the status has fewer than
    ``min_spells`` finished spells; see ``spell_percentiles``), ``assignee`` and ``title``.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param now: the instant ages are measured at (datetime, Timestamp, ISO string or Unix
        seconds; naive times are UTC); the current time by default.
    :param tenant: keep only tasks in this tenant.
    :param assignee: keep only tasks now assigned to this profile.
    :param min_spells: fewest finished spells a status needs for a ``percentile``
        (``MIN_SPELLS``, 20, by default).

    Raises BoardNotFound / UnreadableBoard (KanbanErrors; also FileNotFoundError /
    ValueError) when ``src`` is not a kanban board.
    """
    now_ns = (pd.Timestamp.now(tz="UTC").value if now is None
              else _instant_ns(now))
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
        marks = ", ".join("?" * len(WIP_STATUSES))
        details = dict(((r[0], (r[1], r[2])) for r in board.conn.execute(
            f"SELECT id, {board.col('assignee', 'tasks')}, title FROM tasks"
            f" WHERE status IN ({marks})", WIP_STATUSES)))
    since = per_task_times(h)["since"]
    history = finished_spells(h, now_ns // _NS)
    wip_codes = [h.code(s) for s in WIP_STATUSES]
    pick = np.flatnonzero(np.isin(h.current, wip_codes))
    ids = h.task_ids[pick]
    since_ns = since[pick] * _NS
    order = np.argsort(since_ns, kind="stable")
    pick, ids, since_ns = pick[order], ids[order], since_ns[order]
    info = [details.get(i, (None, None)) for i in ids]
    age_ns = now_ns - since_ns
    percentile = np.full(len(pick), np.nan)
    for code in np.unique(h.current[pick]):
        mine = h.current[pick] == code
        percentile[mine] = percentile_of(age_ns[mine] / _NS, history[code], min_spells)
    return pd.DataFrame({
        "status": text(np.asarray(h.statuses, dtype=object)[h.current[pick]]).values,
        "since": utc(since_ns // _NS),
        "age": age_ns.view("timedelta64[ns]"),
        "percentile": percentile,
        "assignee": text([a for a, _ in info]).values,
        "title": text([t for _, t in info]).values,
    }, index=pd.Index(text(ids), name="task_id"))


def _instant_ns(when) -> int:
    """``when`` (see ``to_timestamp``) in nanoseconds since the epoch."""
    return int(to_timestamp(when, "now").value)
