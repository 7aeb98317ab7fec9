"""The server's sockets share one feed per board file: many sockets, one watching thread and
one board state, no poll loop per socket. Uvicorn runs in a thread here so the test can look
inside the process."""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import pytest
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
