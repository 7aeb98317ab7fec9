"""``KanbanBoard(url, token=...)`` following the real Hermes dashboard (``hermes dashboard`` of the
newest release in ``real_hermes.VERSIONS``, its own kanban plugin and session-token guard), not
our server dressed as one (tests/test_remote_hermes.py does that, with a request log).

The board must tell Hermes' API from ours by itself, show Hermes' board, follow what Hermes'
own CLI writes (through the ``/events`` socket and ``GET /tasks/{id}``), write through Hermes'
routes so that Hermes' CLI sees the page's changes, and stop with a clear error on a token
Hermes refuses.
"""

from __future__ import annotations

import pytest

from kanban_widget.remote_board import HermesState
from real_hermes import VERSIONS, Hermes
from test_remote_widget import titles, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hermes(tmp_path_factory):
    hermes = Hermes(VERSIONS[-1], tmp_path_factory.mktemp("hermes") / "home")
    hermes.kanban("init")
    return hermes


@pytest.fixture(scope="module")
def dashboard(hermes):
    with hermes.dashboard() as served:
        yield served


def statuses_shown(board) -> dict:
    return {c["id"]: c["status"] for c in board._state.payload()["cards"]}


def test_follows_the_real_dashboard_both_ways(hermes, dashboard, make_board):
    first = hermes.create("Made by Hermes", "--assignee", "ann")
    board, wire = make_board(dashboard.url, token=dashboard.token)
    assert isinstance(board._state, HermesState)          # "auto" recognised Hermes' API
    wait_for(lambda: board.error == "")
    assert "Made by Hermes" in titles(board)
    # Hermes' CLI writes; the board follows Hermes' /events socket.
    second = hermes.create("Second", "--parent", first)
    hermes.kanban("claim", first)
    wait_for(lambda: statuses_shown(board).get(first) == "running"
             and statuses_shown(board).get(second) == "todo")
    hermes.kanban("block", first, "needs", "a", "key")
    wait_for(lambda: statuses_shown(board).get(first) == "blocked")
    hermes.kanban("comment", second, "from the CLI")
    wait_for(lambda: board._state.cards[second].get("comment_count") == 1)
    # The page writes through Hermes' routes; Hermes' CLI sees it.
    assert wire.request("move", task_id=first, status="ready")["ok"]
    assert hermes.statuses()[first] == "ready"
    created = wire.request("create", title="Made on the page", column="ready")
    assert created["ok"], created
    new_id = created["result"]["card"]["id"]
    assert hermes.statuses()[new_id] == "ready"
    assert wire.request("comment", task_id=new_id, body="hello Hermes")["ok"]
    assert [c["body"] for c in hermes.show(new_id)["comments"]] == ["hello Hermes"]
    wait_for(lambda: statuses_shown(board) == {k: v for k, v in hermes.statuses().items()
                                               if v != "archived"})


def test_a_token_hermes_refuses_shows_an_error_and_stops(dashboard, make_board):
    board, _ = make_board(dashboard.url, token="not-the-session-token", api="hermes")
    wait_for(lambda: board.error != "")
    assert "refused the token" in board.error
    socket = board._state._socket
    socket._thread.join(10)
    assert not socket._thread.is_alive() and socket.attempts == 1
