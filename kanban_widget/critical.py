"""The critical path to a task: the chain of open ancestors expected to keep it waiting longest.

The computation behind :func:`kanban_widget.analytics.critical_path` (which returns it as a
DataFrame) and the Graph view's highlight. numpy only, through the store's replay engine: the
widget answers the page without importing pandas.

**Expected remaining time** of an open task *X* (neither done nor archived), in status *s* for
``age`` *a* (``now`` − when it entered *s*, replayed from the events), with *P(S)* the
``percentile``-th percentile (numpy's linear interpolation) of the durations in *S*::

    remaining(X) = max(0, P(finished spells in s longer than a) − a)
                   + Σ_{s' in AHEAD[s]} share(s') × P(finished spells in s')

Finished spells are the board's completed stays in a status (spells that have ended), from the
whole history; ``share(s')`` is the fraction of tasks ever done that spent a spell in *s'* (so
a column most work skips, like review, weighs little). A term with no finished spell to
measure counts 0, and so does the current column when no finished spell there lasted longer
than *a*. Statuses outside ``AHEAD`` (unknown ones) count only their current column. Each
task's time is rounded to whole seconds.

The **critical path** to a task *T*: of the chains ``A1 → … → Ak → T`` where each ``Ai`` is
open and a parent of the next, the one with the largest sum of expected remaining times (the
tasks run one after another). Done or archived tasks end a chain (they block nothing); *T*
counts when open, and a done or archived *T* has an empty path. Ties go to the parent with the
smallest id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .store.errors import TaskNotFound, ValidationError
from .store.replay import NO_TIME, Spells, group_tails, replay_board
from .store.vocabulary import SATISFIED

#: The statuses a task still passes through after each status on its usual way to done.
#: ``blocked`` goes back to work; ``review`` is the last stop before done.
AHEAD = {
    "triage": ("todo", "ready", "running", "review"),
    "todo": ("ready", "running", "review"),
    "scheduled": ("ready", "running", "review"),
    "ready": ("running", "review"),
    "blocked": ("running", "review"),
    "running": ("review",),
    "review": (),
}


@dataclass(frozen=True)
class PathStep:
    """One task of a critical path; ``age`` and ``remaining`` in seconds."""

    task_id: str
    title: str
    status: str
    assignee: object
    age: int
    remaining: int


def critical_chain(conn, task_id: str, *, now: int, percentile: float = 50.0) -> list[PathStep]:
    """The critical path to ``task_id`` on the board open on ``conn`` (run it inside one read
    transaction), furthest ancestor first. ``now``: Unix seconds.

    Raises TaskNotFound for an unknown task, ValidationError for a percentile outside 0–100.
    """
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) \
            or not 0 <= percentile <= 100:
        raise ValidationError(f"percentile must be a number from 0 to 100, not {percentile!r}")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(tasks)")}
    assignee = "assignee" if "assignee" in columns else "NULL"  # an old Hermes board
    tasks = {r[0]: tuple(r) for r in conn.execute(
        f"SELECT id, title, status, {assignee} FROM tasks")}
    if task_id not in tasks:
        raise TaskNotFound(task_id)
    links = conn.execute("SELECT parent_id, child_id FROM task_links").fetchall()
    expect = RemainingTime(replay_board(conn), int(now), float(percentile))
    chain = _longest_chain(task_id, tasks, links, expect.seconds)
    return [PathStep(t, tasks[t][1] or "", tasks[t][2], tasks[t][3], expect.age(t),
                     expect.seconds(t)) for t in chain]


def _longest_chain(target: str, tasks: dict, links: list, weight) -> list:
    """The open ancestors' chain ending at ``target`` with the largest sum of ``weight``."""
    def is_open(t: str) -> bool:
        return t in tasks and tasks[t][2] not in SATISFIED

    if not is_open(target):
        return []
    parents: dict = {}
    for parent, child in links:
        parents.setdefault(child, []).append(parent)
    best: dict = {}   # task → (expected seconds of its longest chain, the parent it goes through)
    # Iterative post-order over open ancestors (a deep chain must not hit the recursion limit).
    # A board written by another tool may hold a cycle: a task met again while its own
    # ancestors are being walked (``visiting``) is left out of that chain.
    stack, visiting = [(target, False)], set()
    while stack:
        task, expanded = stack.pop()
        if task in best or (task in visiting and not expanded):
            continue
        ups = sorted(p for p in parents.get(task, ()) if is_open(p))
        if not expanded:
            visiting.add(task)
            stack.append((task, True))
            stack.extend((p, False) for p in ups if p not in best)
            continue
        visiting.discard(task)
        through, longest = None, 0
        for p in ups:  # sorted: the first of equal chains wins
            if p not in best:
                continue  # on a cycle through ``task``
            if best[p][0] > longest or through is None:
                through, longest = p, best[p][0]
        best[task] = (weight(task) + longest, through)
    chain = []
    task = target
    while task is not None:
        chain.append(task)
        task = best[task][1]
    return chain[::-1]


