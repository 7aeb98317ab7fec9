"""The simulated agent fleet works a real board through dispatch_once, as the live demo does."""

from kanban_widget import Store
from kanban_widget.simulate import AgentPool


def test_pool_claims_heartbeats_comments_and_finishes(store_path):
    with Store(store_path) as store:
        ids = [store.create_task(f"job {i}", assignee=f"agent-{i % 2}") for i in range(6)]
        store.create_task("nobody's job")
    pool = AgentPool(store_path, seed=3, speed=40.0, block_rate=0.3, max_workers=3)
    stats = pool.run(seconds=3, tick=0.05)
    assert stats["spawned"] == 6
    assert stats["completed"] + stats["blocked"] == 6 and stats["blocked"] >= 1
    with Store(store_path) as store:
        statuses = {store.get_task(i).status for i in ids}
        assert statuses <= {"done", "blocked"}
        for task_id in ids:
            kinds = [e.kind for e in store.list_events(task_id)]
            assert kinds[:2] == ["created", "claimed"]
            assert kinds.count("commented") >= 2
            assert kinds[-1] in ("completed", "blocked")
        blocked = [i for i in ids if store.get_task(i).status == "blocked"]
        assert all(store.list_comments(i)[-1].body.startswith("BLOCKED:") for i in blocked)
        # the unassigned task was left for a person
        assert store.list_tasks(status="ready")[0].title == "nobody's job"


def test_pool_never_runs_more_than_max_workers(store_path):
    with Store(store_path) as store:
        for i in range(8):
            store.create_task(f"job {i}", assignee="bot")
    pool = AgentPool(store_path, seed=1, speed=20.0, max_workers=2)
    thread = pool.start(seconds=1.5, tick=0.05)
    peak = 0
    while thread.is_alive():
        peak = max(peak, pool.busy)
        with Store(store_path, read_only=True) as store:
            peak = max(peak, len(store.list_tasks(status="running")) - 0)
        thread.join(0.02)
    assert 1 <= peak <= 2
