"""Atomicity and concurrency: many writers, a held lock, failures in the middle of a verb."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest

from kanban_widget.store import BoardBusy, Store
from kanban_widget.store.transaction import Transaction
from kanban_widget.store.transitions import Transitions

from . import hermes_boards as hermes
from .helpers import dump, raw, raw_events, sha256, table_info
from .workers import write_a_share

WORKERS, PER_WORKER = 4, 12


def test_processes_writing_at_once_lose_and_double_nothing(store_path):
    shared = Store(store_path).create_task("shared")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        with ProcessPoolExecutor(WORKERS, mp_context=context) as pool:
            futures = [pool.submit(write_a_share, str(store_path), w, PER_WORKER, shared, start)
                       for w in range(WORKERS)]
            time.sleep(0.2)
            start.set()
            made = [f.result(timeout=120) for f in futures]
    ids = [t for share in made for t in share]
    assert len(set(ids)) == WORKERS * PER_WORKER
    titles = raw(store_path, "SELECT title FROM tasks WHERE id != ?", (shared,))
    assert sorted(t for (t,) in titles) == sorted(
        f"w{w}-{n}" for w in range(WORKERS) for n in range(PER_WORKER))
    events = raw_events(store_path)
    per_task = Counter((task, kind) for task, kind, _ in events)
    for n, task_id in enumerate(ids):
        moved = "completed" if (n % PER_WORKER) % 2 else "blocked"
        assert {k: c for (t, k), c in per_task.items() if t == task_id} == {
            "created": 1, moved: 1, "commented": 1}
    assert per_task[(shared, "commented")] == WORKERS * PER_WORKER
    assert raw(store_path, "SELECT COUNT(*) FROM task_comments") == [(2 * WORKERS * PER_WORKER,)]
    assert len(events) == 1 + 3 * WORKERS * PER_WORKER + WORKERS * PER_WORKER
    statuses = Counter(s for (s,) in raw(store_path, "SELECT status FROM tasks WHERE id != ?",
                                         (shared,)))
    assert statuses == {"done": WORKERS * PER_WORKER // 2, "blocked": WORKERS * PER_WORKER // 2}


def test_threads_sharing_one_store(fresh_store):
    errors: list = []

    def work(n):
        try:
            for i in range(15):
                task_id = fresh_store.create_task(f"{n}-{i}")
                fresh_store.add_comment(task_id, "t", "c")
                fresh_store.board()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(fresh_store.list_tasks()) == 60
    assert len(fresh_store.list_events()) == 120


# -- a held lock -------------------------------------------------------------------------------


@pytest.fixture
def locked_board(store_path):
    """``(store, ids)`` for a board whose write lock another connection holds
    (``BEGIN IMMEDIATE``) until the test ends; the store waits at most 0.2 s."""
    setup = Store(store_path)
    parent = setup.create_task("parent", assignee="a")
    child = setup.create_task("child", parents=[parent])
    setup.close()
    store = Store(store_path, busy_timeout=0.2)
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield store, parent, child
    holder.execute("ROLLBACK")
    holder.close()


WRITES = {
    "create": lambda s, p, c: s.create_task("new", parents=[p]),
    "move": lambda s, p, c: s.move_task(p, "done"),
    "complete": lambda s, p, c: s.complete_task(p),
    "update": lambda s, p, c: s.update_task(p, title="x"),
    "comment": lambda s, p, c: s.add_comment(p, "a", "b"),
    "link": lambda s, p, c: s.link_tasks(c, s.get_task(p).id),
    "unlink": lambda s, p, c: s.unlink_tasks(p, c),
    "claim": lambda s, p, c: s.claim_task(p),
    "recompute": lambda s, p, c: s.recompute_ready(),
    "bulk": lambda s, p, c: s.bulk([p, c], status="blocked"),
    "dispatch": lambda s, p, c: s.dispatch_once(lambda task: 1),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_that_cannot_get_the_lock_is_busy(locked_board, store_path, write):
    store, parent, child = locked_board
    before = dump(store_path)
    began = time.monotonic()
    with pytest.raises(BoardBusy, match="locked by another writer .* nothing was written"):
        write(store, parent, child)
    assert time.monotonic() - began < 5
    assert not store._conn.in_transaction
    assert sorted(t.title for t in store.list_tasks()) == ["child", "parent"]  # reads work
    assert dump(store_path) == before


def test_store_works_again_once_the_lock_is_gone(store_path):
    store = Store(store_path, busy_timeout=0.2)
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(BoardBusy):
        store.create_task("first try")
    holder.execute("COMMIT")
    holder.close()
    assert store.get_task(store.create_task("second try")).title == "second try"


def test_a_writer_waits_within_the_timeout(store_path):
    store = Store(store_path, busy_timeout=10)
    holder = sqlite3.connect(store_path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        assert store.create_task("patient")
    finally:
        release.join()
        holder.close()


# -- failures in the middle of a verb ----------------------------------------------------------


class Boom(Exception):
    pass


def _fail_on(owner, monkeypatch, name, when=lambda *a, **k: True):
    """Make ``owner.name`` (a method of the store's transition engine or transaction) raise
    Boom whenever ``when`` says so of its arguments."""
    real = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        if when(*args, **kwargs):
            raise Boom(name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, wrapper)


def test_completing_rolls_back_when_promotion_fails(fresh_store, store_path, monkeypatch):
    parent = fresh_store.create_task("parent")
    child = fresh_store.create_task("child", parents=[parent])
    before = dump(store_path)
    _fail_on(Transitions, monkeypatch, "promote")
    for verb in (lambda: fresh_store.move_task(parent, "done"),
                 lambda: fresh_store.complete_task(parent),
                 lambda: fresh_store.archive_task(parent)):
        with pytest.raises(Boom):
            verb()
        assert dump(store_path) == before
    monkeypatch.undo()
    assert fresh_store.get_task(child).status == "todo"
    fresh_store.complete_task(parent)
    assert fresh_store.get_task(child).status == "ready"


def test_reopening_rolls_back_when_a_demotion_event_fails(fresh_store, store_path, monkeypatch):
    parent = fresh_store.create_task("parent")
    kids = [fresh_store.create_task(f"kid {n}", parents=[parent]) for n in range(3)]
    fresh_store.complete_task(parent)
    before = dump(store_path)
    seen = []

    def third_status_event(task_id, kind, payload=None):
        seen.append(kind)
        return len(seen) == 3  # the move's own event, then two demotions, the third fails

    _fail_on(Transaction, monkeypatch, "event", third_status_event)
    with pytest.raises(Boom):
        fresh_store.move_task(parent, "todo")
    assert dump(store_path) == before
    monkeypatch.undo()
    assert {fresh_store.get_task(k).status for k in kids} == {"ready"}


def test_linking_rolls_back_when_the_demotion_fails(fresh_store, store_path, monkeypatch):
    parent, child = fresh_store.create_task("p"), fresh_store.create_task("c")
    before = dump(store_path)
    _fail_on(Transitions, monkeypatch, "set_status")
    with pytest.raises(Boom):
        fresh_store.link_tasks(parent, child)
    assert dump(store_path) == before


def test_spawn_failure_bookkeeping_is_atomic(fresh_store, store_path, monkeypatch):
    task_id = fresh_store.create_task("x", assignee="a")
    _fail_on(Transaction, monkeypatch, "event", lambda t, kind, p=None: kind == "spawn_failed")

    def spawn(task):
        raise OSError("no")

    with pytest.raises(Boom):
        fresh_store.dispatch_once(spawn)
    task = fresh_store.get_task(task_id)
    assert (task.status, task.spawn_failures, task.last_spawn_error) == ("running", 0, None)


def test_nested_atomic_rolls_back_only_the_inner_part(fresh_store):
    with fresh_store.atomic():
        outer = fresh_store.create_task("outer")
        with pytest.raises(Boom):
            with fresh_store.atomic():
                fresh_store.create_task("inner")
                raise Boom
        fresh_store.add_comment(outer, "a", "b")
    assert [t.title for t in fresh_store.list_tasks()] == ["outer"]
    assert [e.kind for e in fresh_store.list_events()] == ["created", "commented"]


def test_atomic_rolls_back_everything_on_error(fresh_store, store_path):
    before = dump(store_path)
    with pytest.raises(Boom):
        with fresh_store.atomic():
            fresh_store.create_task("a")
            fresh_store.create_task("b")
            raise Boom
    assert dump(store_path) == before
    assert not fresh_store._conn.in_transaction


# -- opening at the same time ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v0", "latest"])
@pytest.mark.parametrize("trial", range(3))
def test_stores_opening_an_old_board_at_once_all_succeed(tmp_path, version, trial):
    """Each opener migrates what is still missing when it gets the write lock, so a second
    opener does not add a column the first one already added."""
    path = tmp_path / "old.db"
    hermes.create_board(path, version)
    barrier = threading.Barrier(4)
    errors: list = []

    def open_it():
        barrier.wait()
        try:
            Store(path).close()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    names = [c[0] for c in table_info(path, "tasks")]
    assert len(names) == len(set(names))
    # The failure counter the board's Hermes reads: v1's is added to v0; latest keeps its own
    # and gets back none of the columns it renamed away.
    if version == "v0":
        assert "spawn_failures" in names
    else:
        assert "consecutive_failures" in names and "spawn_failures" not in names


def test_old_board_locked_during_migration_is_busy_and_untouched(tmp_path):
    path = tmp_path / "v0.db"
    hermes.create_board(path, "v0")
    hermes.populate(path, "v0")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    before = sha256(path)
    try:
        with pytest.raises(BoardBusy):
            Store(path, busy_timeout=0.2)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert sha256(path) == before
    assert Store(path).get_task("t_0000") is not None


@pytest.mark.parametrize("nested", [False, True])
def test_an_error_after_sqlite_rolled_back_by_itself_is_not_masked(fresh_store, nested):
    """Some errors (a full disk, an interrupt) make SQLite roll back on its own; the caller
    must still see that error, not a 'cannot rollback' from the cleanup."""
    with pytest.raises(Boom):
        with fresh_store.atomic():
            if nested:
                with fresh_store.atomic() as conn:
                    fresh_store.create_task("lost")
                    conn.execute("ROLLBACK")  # what SQLite does by itself
                    raise Boom
            with fresh_store.atomic() as conn:
                conn.execute("ROLLBACK")
                raise Boom
    assert fresh_store.list_tasks() == []
    assert fresh_store.create_task("next") and fresh_store._depth == 0


def test_same_idempotency_key_from_many_writers_makes_one_task(store_path):
    Store(store_path)
    stores = [Store(store_path) for _ in range(6)]
    barrier = threading.Barrier(6)
    results: list = [None] * 6

    def create(n):
        barrier.wait()
        results[n] = stores[n].create_task(f"deploy {n}", idempotency_key="deploy-42")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(set(results)) == 1
    assert raw(store_path, "SELECT COUNT(*) FROM tasks") == [(1,)]
    assert raw(store_path, "SELECT COUNT(*) FROM task_events") == [(1,)]


def test_reads_work_while_another_writer_holds_the_lock(locked_board):
    store, parent, child = locked_board
    changes = store._conn.total_changes
    assert store.get_task(parent).title == "parent"
    assert store.board().card(child)["status"] == "todo"
    assert [e.kind for e in store.list_events(child)] == ["created"]
    assert len(store.events_since(0)) == 2
    assert store.list_comments(parent) == []
    assert len(store.cards([parent, child])) == 2
    assert store.dispatch_once(lambda task: 1, dry_run=True).spawned == [parent]
    assert store._conn.total_changes == changes


class _FirstSwitchLocked:
    """A connection whose first switch to WAL fails at once with 'database is locked', as
    SQLite answers a connection that would otherwise deadlock with another one switching."""

    def __init__(self, conn):
        self._conn, self.refused = conn, 0

    def execute(self, sql, *args):
        if sql == "PRAGMA journal_mode=WAL" and not self.refused:
            self.refused += 1
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def test_switching_to_wal_is_retried_when_sqlite_refuses_at_once(tmp_path, monkeypatch):
    path = tmp_path / "v0.db"
    hermes.create_board(path, "v0")
    real_connect = Store._connect
    wrapped = []

    def connect(self):
        wrapped.append(_FirstSwitchLocked(real_connect(self)))
        return wrapped[-1]

    monkeypatch.setattr(Store, "_connect", connect)
    store = Store(path, busy_timeout=5)
    assert wrapped[0].refused == 1
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]
    assert store.create_task("after the retry")
