"""``analytics.critical_path``: the longest chain of open ancestors, with hand-computed times.

The board's history gives these finished spells (seconds):
ready 100, 300, 200 (H1-H3) and 200 (A, before it started); running 1000, 3000, 2000;
review 500 (H3 only). So, at the median: ready 200, running 2000, review 500, and review's
share of done tasks is 1/3 (H3 of H1-H3).

Open tasks at ``now``:
- A running for 500 s: running spells longer than 500 have median 2000 → 1500 left there,
  plus review ⅓ × 500 → 1666.67 → 1667.
- B todo (child of A): no finished todo spell → 0 there; ahead ready 200 + running 2000 +
  ⅓ × 500 → 2366.67 → 2367.
- C ready for 250 s: the only ready spell longer than 250 is 300 → 50 left; ahead running
  2000 + ⅓ × 500 → 2216.67 → 2217.
- T todo, child of B, C and of the done H1: like B, 2367.

Chains to T: A → B → T = 1667 + 2367 + 2367 = 6401; C → T = 2217 + 2367 = 4584.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kanban_widget import analytics
from kanban_widget.store import Store, TaskNotFound, ValidationError

T0 = 1_700_000_000


class Clock:
    def __init__(self):
        self.now = float(T0)

    def __call__(self):
        return self.now


@pytest.fixture
def board(tmp_path):
    clock = Clock()
    path = tmp_path / "kanban.db"
    ids = {}
    with Store(path, clock=clock) as s:
        def finish(name, spells):
            ids[name] = s.create_task(name)
            for status, seconds in spells:
                clock.now += seconds
                s.move_task(ids[name], status)

        finish("H1", [("running", 100), ("done", 1000)])
        finish("H2", [("running", 300), ("done", 3000)])
        finish("H3", [("running", 200), ("review", 2000), ("done", 500)])
        start = clock.now
        ids["A"] = s.create_task("A", assignee="ann")
        ids["B"] = s.create_task("B", parents=[ids["A"]])
        clock.now += 200
        s.move_task(ids["A"], "running")
        clock.now += 250
        ids["C"] = s.create_task("C")
        ids["T"] = s.create_task("T", parents=[ids["B"], ids["C"], ids["H1"]])
        clock.now += 250
        assert clock.now == start + 700
    return path, ids, clock.now


def test_the_longest_chain_and_its_expected_time(board):
    path, ids, now = board
    frame = analytics.critical_path(path, ids["T"], now=now)
    assert list(frame.index) == [ids["A"], ids["B"], ids["T"]]
    assert frame["remaining"].dt.total_seconds().tolist() == [1667, 2367, 2367]
    assert frame["cumulative"].dt.total_seconds().tolist() == [1667, 4034, 6401]
    assert frame["age"].dt.total_seconds().tolist() == [500, 700, 250]
    assert frame.attrs["total"] == pd.Timedelta(seconds=6401)
    assert frame["status"].tolist() == ["running", "todo", "todo"]
    assert frame["assignee"].tolist()[0] == "ann"
    assert frame["title"].tolist() == ["A", "B", "T"]


def test_the_other_branch_and_a_task_with_no_open_parent(board):
    path, ids, now = board
    frame = analytics.critical_path(path, ids["C"], now=now)
    assert list(frame.index) == [ids["C"]]
    assert frame.attrs["total"] == pd.Timedelta(seconds=2217)


def test_a_done_task_waits_for_nothing(board):
    path, ids, now = board
    frame = analytics.critical_path(path, ids["H1"], now=now)
    assert frame.empty
    assert frame.attrs["total"] == pd.Timedelta(0)


def test_a_higher_percentile_and_ties_go_to_the_smaller_id(tmp_path):
    # Two open parents with no history at all: both expect 0 s, so the smaller id wins.
    with Store(tmp_path / "k.db") as s:
        p1 = s.create_task("p1")
        p2 = s.create_task("p2")
        child = s.create_task("child", parents=[p1, p2])
    frame = analytics.critical_path(tmp_path / "k.db", child, percentile=90)
    assert list(frame.index) == [min(p1, p2), child]
    assert frame.attrs["total"] == pd.Timedelta(0)


def test_errors_name_the_problem(board):
    path, ids, _ = board
    with pytest.raises(TaskNotFound, match="t_nope"):
        analytics.critical_path(path, "t_nope")
    with pytest.raises(ValidationError, match="percentile"):
        analytics.critical_path(path, ids["T"], percentile=101)


def test_a_cycle_written_by_another_tool_does_not_hang(tmp_path):
    """The store refuses cycles, but a board file may come from elsewhere."""
    import sqlite3

    path = tmp_path / "k.db"
    with Store(path) as s:
        a = s.create_task("a")
        b = s.create_task("b", parents=[a])
        c = s.create_task("c", parents=[b])
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO task_links (parent_id, child_id) VALUES (?, ?)", (c, a))
    conn.close()
    frame = analytics.critical_path(path, c)
    # every task is on the chain once; the link that closes the cycle is not followed twice
    assert sorted(frame.index) == sorted([a, b, c])
    assert frame.index[-1] == c
