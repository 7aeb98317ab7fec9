"""Charts linked to a board: ``linked_chart``, Vega-Altair ``JupyterChart``s whose point
selection drives the board's ``selected`` trait, and which highlight the board's selection.

The link is two traitlets observers in the kernel, so it works wherever both widgets render
(JupyterLab, Notebook 7, VS Code, Voilà):

- chart → board: clicking points (shift-click adds) sets the chart's ``pick`` selection;
  its observer sets ``board.selected`` to those task ids (a double click clears both).
- board → chart: an observer of ``board.selected`` copies it into the chart's
  ``board_selected`` param, which the chart's encodings test to draw those points larger,
  opaque and outlined.

The cumulative flow chart links to the board's ``time`` instead (time travel): clicking a
day shows the board as it was at that day's end, a double click goes back to live, and a rule
marks the moment the board shows, wherever it was set from.

A chart is a snapshot of the board when it was made: make it again to see newer work.
"""

from __future__ import annotations

import asyncio
from typing import Optional

import numpy as np
import pandas as pd

from ..store.errors import ValidationError
from ._flow import WIP_STATUSES, aging_wip, cumulative_flow, done_and_cycle
from ._source import open_board

#: The kinds of linked chart ``linked_chart`` draws.
KINDS = ("cycle_time", "aging", "cumulative_flow")
#: The name of the chart's point selection and of the param holding the board's selection.
PICK, BOARD_SELECTED = "pick", "board_selected"
#: The cumulative flow chart's day selection and the param holding the board's time.
DAY, BOARD_TIME = "day", "board_time"
#: Points drawn at most: Vega renders tens of thousands of points slowly in a browser.
DEFAULT_LIMIT = 5000
#: Colours of the aging bands (against the column's own history, see ``spell_percentiles``).
BAND_COLORS = {"under p50": "#9e9e9e", "p50–p85": "#ffb300", "over p85": "#e53935",
               "thin history": "#90caf9"}


