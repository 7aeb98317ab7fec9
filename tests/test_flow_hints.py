"""The age bands the page tints cards by: each column's own p50/p85 spell lengths, computed off
the kernel's main thread after the board opens, and left out where history is thin."""

from __future__ import annotations

import gc
import threading
import time
from types import SimpleNamespace

import pandas as pd
import pytest

from kanban_widget import Store
from kanban_widget.analytics import MIN_SPELLS
from kanban_widget import flow_hints
from kanban_widget.flow_hints import age_bands

T0 = 1_700_000_000


def ready_spells(path, lengths: list[int]) -> None:
    """One task per length: ready from T0, moved to running ``length`` seconds later."""
    now = [T0]
    with Store(path, clock=lambda: now[0]) as store:
        ids = [store.create_task(f"Task {i}", assignee="ann") for i in range(len(lengths))]
        for task_id, length in sorted(zip(ids, lengths), key=lambda pair: pair[1]):
            now[0] = T0 + length
            store.move_task(task_id, "running")


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_bands_are_the_columns_own_percentiles(store_path):
    ready_spells(store_path, [60 * i for i in range(1, 21)])  # 60 s, 120 s … 1200 s
    # p50: the 10th shortest of 20 spells; p85: the 17th (no interpolation). Running has no
    # finished spell yet, so no band: its cards stay neutral.
    assert age_bands(store_path) == {"ready": [600, 1020]}


def test_a_column_with_thin_history_gets_no_band(store_path):
    ready_spells(store_path, [60 * i for i in range(1, MIN_SPELLS)])  # one spell too few
    assert age_bands(store_path) == {}


def test_the_board_gets_its_bands_from_a_background_thread(store_path, make_board):
    ready_spells(store_path, [60 * i for i in range(1, 21)])
    board, wire = make_board(store_path)
    setters = []
    board.observe(lambda change: setters.append(threading.current_thread().name),
                  names="age_bands")
    wait_for(lambda: board.age_bands == {"ready": [600, 1020]})
    assert setters and all(name.startswith("kanban-hints-") for name in setters)
    assert any(s.get("age_bands") == {"ready": [600, 1020]} for s in wire.states())


def test_closing_the_board_ends_its_hints_thread(store_path, make_board):
    Store(store_path).close()
    board, _wire = make_board(store_path)
    thread = board._hints._thread
    board.close()
    thread.join(10)
    assert not thread.is_alive()


def test_boards_of_one_file_share_one_computation(store_path, make_board, monkeypatch):
    ready_spells(store_path, [60 * i for i in range(1, 21)])
    computed = []
    real = flow_hints.age_bands
    monkeypatch.setattr(flow_hints, "age_bands", lambda path: computed.append(path) or real(path))
    boards = [make_board(store_path)[0] for _ in range(3)]
    for board in boards:
        wait_for(lambda: board.age_bands == {"ready": [600, 1020]})
    assert computed == [store_path]


def test_switching_boards_brings_the_new_boards_bands_and_limits(kanban_home, make_board):
    ready_spells(kanban_home / "kanban.db", [60 * i for i in range(1, 21)])
    Store.create_board("ops", name="Operations")
    with Store(board="ops") as ops:
        ops.create_task("on ops")
        ops.set_wip_limits({"ready": 4})
    board, _wire = make_board(kanban_home / "kanban.db")
    wait_for(lambda: board.age_bands == {"ready": [600, 1020]})
    assert board.wip_limits == {}
    board.board_slug = "ops"
    assert board.wip_limits == {"ready": 4}  # read with the switch
    assert board.age_bands == {}  # ops has no history to judge by: no old board's bands
    board.board_slug = "default"
    assert board.wip_limits == {}
    wait_for(lambda: board.age_bands == {"ready": [600, 1020]})


def test_only_work_in_progress_columns_get_bands(store_path):
    from kanban_widget.analytics import spell_percentiles

    now = [T0]
    with Store(store_path, clock=lambda: now[0]) as store:
        for i in range(1, 21):
            now[0] = T0
            idea = store.create_task(f"Idea {i}", triage=True, assignee="ann")
            now[0] = T0 + 60 * i
            store.move_task(idea, "ready")
    assert spell_percentiles(store_path).loc["triage", "spells"] == 20  # history enough
    assert age_bands(store_path) == {}  # but triage is before the commitment point


def test_bands_over_recent_events_equal_the_whole_historys_when_it_is_shorter(store_path):
    from kanban_widget.analytics import spell_percentiles

    ready_spells(store_path, [60 * i for i in range(1, 31)])  # 30 tasks, 60 events
    whole = spell_percentiles(store_path, now=T0 + 10**6)
    for bound in (60, 61, 10_000):  # exactly the history, one more, far more
        pd.testing.assert_frame_equal(
            spell_percentiles(store_path, now=T0 + 10**6, recent_events=bound), whole)


