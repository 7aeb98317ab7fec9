"""pandas views of a kanban board's history, and matplotlib charts of them.

Example::

    from kanban_widget import analytics
    analytics.tasks("kanban.db")[["status", "lead_time", "cycle_time"]]
    analytics.cumulative_flow("kanban.db", freq="D")
    analytics.plot_cycle_times("kanban.db")          # needs pip install "kanban-widget[plot]"
    analytics.forecast_when("kanban.db", items=20)   # dates at the 50/70/85/95 % levels
    analytics.linked_chart(board, "aging")           # an Altair chart linked to a KanbanBoard

Every function takes ``src``: a ``Store`` (anything with a ``.path``) or the path of a
kanban.db file, which it opens read-only for the duration of the call; it never writes.
Times are ``datetime64[ns, UTC]`` and durations ``timedelta64[ns]``. Statuses are replayed
from ``task_events`` (see ``status_intervals``); event kinds use their current names
(``ready`` reads as ``promoted``, ``priority`` as ``reprioritized``, ``spawn_auto_blocked``
as ``gave_up``).

Errors are ``KanbanError``s: ``BoardNotFound`` (also a ``FileNotFoundError``) for a missing
file, ``UnreadableBoard`` (a ``NotAKanbanDatabase``, also a ``ValueError``) for a file that is
not a kanban board, ``ValidationError`` (also a ``ValueError``) for a bad argument.
"""

from ._aging import MIN_SPELLS, spell_percentiles
from ._backtest import backtest_forecast, synthetic_board
from ._events import events
from ._graph import critical_path
from ._forecast import (LEVELS, daily_throughput, forecast_how_many, forecast_open,
                        forecast_when)
from ._flow import WIP_STATUSES, aging_wip, cumulative_flow, cycle_times, throughput
from ._flow_plots import (plot_blocked_time, plot_flow_efficiency, plot_forecast_when,
                          plot_littles_law, plot_net_flow)
from ._linked import chart_records, linked_chart
from ._plots import (plot_aging_wip, plot_cumulative_flow, plot_cycle_times, plot_lanes,
                     plot_throughput)
from ._source import STATUSES, BoardNotFound, UnreadableBoard
from ._tasks import UNASSIGNED, lanes, progress, status_intervals, tasks
from ._views import ACTIVE_STATUSES, blocked_time, flow_efficiency, littles_law, net_flow

__all__ = [
    "tasks", "events", "status_intervals", "progress", "lanes", "throughput",
    "cumulative_flow", "cycle_times", "aging_wip", "critical_path",
    "spell_percentiles",
    "forecast_when", "forecast_how_many", "forecast_open", "daily_throughput",
    "backtest_forecast", "synthetic_board",
    "flow_efficiency", "net_flow", "blocked_time", "littles_law",
    "linked_chart", "chart_records",
    "plot_cumulative_flow", "plot_throughput", "plot_cycle_times", "plot_aging_wip",
    "plot_lanes", "plot_forecast_when", "plot_flow_efficiency", "plot_net_flow",
    "plot_blocked_time", "plot_littles_law",
    "STATUSES", "WIP_STATUSES", "ACTIVE_STATUSES", "LEVELS", "MIN_SPELLS", "UNASSIGNED", "BoardNotFound", "UnreadableBoard",
]
