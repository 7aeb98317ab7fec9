"""The widget's time travel: the ``time`` trait, the past board sent to the page, ``diff``."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import traitlets

from kanban_widget import Store, time_travel
from kanban_widget.store import KanbanError, history
from kanban_widget.time_travel import PAST_CARDS_PER_COLUMN

T0 = 1_700_000_000


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture
def clocked(store_path):
    clock = Clock()
    store = Store(store_path, clock=clock)
    yield store, clock
    store.close()


def column(view: dict, status: str) -> dict:
    return next(c for c in view["columns"] if c["status"] == status)


def test_setting_time_sends_the_past_board_and_none_goes_back_to_live(clocked, make_board):
    store, clock = clocked
    task = store.create_task("ship it")
    clock.now += 100
    store.move_task(task, "done")
    board, wire = make_board(store, live=False)
    board.time = dt.datetime.fromtimestamp(T0 + 50, dt.timezone.utc)
    assert board.time == T0 + 50
    view = board._time_view
    assert (view["as_of"], view["start"], view["end"]) == (T0 + 50, T0, T0 + 100)
    assert (view["prev"], view["next"]) == (T0, T0 + 100)
    assert [c["id"] for c in column(view, "ready")["cards"]] == [task]
    assert column(view, "done")["count"] == 0
    assert sum(view["density"]) == 2                       # created, completed
    assert view["changes_count"] == 1                      # "changes since" that moment
    assert [(c["id"], c["from"], c["to"], c["kind"]) for c in view["changes"]] == [
        (task, "ready", "done", "completed")]
    assert any("_time_view" in state for state in wire.states())   # sent to the page
    board.time = None
    assert board._time_view == {}
    assert board.store.get_task(task).status == "done"          # nothing was written


def test_the_page_sets_time_and_the_live_board_keeps_following(clocked, make_board):
    store, clock = clocked
    task = store.create_task("t")
    board, _ = make_board(store, live=False)
    board.set_state({"time": T0})                      # what the scrubber sends
    assert column(board._time_view, "ready")["count"] == 1
    clock.now += 10
    store.move_task(task, "blocked")
    board.sync_now()                                   # the live state follows meanwhile
    assert board._state.cards[task]["status"] == "blocked"
    assert column(board._time_view, "blocked")["count"] == 0
    board.time = T0 + 10                               # scrubbing sees the new event
    assert [c["id"] for c in column(board._time_view, "blocked")["cards"]] == [task]


def test_a_column_sends_a_window_and_its_full_count(clocked, make_board):
    store, _ = clocked
    with store.atomic():
        for i in range(PAST_CARDS_PER_COLUMN + 5):
            store.create_task(f"t{i}")
    board, _ = make_board(store, live=False, time=T0)
    ready = column(board._time_view, "ready")
    assert ready["count"] == PAST_CARDS_PER_COLUMN + 5
    assert len(ready["cards"]) == PAST_CARDS_PER_COLUMN


def test_filters_apply_to_the_past_board(clocked, make_board):
    store, _ = clocked
    store.create_task("a", tenant="acme")
    store.create_task("b", tenant="globex")
    board, _ = make_board(store, live=False, time=T0)
    assert column(board._time_view, "ready")["count"] == 2
    board.tenant = "acme"
    assert [c["title"] for c in column(board._time_view, "ready")["cards"]] == ["a"]


def test_assignee_and_search_apply_to_the_past_board(clocked, make_board):
    """The assignee filter asks who held the card then; search looks at ids and titles."""
    store, clock = clocked
    ann = store.create_task("Write the spec", assignee="ann")
    store.create_task("Review the plan")
    store.create_task("Ship it")
    then = clock.now
    clock.now += 60
    store.update_task(ann, assignee="bob")               # after the moment shown
    board, _ = make_board(store, live=False, time=then)
    titles = lambda: [c["title"] for c in column(board._time_view, "ready")["cards"]]  # noqa: E731
    board.assignee = "ann"
    assert titles() == ["Write the spec"]                 # ann's then, bob's now
    board.assignee = "(unassigned)"
    assert sorted(titles()) == ["Review the plan", "Ship it"]
    board.assignee = ""
    board.search = "PLAN"
    assert titles() == ["Review the plan"]
    assert column(board._time_view, "ready")["count"] == 1


def test_a_bad_time_is_refused_with_what_to_give(make_board, store_path):
    board, _ = make_board(store_path, live=False)
    with pytest.raises(traitlets.TraitError, match="time: as_of must be a datetime"):
        board.time = "last monday"
    assert board.time is None


def test_diff_on_the_widget(clocked, make_board):
    store, clock = clocked
    task = store.create_task("t")
    clock.now += 10
    store.claim_task(task, claimer="worker:1")
    board, _ = make_board(store, live=False)
    assert [(c["id"], c["from"], c["to"], c["by"]) for c in board.diff(T0)] == [
        (task, "ready", "running", "worker:1")]
    assert board.diff(T0 + 10) == []


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_long_history_is_built_in_the_background_with_progress(clocked, make_board,
                                                                 monkeypatch):
    """Over QUICK_BUILD_EVENTS events, the first scrub replays the log in a thread on its own
    connection: the page sees each phase, the board's own writes are not held up meanwhile,
    and the moment asked for is shown when the build ends."""
    store, clock = clocked
    task = store.create_task("ship it")
    clock.now += 100
    store.move_task(task, "done")
    other = store.create_task("meanwhile")
    monkeypatch.setattr(history, "QUICK_BUILD_EVENTS", 0)
    board, wire = make_board(store, live=False)
    seen, written = [], threading.Event()
    real_prepare = history.prepare_history

    def prepare(target, reader, progress):
        def watched(phase, done, of):
            progress(phase, done, of)
            seen.append(dict(board._time_view.get("building") or {}))
            if phase == "links" and not written.is_set():
                # The board's store is free while the build replays: a write goes through.
                writer = threading.Thread(target=board.store.move_task, args=(other, "blocked"))
                writer.start()
                writer.join(10)
                assert not writer.is_alive()
                written.set()
        real_prepare(target, reader, watched)

    monkeypatch.setattr(time_travel, "prepare_history", prepare)
    board.time = T0 + 50
    assert board._time_view["building"]["done"] == 0                # at once, before the replay
    assert "columns" not in board._time_view
    wait_for(lambda: "columns" in board._time_view)
    assert written.is_set()
    assert [s["phase"] for s in seen] == [*history.BUILD_PHASES, "done"]
    assert [s["done"] for s in seen] == list(range(len(history.BUILD_PHASES) + 1))
    view = board._time_view
    assert [c["id"] for c in column(view, "ready")["cards"]] == [task]
    assert any("building" in json.dumps(state) for state in wire.states())
    board.time = T0 + 100            # later scrubs answer at once, the write meanwhile folded in
    assert "columns" in board._time_view
    assert [c["id"] for c in column(board._time_view, "done")["cards"]] == [task]
    assert [c["id"] for c in column(board._time_view, "blocked")["cards"]] == [other]


def test_a_failed_history_build_says_why_and_goes_back_to_live(clocked, make_board,
                                                               monkeypatch):
    store, _ = clocked
    store.create_task("x")
    monkeypatch.setattr(history, "QUICK_BUILD_EVENTS", 0)

    def fail(*_args):
        raise KanbanError("database is locked")

    monkeypatch.setattr(time_travel, "prepare_history", fail)
    board, _ = make_board(store, live=False)
    board.time = T0
    wait_for(lambda: board.time is None)
    assert "history could not be read: database is locked" in board.error
    assert board._time_view == {}
