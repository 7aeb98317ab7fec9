"""Events are the board's history: replaying them gives every task's status at every step."""

from __future__ import annotations

import random

import pytest

from kanban_widget.store import STATUSES, KanbanError

from .helpers import replay

OPS = ("create", "move", "link", "unlink", "complete", "block", "unblock", "archive", "claim",
       "expire", "dispatch", "update", "comment", "recompute")


def _random_op(store, clock, rng: random.Random, ids: list[str]) -> None:
    op = rng.choice(OPS) if ids else "create"
    pick = lambda: rng.choice(ids)  # noqa: E731
    if op == "create":
        parents = rng.sample(ids, k=min(len(ids), rng.choice([0, 0, 1, 2])))
        ids.append(store.create_task(f"task {len(ids)}", parents=parents,
                                     triage=rng.random() < 0.1,
                                     assignee=rng.choice([None, "alice", "bob"]),
                                     priority=rng.randint(0, 3)))
    elif op == "move":
        store.move_task(pick(), rng.choice(STATUSES), result=rng.choice([None, "r"]))
    elif op == "link":
        store.link_tasks(pick(), pick())
    elif op == "unlink":
        child = pick()
        parents = store.parents_of(child)
        if parents:
            store.unlink_tasks(rng.choice(parents), child)
    elif op in ("complete", "block", "unblock", "archive"):
        getattr(store, f"{op}_task")(pick())
    elif op == "claim":
        store.claim_task(pick(), ttl_seconds=rng.choice([10, 1000]))
    elif op == "expire":
        clock.advance(rng.choice([1, 20, 2000]))
        store.release_stale_claims()
    elif op == "dispatch":
        def spawn(task):
            if rng.random() < 0.4:
                raise OSError("no worker")
            return rng.choice([None, 4242])
        store.dispatch_once(spawn, max_spawn=rng.choice([None, 1, 2]), failure_limit=2,
                            ttl_seconds=rng.choice([5, 1000]))
    elif op == "update":
        store.update_task(pick(), title=f"t{rng.random()}", priority=rng.randint(0, 3))
    elif op == "comment":
        store.add_comment(pick(), "me", "note")
    elif op == "recompute":
        store.recompute_ready()
    clock.advance(rng.choice([0, 0, 1]))


def _check_history(store, replayed: dict, new_events) -> None:
    """Extend ``replayed`` (each task's replayed statuses) with ``new_events`` and compare the
    last replayed status of every task with the task's status."""
    for task_id, statuses in replay(new_events).items():
        replayed.setdefault(task_id, []).extend(statuses)
    current = {row[0]: row[1] for row in store._query("SELECT id, status FROM tasks")}
    assert set(replayed) == set(current)
    for task_id, status in current.items():
        assert replayed[task_id][-1] == status, (task_id, replayed[task_id])


def _task_rows(store) -> dict:
    return {row["id"]: tuple(row) for row in store._query("SELECT * FROM tasks")}


def _check_ready_means_parents_done(store) -> None:
    waiting = store._query(
        "SELECT c.id, p.id, p.status FROM tasks c JOIN task_links l ON l.child_id = c.id "
        "JOIN tasks p ON p.id = l.parent_id WHERE c.status = 'ready' "
        "AND p.status NOT IN ('done', 'archived')")
    assert not waiting, [tuple(r) for r in waiting]


# Seeds 101 and 104 once found an unblock and a reclaim that left a task ready under an open
# parent (and, for the unblock, an event history that disagreed with the task's status).
@pytest.mark.parametrize("seed", [*range(8), 101, 104])
def test_random_operations_keep_history_and_readiness_true(fresh_store, clock, seed):
    """After every operation of a random sequence (refusals included), replaying the events
    gives each task's current status, no ready task waits on an open parent, and every task the
    operation changed has an event from it (so the live tail sees it)."""
    rng = random.Random(seed)
    ids: list[str] = []
    replayed: dict = {}
    cursor = 0
    for _ in range(250):
        rows = _task_rows(fresh_store)
        try:
            _random_op(fresh_store, clock, rng, ids)
        except KanbanError:
            pass  # refusals are part of the game: they must change nothing
        new_events = fresh_store.events_since(cursor, limit=10**6)
        cursor = new_events[-1].id if new_events else cursor
        _check_history(fresh_store, replayed, new_events)
        _check_ready_means_parents_done(fresh_store)
        after = _task_rows(fresh_store)
        changed = {t for t in after if rows.get(t) != after[t]}
        assert changed <= {e.task_id for e in new_events}
    assert replayed == replay(fresh_store.list_events())  # the whole log, replayed at once


