"""Soft WIP limits on the widget: the ``wip_limits`` trait from Python and the page, limits set
by another process reaching an open board, and read-only boards."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import traitlets

from kanban_widget import Store


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def cli(path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kanban_widget.cli", "--db", str(path), *args],
                          capture_output=True, text=True, timeout=60)


def test_board_wip_limits_is_stored_and_validated(store_path, make_board):
    board, _wire = make_board(store_path)
    assert board.wip_limits == {}
    board.wip_limits = {"running": 3}
    with Store(store_path, read_only=True) as other:
        assert other.wip_limits() == {"running": 3}
    with pytest.raises(traitlets.TraitError, match="unknown status 'nope'"):
        board.wip_limits = {"nope": 1}
    with pytest.raises(traitlets.TraitError, match="'running' is -2"):
        board.wip_limits = {"running": -2}
    assert board.wip_limits == {"running": 3}
    board.wip_limits = {}
    with Store(store_path, read_only=True) as other:
        assert other.wip_limits() == {}


def test_a_limit_set_by_another_process_shows_on_an_open_board(store_path, make_board):
    board, wire = make_board(store_path)
    done = cli(store_path, "wip", "running", "5")
    assert done.returncode == 0, done.stderr
    wait_for(lambda: board.wip_limits == {"running": 5})
    wait_for(lambda: any(s.get("wip_limits") == {"running": 5} for s in wire.states()))


def test_a_limit_set_on_the_page_is_stored(store_path, make_board):
    board, wire = make_board(store_path)
    board._handle_msg({"content": {"data": {"method": "update",
                                            "state": {"wip_limits": {"ready": 2}}}},
                       "buffers": []})
    assert board.wip_limits == {"ready": 2}
    with Store(store_path, read_only=True) as other:
        assert other.wip_limits() == {"ready": 2}
    sent_before = len(wire.states())
    board._handle_msg({"content": {"data": {"method": "update",
                                            "state": {"wip_limits": {"ready": -1}}}},
                       "buffers": []})
    assert board.wip_limits == {"ready": 2}  # refused: the stored limits go back to the page
    assert "The WIP limits were not changed" in board.error
    assert {"ready": 2} in [s.get("wip_limits") for s in wire.states()[sent_before:]]


def test_a_read_only_board_shows_limits_and_refuses_new_ones(store_path, make_board):
    with Store(store_path) as store:
        store.set_wip_limits({"blocked": 1})
    board, _wire = make_board(store_path, read_only=True)
    assert board.wip_limits == {"blocked": 1}
    with pytest.raises(traitlets.TraitError, match="read-only"):
        board.wip_limits = {"blocked": 2}
    board._handle_msg({"content": {"data": {"method": "update",
                                            "state": {"wip_limits": {"blocked": 2}}}},
                       "buffers": []})
    assert board.wip_limits == {"blocked": 1} and "read-only" in board.error


def test_limits_given_as_a_keyword_are_stored(store_path, make_board):
    Store(store_path).close()
    board, _wire = make_board(store_path, wip_limits={"review": 2})
    assert board.wip_limits == {"review": 2}
    with Store(store_path, read_only=True) as other:
        assert other.wip_limits() == {"review": 2}
    with pytest.raises(traitlets.TraitError, match="unknown status"):
        make_board(store_path, wip_limits={"nope": 2})