class RemainingTime:
    """The expected remaining time of each open task (see the module's docstring), from one
    replay of the board."""

    def __init__(self, spells: Spells, now: int, percentile: float):
        self.now, self.q = now, percentile
        finished = spells.end != NO_TIME
        self._spells = {}  # status → the sorted durations of its finished spells
        for code, status in enumerate(spells.statuses):
            mask = finished & (spells.spell_status == code)
            self._spells[status] = np.sort(spells.end[mask] - spells.start[mask])
        tails = np.flatnonzero(group_tails(spells.spell_task))
        ids = spells.task_ids[spells.spell_task[tails]].tolist()
        self._since = dict(zip(ids, spells.start[tails].tolist()))
        self._status = dict(zip(ids, (spells.statuses[c] for c in spells.spell_status[tails])))
        self._share = self._visit_shares(spells)

    @staticmethod
    def _visit_shares(h: Spells) -> dict:
        """Per status: the fraction of tasks ever done that spent a spell in it."""
        done = h.code("done")
        ever_done = np.unique(h.spell_task[h.spell_status == done]) if done >= 0 else []
        if not len(ever_done):
            return {}
        mine = np.isin(h.spell_task, ever_done)
        return {status: len(np.unique(h.spell_task[mine & (h.spell_status == code)]))
                / len(ever_done) for code, status in enumerate(h.statuses)}

    def _percentile(self, values: np.ndarray) -> float:
        return float(np.percentile(values, self.q)) if len(values) else 0.0

    def age(self, task_id: str) -> int:
        """Seconds since ``task_id`` entered its current status (0 if the replay has none)."""
        since = self._since.get(task_id, NO_TIME)
        return max(0, self.now - since) if since != NO_TIME else 0

    def seconds(self, task_id: str) -> int:
        """Expected seconds until ``task_id`` is done (0 for a done or unknown task)."""
        status = self._status.get(task_id)
        if status is None or status in SATISFIED:
            return 0
        age = self.age(task_id)
        spells = self._spells.get(status, np.empty(0, dtype=np.int64))
        longer = spells[spells > age]
        here = max(0.0, self._percentile(longer) - age) if len(longer) else 0.0
        ahead = sum(self._share.get(s, 0.0) * self._percentile(self._spells.get(s, np.empty(0)))
                    for s in AHEAD.get(status, ()))
        return int(round(here + ahead))


def expected_path(store, task_id: str, *, percentile: float = 50.0) -> dict:
    """The critical path as the Graph view gets it, read through ``store``'s connection at
    the store's clock: ``{task_id, path: [ids], remaining: {id: seconds}, total: seconds,
    percentile}``."""
    with store.reading() as conn:
        steps = critical_chain(conn, task_id, now=store.now(), percentile=percentile)
    return {"task_id": task_id, "path": [s.task_id for s in steps], "percentile": percentile,
            "remaining": {s.task_id: s.remaining for s in steps},
            "total": sum(s.remaining for s in steps)}
