"""Analytics charts: each draws what its view holds, returns the Axes and saves as a PNG."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import matplotlib  # in the test extra: a missing one fails here rather than skipping
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from analytics_fixtures import stamp, write_empty_board, write_history_board  # noqa: E402
from kanban_widget import analytics  # noqa: E402


@pytest.fixture
def history_board(tmp_path):
    return write_history_board(tmp_path / "kanban.db")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def saved(ax, path) -> int:
    """Save the Axes' figure as a PNG and return its size in bytes."""
    ax.figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path.stat().st_size


def test_cumulative_flow_plot(history_board, tmp_path):
    ax = analytics.plot_cumulative_flow(history_board)
    assert saved(ax, tmp_path / "cfd.png") > 5_000
    # One band per status held at some period end, finished work at the bottom.
    assert len(ax.collections) == 6
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "triage", "todo", "running", "blocked", "done", "archived"]
    assert ax.get_title() == "Cumulative flow" and ax.get_ylabel() == "tasks"
    # The top of the stack is the number of tasks at each period end.
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == 8


def test_throughput_plot(history_board, tmp_path):
    ax = analytics.plot_throughput(history_board)
    assert saved(ax, tmp_path / "throughput.png") > 5_000
    run, median = ax.lines
    assert run.get_ydata().tolist() == [1, 2, 1]
    assert list(median.get_ydata()) == [1.0, 1.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["finished", "median 1"]
    assert ax.get_ylabel() == "tasks finished per D"


def test_cycle_time_scatter_with_percentiles(history_board, tmp_path):
    ax = analytics.plot_cycle_times(history_board)
    assert saved(ax, tmp_path / "cycle.png") > 5_000
    dots = ax.collections[0].get_offsets()
    assert sorted(np.asarray(dots)[:, 1].tolist()) == [1.0, 1.25, 1.875]   # t_a, t_c, t_b
    lines = [line.get_ydata()[0] for line in ax.lines]
    assert lines == pytest.approx(np.percentile([1.0, 1.25, 1.875], [50, 85, 95]).tolist())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "finished task"
    assert [label.split(":")[0] for label in labels[1:]] == [
        "50th percentile", "85th percentile", "95th percentile"]
    assert ax.get_ylabel() == "cycle time (days)"


def test_aging_wip_plot(history_board, tmp_path):
    ax = analytics.plot_aging_wip(history_board, now=stamp(3))
    assert saved(ax, tmp_path / "aging.png") > 5_000
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ready", "running", "blocked",
                                                            "review"]
    by_label = {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections}
    assert by_label["running"][:, 1].tolist() == [2.5]              # t_e: 60 h
    assert by_label["blocked"][:, 1].tolist() == [36.5 / 24]        # t_d
    assert by_label["blocked"][0, 0] == pytest.approx(2, abs=0.5)


def test_lanes_plot(history_board, tmp_path):
    ax = analytics.plot_lanes(history_board)
    assert saved(ax, tmp_path / "lanes.png") > 5_000
    assert [t.get_text() for t in ax.get_yticklabels()] == ["alice", "bob", "(unassigned)"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "triage", "todo", "running", "blocked", "done"]
    widths = {c.get_label(): [bar.get_width() for bar in c] for c in ax.containers}
    assert widths["done"] == [2, 1, 0] and widths["blocked"] == [0, 0, 1]


def test_plots_draw_on_a_given_axes(history_board):
    fig, axes = plt.subplots(1, 2)
    assert analytics.plot_lanes(history_board, ax=axes[1]) is axes[1]
    assert analytics.plot_throughput(history_board, ax=axes[0]) is axes[0]
    assert len(fig.axes) == 2


@pytest.mark.parametrize("plot", ["plot_cumulative_flow", "plot_throughput", "plot_cycle_times",
                                  "plot_aging_wip", "plot_lanes"])
def test_plots_of_an_empty_board_say_so(plot, tmp_path):
    ax = getattr(analytics, plot)(write_empty_board(tmp_path / "kanban.db"))
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert saved(ax, tmp_path / "empty.png") > 1_000


def test_missing_matplotlib_names_the_extra(history_board, monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r'pip install "kanban-widget\[plot\]"'):
        analytics.plot_cycle_times(history_board)
    # The data functions do not need it.
    assert len(analytics.cycle_times(history_board)) == 4


def test_importing_analytics_does_not_import_matplotlib():
    code = ("import sys, kanban_widget.analytics as a; a.lanes; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"
