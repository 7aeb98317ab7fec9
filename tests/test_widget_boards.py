"""KanbanBoard over latest Hermes' several boards: opening one, switching, and the feeds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import traitlets

from kanban_widget import KanbanBoard, Store
from kanban_widget.store import BoardNotFound, ValidationError
from kanban_widget.feed import BoardFeed

@pytest.fixture
def home(kanban_home):
    """A kanban home with two boards: default (one task) and ops (one task)."""
    root = kanban_home
    with Store(root / "kanban.db") as store:
        store.create_task("on default")
    Store.create_board("ops", name="Operations")
    with Store(board="ops") as store:
        store.create_task("on ops")
    return root


def ops_path(root: Path) -> Path:
    return root / "kanban" / "boards" / "ops" / "kanban.db"


def titles_on_page(board: KanbanBoard) -> list[str]:
    return sorted(c["title"] for c in board.get_state()["_board"]["cards"])


def page_sets(board: KanbanBoard, **state) -> None:
    """The page saving traits, through the path a kernel comm message takes."""
    board._handle_msg({"content": {"data": {"method": "update", "state": state,
                                            "buffer_paths": []}}, "buffers": []})


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_opens_the_named_board_and_offers_the_others(home, make_board):
    board, _ = make_board(board="ops", live=False)
    assert board.path == ops_path(home)
    assert board.board_slug == "ops"
    assert board.boards == [{"slug": "default", "name": "Default"},
                            {"slug": "ops", "name": "Operations"}]
    assert titles_on_page(board) == ["on ops"]


def test_bad_arguments_are_refused_clearly(home, tmp_path):
    with pytest.raises(BoardNotFound, match="'nope'.*default, ops"):
        KanbanBoard(board="nope", live=False)
    with pytest.raises(ValidationError, match="a path or a board, not both"):
        KanbanBoard(tmp_path / "x.db", board="ops", live=False)
    with pytest.raises(TypeError, match="board_slug"):
        KanbanBoard(board_slug="ops", live=False)


def test_a_file_outside_the_kanban_home_has_no_switcher(home, tmp_path, make_board):
    Store(tmp_path / "loose.db").close()
    board, _ = make_board(tmp_path / "loose.db", live=False)
    assert board.board_slug == "" and board.boards == []
    board.board_slug = "ops"  # Python may still switch it to one of the home's boards
    assert board.path == ops_path(home) and len(board.boards) == 2


def test_switching_retargets_and_releases_the_old_feed(home, make_board):
    board, wire = make_board(board="ops")  # live: the feed's thread follows ops
    old_feed = board._feed
    assert BoardFeed._feeds[str(ops_path(home))] is old_feed
    board.selected = [board.store.list_tasks()[0].id]

    board.board_slug = "default"

    assert board.path == home / "kanban.db"
    assert str(ops_path(home)) not in BoardFeed._feeds  # the last user gave it back
    assert old_feed.thread is None or not old_feed.thread.is_alive()
    assert BoardFeed._feeds[str(home / "kanban.db")] is board._feed
    assert board.selected == []
    sent = [s["_board"] for s in wire.states() if "_board" in s]
    assert sent and [c["title"] for c in sent[-1]["cards"]] == ["on default"]
    assert sent[-1]["path"] == str(home / "kanban.db")

    # a write from the page now lands in the new board, not the old one
    reply = wire.request("create", title="made after the switch", column="ready")
    assert reply["ok"], reply
    with Store(home / "kanban.db", read_only=True) as default:
        assert "made after the switch" in [t.title for t in default.list_tasks()]
    with Store(ops_path(home), read_only=True) as ops:
        assert [t.title for t in ops.list_tasks()] == ["on ops"]

    # live: another process's write to the new board arrives; one to the old board does not
    with Store(ops_path(home)) as other:
        other.create_task("ops, unseen")
    with Store(home / "kanban.db") as other:
        other.create_task("default, seen")
    wait_for(lambda: any(c.get("title") == "default, seen"
                         for p in wire.custom("patch") for c in p.get("upserts", [])))
    assert not any(c.get("title") == "ops, unseen"
                   for p in wire.custom("patch") for c in p.get("upserts", []))


def test_a_feed_shared_with_another_widget_stays_open(home, make_board):
    first, _ = make_board(board="ops", live=False)
    second, _ = make_board(board="ops", live=False)
    feed = first._feed
    first.board_slug = "default"
    assert BoardFeed._feeds[str(ops_path(home))] is feed  # second still uses it
    assert titles_on_page(second) == ["on ops"]
    second.close()
    assert str(ops_path(home)) not in BoardFeed._feeds


def test_switching_from_the_page(home, make_board):
    board, wire = make_board(board="ops", live=False)
    page_sets(board, board_slug="default")
    assert board.board_slug == "default" and titles_on_page(board) == ["on default"]

    # a slug that names no board leaves the board shown, and says why
    page_sets(board, board_slug="nope")
    assert board.board_slug == "default" and board.path == home / "kanban.db"
    assert "no board 'nope'" in board.error
    # the shown slug goes back to the page
    assert any(s.get("board_slug") == "default" for s in wire.states())
    page_sets(board, board_slug="ops")
    assert board.board_slug == "ops" and board.error == ""


def test_unknown_or_bad_slug_from_python_raises(home, make_board):
    board, _ = make_board(board="ops", live=False)
    with pytest.raises(traitlets.TraitError, match="no board 'nope'.*default, ops"):
        board.board_slug = "nope"
    with pytest.raises(traitlets.TraitError, match="not a valid board name"):
        board.board_slug = "Not OK"
    assert board.board_slug == "ops" and board.path == ops_path(home)


def test_a_board_created_later_is_offered_after_refresh(home, make_board):
    board, _ = make_board(live=False)
    assert board.board_slug == "default" and len(board.boards) == 2
    Store.create_board("research", name="Research")
    board.refresh()
    assert [b["slug"] for b in board.boards] == ["default", "ops", "research"]
    board.board_slug = "research"
    assert titles_on_page(board) == []
    meta = json.loads((home / "kanban/boards/research/board.json").read_text())
    assert meta["name"] == "Research"


def test_closing_after_a_switch_releases_every_feed(home):
    board = KanbanBoard(board="ops")
    board.board_slug = "default"
    board.close()
    assert str(ops_path(home)) not in BoardFeed._feeds
    assert str(home / "kanban.db") not in BoardFeed._feeds


def test_a_patch_of_the_old_board_computed_before_the_switch_is_dropped(home, make_board):
    # The feed's thread may have computed a patch of the old board just before the switch; it
    # must not reach the page, which now shows the new board.
    board, wire = make_board(board="ops")
    old_listener = board._listener
    board.board_slug = "default"
    before = len(wire.custom("patch"))
    old_listener.publish_patch({"type": "patch", "rev": 99, "upserts": [], "removes": []})
    old_listener.resync_all()
    old_listener.report_sync_error("old board trouble")
    assert len(wire.custom("patch")) == before and board.error == ""
    board._listener.report_sync_error("new board trouble")  # the new board's still arrive
    assert board.error == "new board trouble"
