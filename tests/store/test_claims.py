"""Claims: compare-and-swap, heartbeats by the owner, stale claims released on time."""

from __future__ import annotations

import threading

import pytest

from kanban_widget.store import STATUSES, Store

from .helpers import kinds
from .test_moves import in_status


def test_claim_takes_a_ready_task(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    task = fresh_store.claim_task(task_id, claimer="w:1", ttl_seconds=30)
    now = int(clock())
    assert (task.status, task.claim_lock, task.claim_expires, task.started_at) == (
        "running", "w:1", now + 30, now)
    assert fresh_store.list_events(task_id)[-1].payload == {"lock": "w:1", "expires": now + 30}


def test_second_claim_loses(fresh_store):
    task_id = fresh_store.create_task("x")
    assert fresh_store.claim_task(task_id, claimer="w:1")
    assert fresh_store.claim_task(task_id, claimer="w:2") is None
    assert fresh_store.get_task(task_id).claim_lock == "w:1"
    assert kinds(fresh_store, task_id) == ["created", "claimed"]


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "ready"])
def test_claim_needs_ready(fresh_store, status):
    task_id = in_status(fresh_store, status)
    events = len(fresh_store.list_events())
    assert fresh_store.claim_task(task_id, claimer="other:2") is None
    assert fresh_store.get_task(task_id).status == status
    assert len(fresh_store.list_events()) == events


def test_claim_unknown_task(fresh_store):
    assert fresh_store.claim_task("t_missing") is None


def test_started_at_records_the_first_attempt(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    first = fresh_store.claim_task(task_id, ttl_seconds=5).started_at
    clock.advance(10)
    fresh_store.release_stale_claims()
    clock.advance(10)
    assert fresh_store.claim_task(task_id).started_at == first


def test_only_one_of_eight_concurrent_claimers_wins(store_path):
    task_id = Store(store_path).create_task("contested")
    stores = [Store(store_path) for _ in range(8)]
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def claim(n):
        barrier.wait()
        results[n] = stores[n].claim_task(task_id, claimer=f"worker:{n}")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert stores[0].get_task(task_id).claim_lock == winners[0].claim_lock
    assert kinds(stores[0], task_id) == ["created", "claimed"]


def test_heartbeat_by_the_owner_extends(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    fresh_store.claim_task(task_id, claimer="w:1", ttl_seconds=60)
    events = len(fresh_store.list_events())
    clock.advance(50)
    assert fresh_store.heartbeat_claim(task_id, claimer="w:1", ttl_seconds=3600) is True
    assert fresh_store.get_task(task_id).claim_expires == int(clock()) + 3600
    assert len(fresh_store.list_events()) == events  # heartbeats are not history


def test_heartbeat_by_someone_else_is_refused(fresh_store):
    task_id = fresh_store.create_task("x")
    expires = fresh_store.claim_task(task_id, claimer="w:1").claim_expires
    assert fresh_store.heartbeat_claim(task_id, claimer="w:2") is False
    assert fresh_store.heartbeat_claim(task_id) is False  # this process is not the owner
    assert fresh_store.get_task(task_id).claim_expires == expires


def test_heartbeat_default_claimer_is_this_process(fresh_store):
    task_id = fresh_store.create_task("x")
    fresh_store.claim_task(task_id)
    assert fresh_store.heartbeat_claim(task_id) is True


@pytest.mark.parametrize("status", ["ready", "blocked", "done"])
def test_heartbeat_of_a_task_not_running(fresh_store, status):
    task_id = in_status(fresh_store, status)
    assert fresh_store.heartbeat_claim(task_id, claimer="w:1") is False
    assert fresh_store.heartbeat_claim("t_missing") is False


def test_stale_claims_are_released_after_expiry(fresh_store, clock):
    a, b = fresh_store.create_task("a"), fresh_store.create_task("b")
    fresh_store.claim_task(a, claimer="w:1", ttl_seconds=10)
    fresh_store.claim_task(b, claimer="w:2", ttl_seconds=100)
    clock.advance(10)
    assert fresh_store.release_stale_claims() == 0  # expiring now is not yet stale
    clock.advance(1)
    assert fresh_store.release_stale_claims() == 1
    task = fresh_store.get_task(a)
    assert (task.status, task.claim_lock, task.claim_expires, task.worker_pid) == (
        "ready", None, None, None)
    assert fresh_store.list_events(a)[-1].payload == {"stale_lock": "w:1"}
    assert fresh_store.get_task(b).status == "running"
    clock.advance(1000)
    assert fresh_store.release_stale_claims() == 1
    assert fresh_store.release_stale_claims() == 0


def test_heartbeat_keeps_a_claim_alive(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    fresh_store.claim_task(task_id, claimer="w:1", ttl_seconds=10)
    for _ in range(5):
        clock.advance(8)
        fresh_store.heartbeat_claim(task_id, claimer="w:1", ttl_seconds=10)
        assert fresh_store.release_stale_claims() == 0
    assert fresh_store.get_task(task_id).status == "running"


def test_claims_without_expiry_are_never_stale(fresh_store, clock):
    task_id = fresh_store.create_task("x")
    fresh_store._conn.execute(
        "UPDATE tasks SET status='running', claim_lock='old:1', claim_expires=NULL WHERE id=?",
        (task_id,))
    clock.advance(10**6)
    assert fresh_store.release_stale_claims() == 0
