"""``RemoteBoard`` following a real ``kanban-widget api`` server: live changes from another
process, writes through the API, a server restart survived without losing or repeating a
change, and a rejected token that stops instead of retrying."""

from __future__ import annotations

import pytest

from kanban_widget import Store
from kanban_widget.server.client import RemoteBoard, RemoteError
from server_harness import Server, cli

pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        store.create_task("Already there")
    return path


def stored_titles(db) -> list:
    with Store(db, read_only=True) as store:
        return sorted(t.title for t in store.list_tasks())


def test_follows_changes_and_writes(db):
    server = Server(["--db", str(db)])
    board = RemoteBoard(server.url, server.token)
    try:
        assert board.wait_until(lambda b: b.status == "live")
        assert board.titles() == ["Already there"]
        cli(db, "create", "From another process")
        assert board.wait_until(lambda b: "From another process" in b.titles())
        task = board.create_task("From the client", assignee="zoe")
        assert board.wait_until(lambda b: task["id"] in b.cards)
        board.move_task(task["id"], "blocked", reason="waiting")
        assert board.wait_until(lambda b: b.cards[task["id"]]["status"] == "blocked")
        with pytest.raises(RemoteError) as refused:
            board.move_task(task["id"], "sideways")
        assert refused.value.status == 400 and "unknown status" in refused.value.message
        assert board.titles() == stored_titles(db)
    finally:
        board.close()
        server.stop()


def test_a_server_restart_loses_and_repeats_nothing(db):
    server = Server(["--db", str(db)])
    port = server.port
    board = RemoteBoard(server.url, server.token, max_backoff=0.5)
    try:
        assert board.wait_until(lambda b: b.status == "live")
        server.stop()
        assert board.wait_until(lambda b: b.status == "offline")
        cli(db, "create", "Written while the server was down")
        server = Server(["--db", str(db)], port=port)
        assert board.wait_until(lambda b: "Written while the server was down" in b.titles())
        assert board.status == "live"
        cli(db, "create", "After the restart")
        assert board.wait_until(lambda b: "After the restart" in b.titles())
        assert board.titles() == stored_titles(db)  # nothing lost, nothing twice
        assert board.attempts >= 2
    finally:
        board.close()
        server.stop()


def test_a_rejected_token_stops_with_an_error(db):
    server = Server(["--db", str(db)])
    board = RemoteBoard(server.url, "not-the-token-0123456789")
    try:
        assert board.wait_until(lambda b: b.status == "unauthorized")
        assert "refused the token" in board.error
        board._thread.join(30)
        assert not board._thread.is_alive() and board.attempts == 1
        with pytest.raises(RemoteError) as refused:
            board.create_task("nope")
        assert refused.value.status == 401 and refused.value.code == "Unauthorized"
    finally:
        board.close()
        server.stop()


def test_a_url_that_is_no_api_is_refused():
    with pytest.raises(ValueError, match="not an http"):
        RemoteBoard("ftp://host/x", "token-0123456789abcdef")
