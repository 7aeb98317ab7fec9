"""Functions run in child processes by the concurrency tests (importable under spawn)."""

from __future__ import annotations

from kanban_widget.store import Store


def write_a_share(path: str, worker: int, count: int, shared: str, start) -> list[str]:
    """Create ``count`` tasks, move each (done or blocked), comment on each and on ``shared``."""
    start.wait(timeout=60)
    made = []
    with Store(path, busy_timeout=30) as store:
        for n in range(count):
            task_id = store.create_task(f"w{worker}-{n}", assignee=f"worker{worker}")
            store.move_task(task_id, "done" if n % 2 else "blocked", result="r", reason="x")
            store.add_comment(task_id, f"worker{worker}", f"note {n}")
            store.add_comment(shared, f"worker{worker}", f"shared {n}")
            made.append(task_id)
    return made
