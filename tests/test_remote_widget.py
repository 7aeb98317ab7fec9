"""``KanbanBoard(url, token=...)`` on a board served by a real ``kanban-widget api`` (uvicorn on
loopback): the board arrives, another process's write reaches the widget, the page's requests
land in the file, a server restart shows "offline" then resumes with no lost or repeated
change, and a rejected token shows an error without retrying."""

from __future__ import annotations

import time

import pytest

from kanban_widget import KanbanBoard, Store
from kanban_widget.store import KanbanError
from server_harness import Server, cli, seeded_board

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


@pytest.fixture
def db(tmp_path):
    return seeded_board(tmp_path)


@pytest.fixture
def server(db):
    served = Server(["--db", str(db)])
    yield served
    served.stop()


def titles(board) -> list:
    return sorted(card["title"] for card in board._state.payload()["cards"])


def stored(db) -> dict:
    with Store(db, read_only=True) as store:
        return {t.title: t for t in store.list_tasks()}


def test_a_url_shows_the_served_board_and_follows_it(db, server, make_board):
    board, wire = make_board(server.url, token=server.token)
    assert titles(board) == ["Already there"]
    assert board.error == ""
    cli(db, "create", "From another process")
    wait_for(lambda: "From another process" in titles(board))
    patches = wire.custom("patch")
    assert any(c["title"] == "From another process" for p in patches for c in p["upserts"])
    assert sum(board._state.counts.values()) == 2


def test_page_requests_land_in_the_file(db, server, make_board):
    board, wire = make_board(server.url, token=server.token)
    task_id = stored(db)["Already there"].id
    reply = wire.request("move", task_id=task_id, status="blocked", reason="waiting")
    assert reply["ok"], reply
    assert stored(db)["Already there"].status == "blocked"
    reply = wire.request("create", title="From the page", column="todo")
    assert reply["ok"], reply
    new_id = reply["result"]["card"]["id"]
    assert wire.request("comment", task_id=new_id, body="hello")["ok"]
    detail = wire.request("detail", task_id=new_id)["result"]
    assert [c["body"] for c in detail["comments"]] == ["hello"]
    bulk = wire.request("bulk", task_ids=[task_id, new_id, "t_missing"], action="assign",
                        value="zoe")
    assert [r["ok"] for r in bulk["result"]["results"]] == [True, True, False]
    assert {t.assignee for t in stored(db).values()} == {"zoe"}
    wait_for(lambda: all(c.get("assignee") == "zoe" for c in board._state.cards.values())
             and len(board._state.cards) == 2)
    refused = wire.request("move", task_id=task_id, status="sideways")
    assert not refused["ok"] and refused["code"] == "BadMessage"


def test_more_and_select_all_read_the_server(db, server, make_board):
    with Store(db) as store:
        for n in range(60):
            store.create_task(f"Card {n:02d}")
    board, wire = make_board(server.url, token=server.token)
    [column] = board._state.counts  # every card is in one column
    assert len(board._state.cards) == 50 and board._state.counts[column] == 61
    first_page = set(board._state.cards)
    reply = wire.request("more", column=column)
    assert reply["ok"] and reply["result"]["added"] == 11
    assert len(board._state.cards) == 61
    assert wire.request("more", column=column)["result"]["added"] == 0
    # A card past the server's window changes where it is: the server's patch names it
    # without its card, which this side reads again.
    last = board._state.cards[sorted(set(board._state.cards) - first_page)[0]]
    board.store.update_task(last["id"], body="changed afar")
    wait_for(lambda: board._state.cards[last["id"]].get("body") == "changed afar")
    assert any(c["id"] == last["id"] and c.get("body") == "changed afar"
               for p in wire.custom("patch") for c in p["upserts"])
    with pytest.raises(Exception, match="switching boards: not available"):
        board.board_slug = "other"
    ids = wire.request("ids", column=column)["result"]
    assert len(ids["ids"]) == 61 and ids["total"] == 61


def test_a_server_restart_shows_offline_then_resumes_without_loss(db, make_board):
    server = Server(["--db", str(db)])
    port = server.port
    board, wire = make_board(server.url, token=server.token)
    try:
        server.stop()
        wait_for(lambda: board.error.startswith("offline: reconnecting to"))
        cli(db, "create", "Written while the server was down")
        server = Server(["--db", str(db)], port=port)
        wait_for(lambda: "Written while the server was down" in titles(board))
        wait_for(lambda: board.error == "")
        cli(db, "create", "After the restart")
        wait_for(lambda: "After the restart" in titles(board))
        assert titles(board) == sorted(stored(db))  # nothing lost, nothing twice
        revs = [m["rev"] for m in wire.custom("patch")] + [
            s["_board"]["rev"] for s in wire.states() if "_board" in s]
        assert len(revs) == len(set(revs))  # this side's revisions never repeat
    finally:
        server.stop()


def test_a_rejected_token_shows_an_error_and_stops(db, server, make_board):
    board, _wire = make_board(server.url, token="wrong-token-0123456789")
    wait_for(lambda: board.error != "")
    assert "refused the token" in board.error
    socket = board._state._socket
    socket._thread.join(10)  # the following thread ended: nothing is left to retry
    assert not socket._thread.is_alive()
    assert socket.attempts == 1 and socket.status == "unauthorized"


def test_what_a_remote_board_cannot_do_says_so(server, make_board, monkeypatch):
    monkeypatch.delenv("KANBAN_TOKEN", raising=False)
    with pytest.raises(ValueError, match="give the token"):
        KanbanBoard(server.url)
    with pytest.raises(ValueError, match="server's dispatcher"):
        KanbanBoard(server.url, token=server.token, dispatcher=lambda task: None)
    board, wire = make_board(server.url, token=server.token)
    with pytest.raises(KanbanError, match="not available for a remote board"):
        board.tasks_frame()
    with pytest.raises(KanbanError, match="not available for a remote board"):
        board.time_view(0)
    with pytest.raises(Exception, match="WIP limits: not available for a remote board"):
        board.wip_limits = {"running": 2}
    assert board.wip_limits == {}
    reply = wire.request("dispatch")
    assert not reply["ok"] and "no dispatcher" in reply["error"]


def test_filters_lanes_and_the_archived_column(db, server, make_board):
    with Store(db) as store:
        store.create_task("Zoe's card", assignee="zoe")
        archived = store.create_task("Old news")
        store.move_task(archived, "archived")
    board, wire = make_board(server.url, token=server.token)
    assert "Old news" not in titles(board)
    board.assignee = "zoe"
    assert [board._state.cards[i]["title"] for i in board.visible_ids()] == ["Zoe's card"]
    board.lanes = True  # grouped by the page over the cards held
    assert wire.states()[-1]["_board"]["cards"]
    board.assignee, board.lanes = "", False
    board.show_archived = True  # another view of the server: the socket reconnects
    wait_for(lambda: "Old news" in titles(board))
    assert "archived" in board._state.payload()["columns"]
    reply = wire.request("graph", task_id=archived)
    assert not reply["ok"] and "not available for a remote board" in reply["error"]
