"""Where work waits: ``flow_efficiency``, ``net_flow``, ``blocked_time`` and ``littles_law``."""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np
import pandas as pd

from ..store.errors import ValidationError
from ..store.replay import NO_TIME as _NO_TIME
from ..store.vocabulary import EVENT_ALIASES
from ._flow import _offset
from ._replay import History, load_history, per_task_times
from ._source import (STATUSES, durations, now_seconds, open_board, text, utc)

#: The statuses ``flow_efficiency`` counts as work happening, by default.
ACTIVE_STATUSES = ("running",)
#: The reason ``blocked_time`` gives a blocked spell whose start no event records.
UNRECORDED = "(not recorded)"
_DAY_S = 86_400
_FAR = np.iinfo(np.int64).max


def flow_efficiency(src, *, active: Iterable[str] = ACTIVE_STATUSES,
                    tenant: Optional[str] = None, assignee: Optional[str] = None
                    ) -> pd.DataFrame:
    """Active against waiting time per finished task, over its cycle.

    One row per finished task that ran (those with a cycle time, see ``cycle_times``), indexed
    by ``task_id``: ``done_at``, ``cycle_time`` (done time − first entry into running),
    ``active_time`` (the part of the cycle spent in an ``active`` status), ``waiting_time``
    (the rest: ready, blocked, review…) and ``efficiency`` (``active_time / cycle_time``,
    float64 in [0, 1]; NaN for a cycle of zero length). ``frame.attrs["overall"]`` is the
    board's flow efficiency: total active time ÷ total cycle time.

    :param active: the statuses that count as active (default: running only; add
        ``"review"`` if reviewing is work rather than waiting).
    :param tenant, assignee: keep only tasks in this tenant / now assigned to this profile.
    """
    active = [active] if isinstance(active, str) else list(active)
    unknown = [s for s in active if s not in STATUSES]
    if not active or unknown:
        raise ValidationError(f"active={active!r}: name one or more of {STATUSES}")
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    times = per_task_times(h)
    done, ran = times["done"], times["first_running"]
    finished = (done != _NO_TIME) & (ran != _NO_TIME)
    # Each active spell, clipped to its task's cycle [first running, done].
    task = h.spell_task
    codes = [h.code(s) for s in active]
    keep = np.isin(h.spell_status, codes) & finished[task]
    end = np.where(h.end == _NO_TIME, _FAR, h.end)
    lo = np.maximum(h.start, ran[task])
    hi = np.minimum(end, done[task])
    overlap = np.where(keep, np.clip(hi - lo, 0, None), 0)
    active_s = np.bincount(task, weights=overlap, minlength=len(h.task_ids)).astype(np.int64)
    pick = np.flatnonzero(finished)
    cycle = done[pick] - ran[pick]
    act = active_s[pick]
    with np.errstate(invalid="ignore", divide="ignore"):
        efficiency = np.where(cycle > 0, act / np.maximum(cycle, 1), np.nan)
    frame = pd.DataFrame({
        "done_at": utc(done[pick]),
        "cycle_time": durations(cycle),
        "active_time": durations(act),
        "waiting_time": durations(cycle - act),
        "efficiency": efficiency,
    }, index=pd.Index(text(h.task_ids[pick]), name="task_id"))
    total = int(cycle.sum())
    frame.attrs["overall"] = float(act.sum() / total) if total else float("nan")
    return frame


def net_flow(src, freq: str = "W", *, tenant: Optional[str] = None,
             assignee: Optional[str] = None) -> pd.DataFrame:
    """Arrivals against departures per period: is work piling up or draining?

    Indexed by ``period`` (each period's start: pandas' ``resample`` bins closed and
    labelled on the left, so ``"W"`` weeks run Sunday to Sunday), int64 columns
    ``arrivals`` (tasks created in the period, by ``created_at``), ``departures`` (tasks
    finished in the period, by done time, as ``throughput`` counts them) and ``net_flow``
    (arrivals − departures: above 0 the board grows). Periods in between hold 0.

    :param freq: any pandas frequency (default ``"W"``).
    :param tenant, assignee: count only tasks in this tenant / now assigned to this profile.
    """
    offset = _offset(freq)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    done = per_task_times(h)["done"]
    done = done[done != _NO_TIME]
    when = np.concatenate([h.created, done])
    order = np.argsort(when, kind="stable")
    marks = pd.DataFrame({
        "arrivals": np.r_[np.ones(len(h.created), np.int64), np.zeros(len(done), np.int64)],
        "departures": np.r_[np.zeros(len(h.created), np.int64), np.ones(len(done), np.int64)],
    }).iloc[order]
    marks.index = utc(when[order])
    counts = marks.resample(offset, label="left", closed="left").sum().astype(np.int64)
    counts.index = pd.DatetimeIndex(counts.index).as_unit("ns").rename("period")
    counts["net_flow"] = counts["arrivals"] - counts["departures"]
    return counts


