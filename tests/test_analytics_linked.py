"""Charts linked to a board: the kernel side of the two-way link, on a real board file and a
real ``KanbanBoard``. The chart's messages from the page are played by setting the traits
Altair's front end sets (``_vl_selections``, ``_params``)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from analytics_fixtures import stamp, write_history_board
from kanban_widget import KanbanBoard, analytics
from kanban_widget.store.errors import ValidationError


@pytest.fixture
def board(tmp_path):
    widget = KanbanBoard(write_history_board(tmp_path / "kanban.db"), live=False)
    yield widget
    widget.close()


def pick(chart, selection: str, field: str, values) -> None:
    """What the chart's front end sends when these points are picked (shift adds)."""
    chart._vl_selections = {selection: {
        "value": {"vlPoint": {"or": [{field: v} for v in values]}, field: list(values)},
        "store": []}}


def click(chart, *ids):
    """Clicking these cards' points."""
    pick(chart, analytics._linked.PICK, "task_id", ids)


def test_cycle_time_chart_plots_finished_tasks_that_ran(board):
    records = analytics.chart_records(board, "cycle_time")
    assert [r["task_id"] for r in records] == ["t_a", "t_c", "t_b"]       # by done time
    assert [r["cycle_days"] for r in records] == [1.0, 1.25, 1.875]
    assert records[0]["title"] == "Task t_a"
    assert analytics.chart_records(board, "cycle_time", limit=1)[0]["task_id"] == "t_b"


def test_aging_chart_colours_by_the_column_history(board):
    records = analytics.chart_records(board, "aging", now=stamp(3))
    assert [(r["task_id"], r["status"], r["band"]) for r in records] == [
        ("t_e", "running", "thin history"), ("t_d", "blocked", "thin history")]
    assert [r["age_days"] for r in records] == [2.5, round(36.5 / 24, 4)]
    # Each point sits within its status's column.
    assert abs(records[0]["x"] - 1) <= 0.3 and abs(records[1]["x"] - 2) <= 0.3


def test_selecting_points_selects_the_cards(board):
    chart = analytics.linked_chart(board, "cycle_time")
    assert board.selected == []
    click(chart, "t_a", "t_b")
    assert board.selected == ["t_a", "t_b"]
    click(chart)                                    # a double click clears the selection
    assert board.selected == []


def test_the_boards_selection_highlights_the_points(board):
    board.selected = ["t_c"]
    chart = analytics.linked_chart(board, "aging", now=stamp(3))
    assert chart.params.board_selected == ["t_c"]
    assert chart.spec["params"][1] == {"name": "board_selected", "value": ["t_c"]}
    board.selected = ["t_e", "t_d"]
    assert chart.params.board_selected == ["t_e", "t_d"]
    assert chart._params["board_selected"] == ["t_e", "t_d"]    # what the front end gets
    # The encodings test that param.
    assert "indexof(board_selected, datum.task_id)" in str(chart.spec["encoding"]["size"])


def test_a_rendering_view_gets_the_boards_selection_back(board):
    chart = analytics.linked_chart(board)
    board.selected = ["t_a"]

    async def render():
        # A view rendering reports the spec's value ([]) as the param's current one.
        chart._params = {"board_selected": []}
        assert chart.params.board_selected == []
        await asyncio.sleep(0)

    # In a thread of its own: in a full run, Playwright's sync API keeps an event loop marked
    # running on the main thread, where asyncio.run() refuses to start.
    failures = []
    thread = threading.Thread(target=lambda: _run_collecting(render(), failures))
    thread.start()
    thread.join()
    assert failures == []
    assert chart.params.board_selected == ["t_a"]


def _run_collecting(coro, failures):
    try:
        asyncio.run(coro)
    except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
        failures.append(exc)


def test_unlink_stops_both_directions(board):
    chart = analytics.linked_chart(board)
    chart.unlink()
    click(chart, "t_a")
    assert board.selected == []
    board.selected = ["t_b"]
    assert chart.params.board_selected == []


def test_bad_linked_chart_arguments(board, tmp_path):
    with pytest.raises(ValidationError, match="kind='pie'"):
        analytics.linked_chart(board, "pie")
    with pytest.raises(ValidationError, match="limit=0"):
        analytics.linked_chart(board, limit=0)
    with pytest.raises(TypeError, match="KanbanBoard"):
        analytics.linked_chart(tmp_path / "kanban.db")


@pytest.mark.parametrize("percentile, band", [(float("nan"), "thin history"), (0.0, "under p50"),
                                              (49.9, "under p50"), (50.0, "p50–p85"),
                                              (85.0, "p50–p85"), (85.1, "over p85")])
def test_aging_bands(percentile, band):
    assert analytics._linked._band(percentile) == band


def test_a_board_can_forecast_its_selection(board):
    board.selected = ["t_d", "t_e", "t_a"]
    frame = board.forecast(window=3, now=stamp(3), seed=1)
    # Open: t_d and t_e. Days drawn from {3, 2, 1}: two items in one day unless it drew 1.
    assert frame.attrs["open_ids"] == ["t_d", "t_e"]
    assert frame["days"].to_dict() == {50: 1, 70: 2, 85: 2, 95: 2}
    # The board itself is a valid source too, and a parent's children are the other question.
    same = analytics.forecast_open(board, board.selected, window=3, now=stamp(3), seed=1)
    assert same["days"].to_dict() == frame["days"].to_dict()
    with pytest.raises(ValidationError, match="not a task on this board"):
        board.forecast(parent="t_nope")


def pick_day(chart, *days):
    """Clicking a day of the cumulative flow (Vega gives epoch ms)."""
    pick(chart, analytics._linked.DAY, "day", days)


def test_the_cumulative_flow_chart_picks_the_boards_time(board):
    records = analytics.chart_records(board, "cumulative_flow")
    day_end = stamp(1)                                      # the end of the first day
    first = {r["status"]: r["tasks"] for r in records if r["day"] == day_end.isoformat()}
    expected = analytics.cumulative_flow(board.path).loc[day_end]
    assert first == {status: int(n) for status, n in expected.items()}

    chart = analytics.linked_chart(board, "cumulative_flow")
    assert chart.params.board_time is None                  # live: no rule drawn
    pick_day(chart, int(day_end.timestamp()) * 1000)
    assert board.time == int(day_end.timestamp())           # the board as it was then
    assert chart.params.board_time == "2026-01-06T00:00:00Z"
    pick_day(chart, day_end.isoformat())                    # an unparsed date: the same day
    assert board.time == int(day_end.timestamp())
    pick_day(chart)                                         # double click: back to live
    assert board.time is None and chart.params.board_time is None
    board.time = int(stamp(2).timestamp())                  # set elsewhere: the rule follows
    assert chart.params.board_time == "2026-01-07T00:00:00Z"
    chart.unlink()
    pick_day(chart, int(day_end.timestamp()) * 1000)
    assert board.time == int(stamp(2).timestamp())
