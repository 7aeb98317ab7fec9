"""board(): the snapshot the widget draws, and list_tasks' filters and order."""

from __future__ import annotations

import sqlite3

import pytest

from kanban_widget.store import BOARD_COLUMNS, ValidationError

from .test_moves import in_status


def test_empty_board_has_every_column(fresh_store):
    snapshot = fresh_store.board()
    assert tuple(snapshot.columns) == BOARD_COLUMNS
    assert all(cards == [] for cards in snapshot.columns.values())
    assert (snapshot.tenants, snapshot.assignees, snapshot.cursor) == ([], [], 0)
    assert snapshot.now == int(fresh_store._clock())


def test_columns_in_order_with_archived_then_unknown(fresh_store, store_path):
    for status in BOARD_COLUMNS + ("archived", "zeta", "alpha"):
        in_status(fresh_store, status)
    assert tuple(fresh_store.board().columns) == BOARD_COLUMNS + ("alpha", "zeta")
    snapshot = fresh_store.board(include_archived=True)
    assert tuple(snapshot.columns) == BOARD_COLUMNS + ("archived", "alpha", "zeta")
    for status, cards in snapshot.columns.items():
        assert [c["status"] for c in cards] == [status]


def test_cards_ordered_by_priority_then_age_then_id(fresh_store, clock):
    made = []
    for priority, age in [(0, 0), (5, 1), (5, 0), (-1, 0), (5, 1)]:
        clock.now = 1_700_000_000 + age
        made.append((priority, age, fresh_store.create_task(f"p{priority}", priority=priority)))
    expected = [t for _, _, t in sorted(made, key=lambda m: (-m[0], m[1], m[2]))]
    assert [c["id"] for c in fresh_store.board().columns["ready"]] == expected
    assert [t.id for t in fresh_store.list_tasks()] == expected


def test_null_priority_sorts_as_zero(fresh_store, store_path):
    a = fresh_store.create_task("a", priority=1)
    b = fresh_store.create_task("b", priority=-1)
    c = fresh_store.create_task("c")
    fresh_store._conn.execute("UPDATE tasks SET priority = NULL WHERE id = ?", (c,))
    assert [card["id"] for card in fresh_store.board().columns["ready"]] == [a, c, b]


def test_card_fields(fresh_store, clock):
    parent = fresh_store.create_task("parent", assignee="al", tenant="acme", body="b")
    kids = [fresh_store.create_task(f"kid {n}", parents=[parent]) for n in range(4)]
    other = fresh_store.create_task("other parent")
    fresh_store.link_tasks(other, kids[0])
    fresh_store.move_task(kids[1], "done")
    fresh_store.move_task(kids[2], "archived")
    fresh_store.add_comment(parent, "x", "one")
    fresh_store.add_comment(parent, "x", "two")
    card = fresh_store.board().card(parent)
    task = fresh_store.get_task(parent).to_dict()
    assert {k: card[k] for k in task} == task
    assert card["progress"] == {"done": 1, "total": 3}  # archived child left out
    assert card["link_counts"] == {"parents": 0, "children": 4}  # every link
    assert card["comment_count"] == 2
    kid = fresh_store.board().card(kids[0])
    assert kid["progress"] is None
    assert kid["link_counts"] == {"parents": 2, "children": 0}
    assert kid["comment_count"] == 0


def test_progress_with_only_archived_children_is_null(fresh_store):
    parent = fresh_store.create_task("parent")
    kid = fresh_store.create_task("kid", parents=[parent])
    fresh_store.move_task(kid, "archived")
    assert fresh_store.board().card(parent)["progress"] is None


