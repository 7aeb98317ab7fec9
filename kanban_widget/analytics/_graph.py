"""``critical_path``: the chain of open ancestors that will keep a task waiting longest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..store.errors import TaskNotFound, ValidationError
from ..store.vocabulary import SATISFIED
from ._flow import _instant_ns
from ._replay import History, load_history, per_task_times
from ._source import NO_TIME, durations, open_board, text

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

_NS = 1_000_000_000


def critical_path(src, task_id: str, *, now=None, percentile: float = 50.0) -> pd.DataFrame:
    """The chain of open ancestors of ``task_id`` with the longest expected remaining time.

    A task is open while it is neither done nor archived (an open parent blocks its child).
    The chains considered are ``A1 → A2 → … → task_id`` where each ``Ai`` is open and a parent
    of the next; done or archived tasks end a chain (they block nothing). ``task_id`` itself
    ends every chain and counts when it is open; for a done or archived task the result is
    empty.

    **Expected remaining time** of an open task *X*, in status *s* for ``age`` *a* (``now`` −
    when it entered *s*, replayed from the events), with *P(S)* the ``percentile``-th
    percentile (numpy's linear interpolation) of the durations in *S*::

        remaining(X) = max(0, P(finished spells in s longer than a) − a)
                       + Σ_{s' in AHEAD[s]} share(s') × P(finished spells in s')

    Finished spells are the board's completed stays in a status (spells that have ended), from
    the whole history; ``share(s')`` is the fraction of tasks ever done that spent a spell in
    *s'* (so a column most work skips, like review, weighs little). A term with no finished
    spell to measure counts 0, and so does the current column when no finished spell there
    lasted longer than *a*. ``AHEAD`` lists the columns still ahead of each status (``todo`` →
    ready, running, review); statuses outside it (unknown ones) count only their current
    column. The chain's expected time is the sum over its tasks: they run one after another.

    Ties between chains go to the parent with the smallest id, so the answer is stable.

    :param src: a ``Store`` or the path of a kanban.db file.
    :param task_id: the task whose wait is measured.
    :param now: the instant ages are measured at (datetime, Timestamp, ISO string or Unix
        seconds); the current time by default.
    :param percentile: which percentile of the column durations stands for "expected", 0 to
        100 (default 50, the median).
    :returns: a DataFrame indexed by ``task_id``, the chain in order (the furthest ancestor
        first, ``task_id`` last), with ``title``, ``status``, ``assignee``, ``age`` and
        ``remaining`` (``timedelta64[ns]``) and ``cumulative`` (the expected time until that
        task is done). ``frame.attrs["total"]`` holds the chain's expected time (a Timedelta).

    Raises TaskNotFound for an unknown task, ValidationError for a percentile outside 0 to 100,
    and BoardNotFound / UnreadableBoard when ``src`` is not a kanban board.
    """
    if isinstance(percentile, bool) or not isinstance(percentile, (int, float)) \
            or not 0 <= percentile <= 100:
        raise ValidationError(f"percentile must be a number from 0 to 100, not {percentile!r}")
    now_s = (pd.Timestamp.now(tz="UTC").value if now is None else _instant_ns(now)) // _NS
    with open_board(src) as board:
        rows = board.conn.execute(
            f"SELECT id, title, status, {board.col('assignee', 'tasks')} FROM tasks").fetchall()
        links = board.conn.execute("SELECT parent_id, child_id FROM task_links").fetchall()
        history = load_history(board)
    tasks = {r[0]: r for r in rows}
    if task_id not in tasks:
        raise TaskNotFound(task_id, getattr(src, "path", src))
    expect = RemainingTime(history, now_s, float(percentile))
    chain = _longest_chain(task_id, tasks, links, expect.seconds)
    ages = [expect.age(t) for t in chain]
    remaining = [expect.seconds(t) for t in chain]
    frame = pd.DataFrame({
        "title": text([tasks[t][1] for t in chain]).values,
        "status": text([tasks[t][2] for t in chain]).values,
        "assignee": text([tasks[t][3] for t in chain]).values,
        "age": durations(np.array(ages, dtype=np.int64)),
        "remaining": durations(np.array(remaining, dtype=np.int64)),
        "cumulative": durations(np.cumsum(np.array(remaining, dtype=np.int64))),
    }, index=pd.Index(text(chain), name="task_id"))
    frame.attrs["total"] = pd.Timedelta(int(sum(remaining)), unit="s")
    return frame


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
    """The expected remaining time of each open task (see ``critical_path``), from one replay."""

    def __init__(self, history: History, now: int, percentile: float):
        self.h, self.now, self.q = history, now, percentile
        finished = history.end != NO_TIME
        self._spells = {}  # status → the sorted durations of its finished spells
        for code, status in enumerate(history.statuses):
            mask = finished & (history.spell_status == code)
            self._spells[status] = np.sort(history.end[mask] - history.start[mask])
        times = per_task_times(history)
        self._since = dict(zip(history.task_ids.tolist(), times["since"].tolist()))
        self._status = {t: history.statuses[c] if c >= 0 else None
                        for t, c in zip(history.task_ids.tolist(), times["status"].tolist())}
        self._share = self._visit_shares()

    def _visit_shares(self) -> dict:
        """Per status: the fraction of tasks ever done that spent a spell in it."""
        h = self.h
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
        since = self._since.get(task_id, NO_TIME)
        return max(0, self.now - since) if since != NO_TIME else 0

    def seconds(self, task_id: str) -> int:
        """Expected seconds until ``task_id`` is done (0 for a task the replay does not know)."""
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


def expected_path(src, task_id: str, *, now=None, percentile: float = 50.0) -> dict:
    """``critical_path`` as plain data for the page: ``{task_id, path: [ids], remaining:
    {id: seconds}, total: seconds}``."""
    frame = critical_path(src, task_id, now=now, percentile=percentile)
    seconds = (frame["remaining"].dt.total_seconds().astype(int)).tolist()
    return {"task_id": task_id, "path": list(frame.index), "percentile": percentile,
            "remaining": dict(zip(frame.index, seconds)), "total": int(sum(seconds))}


