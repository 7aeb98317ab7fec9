"""move_task (a drag on the board), every row of STORE.md's moves table, and Hermes' verbs."""

from __future__ import annotations

import os
import socket

import pytest

from kanban_widget.store import (
    STATUSES, InvalidTransition, TaskNotFound, TaskRunning, ValidationError)

from .helpers import raw

ALL = STATUSES + ("waiting",)  # "waiting": a status some other version wrote


def in_status(store, status, title=None, **kwargs) -> str:
    """A new task put into ``status`` the way the board would (plain SQL for unknown ones)."""
    task_id = store.create_task(title or f"in {status}", **kwargs)
    if status == "running":
        assert store.claim_task(task_id)
    elif status not in STATUSES:
        store._conn.execute("UPDATE tasks SET status = ? WHERE id = ?", (status, task_id))
    elif status != "ready":
        store.move_task(task_id, status)
    assert store.get_task(task_id).status == status
    return task_id


def last_event(store, task_id):
    event = store.list_events(task_id)[-1]
    return event.kind, event.payload


def test_in_status_helper_covers_every_status(fresh_store):
    assert {fresh_store.get_task(in_status(fresh_store, s)).status for s in ALL} == set(ALL)


# -- done --------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [s for s in ALL if s not in ("done", "archived")])
def test_done_from_any_open_status(fresh_store, clock, source):
    task_id = in_status(fresh_store, source)
    clock.advance(60)
    task = fresh_store.move_task(task_id, "done", result="shipped v2")
    assert (task.status, task.result, task.completed_at) == ("done", "shipped v2", int(clock()))
    assert task.claim_lock is task.claim_expires is task.worker_pid is None
    assert last_event(fresh_store, task_id) == ("completed", {"result_len": 10})


def test_done_without_result(fresh_store):
    task_id = fresh_store.create_task("x")
    assert fresh_store.move_task(task_id, "done").result is None
    assert last_event(fresh_store, task_id) == ("completed", {"result_len": 0})


def test_done_refused_from_archived(fresh_store):
    task_id = in_status(fresh_store, "archived")
    with pytest.raises(InvalidTransition, match=f"{task_id} is archived; move it back"):
        fresh_store.move_task(task_id, "done")
    assert fresh_store.get_task(task_id).status == "archived"


