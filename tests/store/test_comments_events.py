"""Comments and the event log: payloads, names, order and the live cursor."""

from __future__ import annotations

import sqlite3

import pytest

from kanban_widget.store import EVENT_ALIASES, TaskNotFound, ValidationError

from .helpers import raw, raw_events


def test_comment_is_stored_stripped_and_returns_its_id(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    comment_id = fresh_store.add_comment(task_id, " alice ", "  looks good \n")
    (comment,) = fresh_store.list_comments(task_id)
    assert (comment.id, comment.task_id, comment.author, comment.body, comment.created_at) == (
        comment_id, task_id, "alice", "looks good", int(clock()))
    # Hermes' payload: the author as passed and the length of the unstripped body
    assert fresh_store.list_events(task_id)[-1].payload == {"author": " alice ", "len": 14}


@pytest.mark.parametrize("author, body, message", [
    ("alice", "", "comment body is required"),
    ("alice", "   \n", "comment body is required"),
    ("alice", None, "comment body is required"),
    ("", "hello", "comment author is required"),
    ("  ", "hello", "comment author is required"),
    (None, "hello", "comment author is required"),
])
def test_blank_comment_parts_are_refused(fresh_store, author, body, message):
    task_id = fresh_store.create_task("x")
    with pytest.raises(ValidationError, match=message):
        fresh_store.add_comment(task_id, author, body)
    assert fresh_store.list_comments(task_id) == []
    assert [e.kind for e in fresh_store.list_events(task_id)] == ["created"]


def test_comment_on_unknown_task(fresh_store, store_path):
    with pytest.raises(TaskNotFound, match="t_missing"):
        fresh_store.add_comment("t_missing", "a", "b")
    assert raw(store_path, "SELECT COUNT(*) FROM task_comments") == [(0,)]


def test_comments_in_order(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    for n in range(5):
        fresh_store.add_comment(task_id, f"user{n}", f"comment {n}")
        clock.advance(n % 2)
    assert [c.body for c in fresh_store.list_comments(task_id)] == [f"comment {n}" for n in range(5)]
    assert fresh_store.list_comments("t_missing") == []


def test_lifecycle_events_with_hermes_payloads(fresh_store, store_path, clock):
    """Every verb writes Hermes' kind and payload, read straight from the table."""
    parent = fresh_store.create_task("parent", assignee="a", tenant="acme")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.assign_task(parent, "b")
    fresh_store.update_task(parent, title="renamed", priority=3)
    fresh_store.add_comment(parent, "a", "hi")
    claimed = fresh_store.claim_task(parent, claimer="host:1", ttl_seconds=60)
    fresh_store.complete_task(parent, result="done!")
    fresh_store.block_task(child, reason="why")
    fresh_store.unblock_task(child)
    fresh_store.archive_task(child)
    other = fresh_store.create_task("other")
    fresh_store.move_task(other, "review")
    fresh_store.link_tasks(other, parent)
    fresh_store.unlink_tasks(other, parent)
    expires = claimed.claim_expires
    assert [(k, p) for _, k, p in raw_events(store_path, parent)] == [
        ("created", {"assignee": "a", "status": "ready", "parents": [], "tenant": "acme",
                     "priority": 0}),
        ("assigned", {"assignee": "b"}),
        ("edited", {"fields": ["title"]}),
        ("reprioritized", {"priority": 3}),
        ("commented", {"author": "a", "len": 2}),
        ("claimed", {"lock": "host:1", "expires": expires}),
        ("completed", {"result_len": 5}),
        ("linked", {"parent": other, "child": parent}),
        ("unlinked", {"parent": other, "child": parent}),
    ]
    assert [(k, p) for _, k, p in raw_events(store_path, child)] == [
        ("created", {"assignee": None, "status": "todo", "parents": [parent], "tenant": None,
                     "priority": 0}),
        ("promoted", None), ("blocked", {"reason": "why"}), ("unblocked", None), ("archived", None)]
    assert raw_events(store_path, other)[-1][1:] == ("status", {"status": "review"})


def test_empty_payload_is_stored_as_null(fresh_store, store_path):
    task_id = fresh_store.create_task("x")
    fresh_store.archive_task(task_id)
    assert raw(store_path, "SELECT payload FROM task_events WHERE kind = 'archived'") == [(None,)]


def test_event_timestamps_are_integer_seconds(fresh_store, clock):
    clock.now = 1_700_000_000.9
    task_id = fresh_store.create_task("x")
    assert fresh_store.list_events(task_id)[0].created_at == 1_700_000_000
    assert isinstance(fresh_store.get_task(task_id).created_at, int)


def test_list_events_of_board_and_task(fresh_store):
    a, b = fresh_store.create_task("a"), fresh_store.create_task("b")
    fresh_store.add_comment(a, "x", "y")
    assert [(e.task_id, e.kind) for e in fresh_store.list_events()] == [
        (a, "created"), (b, "created"), (a, "commented")]
    assert [e.kind for e in fresh_store.list_events(a)] == ["created", "commented"]
    assert fresh_store.list_events("t_missing") == []


def test_events_since_is_the_live_feed(fresh_store):
    ids = [fresh_store.create_task(f"t{n}") for n in range(5)]
    events = fresh_store.events_since(0)
    assert [e.task_id for e in events] == ids
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert [e.task_id for e in fresh_store.events_since(events[1].id)] == ids[2:]
    assert [e.task_id for e in fresh_store.events_since(events[1].id, limit=2)] == ids[2:4]
    assert fresh_store.events_since(events[-1].id) == []
    assert fresh_store.board().cursor == events[-1].id


@pytest.mark.parametrize("old, new", sorted(EVENT_ALIASES.items()))
def test_old_kinds_are_read_under_new_names(fresh_store, store_path, old, new):
    task_id = fresh_store.create_task("x")
    conn = sqlite3.connect(store_path)
    conn.execute("INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, 1)",
                 (task_id, old, '{"priority": 1}'))
    conn.commit()
    conn.close()
    assert fresh_store.list_events(task_id)[0].kind == new  # created_at 1 sorts first
    assert fresh_store.list_events()[0].kind == new
    assert fresh_store.events_since(0)[-1].kind == new
    assert raw(store_path, "SELECT kind FROM task_events WHERE created_at = 1") == [(old,)]


def test_payload_oddities_are_tolerated(fresh_store, store_path):
    task_id = fresh_store.create_task("x")
    conn = sqlite3.connect(store_path)
    conn.executemany("INSERT INTO task_events (task_id, kind, payload, created_at) VALUES (?, ?, ?, 9)",
                     [(task_id, "status", "{broken"), (task_id, "status", "[1, 2]"),
                      (task_id, "status", "")])
    conn.commit()
    conn.close()
    assert [e.payload for e in fresh_store.events_since(0)[1:]] == [
        None, {"value": [1, 2]}, None]


def test_unicode_payloads_are_stored_readably(fresh_store, store_path):
    task_id = fresh_store.create_task("x")
    fresh_store.add_comment(task_id, "Zoë", "ça marche")
    assert "Zoë" in raw(store_path, "SELECT payload FROM task_events WHERE kind='commented'")[0][0]


def test_records_turn_into_json(fresh_store):
    """What the widget and the CLI send: every record's to_dict is plain JSON."""
    import json

    parent = fresh_store.create_task("p", assignee="a")
    fresh_store.create_task("c", parents=[parent])
    fresh_store.add_comment(parent, "a", "b")
    records = [fresh_store.get_task(parent).to_dict(),
               fresh_store.list_comments(parent)[0].to_dict(),
               fresh_store.list_events(parent)[0].to_dict(),
               fresh_store.dispatch_once(lambda task: 7).to_dict(),
               fresh_store.board().cards]
    assert json.loads(json.dumps(records)) == records
    assert records[2]["payload"]["assignee"] == "a" and records[3]["spawned"] == [parent]


def test_reads_inside_a_write_see_it(fresh_store):
    with fresh_store.atomic():
        task_id = fresh_store.create_task("pending")
        assert fresh_store.board().card(task_id)["title"] == "pending"
        assert fresh_store.list_events(task_id)[0].kind == "created"
    assert fresh_store.get_task(task_id) is not None
