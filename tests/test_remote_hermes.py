"""``KanbanBoard(url, token=...)`` following a Hermes dashboard: a real ``kanban-widget api``
dressed as one (tests/hermes_like_server.py: our own routes answer 404, refusals are FastAPI's
``{"detail": ...}``, each request is logged). The board arrives from ``GET /board``, another
process's write reaches the widget through ``WS /events`` and ``GET /tasks/{id}``, the page's
writes land in the file through Hermes' routes, and a server restart loses and doubles
nothing. The request log shows no route Hermes lacks was used (but the one probe that tells
the servers apart)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kanban_widget import Store
from kanban_widget.remote_board import HermesState
from kanban_widget.store import InvalidTransition, TaskNotFound, ValidationError
from server_harness import Server, cli, seeded_board
from test_remote_widget import stored, titles, wait_for

pytestmark = pytest.mark.slow

LAUNCHER = [sys.executable, str(Path(__file__).with_name("hermes_like_server.py"))]
NOT_HERMES = ("/patches", "/snapshot", "/cards", "/columns")


@pytest.fixture
def db(tmp_path):
    return seeded_board(tmp_path)


@pytest.fixture
def request_log(tmp_path):
    return tmp_path / "requests.log"


def hermes_server(db, request_log, port=0) -> Server:
    return Server(["--db", str(db)], env={"HERMES_LIKE_LOG": str(request_log)}, port=port,
                  program=LAUNCHER)


@pytest.fixture
def server(db, request_log):
    served = hermes_server(db, request_log)
    yield served
    served.stop()


def routes_used(request_log) -> list:
    """The requests made (method and path), but the harness's ``GET /config`` (is it up?)."""
    return [line for line in request_log.read_text(encoding="utf-8").splitlines()
            if not line.endswith("/config")]


def assert_only_hermes_routes(request_log, probed=False):
    lines = routes_used(request_log)
    if probed:
        assert lines[0].endswith("/cards")  # the one question "auto" asks
        lines = lines[1:]
    ours = [line for line in lines if any(r in line for r in NOT_HERMES)]
    assert ours == [] and any(line.startswith("WS ") and line.endswith("/events")
                              for line in lines)
    assert not any(line.startswith("GET ") and line.endswith("/events") for line in lines)


def test_auto_detects_hermes_and_follows_its_events(db, server, request_log, make_board):
    board, wire = make_board(server.url, token=server.token)
    assert isinstance(board._state, HermesState)
    assert titles(board) == ["Already there"]
    wait_for(lambda: board.error == "")
    cli(db, "create", "From another process")
    wait_for(lambda: "From another process" in titles(board))
    assert any(c["title"] == "From another process"
               for p in wire.custom("patch") for c in p["upserts"])
    assert sum(board._state.counts.values()) == 2
    # A child's move reaches its parent's progress (the parent is read again).
    parent = stored(db)["Already there"].id
    child = cli(db, "create", "Child", "--parent", parent).split()[1]
    wait_for(lambda: (board._state.cards[parent].get("progress") or {}).get("total") == 1)
    with Store(db) as store:
        store.move_task(child, "done")
    wait_for(lambda: board._state.cards[parent]["progress"] == {"done": 1, "total": 1})
    assert all("status_since" not in c for c in board._state.cards.values())
    assert_only_hermes_routes(request_log, probed=True)


def test_page_writes_land_in_the_file_through_hermes_routes(db, server, request_log,
                                                            make_board):
    board, wire = make_board(server.url, token=server.token, api="hermes")
    task_id = stored(db)["Already there"].id
    reply = wire.request("move", task_id=task_id, status="blocked", reason="waiting")
    assert reply["ok"], reply
    assert stored(db)["Already there"].status == "blocked"
    wait_for(lambda: board._state.cards[task_id]["status"] == "blocked")
    created = wire.request("create", title="From the page", column="ready")
    new_id = created["result"]["card"]["id"]
    assert stored(db)["From the page"].status == "ready"
    assert wire.request("comment", task_id=new_id, body="hello")["ok"]
    # The drawer's detail: GET /tasks/{id} (the linked tasks too, no GET /cards).
    assert wire.request("link", parent=task_id, child=new_id)["ok"]
    detail = board.store.task_detail(new_id)
    assert [c.body for c in detail.comments] == ["hello"]
    assert [t.title for t in detail.parents] == ["Already there"]
    wait_for(lambda: board._state.cards.get(new_id, {}).get("comment_count") == 1)
    # Hermes' {"detail": ...} refusals come back as the store's errors, by status.
    with pytest.raises(TaskNotFound):
        board.store.move_task("t_missing", "done")
    with pytest.raises(ValidationError, match="unknown status 'sideways'"):
        board.store.move_task(task_id, "sideways")
    with pytest.raises(InvalidTransition):
        board.store.move_task(task_id, "running")
    assert_only_hermes_routes(request_log)


def test_a_restart_resumes_from_the_event_cursor_without_loss(db, request_log, make_board):
    server = hermes_server(db, request_log)
    port = server.port
    board, wire = make_board(server.url, token=server.token, api="hermes")
    try:
        wait_for(lambda: board.error == "")
        server.stop()
        wait_for(lambda: board.error.startswith("offline: reconnecting to"))
        cli(db, "create", "Written while the server was down")
        server = hermes_server(db, request_log, port=port)
        wait_for(lambda: "Written while the server was down" in titles(board))
        wait_for(lambda: board.error == "")
        cli(db, "create", "After the restart")
        wait_for(lambda: "After the restart" in titles(board))
        assert titles(board) == sorted(stored(db))  # nothing lost, nothing twice
        created = [c["title"] for p in wire.custom("patch") for c in p["upserts"]]
        assert created.count("Written while the server was down") == 1
        assert created.count("After the restart") == 1
        revs = [m["rev"] for m in wire.custom("patch")]
        assert len(revs) == len(set(revs))
        assert_only_hermes_routes(request_log)
    finally:
        server.stop()


def test_a_bad_api_name_says_which_there_are(db, server, make_board):
    with pytest.raises(ValueError, match="not one of auto, kanban-widget, hermes"):
        make_board(server.url, token=server.token, api="jira")
    with pytest.raises(ValueError, match="api= are for a board served over HTTP"):
        make_board(str(db), api="hermes")


def test_a_rejected_token_shows_an_error_and_stops(server, make_board):
    board, _wire = make_board(server.url, token="wrong-token-0123456789", api="hermes")
    wait_for(lambda: board.error != "")
    assert "refused the token" in board.error
    socket = board._state._socket
    socket._thread.join(10)  # the following thread ended: nothing is left to retry
    assert not socket._thread.is_alive() and socket.attempts == 1


def test_archiving_removes_the_card_and_showing_archived_reads_the_board_again(
        db, server, request_log, make_board):
    board, wire = make_board(server.url, token=server.token, api="hermes")
    task_id = stored(db)["Already there"].id
    with Store(db) as store:
        store.archive_task(task_id)
    wait_for(lambda: task_id not in board._state.cards)
    assert any(task_id in p["removes"] for p in wire.custom("patch"))
    assert board._state.counts == {}
    board.show_archived = True  # another GET /board, with the archived column
    wait_for(lambda: board._state.cards.get(task_id, {}).get("status") == "archived")
    assert board._state.counts == {"archived": 1}
    assert_only_hermes_routes(request_log)
