"""KanbanBoard's Python side: traits, requests and replies, all through the real comm path."""

import json

import pytest

from kanban_widget import KanbanBoard, Store


@pytest.fixture
def seeded(store_path):
    """A board with a parent (spec) and a child waiting on it (build)."""
    with Store(store_path) as store:
        spec = store.create_task("Write the spec", assignee="alice", tenant="acme", priority=2)
        build = store.create_task("Build it", parents=[spec], tenant="globex")
    return store_path, spec, build


def test_initial_state_holds_every_card_and_the_cursor(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    state = board.get_state()["_board"]
    assert {c["id"] for c in state["cards"]} == {spec, build}
    assert state["columns"][:8] == ["triage", "todo", "scheduled", "ready", "running",
                                    "blocked", "review", "done"]
    assert state["cursor"] == board.store.board().cursor
    assert state["tenants"] == ["acme", "globex"]
    assert state["path"] == str(path.absolute())


def test_unknown_keyword_is_refused_with_a_hint(seeded):
    with pytest.raises(TypeError, match="tennant.*check the spelling"):
        KanbanBoard(seeded[0], tennant="acme", live=False)


def test_move_is_applied_through_the_store_and_answered(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    reply = wire.request("move", task_id=spec, status="done", result="spec.md")
    assert reply["ok"] is True
    assert reply["result"]["card"]["status"] == "done"
    assert board.store.get_task(spec).result == "spec.md"
    assert board.store.get_task(build).status == "ready"


def test_refused_move_is_answered_with_the_store_message(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    reply = wire.request("move", task_id=build, status="ready")
    assert reply["ok"] is False
    assert reply["code"] == "InvalidTransition"
    assert spec in reply["error"] and "Write the spec" in reply["error"]
    assert board.store.get_task(build).status == "todo"


@pytest.mark.parametrize("message", [
    "not an object",
    {"type": "move", "id": "r1", "task_id": 42, "status": "done"},
    {"type": "update", "id": "r2", "task_id": "t", "fields": {"status": "done"}},
    {"type": "nuke", "id": "r3"},
])
def test_malformed_message_gets_an_error_and_changes_nothing(seeded, make_board, message):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    before = board.store.board().cursor
    wire.send(message)
    replies = wire.custom("reply")
    assert len(replies) == 1 and replies[0]["ok"] is False and replies[0]["code"] == "BadMessage"
    assert board.store.board().cursor == before


def test_create_in_triage_stays_in_triage(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    reply = wire.request("create", title="Rough idea", column="triage", assignee="bob",
                         priority=3, parent=spec)
    card = reply["result"]["card"]
    assert card["status"] == "triage" and card["assignee"] == "bob" and card["priority"] == 3
    assert board.store.parents_of(card["id"]) == [spec]
    assert board.store.recompute_ready() == 0


def test_update_edits_fields_atomically(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    ok = wire.request("update", task_id=spec, fields={"title": "Spec v2", "priority": 5,
                                                      "assignee": ""})
    assert ok["ok"] and ok["result"]["card"]["title"] == "Spec v2"
    assert board.store.get_task(spec).assignee is None
    bad = wire.request("update", task_id=spec, fields={"title": "  ", "priority": 9})
    assert bad["ok"] is False and bad["code"] == "ValidationError"
    assert board.store.get_task(spec).priority == 5


def test_comment_link_unlink_and_cycle(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False, user="carol")
    assert wire.request("comment", task_id=spec, body="<b>looks good</b>")["ok"]
    assert board.store.list_comments(spec)[0].author == "carol"
    cycle = wire.request("link", parent=build, child=spec)
    assert cycle["ok"] is False and cycle["code"] == "CycleError"
    assert wire.request("unlink", parent=spec, child=build)["result"] == {"removed": True}
    assert board.store.get_task(build).status == "ready"


def test_bulk_reports_partial_failures_per_card(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    reply = wire.request("bulk", task_ids=[spec, build, "t_missing"], action="move",
                         value="ready")
    results = {r["task_id"]: r for r in reply["result"]["results"]}
    assert results[spec]["ok"] is True
    assert results[build]["ok"] is False and spec in results[build]["error"]
    assert results["t_missing"]["ok"] is False and "t_missing" in results["t_missing"]["error"]
    assign = wire.request("bulk", task_ids=[spec, build], action="assign", value="dora")
    assert all(r["ok"] for r in assign["result"]["results"])
    assert {board.store.get_task(t).assignee for t in (spec, build)} == {"dora"}
    wire.request("bulk", task_ids=[spec, build], action="priority", value=9)
    assert board.store.get_task(build).priority == 9
    wire.request("bulk", task_ids=[build], action="archive")
    assert board.store.get_task(build).status == "archived"


def test_detail_has_comments_events_newest_first_and_links(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    board.store.add_comment(spec, "bob", "first")
    board.store.move_task(spec, "done")
    detail = wire.request("detail", task_id=spec)["result"]
    assert detail["task"]["id"] == spec
    assert [c["body"] for c in detail["comments"]] == ["first"]
    kinds = [e["kind"] for e in detail["events"]]
    assert kinds[0] == "completed" and kinds[-1] == "created"
    assert detail["children"] == [{"id": build, "title": "Build it", "status": "ready"}]


def test_dispatch_runs_the_given_dispatcher(seeded, make_board):
    path, spec, build = seeded
    spawned = []
    board, wire = make_board(path, live=False, dispatcher=lambda task: spawned.append(task.id))
    assert board.has_dispatcher is True
    result = wire.request("dispatch", max_spawn=4)["result"]
    assert result["spawned"] == [spec] == spawned
    assert board.store.get_task(spec).status == "running"


def test_dispatch_without_dispatcher_is_an_error(seeded, make_board):
    board, wire = make_board(seeded[0], live=False)
    reply = wire.request("dispatch")
    assert reply["ok"] is False and "dispatcher" in reply["error"]


def test_read_only_board_refuses_writes(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False, read_only=True)
    assert board.read_only is True
    reply = wire.request("move", task_id=spec, status="done")
    assert reply["code"] == "ReadOnlyBoard"


def test_filters_are_traits_both_ways(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False, tenant="acme")
    assert board.visible_ids() == [spec]
    board.tenant = ""
    board.search = "BUILD"
    assert board.visible_ids() == [build]
    # the page sets a trait exactly as a real front end does
    board._handle_msg({"content": {"data": {"method": "update",
                                            "state": {"selected": [spec, build], "search": ""}}},
                       "buffers": []})
    assert board.selected == [spec, build] and board.search == ""
    board.assignee = "(unassigned)"
    assert board.visible_ids() == [build]


def test_show_archived_resends_the_board_with_archived_cards(seeded, make_board):
    path, spec, build = seeded
    with Store(path) as store:
        store.archive_task(build)
    board, wire = make_board(path, live=False)
    assert build not in {c["id"] for c in board.get_state()["_board"]["cards"]}
    board.show_archived = True
    sent = [s["_board"] for s in wire.states() if "_board" in s]
    assert sent and build in {c["id"] for c in sent[-1]["cards"]}
    assert "archived" in sent[-1]["columns"]


def test_resync_request_resends_the_current_board(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    board.store.create_task("Late arrival")
    board.sync_now()
    wire.send({"type": "resync"})
    sent = [s["_board"] for s in wire.states() if "_board" in s][-1]
    assert "Late arrival" in {c["title"] for c in sent["cards"]}
    assert sent["rev"] == board._state.rev


def test_long_text_is_cut_to_a_preview_on_the_wire(store_path, make_board):
    with Store(store_path) as store:
        store.create_task("Essay", body="x" * 5000)
    board, wire = make_board(store_path, live=False)
    card = board.get_state()["_board"]["cards"][0]
    assert len(card["body"]) == 500 and card["body_truncated"] is True


def test_text_with_html_travels_as_plain_data(store_path, make_board):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    with Store(store_path) as store:
        store.create_task(payload, body=payload)
    board, wire = make_board(store_path, live=False)
    card = board.get_state()["_board"]["cards"][0]
    assert card["title"] == payload  # escaping is the page's job; Python never mangles data
    json.dumps(board.get_state()["_board"])


def test_ipykernel_with_broken_thread_updates_is_warned_about(monkeypatch, seeded):
    import importlib.metadata

    from kanban_widget import widget as widget_module

    monkeypatch.setattr(widget_module, "_warned_ipykernel", False)
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "7.0.1")
    with pytest.warns(RuntimeWarning, match="ipykernel 7.0.1"):
        board = KanbanBoard(seeded[0])
    board.close()


def test_tasks_frame_follows_filters_and_selection(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    assert list(board.tasks_frame().index) == [spec, build]
    board.tenant = "globex"
    frame = board.tasks_frame()
    assert list(frame.index) == [build] and frame.loc[build, "title"] == "Build it"
    board.tenant = ""
    board.selected = [spec]
    assert list(board.tasks_frame(selected_only=True).index) == [spec]
