"""Analytics agrees with the store: a board written through ``Store`` verbs reads back with the
same progress pills, the same lanes, and a replayed status equal to every task's status."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from analytics_fixtures import T0, stamp
from kanban_widget import Store, analytics


class Clock:
    """A clock the test moves by hand, so the history has known times."""

    def __init__(self, start: int):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += int(hours * 3600)


@pytest.fixture
def worked_store(tmp_path):
    """A board worked through the store's own verbs over two days, still open."""
    clock = Clock(T0 + 9 * 3600)
    store = Store(tmp_path / "kanban.db", clock=clock)
    epic = store.create_task("Epic", assignee="alice", tenant="acme")
    spec = store.create_task("Spec", assignee="alice", tenant="acme", parents=[epic])
    build = store.create_task("Build", assignee="bob", tenant="acme", parents=[epic])
    docs = store.create_task("Docs", tenant="acme", parents=[epic])
    old = store.create_task("Old idea", assignee="bob", tenant="acme", parents=[epic])
    other = store.create_task("Other tenant", assignee="bob", tenant="globex")
    triaged = store.create_task("Maybe", triage=True)
    sub = store.create_task("Sub-step", assignee="carol", tenant="globex", parents=[other])
    clock.advance(1)
    store.move_task(epic, "running")
    clock.advance(2)
    store.move_task(epic, "done")                      # children become ready
    clock.advance(1)
    store.move_task(spec, "running")
    clock.advance(3)
    store.move_task(spec, "blocked", reason="question")
    clock.advance(5)
    store.move_task(spec, "ready")                     # unblocked
    clock.advance(1)
    store.move_task(spec, "running")
    clock.advance(6)
    store.move_task(spec, "done")
    store.move_task(build, "running")
    clock.advance(4)
    store.move_task(build, "done")
    clock.advance(1)
    store.move_task(build, "review")                   # reopened from done
    store.archive_task(old)
    store.add_comment(docs, "carol", "drafting")
    clock.advance(2)
    store.move_task(other, "running")
    store.move_task(triaged, "todo")
    yield store, {"epic": epic, "spec": spec, "build": build, "docs": docs, "old": old,
                  "other": other, "triaged": triaged, "sub": sub}
    store.close()


def test_progress_matches_the_board_pills(worked_store):
    store, ids = worked_store
    expected = {}
    for card in store.board(include_archived=True).cards:
        if card["progress"] is not None:
            expected[card["id"]] = (card["progress"]["done"], card["progress"]["total"])
    frame = analytics.progress(store)
    assert {k: (int(r.done), int(r.total)) for k, r in frame.iterrows()} == expected
    # The epic: spec done, build in review, docs ready; the archived child does not count.
    assert expected[ids["epic"]] == (1, 3)
    assert frame.loc[ids["epic"], "ratio"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("tenant", [None, "acme", "globex"])
def test_lanes_match_the_board(worked_store, tenant):
    store, _ = worked_store
    counted = Counter((card["assignee"] or analytics.UNASSIGNED, status)
                      for status, cards in store.board(tenant=tenant).columns.items()
                      for card in cards)
    frame = analytics.lanes(store, tenant=tenant)
    got = {(who, status): int(n) for who, row in frame.iterrows() for status, n in row.items()
           if n}
    assert got == dict(counted)
    assert set(frame.index) == {who for who, _ in counted}


def test_replayed_status_is_every_tasks_status(worked_store):
    store, _ = worked_store
    intervals = analytics.status_intervals(store)
    replayed = intervals.groupby("task_id")["status"].last().to_dict()
    actual = {card["id"]: card["status"] for card in store.board(include_archived=True).cards}
    assert replayed == actual
    assert intervals["end"].isna().sum() == len(actual)          # one open spell per task


def test_times_from_a_worked_board(worked_store):
    store, ids = worked_store
    frame = analytics.tasks(store)
    spec = frame.loc[ids["spec"]]
    # Created 0 09:00; first running at 0 13:00 (after the epic's 1 h + 2 h and 1 h more);
    # done at 0 13:00 + 3 + 5 + 1 + 6 h = 1 04:00.
    assert spec["cycle_time"] == pd.Timedelta(hours=15)
    assert spec["lead_time"] == pd.Timedelta(hours=19)
    # Build was reopened from done into review: no done time until it is done again.
    assert pd.isna(frame.loc[ids["build"], "lead_time"])
    assert frame.loc[ids["docs"], "comments"] == 1
    assert frame.loc[ids["epic"], "n_children"] == 4
    aging = analytics.aging_wip(store, now=stamp(2))
    assert aging.loc[ids["build"], "status"] == "review"
    assert aging.loc[ids["build"], "since"] == stamp(1, 9)
    assert analytics.throughput(store).to_dict() == {stamp(0): 1, stamp(1): 1}
