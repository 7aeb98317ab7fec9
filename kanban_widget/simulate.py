"""Simulated agent workers, for live demos: a fleet of threads working a board like agents do.

``AgentPool`` is a dispatcher (pass it as ``spawn`` to :meth:`Store.dispatch_once`, or as
``KanbanBoard(..., dispatcher=pool)``) whose workers are threads. Each worker opens its own
:class:`Store` (as a separate agent process would), heartbeats its claim, comments on progress,
and then completes its task or blocks it with a question, at a pace you choose. ``run`` drives
the dispatcher loop itself::

    pool = AgentPool("kanban.db", seed=1, speed=4.0)
    pool.run(seconds=30)          # dispatch every tick; workers finish tasks as they go
    pool.stats                    # {'spawned': 12, 'completed': 9, 'blocked': 2, ...}
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Optional

from .store import KanbanError, Store, Task

_NOTES = (
    "Read the task and the parent results.",
    "Found the relevant module; sketching the change.",
    "First draft done, running the checks.",
    "Checks pass locally; writing up the result.",
)
_QUESTIONS = (
    "Which API version should this target?",
    "The spec contradicts the parent's result; which one wins?",
    "Need credentials for the staging environment.",
)


class AgentPool:
    """A dispatcher whose workers are threads that behave like agents.

    Args:
        path: the board file (each worker opens its own connection to it).
        seed: makes the workers' choices repeatable.
        speed: how many times faster than "real" (1.0: a task takes 4–12 s).
        block_rate: the share of tasks a worker blocks with a question instead of finishing.
        max_workers: at most this many tasks run at once.
    """

    def __init__(self, path: str | Path, *, seed: int = 0, speed: float = 1.0,
                 block_rate: float = 0.15, max_workers: int = 4):
        self.path = Path(path)
        self.speed = float(speed)
        self.block_rate = block_rate
        self.max_workers = max_workers
        self.stats: Counter = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._stop = threading.Event()

    # -- the dispatcher interface ------------------------------------------------------------------

    def __call__(self, task: Task) -> Optional[int]:
        """Start a worker thread on a task the dispatcher just claimed (``spawn`` for
        ``dispatch_once``). Returns None: there is no process id to record."""
        with self._lock:
            duration = self._rng.uniform(4.0, 12.0) / self.speed
            blocks = self._rng.random() < self.block_rate
            notes = self._rng.sample(_NOTES, k=2)
            question = self._rng.choice(_QUESTIONS)
        worker = threading.Thread(target=self._work, args=(task, duration, blocks, notes, question),
                                  name=f"agent-{task.id}", daemon=True)
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            self.stats["spawned"] += 1
        worker.start()
        return None

    @property
    def busy(self) -> int:
        """How many workers are running now."""
        with self._lock:
            return sum(w.is_alive() for w in self._workers)

    # -- driving a board ---------------------------------------------------------------------------

    def run(self, seconds: float, *, tick: float = 0.5, progress: bool = False) -> Counter:
        """Dispatch every ``tick`` seconds for ``seconds``, then wait for the workers to finish.
        Returns the stats. Stops early when :meth:`stop` is called."""
        self._stop.clear()
        deadline = time.monotonic() + seconds
        with Store(self.path) as store:
            while time.monotonic() < deadline and not self._stop.is_set():
                free = self.max_workers - self.busy
                if free > 0:
                    store.dispatch_once(self, max_spawn=free)
                if progress:
                    print(f"\r{dict(self.stats)}", end="", flush=True)
                self._stop.wait(tick)
        self.join()
        if progress:
            print(f"\r{dict(self.stats)}")
        return self.stats

    def start(self, seconds: float, **kwargs) -> threading.Thread:
        """:meth:`run` in a background thread (so a notebook cell returns at once)."""
        thread = threading.Thread(target=self.run, args=(seconds,), kwargs=kwargs,
                                  name="agent-pool", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Stop dispatching; running workers finish their current step and return."""
        self._stop.set()

    def join(self, timeout: float = 60.0) -> None:
        """Wait for every worker to finish."""
        deadline = time.monotonic() + timeout
        for worker in list(self._workers):
            worker.join(max(0.0, deadline - time.monotonic()))

    # -- one worker --------------------------------------------------------------------------------

    def _work(self, task: Task, duration: float, blocks: bool, notes: list, question: str) -> None:
        author = task.assignee or "agent"
        try:
            with Store(self.path) as store:
                for note in notes:
                    if self._stop.wait(duration / 3):
                        break
                    store.heartbeat_claim(task.id)
                    store.add_comment(task.id, author, note)
                if self._stop.is_set():
                    store.block_task(task.id, reason="stopped by the demo")
                    self._count("stopped")
                elif blocks:
                    store.add_comment(task.id, author, f"BLOCKED: {question}")
                    store.block_task(task.id, reason=question)
                    self._count("blocked")
                else:
                    store.complete_task(task.id, result=f"Done by {author}: {task.title}")
                    self._count("completed")
        except KanbanError as exc:  # the task was moved under us (archived, reassigned...)
            self._count("interrupted")
            self.last_error = str(exc)

    def _count(self, what: str) -> None:
        with self._lock:
            self.stats[what] += 1