def test_bands_over_recent_events_ignore_older_spells(store_path):
    from kanban_widget.analytics import spell_percentiles

    now = [T0]
    with Store(store_path, clock=lambda: now[0]) as store:
        for i in range(20):  # last year's slow work: ready for ten hours each
            now[0] = T0 + i
            old = store.create_task(f"Old {i}")
            now[0] = T0 + i + 36_000
            store.move_task(old, "running")
    ready_spells_at = T0 + 100_000
    now[0] = ready_spells_at
    with Store(store_path, clock=lambda: now[0]) as store:
        ids = [store.create_task(f"New {i}") for i in range(20)]
        for i, task_id in enumerate(ids, start=1):
            now[0] = ready_spells_at + 60 * i
            store.move_task(task_id, "running")
    whole = spell_percentiles(store_path, percentiles=(50, 85), now=T0 + 10**6)
    recent = spell_percentiles(store_path, percentiles=(50, 85), now=T0 + 10**6,
                               recent_events=40)  # the new tasks' created + moved events
    assert whole.loc["ready", "spells"] == 40
    assert whole.loc["ready", "p85"] == pd.Timedelta(seconds=36_000)
    assert recent.loc["ready", "spells"] == 20
    assert (recent.loc["ready", "p50"], recent.loc["ready", "p85"]) == (
        pd.Timedelta(seconds=600), pd.Timedelta(seconds=1020))
    # One event fewer: the first new task's created event falls out, so its spell's start
    # is unknown and it is not counted (never counted with a made-up length).
    fewer = spell_percentiles(store_path, percentiles=(50,), now=T0 + 10**6, recent_events=39)
    assert fewer.loc["ready", "spells"] == 19


def test_the_board_bands_read_a_bounded_recent_history(store_path, monkeypatch):
    from kanban_widget import analytics

    seen = []
    real = analytics.spell_percentiles
    monkeypatch.setattr(analytics, "spell_percentiles",
                        lambda *a, **kw: seen.append(kw.get("recent_events")) or real(*a, **kw))
    ready_spells(store_path, [60 * i for i in range(1, 21)])
    assert age_bands(store_path) == {"ready": [600, 1020]}
    assert seen == [flow_hints.BANDS_RECENT_EVENTS]


def test_the_hints_thread_asks_sqlite_nothing_while_the_board_is_quiet(store_path, make_board):
    """It sleeps until the feed says someone committed (no data_version poll of its own), and
    a limit set by another process still reaches the board."""
    ready_spells(store_path, [60 * i for i in range(1, 21)])
    board, _wire = make_board(store_path)
    wait_for(lambda: board.age_bands == {"ready": [600, 1020]})
    reader = board._feed.reader
    calls = []
    for name in ("data_version", "wip_limits"):
        real = getattr(reader, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append((threading.current_thread().name, _name))
            return _real(*args, **kwargs)

        setattr(reader, name, spy)
    time.sleep(2.5)
    assert not [c for c in calls if c[0].startswith("kanban-hints-")]
    with Store(store_path) as other:
        other.set_wip_limits({"ready": 7})
    wait_for(lambda: board.wip_limits == {"ready": 7}, timeout=5)
    assert ("kanban-hints-" + store_path.name, "wip_limits") in calls
    assert not [c for c in calls if c == ("kanban-hints-" + store_path.name, "data_version")]


class FakeBoard:
    """Just what FlowHints asks of a board: its feed's reader (counting limit reads) and the
    two setters."""

    def __init__(self):
        self.reads = []
        reads = self.reads

        class Reader:
            path = "board.db"

            def wip_limits(self):
                reads.append(time.monotonic())
                return {}

        self.path = SimpleNamespace(name="board.db")
        self._feed = SimpleNamespace(reader=Reader())

    def _limits_changed_elsewhere(self, path, limits):
        pass

    def _set_age_bands(self, path, bands):
        pass


@pytest.fixture
def quick_hints(monkeypatch):
    monkeypatch.setattr(flow_hints, "FIRST_DELAY", 0.0)
    monkeypatch.setattr(flow_hints, "shared_age_bands", lambda path, **kw: {})


def test_a_collected_board_ends_its_hints_thread(quick_hints):
    """A board garbage-collected without close(): its thread, asleep until the next commit,
    is woken by a finalizer and ends."""
    board = FakeBoard()
    reads = board.reads
    hints = flow_hints.FlowHints(board)
    wait_for(lambda: reads, timeout=5)
    time.sleep(0.2)  # asleep now
    assert hints._thread.is_alive()
    del board
    gc.collect()
    hints._thread.join(5)
    assert not hints._thread.is_alive()


def test_a_burst_of_commits_costs_a_few_reads_of_the_limits(quick_hints):
    board = FakeBoard()
    hints = flow_hints.FlowHints(board)
    try:
        wait_for(lambda: board.reads, timeout=5)
        before = len(board.reads)
        start = time.monotonic()
        while time.monotonic() - start < 1.0:  # the feed tells of a commit every 10 ms
            hints.file_changed()
            time.sleep(0.01)
        wait_for(lambda: time.monotonic() - board.reads[-1] > 2 * flow_hints.GATHER, timeout=5)
        burst = len(board.reads) - before
        assert 1 <= burst <= 1.0 / flow_hints.GATHER + 2  # not one per commit (100)
        assert board.reads[-1] >= start + 1.0 - 0.01  # the last commit was read too
    finally:
        hints.stop()
