"""Filters on a remote board run on the server, in SQL, as on a local board: ``KanbanBoard(url)``
under a search, tenant or assignee shows the server's filtered windows and counts (equal to a
local board's under the same filters), a change entering or leaving the filter arrives as a
patch, "select all" reaches past the window, and a server asked for too many views at once
refuses the next one with a message a person can act on. A real uvicorn server on loopback and
another process committing."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pytest
from websockets.exceptions import ConnectionClosed

from kanban_widget import Store
from kanban_widget.board import BoardState
from kanban_widget.server.boards import MAX_VIEWS
from kanban_widget.store import windows
from server_harness import serving

pytestmark = pytest.mark.slow

STATUSES = ("todo", "ready", "running", "blocked", "done")


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A board of 400 tasks over two tenants, three assignees (and none), every column; 120
    cards of tenant acme, ready, say "alpha" (more than two pages of a window)."""
    path = tmp_path_factory.mktemp("filters") / "kanban.db"
    with Store(path) as store:
        for i in range(400):
            alpha = i < 240 and i % 2 == 0
            task = store.create_task(
                f"{'alpha' if alpha else 'beta'} task {i}", priority=i % 7,
                tenant="acme" if alpha or i % 3 == 0 else "globex",
                assignee=[None, "zoe", "max", "ana"][i % 4] if not alpha else "zoe")
            if not alpha and i % 5:
                store.move_task(task, STATUSES[i % 5])
    return path


@pytest.fixture(scope="module")
def server(db):
    with serving(db) as running:
        yield running


def local(db, view: windows.View) -> BoardState:
    return BoardState(Store(db, read_only=True), view=view)


def commit(db, code: str) -> None:
    """Run ``code`` with ``store`` open on the board, in another process."""
    subprocess.run([sys.executable, "-c", "from kanban_widget import Store\n"
                    f"store = Store({str(db)!r})\n{code}\nstore.close()"], check=True)


VIEWS = [windows.View(search="ALPHA"), windows.View(tenant="acme"),
         windows.View(assignee="zoe"), windows.View(assignee="(unassigned)"),
         windows.View(search="task 1", tenant="globex", assignee="max"),
         windows.View(tenant="acme", lanes=True)]


@pytest.mark.parametrize("view", VIEWS, ids=repr)
def test_filtered_counts_and_windows_equal_the_local_boards(db, server, make_board, view):
    board, wire = make_board(server.url, token=server.token)
    board.search, board.tenant, board.assignee, board.lanes = (view.search, view.tenant,
                                                               view.assignee, view.lanes)
    mine = local(db, view)
    wait_for(lambda: board._state.counts == mine.counts)  # set_view waited for the new board
    assert set(board._state.cards) == set(mine.cards)
    assert board._state.payload().get("lane_counts") == mine.payload().get("lane_counts")
    sent = wire.states()[-1]["_board"]  # what the page was given: the server's filtered board
    assert sent["counts"] == mine.counts
    assert all(0 < n for n in sent["counts"].values())
    assert sum(sent["counts"].values()) < 400


def test_a_change_entering_and_leaving_the_filter_arrives_as_a_patch(db, server, make_board):
    board, wire = make_board(server.url, token=server.token)
    board.tenant = "acme"
    with Store(db, read_only=True) as store:
        outsider = next(t for t in store.list_tasks(status="ready") if t.tenant == "globex")
    before = board._state.counts["ready"]
    assert outsider.id not in board._state.cards
    seen = len(wire.custom("patch"))

    commit(db, f"store.update_task({outsider.id!r}, tenant='acme', priority=100)")
    wait_for(lambda: board._state.counts.get("ready") == before + 1)
    entered = wire.custom("patch")[seen:]
    assert any(c["id"] == outsider.id for p in entered for c in p["upserts"])
    assert outsider.id in board._state.cards  # priority 100: the top of the window

    seen = len(wire.custom("patch"))
    commit(db, f"store.update_task({outsider.id!r}, tenant='globex', priority=0)")
    wait_for(lambda: board._state.counts.get("ready") == before)
    left = wire.custom("patch")[seen:]
    assert any(outsider.id in p["removes"] for p in left)
    assert outsider.id not in board._state.cards
    assert board._state.counts == local(db, windows.View(tenant="acme")).counts


