"""Fixtures shared by the Python-side tests: real board files and widgets wired to a capture."""

from __future__ import annotations

import threading

import pytest

from kanban_widget import Store


@pytest.fixture
def store_path(tmp_path):
    """Where a fresh board file will live."""
    return tmp_path / "kanban.db"


@pytest.fixture
def kanban_home(monkeypatch, tmp_path):
    """An empty kanban home (``$HERMES_KANBAN_HOME``, the root of latest Hermes' several
    boards) with no other kanban variable set; the working folder is its parent."""
    for var in ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME", "HERMES_KANBAN_BOARD"):
        monkeypatch.delenv(var, raising=False)
    root = tmp_path / "hermes"
    root.mkdir()
    monkeypatch.setenv("HERMES_KANBAN_HOME", str(root))
    monkeypatch.chdir(tmp_path)
    return root


@pytest.fixture
def fresh_store(store_path):
    """A new, empty board on a real SQLite file, closed after the test."""
    store = Store(store_path)
    yield store
    store.close()


class Wire:
    """Stands in for the page: records what the widget sends and sends it requests.

    ``messages`` holds every comm message (``update`` state syncs and ``custom`` messages);
    ``request`` feeds a message through the same path a real comm message takes.
    """

    def __init__(self, widget):
        self.widget = widget
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        self._ids = 0
        widget.comm.send = self._capture

    def _capture(self, data=None, metadata=None, buffers=None):
        with self.lock:
            self.messages.append(data)

    def custom(self, type_: str | None = None) -> list[dict]:
        with self.lock:
            found = [m["content"] for m in self.messages if m.get("method") == "custom"]
        return [m for m in found if type_ is None or m.get("type") == type_]

    def states(self) -> list[dict]:
        with self.lock:
            return [m["state"] for m in self.messages if m.get("method") == "update"]

    def send(self, message: dict) -> None:
        self.widget._handle_msg(
            {"content": {"data": {"method": "custom", "content": message}}, "buffers": []})

    def request(self, type_: str, **fields) -> dict:
        """Send a request with a fresh id and return its reply."""
        self._ids += 1
        request_id = f"r{self._ids}"
        self.send({"type": type_, "id": request_id, **fields})
        replies = [m for m in self.custom("reply") if m["id"] == request_id]
        assert len(replies) == 1, f"expected one reply to {request_id}, got {replies}"
        return replies[0]


@pytest.fixture
def make_board():
    """Build KanbanBoard widgets with a Wire attached; every one is closed after the test."""
    from kanban_widget import KanbanBoard

    made = []

    def make(*args, **kwargs):
        board = KanbanBoard(*args, **kwargs)
        made.append(board)
        return board, Wire(board)

    yield make
    for board in made:
        board.close()
