"""``Store.bulk``: one change to many tasks, in one transaction, each task on its own."""

from __future__ import annotations

from contextlib import suppress

import pytest

from kanban_widget.store import (BulkResult, InvalidTransition, ReadOnlyBoard, Store,
                                  ValidationError)

from .helpers import dump, raw, raw_events


@pytest.fixture
def family(fresh_store):
    """``(store, parent, child, loose)``: parent ready, child todo waiting for it, loose ready."""
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    loose = fresh_store.create_task("loose")
    return fresh_store, parent, child, loose


def test_moves_every_task_and_reports_each_in_order(family):
    store, parent, child, loose = family
    results = store.bulk([loose, parent], status="done")
    assert [(r.task_id, r.ok, r.error) for r in results] == [(loose, True, None),
                                                             (parent, True, None)]
    assert [r.task.status for r in results] == ["done", "done"]
    assert store.get_task(child).status == "ready"  # promoted, as a single move promotes it


def test_a_refused_task_is_reported_and_left_while_the_others_change(family, store_path):
    store, parent, child, loose = family
    child_events = raw_events(store_path, child)
    results = store.bulk([child, "t_missing", loose], status="ready")
    refused = {r.task_id: r.error for r in results if not r.ok}
    assert set(refused) == {child, "t_missing"}
    assert parent in refused[child] and "t_missing" in refused["t_missing"]
    assert results[2] == BulkResult(loose, True, task=store.get_task(loose))
    assert store.get_task(child).status == "todo"
    assert raw_events(store_path, child) == child_events  # nothing of the refusal was kept


def test_writes_the_events_the_single_verbs_write(tmp_path, clock):
    def board(name):
        store = Store(tmp_path / name, clock=clock)
        parent = store.create_task("parent", assignee="a")
        kids = [store.create_task(f"kid {n}", parents=[parent]) for n in range(2)]
        store.move_task(parent, "done")
        return store, [parent, *kids], store.list_events()[-1].id

    one_by_one, ids, single_start = board("single.db")
    for task_id in ids:  # the done parent cannot be blocked: its reassignment is undone too
        with suppress(InvalidTransition), one_by_one.atomic():
            one_by_one.update_task(task_id, assignee="Bob", priority=3)
            one_by_one.move_task(task_id, "blocked")
    in_bulk, bulk_ids, bulk_start = board("bulk.db")
    results = in_bulk.bulk(bulk_ids, status="blocked", assignee="Bob", priority=3)
    assert [r.ok for r in results] == [False, True, True]

    def history(store, order, start):
        names = {task_id: n for n, task_id in enumerate(order)}
        return [(names[e.task_id], e.kind, e.payload) for e in store.events_since(start)]

    changes = history(in_bulk, bulk_ids, bulk_start)
    assert changes == history(one_by_one, ids, single_start)
    assert [kind for n, kind, _ in changes if n == 1] == ["assigned", "reprioritized", "blocked"]


def test_the_whole_batch_is_one_write_transaction(family):
    store, parent, child, loose = family
    statements = []
    store._conn.set_trace_callback(statements.append)
    store.bulk([parent, child, loose], status="blocked")
    store._conn.set_trace_callback(None)
    assert [s for s in statements if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE"]
    assert statements.count("COMMIT") == 1


def test_assigns_and_unassigns(family):
    store, parent, child, loose = family
    assert all(r.ok for r in store.bulk([parent, child], assignee="  Alice "))
    assert {store.get_task(t).assignee for t in (parent, child)} == {"alice"}
    store.bulk([parent], assignee="")
    assert store.get_task(parent).assignee is None
    store.bulk([child], assignee=None)
    assert store.get_task(child).assignee is None


def test_a_claimed_running_task_keeps_its_assignee(family):
    store, parent, child, loose = family
    store.claim_task(parent, claimer="worker:1")
    results = store.bulk([parent, loose], assignee="bob")
    assert not results[0].ok and "currently running" in results[0].error
    assert results[1].ok and store.get_task(loose).assignee == "bob"


def test_reprioritizes_and_archives(family):
    store, parent, child, loose = family
    store.bulk([parent, loose], priority="7")
    assert {store.get_task(t).priority for t in (parent, loose)} == {7}
    results = store.bulk([loose, parent], archive=True)
    assert all(r.ok for r in results)
    assert {store.get_task(t).status for t in (parent, loose)} == {"archived"}
    assert store.get_task(child).status == "ready"  # an archived parent counts as done


def test_a_task_named_twice_is_changed_once(family, store_path):
    store, parent, child, loose = family
    results = store.bulk([loose, loose], status="review")
    assert [r.ok for r in results] == [True, True]
    assert [kind for _, kind, _ in raw_events(store_path, loose)] == ["created", "status"]


@pytest.mark.parametrize("change, message", [
    ({}, "needs status, assignee, priority or archive"),
    ({"status": "done", "archive": True}, "not both"),
    ({"status": "finished"}, "unknown status 'finished'"),
    ({"priority": "high"}, "priority must be a whole number"),
])
def test_a_bad_change_is_refused_before_anything_is_written(family, store_path, change,
                                                            message):
    store = family[0]
    before = dump(store_path)
    with pytest.raises(ValidationError, match=message):
        store.bulk(family[1:], **change)
    assert dump(store_path) == before


def test_one_id_as_a_string_is_refused(family):
    with pytest.raises(ValidationError, match="list of task ids"):
        family[0].bulk(family[1], status="done")


def test_no_ids_change_nothing(family, store_path):
    before = dump(store_path)
    assert family[0].bulk([], status="done") == []
    assert dump(store_path) == before


def test_a_read_only_board_refuses(family, store_path):
    reader = Store(store_path, read_only=True)
    with pytest.raises(ReadOnlyBoard):
        reader.bulk([family[1]], status="done")
    assert raw(store_path, "SELECT status FROM tasks WHERE id = ?", (family[1],)) == [("ready",)]


def test_results_are_what_the_page_receives():
    assert BulkResult("t_1", True).to_dict() == {"task_id": "t_1", "ok": True}
    assert BulkResult("t_2", False, error="no").to_dict() == {"task_id": "t_2", "ok": False,
                                                              "error": "no"}