def test_select_all_and_show_more_reach_past_the_window(db, server, make_board):
    board, wire = make_board(server.url, token=server.token)
    board.search = "alpha"
    view = windows.View(search="alpha")
    with Store(db, read_only=True) as store:
        every = windows.window_ids(store, view, "ready", None, 10_000)
    assert len(every) == 120 and board._state.counts["ready"] == 120
    held = [c for c in board._state.cards.values() if c["status"] == "ready"]
    assert len(held) == windows.PAGE  # the page holds one page...
    reply = wire.request("ids", column="ready")
    assert reply["ok"] and reply["result"] == {"ids": every, "total": 120}  # ...selects all
    # the ids route pages by offset, as a client taking them in pieces would
    page = server.http.get("/columns/ready/ids", params={"search": "alpha", "offset": 100,
                                                         "limit": 50}).json()
    assert page["ids"] == every[100:] and page["total"] == 120
    reply = wire.request("more", column="ready")
    assert reply["ok"]
    held = sorted((c for c in board._state.cards.values() if c["status"] == "ready"),
                  key=lambda c: every.index(c["id"]))
    assert [c["id"] for c in held] == every[:2 * windows.PAGE]


def test_too_many_views_are_refused_with_a_message(db, server, make_board):
    sockets = []
    with contextlib.ExitStack() as opened:
        for i in range(MAX_VIEWS + 1):
            sock = opened.enter_context(server.ws("/patches", search=f"view{i}"))
            try:
                assert '"type": "board"' in sock.recv(timeout=30)
            except ConnectionClosed as exc:
                closed = exc
                break
            sockets.append(sock)
        assert len(sockets) == MAX_VIEWS
        assert closed.rcvd.code == 4503
        assert "filtered views" in closed.rcvd.reason
        answer = server.http.get("/snapshot", params={"search": "still-readable"})
        assert answer.status_code == 200  # a snapshot reads once, keeping no view
        board, _wire = make_board(server.url, token=server.token, show_archived=True)
        assert board.error == "" and board._state.cards  # an unfiltered view: always served
        board.search = "another"
        wait_for(lambda: "filtered views" in board.error)
        sockets.pop().close()  # its view has no follower left: the server drops it
        board.search = "and now"
        wait_for(lambda: board.error == "")


def test_bad_view_parameters_are_refused(server):
    answer = server.http.get("/columns/todo", params={"search": "x" * 1001})
    assert answer.status_code == 400 and "search" in answer.json()["message"]
    with server.ws("/patches", lanes="maybe") as sock, pytest.raises(ConnectionClosed) as closed:
        sock.recv(timeout=30)
    assert closed.value.rcvd.code == 4400


def test_lanes_under_a_filter_page_and_select_per_lane(db, server, make_board):
    board, wire = make_board(server.url, token=server.token)
    board.search, board.lanes = "alpha", True
    view = windows.View(search="alpha", lanes=True)
    assert board._state.payload()["lane_counts"] == local(db, view).lane_counts
    assert board._state.lane_counts["ready"] == {"zoe": 120}
    with Store(db, read_only=True) as store:
        every = windows.window_ids(store, view, "ready", "zoe", 10_000)
    reply = wire.request("ids", column="ready", lane="zoe")
    assert reply["result"]["ids"] == every
    assert wire.request("ids", column="ready", lane="max")["result"]["ids"] == []
    assert wire.request("more", column="ready", lane="zoe")["ok"]
    held = {c["id"] for c in board._state.cards.values() if c["status"] == "ready"}
    assert held == set(every[:2 * windows.PAGE])


def test_snapshot_and_column_pages_answer_the_view_as_a_local_board(db, server):
    view = windows.View(tenant="acme", assignee="zoe")
    query = {"tenant": "acme", "assignee": "zoe"}
    snapshot = server.http.get("/snapshot", params=query).json()
    mine = local(db, view)
    assert snapshot["counts"] == mine.counts
    assert {c["id"] for c in snapshot["cards"]} == set(mine.cards)
    with Store(db, read_only=True) as store:
        every = windows.window_ids(store, view, "ready", None, 10_000)
    pages = [server.http.get("/columns/ready", params={**query, "offset": at, "limit": 40})
             .json() for at in range(0, len(every), 40)]
    assert [c["id"] for page in pages for c in page["cards"]] == every
    assert {page["total"] for page in pages} == {len(every)}