@pytest.mark.parametrize("seed", range(4))
def test_the_replay_engine_explains_our_own_boards(fresh_store, clock, seed):
    """On a board only we wrote, every change has its own event: the engine's last spell is
    each task's status with nothing inferred that lasts, and spells never overlap or go back
    in time."""
    import sqlite3

    from kanban_widget.store.replay import NO_TIME, replay_board

    rng = random.Random(seed)
    ids: list[str] = []
    for _ in range(300):
        try:
            _random_op(fresh_store, clock, rng, ids)
        except KanbanError:
            pass
    conn = sqlite3.connect(fresh_store.path)
    try:
        h = replay_board(conn)
        real = dict(conn.execute("SELECT id, status FROM tasks").fetchall())
    finally:
        conn.close()
    assert h.last_status() == real
    # Only the instant demotion under an archived parent, which ``promoted`` undoes at once.
    assert (h.end[h.inferred] == h.start[h.inferred]).all()
    same_task = h.spell_task[1:] == h.spell_task[:-1]
    assert (h.start[1:][same_task] >= h.start[:-1][same_task]).all()
    assert (h.end[:-1][same_task] == h.start[1:][same_task]).all()
    assert (h.end[:-1][~same_task] == NO_TIME).all()


def test_unblock_under_an_open_parent_is_recorded_as_todo(fresh_store):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.move_task(child, "blocked")
    assert fresh_store.unblock_task(child)
    assert fresh_store.get_task(child).status == "todo"
    assert [(e.kind, e.payload) for e in fresh_store.list_events(child)][-2:] == [
        ("unblocked", None), ("status", {"status": "todo"})]
    assert replay(fresh_store.list_events(child))[child][-1] == "todo"


def test_reclaim_under_a_reopened_parent_goes_to_todo(fresh_store, clock):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.complete_task(parent)
    fresh_store.claim_task(child, ttl_seconds=10, claimer="w:1")
    fresh_store.move_task(parent, "todo")  # reopened while the child runs: the child keeps running
    assert fresh_store.get_task(child).status == "running"
    clock.advance(11)
    assert fresh_store.release_stale_claims() == 1
    assert fresh_store.get_task(child).status == "todo"
    assert [(e.kind, e.payload) for e in fresh_store.list_events(child)][-2:] == [
        ("reclaimed", {"stale_lock": "w:1"}), ("status", {"status": "todo"})]


def test_side_effects_have_their_own_events(fresh_store):
    parent = fresh_store.create_task("parent")
    other = fresh_store.create_task("other")
    child = fresh_store.create_task("child", parents=[parent])
    fresh_store.complete_task(parent)                 # promotes child
    fresh_store.move_task(parent, "todo")             # reopening demotes it
    fresh_store.move_task(parent, "done")             # promotes again
    fresh_store.link_tasks(other, child)              # linking an open parent demotes
    fresh_store.unlink_tasks(other, child)            # unlinking promotes
    assert [(e.kind, e.payload) for e in fresh_store.list_events(child)] == [
        ("created", {"assignee": None, "status": "todo", "parents": [parent], "tenant": None,
                     "priority": 0}),
        ("promoted", None),
        ("status", {"status": "todo"}),
        ("promoted", None),
        ("linked", {"parent": other, "child": child}),
        ("status", {"status": "todo"}),
        ("unlinked", {"parent": other, "child": child}),
        ("promoted", None),
    ]
    assert replay(fresh_store.list_events(child))[child] == [
        "todo", "ready", "todo", "ready", "todo", "ready"]
