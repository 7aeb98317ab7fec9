"""recompute_ready: set-based promotion of todo tasks whose parents are all done."""

from __future__ import annotations

import sqlite3

from .helpers import kinds, raw


def test_chain_promotes_one_level_per_completion(fresh_store):
    a = fresh_store.create_task("a")
    b = fresh_store.create_task("b", parents=[a])
    c = fresh_store.create_task("c", parents=[b])
    status = lambda: [fresh_store.get_task(t).status for t in (a, b, c)]  # noqa: E731
    assert status() == ["ready", "todo", "todo"]
    fresh_store.complete_task(a)
    assert status() == ["done", "ready", "todo"]
    assert fresh_store.recompute_ready() == 0
    fresh_store.move_task(b, "done")
    assert status() == ["done", "done", "ready"]
    assert kinds(fresh_store, b) == ["created", "promoted", "completed"]


def test_fan_in_waits_for_every_parent(fresh_store):
    p1, p2 = fresh_store.create_task("p1"), fresh_store.create_task("p2")
    child = fresh_store.create_task("child", parents=[p1, p2])
    fresh_store.complete_task(p1)
    assert fresh_store.get_task(child).status == "todo"
    fresh_store.archive_task(p2)  # archived counts as done
    assert fresh_store.get_task(child).status == "ready"


def _raw_todo(path, ids_and_parents):
    """Tasks written by someone else (plain SQL), so the store has not promoted them."""
    conn = sqlite3.connect(path)
    for n, (task_id, status, parents) in enumerate(ids_and_parents):
        conn.execute("INSERT INTO tasks (id, title, status, created_at) VALUES (?, ?, ?, ?)",
                     (task_id, task_id, status, n))
        conn.executemany("INSERT INTO task_links VALUES (?, ?)", [(p, task_id) for p in parents])
    conn.commit()
    conn.close()


def test_promotes_every_eligible_todo_in_one_pass(fresh_store, store_path):
    _raw_todo(store_path, [
        ("t_done", "done", []), ("t_arch", "archived", []), ("t_open", "todo", []),
        ("t_a", "todo", ["t_done"]), ("t_b", "todo", ["t_done", "t_arch"]),
        ("t_c", "todo", ["t_done", "t_open"]), ("t_tri", "triage", []),
        ("t_tri2", "triage", ["t_done"]), ("t_blk", "blocked", []),
    ])
    assert fresh_store.recompute_ready() == 3  # t_open (no parents), t_a, t_b
    statuses = dict(raw(store_path, "SELECT id, status FROM tasks"))
    assert [statuses[t] for t in ("t_open", "t_a", "t_b", "t_c", "t_tri", "t_tri2", "t_blk")] == [
        "ready", "ready", "ready", "todo", "triage", "triage", "blocked"]
    for task_id in ("t_open", "t_a", "t_b"):
        assert kinds(fresh_store, task_id) == ["promoted"]
        assert fresh_store.list_events(task_id)[0].payload is None
    assert fresh_store.recompute_ready() == 0


def test_one_pass_does_not_cascade(fresh_store, store_path):
    """A todo whose parent is promoted in the same pass stays todo: the parent is ready, not done."""
    _raw_todo(store_path, [("t_p", "todo", []), ("t_c", "todo", ["t_p"])])
    assert fresh_store.recompute_ready() == 1
    assert dict(raw(store_path, "SELECT id, status FROM tasks")) == {"t_p": "ready", "t_c": "todo"}


def test_triage_is_never_promoted(fresh_store):
    idea = fresh_store.create_task("idea", triage=True)
    fresh_store.recompute_ready()
    fresh_store.dispatch_once(lambda task: None)
    assert fresh_store.get_task(idea).status == "triage"


def test_is_set_based(fresh_store, store_path):
    """A constant number of statements however many tasks are promoted."""
    _raw_todo(store_path, [(f"t_{n:04x}", "todo", []) for n in range(300)])
    statements = []
    fresh_store._conn.set_trace_callback(statements.append)
    assert fresh_store.recompute_ready() == 300
    fresh_store._conn.set_trace_callback(None)
    assert len(statements) < 10
