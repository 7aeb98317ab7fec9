"""Inside the server's process: its sockets share one feed per board file (many sockets, one
watching thread and one board state, no poll loop per socket), and nothing but SQLite opens the
board file. Uvicorn runs in a thread here so the tests can look inside."""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import httpx
import pytest
from file_rule import python_opens_of
import uvicorn
from websockets.sync.client import connect

from kanban_widget import Store
from kanban_widget.server import create_app
from kanban_widget.server.boards import BoardSet

pytestmark = pytest.mark.slow

TOKEN = "sharing-token-0123456789"


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "shared-board.db"  # its feed thread is kanban-tail-shared-board.db
    with Store(path) as store:
        store.create_task("Shared")
    boards = BoardSet(path)
    app = create_app(boards, token=TOKEN)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    yield path, boards, listener.getsockname()[1]
    server.should_exit = True
    thread.join(30)
    listener.close()


def tail_threads() -> list:
    return [t for t in threading.enumerate() if t.name == "kanban-tail-shared-board.db"]


def test_many_sockets_one_feed(served):
    path, boards, port = served
    url = f"ws://127.0.0.1:{port}/api/plugins/kanban"
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(connect(f"{url}/{route}?token={TOKEN}", open_timeout=30))
                   for route in ["patches"] * 8 + ["events"] * 4]
        for ws in sockets[:8]:  # each is subscribed once its first message comes
            assert json.loads(ws.recv(timeout=30))["type"] == "board"
        for ws in sockets[8:]:
            assert [e["kind"] for e in json.loads(ws.recv(timeout=30))["events"]] == ["created"]
        handle = boards.get(None)
        hub = handle.hub()
        assert len(hub._subscribers) == 12
        assert len(tail_threads()) == 1
        with Store(path) as store:  # another connection writes
            store.create_task("Seen by all")
        for ws in sockets[:8]:
            message = json.loads(ws.recv(timeout=30))
            assert [c["title"] for c in message["upserts"]] == ["Seen by all"]
        for ws in sockets[8:]:
            assert json.loads(ws.recv(timeout=30))["events"][0]["id"] == 2


# -- the file rule: only SQLite opens the board file, its -wal or -shm --------------------------

# The witness: tests/file_rule.py.


def test_nothing_but_sqlite_opens_the_board_file(served):
    """Python's open() of the board file is the bug the rule guards against (it drops SQLite's
    locks); SQLite's own opens raise no audit event, so any event here is the server's."""
    path, _boards, port = served
    with python_opens_of(path) as opened:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/plugins/kanban",
                          headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as http, \
                connect(f"ws://127.0.0.1:{port}/api/plugins/kanban/patches?token={TOKEN}",
                        open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=30))["type"] == "board"
            first = http.post("/tasks", json={"title": "one"}).json()["task"]["id"]
            second = http.post("/tasks", json={"title": "two"}).json()["task"]["id"]
            calls = [("PATCH", f"/tasks/{first}", {"status": "blocked"}),
                     ("POST", f"/tasks/{first}/comments", {"body": "c"}),
                     ("POST", "/links", {"parent_id": first, "child_id": second}),
                     ("POST", "/tasks/bulk", {"ids": [first, second], "priority": 2})]
            for method, route, body in calls:
                assert http.request(method, route, json=body).status_code == 200
            for route in ("/board", f"/tasks/{first}", "/stats", "/assignees", "/events",
                          "/snapshot", f"/cards?ids={first}", "/columns/todo", "/config",
                          "/boards"):
                assert http.get(route).status_code == 200, route
            assert http.delete("/links", params={"parent_id": first,
                                                 "child_id": second}).json() == {"ok": True}
            assert json.loads(ws.recv(timeout=30))["type"] == "patch"
    assert opened == []