def linked_chart(board, kind: str = "cycle_time", *, now=None, limit: int = DEFAULT_LIMIT,
                 tenant: Optional[str] = None, assignee: Optional[str] = None,
                 offline: bool = False, renderer: str = "svg"):
    """An interactive chart of ``board``'s work, linked both ways to the board's selection.

    ``kind="cycle_time"``: the cycle-time scatter (x: done time, y: cycle time in days) of
    the ``limit`` most recently finished tasks. ``kind="aging"``: aging work in progress, one
    column per status (ready, running, blocked, review), one point per card at its age in
    days, coloured by its age against the column's history (``aging_wip``'s ``percentile``:
    under p50, p50–p85, over p85, or thin history). ``kind="cumulative_flow"``: the daily
    cumulative flow, linked to the board's ``time`` rather than its selection: click a day to
    see the board as it was at that day's end (UTC midnight), double-click to go back to live.

    Click a point to select its card on the board (shift-click adds, double-click clears);
    cards selected on the board are drawn larger and outlined. Returns an
    ``altair.JupyterChart`` (display it next to the board); ``chart.unlink()`` removes the
    link.

    :param board: a ``KanbanBoard`` (anything with ``.path`` and a ``selected`` trait).
    :param kind: ``"cycle_time"`` or ``"aging"``.
    :param now: for ``"aging"``: the instant ages are measured at (default: now).
    :param limit: the most points drawn (the most recent, or the oldest WIP).
    :param tenant, assignee: keep only tasks in this tenant / now assigned to this profile.
    :param offline: Altair's chart widget loads Vega from a CDN; True bundles it from
        ``vl-convert-python`` instead (``pip install vl-convert-python``), for machines
        without internet. It switches every ``JupyterChart`` of the kernel to offline.
    :param renderer: ``"svg"`` (each point an element with a label screen readers read) or
        ``"canvas"`` (faster with many points).
    """
    import altair as alt

    if kind not in KINDS:
        raise ValidationError(f"kind={kind!r}: pick one of {KINDS}")
    if not hasattr(board, "selected") or not hasattr(board, "observe"):
        raise TypeError(f"linked_chart needs a KanbanBoard, got {type(board).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"limit={limit!r} must be a whole number of at least 1")
    records = chart_records(board, kind, now=now, limit=limit, tenant=tenant,
                            assignee=assignee)
    if renderer not in ("svg", "canvas"):
        raise ValidationError(f"renderer={renderer!r}: pick 'svg' or 'canvas'")
    if offline:
        try:
            alt.JupyterChart.enable_offline()
        except ImportError as exc:
            raise ImportError("offline=True needs vl-convert-python: pip install "
                              "vl-convert-python") from exc
    if kind == "cumulative_flow":
        chart = alt.JupyterChart(_flow_spec(alt, records, _iso_time(board.time)),
                                 embed_options={"renderer": renderer, "actions": False})
        _link_time(chart, board)
        return chart
    chart = alt.JupyterChart(_spec(alt, kind, records, list(board.selected)),
                             embed_options={"renderer": renderer, "actions": False})
    _link(chart, board)
    return chart


def chart_records(board, kind: str = "cycle_time", **options) -> list:
    """The rows ``linked_chart`` plots (a list of dicts with ``task_id``), for tests and for
    drawing your own chart. ``options`` as for ``linked_chart``."""
    limit = options.pop("limit", DEFAULT_LIMIT)
    if kind == "cumulative_flow":
        return _flow_records(board, options.get("tenant"), options.get("assignee"))
    if kind == "cycle_time":
        return _cycle_records(board, limit, options.get("tenant"), options.get("assignee"))
    return _aging_records(board, options.get("now"), limit, options.get("tenant"),
                          options.get("assignee"))


def _titles(src, ids) -> dict:
    with open_board(src) as b:
        return dict(b.conn.execute("SELECT id, title FROM tasks").fetchall()) if len(ids) else {}


def _cycle_records(board, limit, tenant, assignee) -> list:
    data = done_and_cycle(board, tenant, assignee).dropna(subset=["cycle_time"])
    data = data.sort_values("done_at", kind="stable").tail(limit)
    titles = _titles(board, data.index)
    days = data["cycle_time"] / np.timedelta64(1, "D")
    return [{"task_id": task, "title": titles.get(task, ""),
             "done_at": when.isoformat(), "cycle_days": round(float(d), 4)}
            for task, when, d in zip(data.index, data["done_at"], days)]


def _band(percentile: float) -> str:
    if np.isnan(percentile):
        return "thin history"
    return "under p50" if percentile < 50 else "p50–p85" if percentile <= 85 else "over p85"


def _aging_records(board, now, limit, tenant, assignee) -> list:
    data = aging_wip(board, now=now, tenant=tenant, assignee=assignee).head(limit)
    # Spread the points across their column so equal ages stay visible; seeded, so the same
    # board always gives the same picture.
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(data))
    column = {s: i for i, s in enumerate(WIP_STATUSES)}
    days = data["age"] / np.timedelta64(1, "D")
    return [{"task_id": task, "title": title or "", "status": status,
             "x": round(float(column[status] + j), 4), "age_days": round(float(d), 4),
             "percentile": None if np.isnan(p) else round(float(p), 1), "band": _band(p)}
            for task, title, status, j, d, p in zip(
                data.index, data["title"], data["status"], jitter, days, data["percentile"])]


def _flow_records(board, tenant, assignee) -> list:
    """One row per day end and status (long form, as Altair stacks it)."""
    flow = cumulative_flow(board, "D", tenant=tenant, assignee=assignee)
    return [{"day": end.isoformat(), "status": status, "tasks": int(count)}
            for end, row in zip(flow.index, flow.to_numpy())
            for status, count in zip(flow.columns, row)]


def _iso_time(seconds) -> Optional[str]:
    if seconds is None:
        return None
    return np.datetime64(int(seconds), "s").astype("datetime64[s]").item().isoformat() + "Z"


def _flow_spec(alt, records: list, board_time: Optional[str]):
    day = alt.selection_point(name=DAY, fields=["day"], on="click", nearest=True,
                              clear="dblclick")
    shown = alt.param(name=BOARD_TIME, value=board_time)
    base = alt.Chart(alt.Data(values=records))
    area = base.mark_area().encode(
        x=alt.X("day:T", title="day end (UTC)"),
        y=alt.Y("tasks:Q", stack=True, title="tasks"),
        color=alt.Color("status:N", sort=None, title="status"),
        tooltip=["day:T", "status:N", "tasks:Q"],
    ).add_params(day)
    # The moment the board shows (its `time`); nothing while it is live.
    rule = alt.Chart(alt.Data(values=[{}])).mark_rule(color="#000000", strokeWidth=2).encode(
        x=alt.X("t:T")).transform_calculate(t=f"{BOARD_TIME}").transform_filter(
        f"{BOARD_TIME} != null")
    return alt.layer(area, rule).add_params(shown).properties(
        width=520, height=280,
        title="Cumulative flow (click a day to see the board then, double-click for live)")


