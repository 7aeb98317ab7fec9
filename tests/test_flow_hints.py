"""The age bands the page tints cards by: each column's own p50/p85 spell lengths, computed off
the kernel's main thread after the board opens, and left out where history is thin."""

from __future__ import annotations

import threading
import time

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
