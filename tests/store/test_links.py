"""Dependencies: linking, unlinking, cycles, and what they do to the child's status."""

from __future__ import annotations

import pytest

from kanban_widget.store import CycleError, ValidationError

from .helpers import kinds


@pytest.fixture
def chain(fresh_store):
    """Three tasks a -> b -> c (each depends on the previous)."""
    a = fresh_store.create_task("a")
    b = fresh_store.create_task("b", parents=[a])
    c = fresh_store.create_task("c", parents=[b])
    return a, b, c


def test_link_records_the_dependency(fresh_store):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    assert fresh_store.link_tasks(parent, child) is True
    assert fresh_store.parents_of(child) == [parent]
    assert fresh_store.children_of(parent) == [child]
    events = fresh_store.list_events(child)
    assert (events[-2].kind, events[-2].payload) == ("linked", {"parent": parent, "child": child})


def test_self_link_is_refused(fresh_store):
    task_id = fresh_store.create_task("x")
    with pytest.raises(ValidationError, match=f"a task cannot depend on itself \\({task_id}\\)"):
        fresh_store.link_tasks(task_id, task_id)


@pytest.mark.parametrize("parent, child", [(2, 0), (1, 0), (2, 1)])
def test_cycles_are_refused_naming_both(fresh_store, chain, parent, child):
    p, c = chain[parent], chain[child]
    events = len(fresh_store.list_events())
    with pytest.raises(CycleError, match=f"linking {p} -> {c} would create a cycle: {p} already "
                                         f"depends on {c}"):
        fresh_store.link_tasks(p, c)
    assert len(fresh_store.list_events()) == events
    assert c not in fresh_store.children_of(p)


def test_cycle_error_is_a_validation_error(fresh_store, chain):
    with pytest.raises(ValidationError):
        fresh_store.link_tasks(chain[2], chain[0])


@pytest.mark.parametrize("which", ["parent", "child", "both"])
def test_unknown_ids_are_refused(fresh_store, which):
    known = fresh_store.create_task("k")
    parent = "t_nope01" if which in ("parent", "both") else known
    child = "t_nope02" if which in ("child", "both") else known
    missing = ", ".join(t for t in (parent, child) if t.startswith("t_nope"))
    with pytest.raises(ValidationError, match=f"unknown task\\(s\\): {missing}$"):
        fresh_store.link_tasks(parent, child)


def test_open_parent_demotes_a_ready_child(fresh_store):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    fresh_store.link_tasks(parent, child)
    assert fresh_store.get_task(child).status == "todo"
    assert kinds(fresh_store, child) == ["created", "linked", "status"]
    assert fresh_store.list_events(child)[-1].payload == {"status": "todo"}


@pytest.mark.parametrize("parent_status", ["done", "archived"])
def test_done_parent_keeps_the_child_ready(fresh_store, parent_status):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    fresh_store.move_task(parent, parent_status)
    fresh_store.link_tasks(parent, child)
    assert fresh_store.get_task(child).status == "ready"
    # Hermes demotes under an archived parent and latest promotes at once: the same events.
    assert kinds(fresh_store, child) == (
        ["created", "linked"] if parent_status == "done" else ["created", "linked", "promoted"])


@pytest.mark.parametrize("child_status", ["running", "blocked", "done", "triage", "review"])
def test_other_children_keep_their_status(fresh_store, child_status):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    if child_status == "running":
        fresh_store.claim_task(child)
    else:
        fresh_store.move_task(child, child_status)
    fresh_store.link_tasks(parent, child)
    assert fresh_store.get_task(child).status == child_status


def test_duplicate_link_is_a_no_op_without_event(fresh_store):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    fresh_store.link_tasks(parent, child)
    events, changes = len(fresh_store.list_events()), fresh_store._conn.total_changes
    assert fresh_store.link_tasks(parent, child) is False
    assert len(fresh_store.list_events()) == events
    assert fresh_store._conn.total_changes == changes


def test_duplicate_of_a_creation_link_is_a_no_op(fresh_store):
    parent = fresh_store.create_task("p")
    child = fresh_store.create_task("c", parents=[parent])
    assert fresh_store.link_tasks(parent, child) is False
    assert kinds(fresh_store, child) == ["created"]


def test_unlink_re_evaluates_the_child_at_once(fresh_store):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    fresh_store.link_tasks(parent, child)
    assert fresh_store.unlink_tasks(parent, child) is True
    assert fresh_store.get_task(child).status == "ready"
    assert [(e.kind, e.payload) for e in fresh_store.list_events(child)][-2:] == [
        ("unlinked", {"parent": parent, "child": child}), ("promoted", None)]


def test_unlink_leaves_child_waiting_on_other_open_parents(fresh_store):
    p1, p2 = fresh_store.create_task("p1"), fresh_store.create_task("p2")
    child = fresh_store.create_task("c", parents=[p1, p2])
    fresh_store.unlink_tasks(p1, child)
    assert fresh_store.get_task(child).status == "todo"
    assert kinds(fresh_store, child) == ["created", "unlinked"]


def test_unlink_does_not_promote_triage(fresh_store):
    parent = fresh_store.create_task("p")
    child = fresh_store.create_task("c", parents=[parent], triage=True)
    fresh_store.unlink_tasks(parent, child)
    assert fresh_store.get_task(child).status == "triage"


@pytest.mark.parametrize("parent, child", [("t_nope01", "t_nope02"), (None, None)])
def test_unlink_of_missing_link_is_false_without_event(fresh_store, parent, child):
    a, b = fresh_store.create_task("a"), fresh_store.create_task("b")
    events = len(fresh_store.list_events())
    assert fresh_store.unlink_tasks(parent or a, child or b) is False
    assert len(fresh_store.list_events()) == events


def test_unlink_then_cycle_free_again(fresh_store, chain):
    a, b, c = chain
    fresh_store.unlink_tasks(a, b)
    fresh_store.unlink_tasks(b, c)
    assert fresh_store.link_tasks(c, a) is True
