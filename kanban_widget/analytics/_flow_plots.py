"""Matplotlib charts of the forecasts and of the flow views in ``_views``. Each returns its
Axes and draws on ``ax`` if given (matplotlib: ``pip install "kanban-widget[plot]"``)."""

from __future__ import annotations

from typing import Optional

import numpy as np

from ._forecast import (DEFAULT_TRIALS, DEFAULT_WINDOW_DAYS, LEVELS, _positive_int,
                        daily_throughput, simulate_days)
from ._plots import _DAY, _axes, _date_axis, _naive, _no_data, _pyplot
from ._views import ACTIVE_STATUSES, blocked_time, flow_efficiency, littles_law, net_flow


def _begin(ax, title: str, data):
    """The Axes to draw on, and whether ``data`` holds anything to draw (if not, the Axes
    says "no data")."""
    ax = _axes(ax)
    if len(data) == 0:
        _no_data(ax, title)
        return ax, False
    ax.set_title(title)
    return ax, True


def _period_axis(ax, ylabel: str) -> None:
    """Labels, legend and dates for a chart over periods."""
    ax.set_xlabel("period start (UTC)")
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize="small")
    _date_axis(ax)


def plot_forecast_when(src, items: int, *, window=DEFAULT_WINDOW_DAYS, now=None,
                       trials: int = DEFAULT_TRIALS, seed: Optional[int] = None, ax=None,
                       tenant: Optional[str] = None, assignee: Optional[str] = None):
    """How the trials of ``forecast_when`` ended: a histogram of completion days, with a
    dashed line at each confidence level. Returns the Axes. Arguments as ``forecast_when``."""
    _pyplot()
    sample = daily_throughput(src, window=window, now=now, tenant=tenant, assignee=assignee)
    ax, drawable = _begin(ax, f"When will {items} more items be done?",
                          sample[sample > 0])
    if not drawable:
        return ax
    days = simulate_days(sample.to_numpy(), _positive_int(items, "items"),
                         _positive_int(trials, "trials"), np.random.default_rng(seed))
    edges = np.arange(days.min(), days.max() + 2) - 0.5
    ax.hist(days, bins=edges, color="#90caf9")
    ranked = np.sort(days)
    start = sample.index[-1] + _DAY
    for level in LEVELS:
        d = int(ranked[int(np.ceil(len(days) * level / 100)) - 1])
        ax.axvline(d, linestyle="--", color="grey")
        ax.text(d, ax.get_ylim()[1] * 0.95, f" {level} %: {(start + d * _DAY):%d %b}",
                rotation=90, va="top", fontsize="small")
    ax.set_xlabel(f"days after {start:%Y-%m-%d %H:%M} UTC")
    ax.set_ylabel("trials")
    return ax


def plot_flow_efficiency(src, *, active=ACTIVE_STATUSES, ax=None,
                         tenant: Optional[str] = None, assignee: Optional[str] = None):
    """Histogram of per-task flow efficiency, with the board's overall efficiency as a dashed
    line. Returns the Axes. Arguments as ``flow_efficiency``."""
    _pyplot()
    data = flow_efficiency(src, active=active, tenant=tenant, assignee=assignee)
    values = data["efficiency"].dropna().to_numpy()
    ax, drawable = _begin(ax, "Flow efficiency", values)
    if not drawable:
        return ax
    ax.hist(100 * values, bins=np.linspace(0, 100, 21), color="#ffb74d")
    overall = 100 * data.attrs["overall"]
    ax.axvline(overall, linestyle="--", color="grey", label=f"overall {overall:.0f} %")
    ax.set_xlabel(f"time {' or '.join(active)} ÷ cycle time (%)")
    ax.set_ylabel("finished tasks")
    ax.legend(loc="upper right", fontsize="small")
    return ax


def plot_net_flow(src, *, freq: str = "W", ax=None, tenant: Optional[str] = None,
                  assignee: Optional[str] = None):
    """Arrivals (up) and departures (down) per period as bars, net flow as a line.
    Returns the Axes. Arguments as ``net_flow``."""
    _pyplot()
    data = net_flow(src, freq, tenant=tenant, assignee=assignee)
    ax, drawable = _begin(ax, "Net flow", data)
    if not drawable:
        return ax
    x = _naive(data.index)
    width = np.diff(x).min() * 0.8 if len(x) > 1 else np.timedelta64(1, "D")
    ax.bar(x, data["arrivals"], width=width, align="edge", color="#90caf9", label="arrivals")
    ax.bar(x, -data["departures"], width=width, align="edge", color="#81c784",
           label="departures")
    ax.plot(x + width / 2, data["net_flow"], marker="o", color="black", label="net flow")
    ax.axhline(0, color="grey", linewidth=0.8)
    _period_axis(ax, f"tasks per {freq}")
    return ax


def plot_blocked_time(src, *, now=None, top: int = 10, ax=None,
                      tenant: Optional[str] = None, assignee: Optional[str] = None):
    """Days blocked per reason, the ``top`` longest as horizontal bars. Returns the Axes.
    Arguments as ``blocked_time``."""
    _pyplot()
    data = blocked_time(src, now=now, tenant=tenant, assignee=assignee).head(top)
    ax, drawable = _begin(ax, "Time blocked, by reason", data)
    if not drawable:
        return ax
    rows = np.arange(len(data))
    ax.barh(rows, data["total"] / _DAY, color="#e57373")
    ax.set_yticks(rows, [r if len(r) <= 40 else r[:39] + "…" for r in data.index])
    ax.invert_yaxis()
    ax.set_xlabel("days blocked (all spells)")
    return ax


def plot_littles_law(src, *, freq: str = "W", ax=None, tenant: Optional[str] = None,
                     assignee: Optional[str] = None):
    """Cycle time per period: predicted by Little's law (average WIP ÷ throughput) against
    observed (mean of the tasks finished). Returns the Axes. Arguments as ``littles_law``."""
    _pyplot()
    data = littles_law(src, freq, tenant=tenant, assignee=assignee)
    ax, drawable = _begin(ax, "Little's law check", data)
    if not drawable:
        return ax
    x = _naive(data.index)
    ax.plot(x, data["predicted_cycle_time"] / _DAY, marker="o",
            label="average WIP ÷ throughput")
    ax.plot(x, data["observed_cycle_time"] / _DAY, marker="s", label="observed mean cycle time")
    _period_axis(ax, "days")
    return ax


__all__ = ["plot_forecast_when", "plot_flow_efficiency", "plot_net_flow", "plot_blocked_time",
           "plot_littles_law"]
