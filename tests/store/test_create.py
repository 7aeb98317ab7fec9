"""Creating tasks: ids, starting status, validation, idempotency, the created event."""

from __future__ import annotations

import re

import pytest

from kanban_widget.store import ValidationError
from kanban_widget.store.transaction import Transaction

from .helpers import dump, raw, raw_events


def test_parentless_task_is_ready(fresh_store):
    task_id = fresh_store.create_task("write spec", assignee="alice", body="details")
    task = fresh_store.get_task(task_id)
    assert (task.status, task.assignee, task.body, task.workspace_kind) == (
        "ready", "alice", "details", "scratch")
    assert task.created_at == int(fresh_store._clock())
    assert task.started_at is task.completed_at is task.claim_lock is None


def test_ids_are_t_and_eight_hex(fresh_store):
    ids = {fresh_store.create_task(f"task {n}") for n in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"t_[0-9a-f]{8}", i) for i in ids)


def test_id_collision_is_regenerated(fresh_store, monkeypatch):
    first = fresh_store.create_task("first")
    tokens = iter([first[2:], first[2:], "0badcafe"])
    monkeypatch.setattr("kanban_widget.store.tasks.secrets.token_hex", lambda n: next(tokens))
    assert fresh_store.create_task("second") == "t_0badcafe"


@pytest.mark.parametrize("parent_statuses, expected", [
    (["todo"], "todo"),
    (["ready"], "todo"),
    (["running"], "todo"),
    (["blocked"], "todo"),
    (["triage"], "todo"),
    (["done"], "ready"),
    (["archived"], "ready"),
    (["done", "archived"], "ready"),
    (["done", "todo"], "todo"),
    (["archived", "blocked"], "todo"),
])
def test_starting_status_follows_parents(fresh_store, parent_statuses, expected):
    parents = []
    for status in parent_statuses:
        parent = fresh_store.create_task(f"parent {status}")
        if status == "running":
            fresh_store.claim_task(parent)
        elif status != "ready":
            fresh_store.move_task(parent, status)
        parents.append(parent)
    child = fresh_store.create_task("child", parents=parents)
    assert fresh_store.get_task(child).status == expected
    assert fresh_store.parents_of(child) == sorted(parents)


@pytest.mark.parametrize("parent_status", [None, "todo", "done"])
def test_triage_flag_wins(fresh_store, parent_status):
    parents = []
    if parent_status:
        parent = fresh_store.create_task("p")
        fresh_store.move_task(parent, parent_status)
        parents = [parent]
    task_id = fresh_store.create_task("idea", triage=True, parents=parents)
    assert fresh_store.get_task(task_id).status == "triage"


def test_unknown_parents_are_named_and_nothing_is_written(fresh_store):
    known = fresh_store.create_task("known")
    changes = fresh_store._conn.total_changes
    with pytest.raises(ValidationError, match=r"unknown parent task\(s\): t_nope1, t_nope2"):
        fresh_store.create_task("child", parents=[known, "t_nope1", "t_nope2"])
    with pytest.raises(ValidationError, match="unknown parent"):
        fresh_store.create_task("idea", parents=["t_nope1"], triage=True)
    assert fresh_store._conn.total_changes == changes
    assert len(fresh_store.list_tasks()) == 1


@pytest.mark.parametrize("title", ["", "   ", "\n\t", None, 42])
def test_blank_title_is_refused(fresh_store, title):
    with pytest.raises(ValidationError, match="title is required"):
        fresh_store.create_task(title)
    assert fresh_store.list_tasks() == []


def test_title_is_stripped_body_kept(fresh_store):
    task = fresh_store.get_task(fresh_store.create_task("  spaced  ", body="  body \n"))
    assert (task.title, task.body) == ("spaced", "  body \n")


@pytest.mark.parametrize("priority, message", [
    ("high", "priority must be a whole number, not 'high'"),
    (1.5, "priority must be a whole number, not 1.5"),
    (True, "priority must be a whole number, not True"),
    (None, "priority must be a whole number, not None"),
])
def test_bad_priority_is_refused(fresh_store, priority, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        fresh_store.create_task("x", priority=priority)


@pytest.mark.parametrize("priority, stored", [(5, 5), (-2, -2), ("7", 7), ("-3", -3)])
def test_priority_accepts_whole_numbers(fresh_store, priority, stored):
    assert fresh_store.get_task(fresh_store.create_task("x", priority=priority)).priority == stored


def test_bad_workspace_kind(fresh_store):
    with pytest.raises(ValidationError, match="workspace_kind must be one of scratch, worktree, dir"):
        fresh_store.create_task("x", workspace_kind="cloud")
    task_id = fresh_store.create_task("x", workspace_kind="dir", workspace_path="/tmp/w")
    task = fresh_store.get_task(task_id)
    assert (task.workspace_kind, task.workspace_path) == ("dir", "/tmp/w")


def test_falsy_and_repeated_parents(fresh_store):
    parent = fresh_store.create_task("p")
    child = fresh_store.create_task("c", parents=[parent, "", None, parent])
    assert fresh_store.parents_of(child) == [parent]
    assert fresh_store.list_events(child)[0].payload["parents"] == [parent]


def test_created_event_payload(fresh_store, store_path):
    parent = fresh_store.create_task("p", tenant="acme")
    child = fresh_store.create_task("c", assignee="bob", parents=[parent], tenant="acme")
    assert raw_events(store_path, child) == [(child, "created", {
        "assignee": "bob", "status": "todo", "parents": [parent], "tenant": "acme",
        "priority": 0})]
    assert raw_events(store_path, parent)[0][2] == {
        "assignee": None, "status": "ready", "parents": [], "tenant": "acme", "priority": 0}


def test_idempotency_key_returns_the_live_task(fresh_store, store_path):
    first = fresh_store.create_task("deploy", idempotency_key="k1")
    changes = fresh_store._conn.total_changes
    assert fresh_store.create_task("deploy again", idempotency_key="k1") == first
    assert fresh_store._conn.total_changes == changes
    assert raw(store_path, "SELECT COUNT(*) FROM tasks") == [(1,)]
    assert len(raw_events(store_path)) == 1
    assert fresh_store.create_task("other", idempotency_key="k2") != first


def test_idempotency_key_of_archived_task_makes_a_new_one(fresh_store):
    first = fresh_store.create_task("deploy", idempotency_key="k1")
    fresh_store.archive_task(first)
    second = fresh_store.create_task("deploy", idempotency_key="k1")
    assert second != first
    assert fresh_store.get_task(second).idempotency_key == "k1"


def test_task_links_and_event_are_one_transaction(fresh_store, store_path, monkeypatch):
    parent = fresh_store.create_task("p")
    before = dump(store_path)

    def broken_event(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Transaction, "event", broken_event)
    with pytest.raises(RuntimeError, match="disk on fire"):
        fresh_store.create_task("c", parents=[parent])
    assert dump(store_path) == before
    assert not fresh_store._conn.in_transaction


def test_a_single_parent_id_may_be_given_as_a_string(fresh_store):
    parent = fresh_store.create_task("p")
    child = fresh_store.create_task("c", parents=parent)
    assert fresh_store.parents_of(child) == [parent]
    with pytest.raises(ValidationError, match=r"unknown parent task\(s\): t_nope$"):
        fresh_store.create_task("c", parents="t_nope")