def test_done_re_evaluates_children(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.move_task(parent, "done")
    assert fresh_store.get_task(child).status == "ready"
    assert last_event(fresh_store, child) == ("promoted", None)


# -- ready -------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [s for s in ALL if s != "ready"])
def test_ready_with_parents_done(fresh_store, source):
    task_id = in_status(fresh_store, source)
    task = fresh_store.move_task(task_id, "ready")
    assert task.status == "ready" and task.claim_lock is None and task.claim_expires is None
    expected = ("unblocked", None) if source == "blocked" else ("status", {"status": "ready"})
    assert last_event(fresh_store, task_id) == expected


@pytest.mark.parametrize("source", ["todo", "blocked", "triage", "done", "archived"])
def test_ready_names_the_open_parent(fresh_store, source):
    done = fresh_store.create_task("finished")
    fresh_store.move_task(done, "done")
    parent = in_status(fresh_store, "review", title="Design review")
    child = fresh_store.create_task("child", parents=[done, parent])
    if source != "todo":
        fresh_store.move_task(child, source)
    with pytest.raises(InvalidTransition, match=(
            f"cannot move {child} to ready: it waits for parent {parent} "
            r"\('Design review', status review\)")):
        fresh_store.move_task(child, "ready")
    assert fresh_store.get_task(child).status == source


def test_ready_names_the_oldest_open_parent(fresh_store, clock):
    first = fresh_store.create_task("first")
    clock.advance(1)
    second = fresh_store.create_task("second")
    child = fresh_store.create_task("child", parents=[second, first])
    with pytest.raises(InvalidTransition, match=f"parent {first} "):
        fresh_store.move_task(child, "ready")


def test_ready_from_running_releases_the_claim(fresh_store):
    task_id = in_status(fresh_store, "running")
    task = fresh_store.move_task(task_id, "ready")
    assert task.claim_lock is None and task.status == "ready"
    assert fresh_store.claim_task(task_id, claimer="w:2").claim_lock == "w:2"


# -- running -----------------------------------------------------------------------------------


def test_running_claims_for_this_process(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    task = fresh_store.move_task(task_id, "running", ttl_seconds=120)
    lock = f"{socket.gethostname()}:{os.getpid()}"
    now = int(clock())
    assert (task.status, task.claim_lock, task.claim_expires, task.started_at) == (
        "running", lock, now + 120, now)
    assert last_event(fresh_store, task_id) == ("claimed", {"lock": lock, "expires": now + 120})


def test_running_default_ttl(fresh_store, clock):
    task = fresh_store.move_task(fresh_store.create_task("x"), "running")
    assert task.claim_expires == int(clock()) + 900


@pytest.mark.parametrize("source", [s for s in ALL if s not in ("ready", "running")])
def test_running_only_from_ready(fresh_store, source):
    task_id = in_status(fresh_store, source)
    with pytest.raises(InvalidTransition, match=(
            f"{task_id} is {source}; only a ready task can start running")):
        fresh_store.move_task(task_id, "running")
    assert fresh_store.get_task(task_id).status == source


# -- blocked -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["ready", "running", "todo", "review", "scheduled"])
def test_blocked_from_the_listed_statuses(fresh_store, source):
    task_id = in_status(fresh_store, source)
    task = fresh_store.move_task(task_id, "blocked", reason="waiting on legal")
    assert task.status == "blocked" and task.claim_lock is None
    assert last_event(fresh_store, task_id) == ("blocked", {"reason": "waiting on legal"})


def test_blocked_without_reason(fresh_store):
    task_id = fresh_store.create_task("x")
    fresh_store.move_task(task_id, "blocked")
    assert last_event(fresh_store, task_id) == ("blocked", {"reason": None})


@pytest.mark.parametrize("source", ["triage", "done", "archived", "waiting"])
def test_blocked_refused_elsewhere(fresh_store, source):
    task_id = in_status(fresh_store, source)
    with pytest.raises(InvalidTransition, match=(
            f"{task_id} is {source}; only ready, running, todo, review, scheduled tasks can be "
            "blocked")):
        fresh_store.move_task(task_id, "blocked")


# -- direct moves and archive ------------------------------------------------------------------


@pytest.mark.parametrize("source, target", [
    (source, target) for target in ("todo", "triage", "scheduled", "review")
    for source in ALL if source != target])
def test_direct_moves(fresh_store, source, target):
    task_id = in_status(fresh_store, source)
    task = fresh_store.move_task(task_id, target)
    assert task.status == target and task.claim_lock is None and task.claim_expires is None
    assert last_event(fresh_store, task_id) == ("status", {"status": target})


@pytest.mark.parametrize("source", [s for s in ALL if s != "archived"])
def test_archive_from_anything(fresh_store, source):
    task_id = in_status(fresh_store, source)
    task = fresh_store.move_task(task_id, "archived")
    assert task.status == "archived" and task.claim_lock is None and task.worker_pid is None
    assert last_event(fresh_store, task_id) == ("archived", None)


# -- no-ops and refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_same_status_is_a_no_op(fresh_store, status):
    task_id = in_status(fresh_store, status)
    events, changes = len(fresh_store.list_events()), fresh_store._conn.total_changes
    before = fresh_store.get_task(task_id)
    assert fresh_store.move_task(task_id, status) == before
    assert len(fresh_store.list_events()) == events
    assert fresh_store._conn.total_changes == changes


@pytest.mark.parametrize("status", ["waiting", "Done", "", None, "in progress"])
def test_unknown_target_status(fresh_store, status):
    task_id = fresh_store.create_task("x")
    with pytest.raises(ValidationError, match="unknown status"):
        fresh_store.move_task(task_id, status)


@pytest.mark.parametrize("status", ["done", "ready", "todo", "archived"])
def test_unknown_task(fresh_store, store_path, status):
    with pytest.raises(TaskNotFound, match=f"no task 't_missing' on {store_path}"):
        fresh_store.move_task("t_missing", status)


def test_task_not_found_is_a_lookup_error(fresh_store):
    with pytest.raises(LookupError):
        fresh_store.move_task("t_missing", "done")


# -- leaving done ------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["todo", "ready", "triage", "scheduled", "review"])
def test_leaving_done_keeps_completion_and_demotes_ready_children(fresh_store, clock, target):
    parent = fresh_store.create_task("parent")
    ready_child = fresh_store.create_task("ready child", parents=[parent])
    running_child = fresh_store.create_task("running child", parents=[parent])
    todo_child = fresh_store.create_task("todo child", parents=[parent, fresh_store.create_task("o")])
    fresh_store.move_task(parent, "done", result="v1")
    fresh_store.claim_task(running_child)
    completed_at = fresh_store.get_task(parent).completed_at
    clock.advance(100)
    task = fresh_store.move_task(parent, target)
    assert (task.status, task.completed_at, task.result) == (target, completed_at, "v1")
    assert fresh_store.get_task(ready_child).status == "todo"
    assert last_event(fresh_store, ready_child) == ("status", {"status": "todo"})
    assert fresh_store.get_task(running_child).status == "running"
    assert fresh_store.get_task(todo_child).status == "todo"
    assert [e.kind for e in fresh_store.list_events(todo_child)] == ["created"]


def test_unarchiving_an_open_parent_demotes(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.move_task(parent, "archived")
    assert fresh_store.get_task(child).status == "ready"
    fresh_store.move_task(parent, "todo")
    assert fresh_store.get_task(child).status == "todo"


def test_done_to_archived_leaves_children_alone(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.move_task(parent, "done")
    fresh_store.move_task(parent, "archived")
    assert fresh_store.get_task(child).status == "ready"
    assert [e.kind for e in fresh_store.list_events(child)] == ["created", "promoted"]


# -- Hermes' verbs -----------------------------------------------------------------------------


@pytest.mark.parametrize("verb, true_from", [
    ("complete_task", {"running", "ready", "blocked"}),
    ("block_task", {"running", "ready"}),
    ("unblock_task", {"blocked"}),
    ("archive_task", set(ALL) - {"archived"}),
])
@pytest.mark.parametrize("source", ALL)
def test_hermes_verbs_return_bools(fresh_store, verb, true_from, source):
    task_id = in_status(fresh_store, source)
    events = len(fresh_store.list_events(task_id))
    assert getattr(fresh_store, verb)(task_id) is (source in true_from)
    if source not in true_from:
        assert fresh_store.get_task(task_id).status == source
        assert len(fresh_store.list_events(task_id)) == events
    else:
        assert fresh_store.get_task(task_id).claim_lock is None


@pytest.mark.parametrize("verb", ["complete_task", "block_task", "unblock_task", "archive_task"])
def test_hermes_verbs_false_for_unknown_task(fresh_store, verb):
    assert getattr(fresh_store, verb)("t_missing") is False


def test_verb_events_and_payloads(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    fresh_store.block_task(task_id, reason="flaky CI")
    assert last_event(fresh_store, task_id) == ("blocked", {"reason": "flaky CI"})
    fresh_store.unblock_task(task_id)
    assert last_event(fresh_store, task_id) == ("unblocked", None)
    assert fresh_store.get_task(task_id).status == "ready"
    clock.advance(5)
    fresh_store.complete_task(task_id, result="green")
    task = fresh_store.get_task(task_id)
    assert (task.result, task.completed_at) == ("green", int(clock()))
    assert last_event(fresh_store, task_id) == ("completed", {"result_len": 5})
    fresh_store.archive_task(task_id)
    assert last_event(fresh_store, task_id) == ("archived", None)


def test_unblock_with_open_parent_goes_to_todo(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.move_task(child, "blocked")
    assert fresh_store.unblock_task(child) is True
    assert fresh_store.get_task(child).status == "todo"
    assert last_event(fresh_store, child) == ("status", {"status": "todo"})
    fresh_store.complete_task(parent)
    assert fresh_store.get_task(child).status == "ready"


def test_complete_promotes_children(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    assert fresh_store.complete_task(parent)
    assert fresh_store.get_task(child).status == "ready"


def test_archive_promotes_children(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    assert fresh_store.archive_task(parent)
    assert fresh_store.get_task(child).status == "ready"


def test_assign(fresh_store):
    task_id = fresh_store.create_task("x")
    assert fresh_store.assign_task(task_id, "alice") is True
    assert fresh_store.get_task(task_id).assignee == "alice"
    assert last_event(fresh_store, task_id) == ("assigned", {"assignee": "alice"})
    assert fresh_store.assign_task(task_id, None) is True
    assert fresh_store.get_task(task_id).assignee is None
    assert last_event(fresh_store, task_id) == ("assigned", {"assignee": None})
    assert fresh_store.assign_task("t_missing", "bob") is False


def test_assign_refused_on_claimed_running_task(fresh_store):
    task_id = in_status(fresh_store, "running", assignee="alice")
    with pytest.raises(TaskRunning, match=f"cannot reassign {task_id}: currently running"):
        fresh_store.assign_task(task_id, "bob")
    with pytest.raises(RuntimeError, match="currently running"):
        fresh_store.update_task(task_id, assignee="bob")
    assert fresh_store.get_task(task_id).assignee == "alice"
    fresh_store.move_task(task_id, "blocked")
    assert fresh_store.assign_task(task_id, "bob")


def test_assign_allowed_on_unclaimed_running_task(fresh_store, store_path):
    task_id = fresh_store.create_task("x")
    fresh_store._conn.execute("UPDATE tasks SET status = 'running' WHERE id = ?", (task_id,))
    assert fresh_store.assign_task(task_id, "bob") is True


# -- update_task -------------------------------------------------------------------------------


def test_update_writes_one_event_per_kind_of_change(fresh_store):
    task_id = fresh_store.create_task("x", body="b", tenant="t1")
    task = fresh_store.update_task(task_id, title="y", body="c", tenant="t2", assignee="al",
                                   priority=4)
    assert (task.title, task.body, task.tenant, task.assignee, task.priority) == (
        "y", "c", "t2", "al", 4)
    assert [(e.kind, e.payload) for e in fresh_store.list_events(task_id)[1:]] == [
        ("edited", {"fields": ["title", "body", "tenant"]}),
        ("assigned", {"assignee": "al"}),
        ("reprioritized", {"priority": 4}),
    ]


def test_update_with_unchanged_values_writes_nothing(fresh_store):
    task_id = fresh_store.create_task("x", assignee="al", priority=2)
    changes = fresh_store._conn.total_changes
    task = fresh_store.update_task(task_id, title=" x ", assignee="al", priority=2, tenant=None)
    assert task.title == "x" and fresh_store._conn.total_changes == changes


@pytest.mark.parametrize("fields, error, message", [
    ({"title": "new", "priority": "high"}, ValidationError, "priority must be a whole number"),
    ({"priority": 3, "title": "  "}, ValidationError, "title is required"),
    ({"body": "new", "title": None}, ValidationError, "title is required"),
    ({"tenant": "t9", "priority": 1.5}, ValidationError, "priority must be a whole number"),
])
def test_update_is_all_or_nothing(fresh_store, store_path, fields, error, message):
    task_id = fresh_store.create_task("old", body="b")
    before = raw(store_path, "SELECT * FROM tasks")
    with pytest.raises(error, match=message):
        fresh_store.update_task(task_id, **fields)
    assert raw(store_path, "SELECT * FROM tasks") == before
    assert len(fresh_store.list_events(task_id)) == 1


def test_update_running_task_fields_but_assignee_is_atomic(fresh_store, store_path):
    task_id = in_status(fresh_store, "running", assignee="al")
    before = raw(store_path, "SELECT * FROM tasks")
    with pytest.raises(TaskRunning):
        fresh_store.update_task(task_id, title="new title", assignee="bob")
    assert raw(store_path, "SELECT * FROM tasks") == before
    assert fresh_store.update_task(task_id, title="new title").title == "new title"


def test_update_unknown_task(fresh_store):
    with pytest.raises(TaskNotFound, match="t_missing"):
        fresh_store.update_task("t_missing", title="x")


def test_update_clears_assignee_and_tenant(fresh_store):
    task_id = fresh_store.create_task("x", assignee="al", tenant="t")
    task = fresh_store.update_task(task_id, assignee=None, tenant="")
    assert task.assignee is None and task.tenant is None


def test_a_ready_task_left_with_a_claim_is_not_claimed_again(fresh_store):
    """Hermes v1 could leave a claim on a task it moved (archive kept claim_lock); a ready
    task still holding someone's claim is not taken over by a drag or by dispatch."""
    task_id = fresh_store.create_task("x", assignee="a")
    fresh_store._conn.execute("UPDATE tasks SET claim_lock = 'other:1' WHERE id = ?", (task_id,))
    with pytest.raises(InvalidTransition, match=f"{task_id} is already claimed by other:1"):
        fresh_store.move_task(task_id, "running")
    plan = fresh_store.dispatch_once(lambda task: 1, dry_run=True)
    real = fresh_store.dispatch_once(lambda task: 1)
    assert plan.spawned == real.spawned == []
    assert fresh_store.move_task(task_id, "todo").claim_lock is None  # any move clears it