def blocked_time(src, *, now=None, tenant: Optional[str] = None,
                 assignee: Optional[str] = None) -> pd.DataFrame:
    """Time spent blocked, per reason.

    Each blocked spell (replayed, see ``status_intervals``) that started by ``now`` counts up
    to its end, or up to ``now`` while still blocked. Its reason is the ``reason`` in the
    payload of the event that started it (``blocked`` events carry one); failing that, the
    starting event's kind (``gave_up`` for a worker that gave up, under its current name);
    ``"(not recorded)"`` for a spell no event records.

    One row per reason, longest total first, indexed by ``reason``: ``spells`` and ``tasks``
    (int64), ``total`` and ``median`` (``timedelta64[ns]``: the sum and median spell length)
    and ``share`` (float64: of all blocked time).

    :param now: the moment open spells are measured to (default: the current time).
    :param tenant, assignee: keep only tasks in this tenant / now assigned to this profile.
    """
    now_s = now_seconds(now)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
        spells = np.flatnonzero((h.spell_status == h.code("blocked")) & (h.start <= now_s))
        reasons = _spell_reasons(board.conn, h, spells)
    end = np.where((h.end[spells] == _NO_TIME) | (h.end[spells] > now_s), now_s, h.end[spells])
    per_spell = pd.DataFrame({"reason": text(reasons), "task": h.spell_task[spells],
                              "seconds": end - h.start[spells]})
    groups = per_spell.groupby("reason", sort=False)
    total = groups["seconds"].sum()
    frame = pd.DataFrame({
        "spells": groups.size().astype(np.int64),
        "tasks": groups["task"].nunique().astype(np.int64),
        "total": durations(total.to_numpy(dtype=np.int64)),
        "median": durations(groups["seconds"].median().round().to_numpy(dtype=np.int64)),
        "share": total / max(int(total.sum()), 1),
    }, index=pd.Index(text(total.index), name="reason"))
    return frame.sort_values(["total", "spells"], ascending=False, kind="stable")