def test_status_since_is_the_last_entry_into_the_column(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    created = int(clock())
    clock.advance(30)
    fresh_store.add_comment(task_id, "a", "b")  # not a status change
    assert fresh_store.board().card(task_id)["status_since"] == created
    fresh_store.move_task(task_id, "blocked")
    assert fresh_store.board().card(task_id)["status_since"] == created + 30


def test_tenants_assignees_and_filters(fresh_store):
    fresh_store.create_task("a", tenant="acme", assignee="al")
    fresh_store.create_task("b", tenant="beta", assignee="bo")
    gone = fresh_store.create_task("c", tenant="gamma", assignee="cy")
    fresh_store.archive_task(gone)
    fresh_store.create_task("d")
    snapshot = fresh_store.board()
    assert snapshot.tenants == ["acme", "beta", "gamma"]  # over all tasks
    assert snapshot.assignees == ["al", "bo"]  # over non-archived tasks
    assert sorted(c["title"] for c in snapshot.cards) == ["a", "b", "d"]
    acme = fresh_store.board(tenant="acme")
    assert [c["title"] for c in acme.cards] == ["a"]
    assert acme.tenants == ["acme", "beta", "gamma"]  # the filter's choices stay whole
    assert [c["title"] for c in fresh_store.board(tenant="gamma", include_archived=True).cards] == ["c"]
    assert fresh_store.board(tenant="gamma").cards == []


def test_cursor_is_the_last_event(fresh_store):
    task_id = fresh_store.create_task("x")
    fresh_store.add_comment(task_id, "a", "b")
    last = fresh_store.events_since(0)[-1].id
    assert fresh_store.board().cursor == last
    fresh_store.create_task("y")
    assert fresh_store.board().cursor == last + 1


def test_snapshot_is_one_read(fresh_store, store_path, monkeypatch):
    """A write by another connection between the snapshot's queries is not half-seen."""
    fresh_store.create_task("x")
    other = sqlite3.connect(store_path, isolation_level=None)
    real_execute = fresh_store._conn.execute
    calls = []

    class Spy:
        def __getattr__(self, name):
            return getattr(fresh_store._conn_real, name)

        def execute(self, sql, *args):
            calls.append(sql)
            if len(calls) == 3:  # BEGIN, the cursor query, then (now) the cards
                other.execute("INSERT INTO tasks (id, title, status, created_at) "
                              "VALUES ('t_late', 'late', 'ready', 1)")
                other.execute("INSERT INTO task_events (task_id, kind, created_at) "
                              "VALUES ('t_late', 'created', 1)")
            return real_execute(sql, *args)

    fresh_store._conn_real = fresh_store._conn
    monkeypatch.setattr(fresh_store, "_conn", Spy())
    snapshot = fresh_store.board()
    monkeypatch.undo()
    other.close()
    assert snapshot.card("t_late") is None and snapshot.cursor == 1
    assert fresh_store.board().card("t_late") is not None


def test_cards_by_id(fresh_store):
    a, b = fresh_store.create_task("a"), fresh_store.create_task("b")
    assert sorted(c["id"] for c in fresh_store.cards([b, "t_missing", a, b])) == sorted([a, b])
    assert fresh_store.cards([]) == []


def test_list_tasks_filters(fresh_store):
    a = fresh_store.create_task("a", assignee="al", tenant="t1", priority=2)
    b = fresh_store.create_task("b", assignee="bo", tenant="t1", priority=1)
    c = fresh_store.create_task("c", assignee="al", tenant="t2")
    fresh_store.archive_task(c)
    assert [t.id for t in fresh_store.list_tasks()] == [a, b]
    assert [t.id for t in fresh_store.list_tasks(include_archived=True)] == [a, b, c]
    assert [t.id for t in fresh_store.list_tasks(status="archived")] == [c]
    assert [t.id for t in fresh_store.list_tasks(assignee="al")] == [a]
    assert [t.id for t in fresh_store.list_tasks(assignee="al", include_archived=True)] == [a, c]
    assert [t.id for t in fresh_store.list_tasks(tenant="t1", status="ready")] == [a, b]
    assert [t.id for t in fresh_store.list_tasks(limit=1)] == [a]


def test_list_tasks_unknown_status(fresh_store):
    with pytest.raises(ValidationError, match="unknown status 'doing'"):
        fresh_store.list_tasks(status="doing")


@pytest.mark.parametrize("how", ["create", "assign", "update"])
def test_blank_assignee_and_tenant_mean_none(fresh_store, how):
    """Every verb stores a blank assignee or tenant as NULL, so the board's filter lists never
    offer an empty choice and dispatch treats the task as unassigned."""
    if how == "create":
        task_id = fresh_store.create_task("x", assignee="", tenant="")
    else:
        task_id = fresh_store.create_task("x", assignee="al", tenant="t")
        if how == "assign":
            fresh_store.assign_task(task_id, "")
            fresh_store.update_task(task_id, tenant="")
        else:
            fresh_store.update_task(task_id, assignee="", tenant="")
    task = fresh_store.get_task(task_id)
    assert task.assignee is None and task.tenant is None
    snapshot = fresh_store.board()
    assert (snapshot.assignees, snapshot.tenants) == ([], [])
    assert fresh_store.list_events(task_id)[-1].payload in (
        {"assignee": None}, {"fields": ["tenant"]},
        {"assignee": None, "status": "ready", "parents": [], "tenant": None, "priority": 0})


def test_task_detail_has_links_comments_and_events(fresh_store, clock):
    from kanban_widget.store import TaskDetail, TaskNotFound

    parent = fresh_store.create_task("parent")
    clock.advance(1)
    child = fresh_store.create_task("child", parents=[parent])
    other = fresh_store.create_task("other parent")
    fresh_store.link_tasks(other, child)
    fresh_store.add_comment(child, "ann", "first")
    fresh_store.add_comment(child, "bo", "second")
    detail = fresh_store.task_detail(child)
    assert isinstance(detail, TaskDetail) and detail.task.title == "child"
    assert [t.id for t in detail.parents] == fresh_store.parents_of(child)
    assert {t.id for t in detail.parents} == {parent, other} and detail.children == []
    assert [t.id for t in fresh_store.task_detail(parent).children] == [child]
    assert [c.body for c in detail.comments] == ["first", "second"]
    assert [e.kind for e in detail.events] == [e.kind for e in fresh_store.list_events(child)]
    with pytest.raises(TaskNotFound):
        fresh_store.task_detail("t_nope")
