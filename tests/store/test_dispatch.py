"""dispatch_once: reclaim, promote, then hand ready assigned tasks to a Python spawn."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from kanban_widget.store import Store

from .helpers import dump, sha256


class Spawner:
    """A spawn callable that records what it was given and returns pids (or raises)."""

    def __init__(self, fail=(), pid=4242):
        self.calls: list = []
        self.fail = set(fail)
        self.pid = pid

    def __call__(self, task):
        self.calls.append(task)
        if task.title in self.fail or "*" in self.fail:
            raise OSError(f"cannot start worker for {task.title}")
        return self.pid


def test_spawns_ready_assigned_tasks_in_priority_order(fresh_store, clock):
    low = fresh_store.create_task("low", assignee="a", priority=1)
    high = fresh_store.create_task("high", assignee="a", priority=5)
    clock.advance(1)
    high_later = fresh_store.create_task("high later", assignee="b", priority=5)
    spawn = Spawner()
    result = fresh_store.dispatch_once(spawn)
    assert result.spawned == [high, high_later, low]
    assert [t.id for t in spawn.calls] == [high, high_later, low]
    assert all(t.status == "running" for t in spawn.calls)
    lock = f"{socket.gethostname()}:{os.getpid()}"
    for task_id in (high, high_later, low):
        task = fresh_store.get_task(task_id)
        assert (task.status, task.claim_lock, task.worker_pid) == ("running", lock, 4242)
        assert [(e.kind, e.payload) for e in fresh_store.list_events(task_id)][-1] == (
            "spawned", {"pid": 4242})
    assert not result.dry_run


def test_max_spawn(fresh_store):
    ids = [fresh_store.create_task(f"t{n}", assignee="a", priority=-n) for n in range(4)]
    result = fresh_store.dispatch_once(Spawner(), max_spawn=2)
    assert result.spawned == ids[:2]
    assert [fresh_store.get_task(t).status for t in ids] == ["running", "running", "ready", "ready"]
    assert fresh_store.dispatch_once(Spawner(), max_spawn=0).spawned == []


def test_failures_do_not_use_up_max_spawn(fresh_store):
    bad = fresh_store.create_task("bad", assignee="a", priority=2)
    good = fresh_store.create_task("good", assignee="a", priority=1)
    result = fresh_store.dispatch_once(Spawner(fail={"bad"}), max_spawn=1)
    assert (result.failed, result.spawned) == ([bad], [good])


def test_unassigned_tasks_are_skipped(fresh_store):
    nobody = fresh_store.create_task("nobody", priority=9)
    someone = fresh_store.create_task("someone", assignee="a")
    spawn = Spawner()
    result = fresh_store.dispatch_once(spawn)
    assert (result.skipped_unassigned, result.spawned) == ([nobody], [someone])
    assert fresh_store.get_task(nobody).status == "ready"
    assert [t.id for t in spawn.calls] == [someone]


def test_failures_are_counted_until_the_task_is_given_up(fresh_store):
    task_id = fresh_store.create_task("flaky", assignee="a")
    spawn = Spawner(fail={"flaky"})
    for attempt in (1, 2):
        result = fresh_store.dispatch_once(spawn, failure_limit=3)
        assert (result.failed, result.auto_blocked) == ([task_id], [])
        task = fresh_store.get_task(task_id)
        assert (task.status, task.claim_lock, task.spawn_failures) == ("ready", None, attempt)
        assert task.last_spawn_error == "OSError: cannot start worker for flaky"
        assert fresh_store.list_events(task_id)[-1].payload == {
            "error": "OSError: cannot start worker for flaky", "failures": attempt}
    result = fresh_store.dispatch_once(spawn, failure_limit=3)
    assert (result.failed, result.auto_blocked) == ([], [task_id])
    task = fresh_store.get_task(task_id)
    assert (task.status, task.spawn_failures) == ("blocked", 3)
    event = fresh_store.list_events(task_id)[-1]
    assert (event.kind, event.payload) == (
        "gave_up", {"failures": 3, "error": "OSError: cannot start worker for flaky"})
    assert fresh_store.dispatch_once(spawn).spawned == []
    assert len(spawn.calls) == 3


def test_default_failure_limit_is_five(fresh_store):
    task_id = fresh_store.create_task("flaky", assignee="a")
    for _ in range(4):
        assert fresh_store.dispatch_once(Spawner(fail="*")).failed == [task_id]
    assert fresh_store.dispatch_once(Spawner(fail="*")).auto_blocked == [task_id]


def test_a_success_resets_the_failure_count(fresh_store):
    task_id = fresh_store.create_task("flaky", assignee="a")
    fresh_store.dispatch_once(Spawner(fail="*"), failure_limit=2)
    fresh_store.dispatch_once(Spawner())
    task = fresh_store.get_task(task_id)
    assert (task.spawn_failures, task.last_spawn_error) == (0, None)
    fresh_store.move_task(task_id, "ready")
    assert fresh_store.dispatch_once(Spawner(fail="*"), failure_limit=2).failed == [task_id]


def test_long_errors_are_cut(fresh_store):
    task_id = fresh_store.create_task("x", assignee="a")

    def spawn(task):
        raise RuntimeError("e" * 2000)

    fresh_store.dispatch_once(spawn)
    assert len(fresh_store.get_task(task_id).last_spawn_error) == 500


@pytest.mark.parametrize("returned", [None, True, "4242", 0.5])
def test_only_an_int_pid_is_recorded(fresh_store, returned):
    task_id = fresh_store.create_task("x", assignee="a")
    result = fresh_store.dispatch_once(lambda task: returned)
    assert result.spawned == [task_id]
    assert fresh_store.get_task(task_id).worker_pid is None
    assert [e.kind for e in fresh_store.list_events(task_id)][-1] == "claimed"


def test_reclaims_and_promotes_before_spawning(fresh_store, clock):
    stale = fresh_store.create_task("stale", assignee="a", priority=1)
    fresh_store.claim_task(stale, claimer="dead:1", ttl_seconds=5)
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", assignee="a", parents=[parent])
    fresh_store._conn.execute("UPDATE tasks SET status = 'done' WHERE id = ?", (parent,))
    clock.advance(6)
    result = fresh_store.dispatch_once(Spawner())
    assert (result.reclaimed, result.promoted, result.spawned) == ([stale], [child], [stale, child])
    assert [e.kind for e in fresh_store.list_events(stale)] == [
        "created", "claimed", "reclaimed", "claimed", "spawned"]


def _busy_board(store, clock):
    """Stale claims, todo tasks waiting to be promoted, unassigned and assigned ready tasks, with
    ids that do not sort in creation order."""
    done = store.create_task("done parent")
    store.move_task(done, "done")
    open_parent = store.create_task("open parent")
    for n in range(4):
        stale = store.create_task(f"stale {n}", assignee="a", priority=n % 2)
        store.claim_task(stale, claimer=f"dead:{n}", ttl_seconds=5)
    store.claim_task(store.create_task("fresh claim", assignee="a"), ttl_seconds=10_000)
    for n in range(4):
        child = store.create_task(f"child {n}", assignee=None if n == 1 else "b", priority=n)
        store._conn.execute("UPDATE tasks SET status = 'todo' WHERE id = ?", (child,))
        store._conn.execute("INSERT INTO task_links VALUES (?, ?)", (done, child))
    store.create_task("waits", parents=[open_parent], assignee="a")
    store.create_task("idea", triage=True, assignee="a")
    for n in range(3):
        store.create_task(f"ready {n}", assignee=None if n == 0 else "c", priority=2)
    clock.advance(6)


@pytest.mark.parametrize("max_spawn", [None, 0, 1, 3, 7])
def test_dry_run_writes_nothing_and_predicts_the_real_run(fresh_store, store_path, clock,
                                                          max_spawn):
    _busy_board(fresh_store, clock)
    wal = store_path.with_name(store_path.name + "-wal")

    def state():
        return (dump(store_path), sha256(store_path), sha256(wal), fresh_store._conn.total_changes)

    before = state()
    spawn = Spawner()
    plan = fresh_store.dispatch_once(spawn, dry_run=True, max_spawn=max_spawn)
    assert spawn.calls == []
    assert state() == before
    assert plan.dry_run and plan.reclaimed and plan.promoted
    real = fresh_store.dispatch_once(spawn, max_spawn=max_spawn)
    assert (plan.reclaimed, plan.promoted, plan.spawned, plan.skipped_unassigned) == (
        real.reclaimed, real.promoted, real.spawned, real.skipped_unassigned)
    assert plan.auto_blocked == real.auto_blocked == []


def test_dry_run_does_not_plan_a_reclaimed_task_that_must_wait(fresh_store, clock):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent], assignee="a")
    fresh_store.complete_task(parent)
    fresh_store.claim_task(child, ttl_seconds=5)
    fresh_store.move_task(parent, "todo")
    clock.advance(6)
    plan = fresh_store.dispatch_once(Spawner(), dry_run=True)
    real = fresh_store.dispatch_once(Spawner())
    assert plan.reclaimed == real.reclaimed == [child]
    assert plan.spawned == real.spawned == []
    assert fresh_store.get_task(child).status == "todo"


def test_spawn_that_raises_a_base_exception_is_not_swallowed(fresh_store):
    task_id = fresh_store.create_task("x", assignee="a")

    def spawn(task):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fresh_store.dispatch_once(spawn)
    assert fresh_store.get_task(task_id).status == "running"  # claimed; the TTL will free it


@pytest.mark.parametrize("then", ["done", "blocked", "archived"])
def test_a_failing_spawn_does_not_undo_what_the_spawn_did(fresh_store, then):
    """A spawn that works the task in-process (moving it on) and then raises leaves the task
    where it was put: the failure bookkeeping only applies to a task still under our claim."""
    task_id = fresh_store.create_task("x", assignee="a")

    def spawn(task):
        fresh_store.move_task(task.id, then)
        raise RuntimeError("worker crashed after finishing")

    result = fresh_store.dispatch_once(spawn, failure_limit=1)
    assert result.failed == [task_id] and result.auto_blocked == []
    task = fresh_store.get_task(task_id)
    assert (task.status, task.spawn_failures, task.last_spawn_error) == (then, 0, None)
    assert [e.kind for e in fresh_store.list_events(task_id)][-1] != "spawn_failed"


def test_a_spawn_may_complete_the_task_in_process(fresh_store):
    parent = fresh_store.create_task("parent", assignee="a")
    child = fresh_store.create_task("child", assignee="a", parents=[parent])
    result = fresh_store.dispatch_once(lambda task: fresh_store.complete_task(task.id, result="ok"))
    assert result.spawned == [parent]
    assert fresh_store.get_task(parent).status == "done"
    assert fresh_store.get_task(child).status == "ready"
    assert fresh_store.dispatch_once(
        lambda task: fresh_store.complete_task(task.id)).spawned == [child]


def test_two_dispatchers_never_spawn_a_task_twice(fresh_store, store_path):
    ids = {fresh_store.create_task(f"t{n}", assignee="a") for n in range(20)}
    spawned: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def spawn(task):
        with lock:
            spawned.append(task.id)
        return 1

    def dispatcher():
        barrier.wait()
        Store(store_path).dispatch_once(spawn)

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(spawned) == sorted(ids)
    assert all(fresh_store.get_task(t).status == "running" for t in ids)
