"""Matplotlib charts of the analytics views. Each returns its Axes and draws on ``ax`` if given.

matplotlib is an optional dependency (``pip install "kanban-widget[plot]"``), imported only
when a chart is drawn, so the data functions work without it.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ._flow import WIP_STATUSES, aging_wip, cumulative_flow, done_and_cycle, throughput
from ._source import STATUSES
from ._tasks import lanes

#: One colour per status, the same in every chart.
STATUS_COLORS = {
    "triage": "#9e9e9e", "todo": "#90caf9", "scheduled": "#b39ddb", "ready": "#4fc3f7",
    "running": "#ffb74d", "blocked": "#e57373", "review": "#ba68c8", "done": "#81c784",
    "archived": "#cfd8dc",
}
#: Percentiles drawn on the cycle-time scatter.
PERCENTILES = (50, 85, 95)
_DAY = pd.Timedelta(days=1)


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            'kanban_widget.analytics charts need matplotlib: pip install "kanban-widget[plot]"'
        ) from exc
    return plt


def _axes(ax):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=(9, 4.5))
    return ax


def _date_axis(ax) -> None:
    """Compact date labels on this Axes only (``autofmt_xdate`` would restyle the figure)."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _naive(index: pd.DatetimeIndex) -> np.ndarray:
    """UTC instants as naive datetime64, which matplotlib draws without pandas' converters."""
    return pd.DatetimeIndex(index).tz_convert(None).to_numpy()


def _no_data(ax, title: str):
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    return ax


def plot_cumulative_flow(src, *, freq: str = "D", ax=None, tenant: Optional[str] = None,
                         assignee: Optional[str] = None):
    """Cumulative flow diagram: stacked counts per status at each period end, finished work
    at the bottom. Statuses never held are left out. Returns the Axes.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param freq, tenant, assignee: as for ``cumulative_flow``.
    :param ax: a matplotlib Axes to draw on; a new figure when None.

    Raises ImportError naming ``pip install "kanban-widget[plot]"`` without matplotlib.
    """
    _pyplot()
    data = cumulative_flow(src, freq, tenant=tenant, assignee=assignee)
    ax = _axes(ax)
    title = "Cumulative flow"
    held = [c for c in reversed(data.columns) if data[c].any()]
    if data.empty or not held:
        return _no_data(ax, title)
    ax.stackplot(_naive(data.index), *[data[c].to_numpy() for c in held], labels=held,
                 colors=[STATUS_COLORS.get(c, "#bdbdbd") for c in held])
    ax.set_title(title)
    ax.set_xlabel("period end (UTC)")
    ax.set_ylabel("tasks")
    # Legend top-down in the same order as the bands.
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", fontsize="small")
    _date_axis(ax)
    return ax


def plot_throughput(src, *, freq: str = "D", ax=None, tenant: Optional[str] = None,
                    assignee: Optional[str] = None):
    """Throughput run chart: tasks finished per period, with the median as a dashed line.
    Returns the Axes.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param freq, tenant, assignee: as for ``throughput``.
    :param ax: a matplotlib Axes to draw on; a new figure when None.

    Raises ImportError naming ``pip install "kanban-widget[plot]"`` without matplotlib.
    """
    _pyplot()
    data = throughput(src, freq, tenant=tenant, assignee=assignee)
    ax = _axes(ax)
    title = "Throughput"
    if data.empty:
        return _no_data(ax, title)
    median = float(data.median())
    ax.plot(_naive(data.index), data.to_numpy(), marker="o", label="finished")
    ax.axhline(median, linestyle="--", color="grey", label=f"median {median:g}")
    ax.set_title(title)
    ax.set_xlabel("period (UTC)")
    ax.set_ylabel(f"tasks finished per {freq}")
    ax.legend(loc="upper left", fontsize="small")
    _date_axis(ax)
    return ax


