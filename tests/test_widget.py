"""KanbanBoard's Python side: traits, requests and replies, all through the real comm path."""

import json
import sqlite3
import subprocess
import sys
import time

import pytest
import traitlets

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


# -- messages outside the protocol (issue #10 item 7) ----------------------------------------

def dump(path) -> str:
    """Every row of the board file, as SQL text: equal dumps mean nothing was written."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def deep(depth: int, leaf=None, wrap=lambda v: [v]):
    """A value ``depth`` levels deep, built without recursion."""
    for _ in range(depth):
        leaf = wrap(leaf)
    return leaf


# Each row: a message the page must never be able to apply, and words the reply must hold.
# Factories, so the ids below stay readable and every test gets a fresh value.
BAD_MESSAGES = {
    "create-unknown-column": (lambda s: {"type": "create", "title": "t", "column": "limbo"},
                              "unknown column 'limbo'"),
    "create-priority-2**63": (lambda s: {"type": "create", "title": "t", "column": "todo",
                                         "priority": 2 ** 63}, "64-bit"),
    "create-priority-below": (lambda s: {"type": "create", "title": "t", "column": "todo",
                                         "priority": -(2 ** 63) - 1}, "64-bit"),
    "update-priority-2**63": (lambda s: {"type": "update", "task_id": s,
                                         "fields": {"priority": 2 ** 63}}, "64-bit"),
    "bulk-priority-2**63": (lambda s: {"type": "bulk", "task_ids": [s], "action": "priority",
                                       "value": 2 ** 63}, "64-bit"),
    "bulk-priority-text": (lambda s: {"type": "bulk", "task_ids": [s], "action": "priority",
                                      "value": "9"}, "whole number"),
    "bulk-assign-number": (lambda s: {"type": "bulk", "task_ids": [s], "action": "assign",
                                      "value": 42}, "must be a string"),
    "bulk-assign-too-long": (lambda s: {"type": "bulk", "task_ids": [s], "action": "assign",
                                        "value": "a" * 201}, "the limit is 200"),
    "create-title-surrogate": (lambda s: {"type": "create", "title": "bad \udcff",
                                          "column": "todo"}, "lone surrogate"),
    "comment-surrogate": (lambda s: {"type": "comment", "task_id": s, "body": "\ud800"},
                          "lone surrogate"),
    "update-surrogate": (lambda s: {"type": "update", "task_id": s,
                                    "fields": {"assignee": "\udfff"}}, "lone surrogate"),
    "bulk-assign-surrogate": (lambda s: {"type": "bulk", "task_ids": [s], "action": "assign",
                                         "value": "\udc80"}, "lone surrogate"),
    "type-list": (lambda s: {"type": ["move"]}, "unknown request type an array"),
    "type-dict": (lambda s: {"type": {"k": "v"}}, "unknown request type an object"),
    "fields-10000-deep": (lambda s: {"type": "update", "task_id": s,
                                     "fields": deep(10_000, "x", lambda v: {"title": v})},
                          "must be a string, not an object"),
    "value-10000-deep": (lambda s: {"type": "bulk", "task_ids": [s], "action": "archive",
                                    "value": deep(10_000)}, "not an array"),
    "title-1MB": (lambda s: {"type": "move", "task_id": s, "status": "x" * 1_000_000},
                  "1000000 characters; the limit is 32"),
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
def test_a_message_outside_the_protocol_is_refused_and_writes_nothing(seeded, make_board, name):
    path, spec, build = seeded
    board, wire = make_board(path, live=False, tenant="acme")
    make, words = BAD_MESSAGES[name]
    before = dump(path)
    wire.send({"id": "r1", **make(spec)})
    replies = wire.custom("reply")
    assert len(replies) == 1, replies
    reply = replies[0]
    assert reply["ok"] is False and reply["code"] == "BadMessage", reply
    assert words in reply["error"]
    assert len(reply["error"]) < 300  # a short prefix of the input at most
    assert reply["id"] == "r1"
    assert dump(path) == before


def test_a_reply_never_carries_back_an_id_it_cannot_send(seeded, make_board):
    board, wire = make_board(seeded[0], live=False)
    for bad_id in ("i" * 100_000, "r\ud800", deep(10_000), 7):
        wire.send({"type": "detail", "id": bad_id, "task_id": seeded[1]})
    replies = wire.custom("reply")
    assert [r["id"] for r in replies] == [None] * 4
    assert all("needs a string 'id'" in r["error"] and len(r["error"]) < 300 for r in replies)
    json.dumps(replies, ensure_ascii=False).encode("utf-8")  # the comm can send every one


def test_no_message_ever_gets_internal_error_or_writes_when_refused(seeded, make_board):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from kanban_widget.protocol import REQUEST_TYPES, _SPECS

    path, spec, build = seeded
    board, wire = make_board(path, live=False, tenant="acme")
    edge_ints = st.sampled_from([0, 1, -1, 2 ** 63 - 1, 2 ** 63, -(2 ** 63), -(2 ** 63) - 1,
                                 10 ** 30, 10 ** 400])
    edge_text = st.sampled_from([spec, build, "t_missing", "done", "triage", "ready",
                                 "archived", "", " ", "\ud800", "a\udfffb", "\x1b]52;c;eA==\x07",
                                 "x" * 201, "x" * 100_001])
    text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                                          exclude_categories=()), max_size=12)
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), edge_ints,
                     st.floats(allow_nan=True, allow_infinity=True), text, edge_text)
    json_like = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3)
                             | st.dictionaries(text | edge_text, inner, max_size=3),
                             max_leaves=8)
    names = sorted({name for spec_ in _SPECS.values() for name in spec_}
                   | {"title", "body", "assignee", "priority"})
    fields = st.dictionaries(st.sampled_from(["title", "body", "assignee", "priority", "status"]),
                             json_like, max_size=3)
    messages = st.fixed_dictionaries(
        {"type": st.sampled_from(REQUEST_TYPES) | json_like,
         "id": st.just("r1") | json_like},
        optional={**{name: json_like for name in names},
                  "task_ids": st.lists(edge_text | json_like, max_size=4),
                  "action": st.sampled_from(["move", "assign", "priority", "archive"]) | json_like,
                  "fields": fields | json_like}) | json_like

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(message=messages)
    def check(message):
        before = dump(path)
        wire.messages.clear()
        wire.send(message)
        replies = wire.custom("reply")
        if isinstance(message, dict) and message.get("type") == "resync":
            return  # answered with a fresh board, not a reply
        assert len(replies) == 1
        reply = replies[0]
        assert "internal error" not in reply.get("error", "")
        json.dumps(reply, ensure_ascii=False).encode("utf-8")  # always sendable
        if not reply["ok"]:
            assert dump(path) == before

    check()


def test_filters_are_length_limited_from_python_and_clipped_from_the_page(seeded, make_board):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    with pytest.raises(traitlets.TraitError, match="tenant filter is 201 characters"):
        board.tenant = "t" * 201
    with pytest.raises(traitlets.TraitError, match="lone surrogate"):
        board.assignee = "\udcff"
    with pytest.raises(traitlets.TraitError, match="search filter is 1001 characters"):
        board.search = "s" * 1001
    assert board.tenant == board.assignee == board.search == ""
    # From the page: cut to the limit, and the page is told the value Python kept.
    board._handle_msg({"content": {"data": {"method": "update",
                                            "state": {"tenant": "t" * 5000 + "\udcff"}}},
                       "buffers": []})
    assert board.tenant == "t" * 200
    assert {"tenant": "t" * 200} in wire.states()
    card = wire.request("create", title="stamped", column="todo")["result"]["card"]
    assert card["tenant"] == "t" * 200


# -- a board locked by another process (issue #10 item 11) ------------------------------------

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@pytest.mark.parametrize("request_", [
    pytest.param(lambda s, b: ("move", {"task_id": s, "status": "done"}), id="move"),
    pytest.param(lambda s, b: ("create", {"title": "new", "column": "todo"}), id="create"),
    pytest.param(lambda s, b: ("bulk", {"task_ids": [s, b] * 500, "action": "priority",
                                        "value": 4}), id="bulk-1000"),
])
def test_a_held_write_lock_is_answered_board_busy_quickly(seeded, make_board, request_):
    path, spec, build = seeded
    board, wire = make_board(path, live=False)
    type_, fields = request_(spec, build)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = dump(path)
        started = time.monotonic()
        reply = wire.request(type_, **fields)
        assert time.monotonic() - started < 2
        assert reply["ok"] is False and reply["code"] == "BoardBusy"
        assert "another process is writing" in reply["error"] and "try again" in reply["error"]
        assert dump(path) == before
    finally:
        holder.communicate("", timeout=30)
    assert wire.request(type_, **fields)["ok"] is True
    # Python's own calls still wait the store's full busy timeout.
    assert board.store._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_a_dispatch_spawn_may_use_the_store_from_another_thread(seeded, make_board):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    path, spec, build = seeded
    pool = ThreadPoolExecutor(1)

    def spawn(task):
        # A worker started in a thread that writes before spawn returns: this deadlocks if the
        # page's request held the store's lock across the spawn call.
        pool.submit(board.store.add_comment, task.id, "worker", "started").result(timeout=10)

    board, wire = make_board(path, live=False, dispatcher=spawn)
    replies = []
    answered = threading.Thread(target=lambda: replies.append(wire.request("dispatch")),
                                daemon=True)
    answered.start()
    answered.join(timeout=5)
    assert not answered.is_alive(), "the dispatch request is stuck on the store's lock"
    pool.shutdown()
    assert replies[0]["result"]["spawned"] == [spec]
    assert [c.body for c in board.store.list_comments(spec)] == ["started"]