def _link_time(chart, board) -> None:
    """Day picked → ``board.time``; ``board.time`` → the rule. ``chart.unlink()`` removes it."""
    def to_board(change) -> None:
        days = [row["day"] for row in change["new"].value if "day" in row]
        # A day's point is its end: the board as it was when that day was over, or live for
        # today's (still running) day and for a cleared selection.
        when = None
        if days:
            end = _day_seconds(days[-1])
            when = end if end < _now_seconds() else None
        if board.time != when:
            board.time = when

    def to_chart(_change=None) -> None:
        chart.params.board_time = _iso_time(board.time)

    chart.selections.observe(to_board, names=DAY)
    board.observe(to_chart, names="time")

    def unlink() -> None:
        chart.selections.unobserve(to_board, names=DAY)
        board.unobserve(to_chart, names="time")

    chart.unlink = unlink


def _day_seconds(value) -> int:
    """A picked day as Unix seconds: Vega hands back a parsed date as epoch milliseconds, an
    unparsed one as the data's ISO string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value // 1000)
    return int(pd.Timestamp(value).timestamp())


def _now_seconds() -> int:
    return int(np.datetime64("now", "s").astype("int64"))


def _spec(alt, kind: str, records: list, selected: list):
    pick = alt.selection_point(name=PICK, fields=["task_id"])
    # The board's selection is in the spec too: a chart rendering reports the spec's value
    # as the param's current one.
    board_selected = alt.param(name=BOARD_SELECTED, value=selected)
    chosen = f"indexof({BOARD_SELECTED}, datum.task_id) >= 0"
    base = alt.Chart(alt.Data(values=records)).mark_point(filled=True)
    emphasis = dict(
        size=alt.condition(chosen, alt.value(160), alt.value(40)),
        opacity=alt.condition(chosen, alt.value(1.0), alt.value(0.55)),
        stroke=alt.condition(chosen, alt.value("#000000"), alt.value(None)),
        strokeWidth=alt.condition(chosen, alt.value(2), alt.value(0)),
    )
    if kind == "cycle_time":
        chart = base.encode(
            x=alt.X("done_at:T", title="done (UTC)"),
            y=alt.Y("cycle_days:Q", title="cycle time (days)"),
            tooltip=["task_id:N", "title:N", "cycle_days:Q"],
            **emphasis).properties(title="Cycle time (click to select on the board)")
    else:
        labels = "[" + ", ".join(f"'{s}'" for s in WIP_STATUSES) + "][datum.value]"
        chart = base.encode(
            x=alt.X("x:Q", title="status", scale=alt.Scale(domain=[-0.5, len(WIP_STATUSES) - 0.5]),
                    axis=alt.Axis(values=list(range(len(WIP_STATUSES))), labelExpr=labels,
                                  grid=False)),
            y=alt.Y("age_days:Q", title="age in status (days)"),
            color=alt.Color("band:N", title="age vs column history",
                            scale=alt.Scale(domain=list(BAND_COLORS),
                                            range=list(BAND_COLORS.values()))),
            tooltip=["task_id:N", "title:N", "status:N", "age_days:Q", "percentile:Q"],
            **emphasis).properties(title="Aging work in progress (click to select on the board)")
    return chart.add_params(pick, board_selected).properties(width=520, height=280)


def _link(chart, board) -> None:
    """Observers both ways; ``chart.unlink()`` removes them."""
    def to_board(change) -> None:
        ids = [row["task_id"] for row in change["new"].value if "task_id" in row]
        if list(board.selected) != ids:
            board.selected = ids

    def to_chart(_change=None) -> None:
        if list(chart.params.board_selected or []) != list(board.selected):
            chart.params.board_selected = list(board.selected)

    def restore(_change) -> None:
        # A view rendering reports the spec's value of the param, which may be older than the
        # board's selection. Put the board's back once this change has finished notifying:
        # setting it from inside the notification makes Altair's own observers ping-pong.
        try:
            asyncio.get_running_loop().call_soon(to_chart)
        except RuntimeError:        # no event loop (plain Python): nothing renders either
            pass

    chart.selections.observe(to_board, names=PICK)
    board.observe(to_chart, names="selected")
    chart.params.observe(restore, names=BOARD_SELECTED)
    to_chart()

    def unlink() -> None:
        chart.selections.unobserve(to_board, names=PICK)
        board.unobserve(to_chart, names="selected")
        chart.params.unobserve(restore, names=BOARD_SELECTED)

    chart.unlink = unlink