def _spell_reasons(conn, h: History, spells: np.ndarray) -> list:
    """The reason of each of these spells, from the event that started it (see above)."""
    ids = h.start_id[spells]
    # Synthesised starts and closing spells carry sentinel ids at the ends of int64.
    real = sorted({int(i) for i in ids if abs(int(i)) < 2 ** 62})
    found: dict = {}
    for at in range(0, len(real), 500):
        chunk = real[at:at + 500]
        found.update((r[0], (r[1], r[2])) for r in conn.execute(
            "SELECT id, kind, CASE WHEN json_valid(payload) THEN"
            " json_extract(payload, '$.reason') END FROM task_events"
            f" WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    out = []
    for spell, event_id in zip(spells, ids.tolist()):
        kind, reason = found.get(event_id, (None, None))
        if h.inferred[spell] or kind is None:
            out.append(UNRECORDED)
        elif isinstance(reason, str) and reason.strip():
            out.append(reason.strip())
        else:
            out.append(EVENT_ALIASES.get(kind, kind))
    return out


def littles_law(src, freq: str = "W", *, tenant: Optional[str] = None,
                assignee: Optional[str] = None) -> pd.DataFrame:
    """Little's law check per period: average WIP ÷ throughput against observed cycle time.

    Work in progress here is what cycle time measures: a task is in progress from its first
    entry into running until its done time (or, unfinished, until it was archived, or still
    now). Per period (labelled by its start, as in ``net_flow``, clipped to the board's first
    and last event): ``avg_wip`` (float64: the time-average count of tasks in progress),
    ``throughput`` (float64: tasks that ran and finished in the period, per day),
    ``predicted_cycle_time`` (``avg_wip / throughput`` days, as ``timedelta64[ns]``; NaT with
    no throughput), ``observed_cycle_time`` (the mean cycle time of the tasks finished in the
    period; NaT when none) and ``ratio`` (observed ÷ predicted). Little's law says the two
    agree on average over a stable stretch; a ratio far from 1 means work is piling up
    (observed < predicted: WIP is growing) or draining.

    ``frame.attrs["overall"]`` holds the same quantities over the whole history.

    :param freq: any pandas frequency (default ``"W"``).
    :param tenant, assignee: keep only tasks in this tenant / now assigned to this profile.
    """
    offset = _offset(freq)
    with open_board(src) as board:
        h = load_history(board, tenant, assignee)
    columns = ["avg_wip", "throughput", "predicted_cycle_time", "observed_cycle_time", "ratio"]
    if h.first_event is None:
        empty = pd.DataFrame({c: pd.Series(dtype="timedelta64[ns]" if "cycle" in c else float)
                              for c in columns})
        empty.index = pd.DatetimeIndex([], tz="UTC", name="period").as_unit("ns")
        empty.attrs["overall"] = {}
        return empty
    start, finish, cycle_done = _in_progress(h)
    first, last = h.first_event, h.last_event
    labels = pd.Series(0, index=utc(np.array([first, last]))).resample(
        offset, label="left", closed="left").sum().index
    lo = np.maximum(labels.asi8 // 1_000_000_000, first)
    hi = np.minimum((labels + offset).asi8 // 1_000_000_000, last)
    rows = [_little(start, finish, cycle_done, a, b, b == last) for a, b in zip(lo, hi)]
    frame = pd.DataFrame(rows, columns=columns,
                         index=pd.DatetimeIndex(labels).as_unit("ns").rename("period"))
    for c in ("predicted_cycle_time", "observed_cycle_time"):
        frame[c] = pd.to_timedelta(frame[c], unit="s").astype("timedelta64[ns]")
    overall = _little(start, finish, cycle_done, first, last, True)
    frame.attrs["overall"] = dict(zip(columns, [
        float(overall[0]), float(overall[1]), pd.to_timedelta(overall[2], unit="s"),
        pd.to_timedelta(overall[3], unit="s"), float(overall[4])]))
    return frame


def _in_progress(h: History):
    """Per task that ran: its in-progress interval, sorted starts and ends (``_FAR`` while
    still in progress), and (done time, cycle seconds) of those finished."""
    times = per_task_times(h)
    ran = times["first_running"] != _NO_TIME
    done = times["done"]
    archived = times["status"] == h.code("archived")
    finish = np.where(done != _NO_TIME, done,
                      np.where(archived, times["since"], _FAR))[ran]
    begin = times["first_running"][ran]
    finished = done[ran] != _NO_TIME
    cycle_done = (done[ran][finished], (done[ran] - begin)[finished])
    return np.sort(begin), np.sort(finish), cycle_done


def _wip_seconds(starts: np.ndarray, ends: np.ndarray, at: int) -> int:
    """∫ WIP dt from the beginning of time to ``at``: Σ (at − start)⁺ − (at − end)⁺."""
    k = np.searchsorted(starts, at, side="right")
    j = np.searchsorted(ends, at, side="right")
    return int(k * at - starts[:k].sum()) - int(j * at - ends[:j].sum())


def _little(starts, ends, cycle_done, a: int, b: int, last: bool) -> list:
    """One row of ``littles_law`` for the span [a, b), or [a, b] for the ``last`` one
    (seconds; cycle times in seconds)."""
    length = b - a
    if length <= 0:
        return [np.nan, np.nan, np.nan, np.nan, np.nan]
    avg_wip = (_wip_seconds(starts, ends, b) - _wip_seconds(starts, ends, a)) / length
    done_at, cycle = cycle_done
    inside = (done_at >= a) & ((done_at < b) | (last & (done_at == b)))
    per_day = inside.sum() / (length / _DAY_S)
    predicted = avg_wip / per_day * _DAY_S if per_day else np.nan
    observed = float(cycle[inside].mean()) if inside.any() else np.nan
    ratio = observed / predicted if predicted and not np.isnan(observed) else np.nan
    return [avg_wip, per_day, predicted, observed, ratio]