def plot_cycle_times(src, *, ax=None, tenant: Optional[str] = None,
                     assignee: Optional[str] = None, percentiles=PERCENTILES):
    """Cycle-time scatter: one dot per finished task (x: done time, y: cycle time in days),
    with horizontal lines at the 50th, 85th and 95th percentiles. Tasks that never ran are
    left out. Returns the Axes.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant, assignee: as for ``cycle_times``.
    :param percentiles: the percentile lines to draw.
    :param ax: a matplotlib Axes to draw on; a new figure when None.

    Raises ImportError naming ``pip install "kanban-widget[plot]"`` without matplotlib.
    """
    _pyplot()
    data = done_and_cycle(src, tenant, assignee).dropna(subset=["cycle_time"])
    ax = _axes(ax)
    title = "Cycle time"
    if data.empty:
        return _no_data(ax, title)
    days = (data["cycle_time"] / _DAY).to_numpy(dtype=float)
    ax.scatter(_naive(data["done_at"]), days, s=12, alpha=0.6, label="finished task")
    for p, value in zip(percentiles, np.percentile(days, percentiles)):
        ax.axhline(value, linestyle="--", linewidth=1, color="grey",
                   label=f"{p}th percentile: {value:.2f} d")
    ax.set_title(title)
    ax.set_xlabel("done (UTC)")
    ax.set_ylabel("cycle time (days)")
    ax.legend(loc="upper left", fontsize="small")
    _date_axis(ax)
    return ax


def plot_aging_wip(src, *, now=None, ax=None, tenant: Optional[str] = None,
                   assignee: Optional[str] = None):
    """Aging work in progress: one column per status (ready, running, blocked, review), one dot
    per task at its age in that status, in days. Returns the Axes.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param now, tenant, assignee: as for ``aging_wip``.
    :param ax: a matplotlib Axes to draw on; a new figure when None.

    Raises ImportError naming ``pip install "kanban-widget[plot]"`` without matplotlib.
    """
    _pyplot()
    data = aging_wip(src, now=now, tenant=tenant, assignee=assignee)
    ax = _axes(ax)
    title = "Aging work in progress"
    ax.set_xticks(range(len(WIP_STATUSES)), WIP_STATUSES)
    ax.set_xlim(-0.5, len(WIP_STATUSES) - 0.5)
    if data.empty:
        return _no_data(ax, title)
    for x, status in enumerate(WIP_STATUSES):
        ages = (data.loc[data["status"] == status, "age"] / _DAY).to_numpy(dtype=float)
        if len(ages) == 0:
            continue
        # Spread the dots across the column so equal ages stay visible; seeded, so the same
        # board always gives the same picture.
        jitter = np.random.default_rng(x).uniform(-0.3, 0.3, len(ages))
        ax.scatter(x + jitter, ages, s=12, alpha=0.7, label=status,
                   color=STATUS_COLORS.get(status))
    ax.set_title(title)
    ax.set_xlabel("status")
    ax.set_ylabel("age in status (days)")
    return ax


def plot_lanes(src, *, ax=None, tenant: Optional[str] = None):
    """Assignee lanes: one horizontal bar per assignee, stacked by status, counting tasks that
    are not archived. Returns the Axes.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param tenant: as for ``lanes``.
    :param ax: a matplotlib Axes to draw on; a new figure when None.

    Raises ImportError naming ``pip install "kanban-widget[plot]"`` without matplotlib.
    """
    _pyplot()
    data = lanes(src, tenant=tenant)
    ax = _axes(ax)
    title = "Work per assignee"
    held = [c for c in data.columns if data[c].any()]
    if data.empty or not held:
        return _no_data(ax, title)
    rows = np.arange(len(data.index))
    left = np.zeros(len(rows))
    for status in held:
        width = data[status].to_numpy(dtype=float)
        ax.barh(rows, width, left=left, label=status, color=STATUS_COLORS.get(status, "#bdbdbd"))
        left += width
    ax.set_yticks(rows, list(data.index))
    ax.invert_yaxis()                       # first assignee on top, as in a list
    ax.set_title(title)
    ax.set_xlabel("tasks")
    ax.legend(loc="lower right", fontsize="small")
    return ax


__all__ = ["plot_cumulative_flow", "plot_throughput", "plot_cycle_times", "plot_aging_wip",
           "plot_lanes", "STATUS_COLORS", "STATUSES"]
