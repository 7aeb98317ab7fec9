"""Demo boards: deterministic, believable now, and a history that replays to the present."""

from __future__ import annotations

import collections
import sqlite3
import time

import pytest

from kanban_widget import Store
from kanban_widget.demo import AGENTS, PEOPLE, TENANTS, build_demo

NOW = 1_780_000_000  # a fixed end of history, for boards compared byte for byte
WEEK = 7 * 86400

#: DESIGN.md's replay rules: the status each event kind leaves its task in.
REPLAY = {
    "promoted": "ready", "ready": "ready", "claimed": "running", "completed": "done",
    "blocked": "blocked", "gave_up": "blocked", "spawn_auto_blocked": "blocked",
    "unblocked": "ready", "reclaimed": "ready", "crashed": "ready", "spawn_failed": "ready",
    "archived": "archived",
}


def replay(events) -> list[str]:
    """A task's status history from its events (oldest first), by DESIGN.md's definitions."""
    history: list[str] = []
    for event in events:
        if event.kind == "created":
            status = event.payload["status"]
        elif event.kind == "status":
            status = event.payload["status"]
        else:
            status = REPLAY.get(event.kind)
        if status and (not history or history[-1] != status):
            history.append(status)
    return history


def table_rows(path) -> dict:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("tasks", "task_links", "task_comments", "task_events")}
    conn.close()
    return rows


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    """A default-size demo board ending at the real current time (built once per module)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    started = time.perf_counter()
    build_demo(path)
    build_demo.seconds = time.perf_counter() - started
    return path


@pytest.fixture
def demo(demo_path):
    """The demo board, opened read-only."""
    store = Store(demo_path, read_only=True)
    yield store
    store.close()


@pytest.fixture
def statuses(demo):
    return collections.Counter(t.status for t in demo.list_tasks(include_archived=True))


def test_default_board_is_fast_to_build(demo_path):
    assert build_demo.seconds < 10, f"300 tasks took {build_demo.seconds:.1f} s (aim: about 1 s)"


def test_same_seed_same_board_ids_included(tmp_path):
    a = build_demo(tmp_path / "a.db", tasks=120, seed=5, now=NOW)
    b = build_demo(tmp_path / "b.db", tasks=120, seed=5, now=NOW)
    c = build_demo(tmp_path / "c.db", tasks=120, seed=6, now=NOW)
    assert table_rows(a) == table_rows(b)
    assert table_rows(a)["tasks"] != table_rows(c)["tasks"]


def test_status_mix_is_a_believable_board(statuses):
    total = sum(statuses.values())
    assert total == 300
    assert statuses["triage"] >= 2
    assert statuses["todo"] + statuses["ready"] >= 0.15 * total
    assert statuses["ready"] >= 10 and statuses["todo"] >= 10
    assert 4 <= statuses["running"] <= 0.06 * total
    assert statuses["blocked"] >= 3
    assert statuses["done"] >= 0.4 * total
    assert statuses["archived"] >= 1


def test_running_tasks_hold_live_claims(demo):
    running = demo.list_tasks(status="running")
    assert running
    for task in running:
        assert task.claim_lock and task.started_at
        assert task.claim_expires > time.time() + 3600, task


def test_history_is_backdated_over_weeks(demo):
    events = demo.list_events()
    first, last = events[0].created_at, events[-1].created_at
    now = time.time()
    assert now - first > 5 * WEEK
    assert now - first <= 6 * WEEK + 60
    assert last <= now
    days = {e.created_at // 86400 for e in events}
    assert len(days) >= 30
    # created_at never runs backwards along the event ids: one clock, moving forward
    by_id = sorted(events, key=lambda e: e.id)
    assert all(a.created_at <= b.created_at for a, b in zip(by_id, by_id[1:]))


def test_replaying_events_gives_every_current_status(demo):
    events = collections.defaultdict(list)
    for event in demo.list_events():
        events[event.task_id].append(event)
    for task in demo.list_tasks(include_archived=True):
        assert replay(events[task.id])[-1] == task.status, (task.id, replay(events[task.id]))


def test_readiness_is_consistent(demo):
    """Ready tasks have every parent done; todo tasks wait for an open parent."""
    status = {t.id: t.status for t in demo.list_tasks(include_archived=True)}
    for task_id, current in status.items():
        parents_done = all(status[p] in ("done", "archived") for p in demo.parents_of(task_id))
        if current == "ready":
            assert parents_done, task_id
        if current == "todo":
            assert not parents_done, task_id


def test_history_exercises_the_verbs(demo):
    kinds = collections.Counter(e.kind for e in demo.list_events())
    for kind in ("created", "claimed", "completed", "promoted", "blocked", "unblocked",
                 "reclaimed", "archived", "commented", "status", "assigned"):
        assert kinds[kind] > 0, kind
    histories = collections.defaultdict(list)
    for event in demo.list_events():
        histories[event.task_id].append(event)
    reopened = [t for t, evs in histories.items() if "done" in replay(evs)[:-1]
                and any(s != "archived" for s in replay(evs)[replay(evs).index("done") + 1:])]
    assert reopened, "no task was re-opened from done"
    reclaimed = [t for t, evs in histories.items() if any(e.kind == "reclaimed" for e in evs)]
    assert reclaimed, "no stale claim was reclaimed"
    blocked_reasons = [e.payload["reason"] for evs in histories.values() for e in evs
                       if e.kind == "blocked"]
    assert all(blocked_reasons)


def test_chains_and_fan_ins_exist(demo):
    links = demo._query("SELECT parent_id, child_id FROM task_links")
    parents = collections.defaultdict(set)
    children = collections.defaultdict(set)
    for parent, child in links:
        parents[child].add(parent)
        children[parent].add(child)
    assert max(map(len, parents.values())) >= 3, "no fan-in"
    assert max(map(len, children.values())) >= 3, "no fan-out"

    def depth(task_id):
        return 1 + max((depth(p) for p in parents.get(task_id, ())), default=0)

    assert max(depth(t) for t in list(parents)) >= 3, "no chain of three"


def test_people_agents_and_tenants(demo):
    tasks = demo.list_tasks(include_archived=True)
    assignees = {t.assignee for t in tasks if t.assignee}
    assert 6 <= len(assignees) <= 10
    assert assignees <= set(AGENTS + PEOPLE)
    assert {t.tenant for t in tasks if t.tenant} == set(TENANTS)
    assert any(t.priority > 0 for t in tasks)
    assert len(demo._query("SELECT id FROM task_comments")) > 100
    done = [t for t in tasks if t.status == "done"]
    assert sum(1 for t in done if t.result) > 0.9 * len(done)


def test_progress_is_reported_up_to_the_total(tmp_path):
    calls = []
    build_demo(tmp_path / "p.db", tasks=250, progress=lambda n, total: calls.append((n, total)),
               now=NOW)
    assert calls[-1] == (250, 250)
    counts = [n for n, _ in calls]
    assert counts == sorted(counts) and len(calls) > 10


def test_refuses_to_overwrite_a_board(tmp_path):
    path = build_demo(tmp_path / "once.db", tasks=5, now=NOW)
    with pytest.raises(FileExistsError, match="once.db"):
        build_demo(path, tasks=5)


@pytest.mark.parametrize("kwargs", [{"tasks": 0}, {"weeks": 0}])
def test_rejects_bad_sizes(tmp_path, kwargs):
    with pytest.raises(ValueError):
        build_demo(tmp_path / "bad.db", **kwargs)


def test_the_board_stays_writable_by_the_store(tmp_path):
    path = build_demo(tmp_path / "w.db", tasks=60, now=NOW)
    with Store(path) as store:
        open_task = next(t for t in store.list_tasks() if t.status != "done")
        assert store.move_task(open_task.id, "done", result="after the demo").status == "done"
        assert store.create_task("After the demo", tenant="acme")
        assert store.board().cards


@pytest.mark.slow
def test_a_larger_board_keeps_its_shape(tmp_path):
    path = build_demo(tmp_path / "big.db", tasks=3000, seed=2, now=NOW)
    with Store(path, read_only=True) as store:
        counts = collections.Counter(t.status for t in store.list_tasks(include_archived=True))
    assert sum(counts.values()) == 3000
    assert counts["done"] > 0.4 * 3000
    assert counts["running"] >= 0.01 * 3000 and counts["blocked"] >= 0.01 * 3000
    assert counts["triage"] > 0 and counts["ready"] > 0.05 * 3000
