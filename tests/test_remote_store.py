"""``RemoteStore`` against a real ``kanban-widget api`` server (uvicorn in a subprocess, on
loopback): its reads equal a local store's of the same file, its writes land in the file, and
every refusal is raised as the store error class a local store raises."""

from __future__ import annotations

import socket

import pytest

from kanban_widget import Store
from kanban_widget.protocol import BadMessage
from kanban_widget.server.client import RemoteBoard
from kanban_widget.server.remote_store import RemoteRefused, RemoteStore, ServerUnreachable
from kanban_widget.store import (CycleError, InvalidTransition, KanbanError, ReadOnlyBoard,
                                 TaskNotFound, ValidationError)
from server_harness import Server, cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A board with links, comments and an archived task, served; (path, server)."""
    path = tmp_path_factory.mktemp("remote") / "kanban.db"
    with Store(path) as store:
        parent = store.create_task("Parent", assignee="ann", tenant="acme")
        child = store.create_task("Child", body="x" * 800, parents=[parent], priority=2)
        store.add_comment(child, "bob", "first")
        gone = store.create_task("Old")
        store.move_task(gone, "archived")
        store.link_tasks(parent, store.create_task("Second child"))
    server = Server(["--db", str(path)])
    yield path, server
    server.stop()


@pytest.fixture
def remote(served):
    path, server = served
    return RemoteStore(server.url, server.token)


def local(path) -> Store:
    return Store(path, read_only=True)


def test_reads_equal_the_local_store(served, remote):
    path, _server = served
    with local(path) as store:
        for archived in (False, True):
            mine, theirs = remote.board(include_archived=archived), store.board(
                include_archived=archived)
            assert mine.columns == theirs.columns
            assert (mine.tenants, mine.assignees, mine.cursor) == (
                theirs.tenants, theirs.assignees, theirs.cursor)
        assert [c["title"] for c in remote.board(tenant="acme").cards] == ["Parent"]
        assert remote.events_since(0) == store.events_since(0)
        assert remote.events_since(3, 2) == store.events_since(3, 2)
        child = next(t for t in store.list_tasks() if t.title == "Child")
        mine, theirs = remote.task_detail(child.id), store.task_detail(child.id)
        assert (mine.task, mine.comments, mine.events) == (theirs.task, theirs.comments,
                                                           theirs.events)
        assert [(t.id, t.title, t.status) for t in mine.parents] == [
            (t.id, t.title, t.status) for t in theirs.parents]
        assert remote.get_task(child.id) == store.get_task(child.id)
        assert remote.get_task("t_nope") is None
        listed, current = remote.boards()     # a server of one file: that one, as Hermes lists it
        assert ([b["slug"] for b in listed], current) == (["default"], "default")
        assert listed[0]["total"] == len(store.list_tasks(include_archived=True))
        card = remote.cards([child.id, "t_nope"])[0]
        assert card["body_truncated"] and len(card["body"]) == 500  # the wire card


def test_events_are_paged_past_the_servers_limit(served, remote):
    path, _server = served
    with Store(path) as store:
        ids = [store.create_task(f"many {i}") for i in range(1100)]
    with local(path) as store:
        everything = store.events_since(0, 5000)
    assert remote.events_since(0, 5000) == everything
    assert remote.events_since(0, 1050) == everything[:1050]
    assert len(ids) == 1100


def test_writes_land_in_the_file(served, remote):
    path, _server = served
    parent = remote.create_task("Remote parent", assignee="zoe", tenant="acme", priority=3)
    child = remote.create_task("Remote child", body="details", parents=[parent], triage=True)
    remote.update_task(child, title="Renamed child", assignee="kim")
    moved = remote.move_task(parent, "blocked", reason="waiting on legal")
    comment_id = remote.add_comment(parent, "zoe", "why it waits")
    other = remote.create_task("Unrelated")
    assert remote.link_tasks(other, parent) is True
    assert remote.link_tasks(other, parent) is False
    assert remote.unlink_tasks(other, parent) is True
    assert remote.unlink_tasks(other, parent) is False
    with local(path) as store:
        assert moved == store.get_task(parent)
        detail = store.task_detail(parent)
        assert (detail.task.status, detail.task.assignee, detail.task.tenant,
                detail.task.priority) == ("blocked", "zoe", "acme", 3)
        assert [(c.id, c.author, c.body) for c in detail.comments] == [
            (comment_id, "zoe", "why it waits")]
        assert any(e.kind == "blocked" and e.payload == {"reason": "waiting on legal"}
                   for e in detail.events)
        kid = store.get_task(child)
        assert (kid.title, kid.assignee, kid.status, kid.body) == (
            "Renamed child", "kim", "triage", "details")
        assert store.parents_of(child) == [parent] and store.parents_of(parent) == []


def test_bulk_is_one_batch_with_a_result_per_task(served, remote):
    path, _server = served
    first, second = remote.create_task("Bulk one"), remote.create_task("Bulk two")
    results = remote.bulk([first, "t_missing", second], "assign", "lee")
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["task_id"] == "t_missing" and "t_missing" in results[1]["error"]
    assert all(r["ok"] for r in remote.bulk([first, second], "priority", 7))
    assert all(r["ok"] for r in remote.bulk([first], "archive"))
    with local(path) as store:
        assert [(t.assignee, t.priority, t.status) for t in map(store.get_task, (first, second))
                ] == [("lee", 7, "archived"), ("lee", 7, "ready")]
    with pytest.raises(ValueError, match="unknown bulk action"):
        remote.bulk([first], "explode")


def test_refusals_are_the_store_error_classes(served, remote):
    path, server = served
    first, second = remote.create_task("A"), remote.create_task("B")
    remote.link_tasks(first, second)
    with local(path) as store:
        before = store.events_since(0, 100_000)[-1].id
    with pytest.raises(TaskNotFound, match="t_nope") as missing:
        remote.move_task("t_nope", "done")
    assert (missing.value.status, missing.value.code) == (404, "TaskNotFound")
    with pytest.raises(CycleError):
        remote.link_tasks(second, first)
    with pytest.raises(InvalidTransition):
        remote.move_task(second, "ready")  # its parent is not done
    with pytest.raises(ValidationError):
        remote.create_task("   ")
    with pytest.raises(BadMessage, match="unknown status"):
        remote.move_task(first, "sideways")
    with pytest.raises(TypeError, match="colour"):
        remote.update_task(first, colour="red")
    with pytest.raises(TaskNotFound):
        remote.task_detail("t_nope")
    with local(path) as store:
        assert store.events_since(0, 100_000)[-1].id == before  # nothing written


def test_dispatch_is_the_servers(served, remote):
    remote.create_task("Ready work", assignee="ann")
    dry = remote.dispatch_once(dry_run=True)
    assert dry.dry_run is True and dry.spawned
    with pytest.raises(RemoteRefused, match="no dispatcher") as refused:
        remote.dispatch_once()
    assert refused.value.code == "NoDispatcher" and isinstance(refused.value, KanbanError)
    with pytest.raises(ValueError, match="without a spawn function"):
        remote.dispatch_once(print, dry_run=True)
    with pytest.raises(KanbanError, match="no transaction"):
        remote.atomic()


def test_read_only_refuses_writes_before_asking(served):
    path, server = served
    viewer = RemoteStore(server.url, server.token, read_only=True)
    assert viewer.board().cursor > 0
    with pytest.raises(ReadOnlyBoard, match="read-only"):
        viewer.create_task("nope")
    with local(path) as store:
        assert "nope" not in {t.title for t in store.list_tasks()}


def test_a_wrong_token_and_a_missing_server_say_so(served):
    _path, server = served
    with pytest.raises(RemoteRefused, match="Unauthorized") as refused:
        RemoteStore(server.url, "not-the-token-0123456789").board()
    assert refused.value.status == 401
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ServerUnreachable, match="cannot reach"):
        RemoteStore(f"http://127.0.0.1:{port}/api/plugins/kanban", "x" * 20).board()
    with pytest.raises(ValueError, match="not an http"):
        RemoteStore("ftp://host/x", "x" * 20)


def test_the_patch_stream_a_widget_would_forward(served):
    """``RemoteBoard(on_message=...)`` hands over the board, then each patch in revision
    order, as the server sent them: what a remote KanbanBoard sends its page."""
    path, server = served
    messages: list = []
    board = RemoteBoard(server.url, server.token, on_message=messages.append)
    try:
        assert board.wait_until(lambda b: b.status == "live")
        # Patches carry changes inside the windows (the first cards of each column), and
        # earlier tests filled ready: a high priority puts the card at the column's head.
        cli(path, "create", "Seen by the stream", "--priority", "99")
        assert board.wait_until(lambda b: "Seen by the stream" in b.titles())
        assert messages[0]["type"] == "board"
        patches = messages[1:]
        assert patches and all(m["type"] == "patch" for m in patches)
        revs = [m["rev"] for m in messages]
        assert revs == list(range(revs[0], revs[0] + len(revs)))
        assert any(c["title"] == "Seen by the stream" for m in patches for c in m["upserts"])
        assert board.bytes_received > 0
    finally:
        board.close()


def test_a_board_of_thousands_of_large_cards_is_followed(tmp_path):
    """A board of a few thousand large cards is followed at the first attempt: the server
    sends its windows (the first cards of each column) and the counts, well under websockets'
    1 MiB default message limit, which once made the client reconnect forever."""
    path = tmp_path / "big.db"
    with Store(path) as store, store.atomic():
        for i in range(2500):
            store.create_task(f"card {i}", body="words " * 100)
    server = Server(["--db", str(path)])
    board = RemoteBoard(server.url, server.token)
    try:
        assert board.wait_until(lambda b: b.status == "live", 120), board.error
        assert len(board.cards) == 50                     # the ready column's first page
        assert board.attempts == 1
    finally:
        board.close()
        server.stop()


def test_on_status_reports_offline_and_back(tmp_path):
    """What a widget's banner would show: live, offline while the server is down, live again
    (with the change made meanwhile), each reported once."""
    path = tmp_path / "kanban.db"
    with Store(path) as store:
        store.create_task("Before")
    statuses: list = []
    servers = [Server(["--db", str(path)])]
    board = RemoteBoard(servers[0].url, servers[0].token, max_backoff=0.5,
                        on_status=lambda status, error: statuses.append((status, error)))
    try:
        for step in ("down", "up"):
            want = "live" if step == "down" else "offline"
            assert board.wait_until(lambda b: b.status == want)
            if step == "down":
                servers[0].stop()
            else:
                cli(path, "create", "While down")
                servers[0] = Server(["--db", str(path)], port=servers[0].port)
        assert board.wait_until(lambda b: "While down" in b.titles())
        assert [status for status, _error in statuses] == ["live", "offline", "live"]
        assert "127.0.0.1" in statuses[1][1] and statuses[2][1] == ""
    finally:
        board.close()
        servers[0].stop()
