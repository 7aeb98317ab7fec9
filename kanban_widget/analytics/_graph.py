"""``critical_path``: the chain of open ancestors that will keep a task waiting longest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..critical import critical_chain
from ._flow import _instant_ns
from ._source import durations, open_board, text

_NS = 1_000_000_000


def critical_path(src, task_id: str, *, now=None, percentile: float = 50.0) -> pd.DataFrame:
    """The chain of open ancestors of ``task_id`` with the longest expected remaining time.

    A task is open while it is neither done nor archived (an open parent blocks its child).
    The chains considered are ``A1 → A2 → … → task_id`` where each ``Ai`` is open and a parent
    of the next; done or archived tasks end a chain (they block nothing). ``task_id`` itself
    ends every chain and counts when it is open; for a done or archived task the result is
    empty. The chain's expected time is the sum over its tasks: they run one after another.
    Ties between chains go to the parent with the smallest id.

    **Expected remaining time** of an open task *X*, in status *s* for ``age`` *a* (``now`` −
    when it entered *s*, replayed from the events), with *P(S)* the ``percentile``-th
    percentile (numpy's linear interpolation) of the durations in *S*::

        remaining(X) = max(0, P(finished spells in s longer than a) − a)
                       + Σ_{s' in AHEAD[s]} share(s') × P(finished spells in s')

    Finished spells are the board's completed stays in a status (spells that have ended), from
    the whole history; ``share(s')`` is the fraction of tasks ever done that spent a spell in
    *s'* (so a column most work skips, like review, weighs little). A term with no finished
    spell to measure counts 0, and so does the current column when no finished spell there
    lasted longer than *a*. ``AHEAD`` (``kanban_widget.critical.AHEAD``) lists the columns
    still ahead of each status: ``todo`` → ready, running, review; ``ready`` → running,
    review; ``blocked`` → running, review; ``running`` → review. Statuses outside it (unknown
    ones) count only their current column. Each task's time is rounded to whole seconds.

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
    now_s = (pd.Timestamp.now(tz="UTC").value if now is None else _instant_ns(now)) // _NS
    with open_board(src) as board:
        steps = critical_chain(board.conn, task_id, now=now_s, percentile=percentile)
    remaining = np.array([s.remaining for s in steps], dtype=np.int64)
    frame = pd.DataFrame({
        "title": text([s.title for s in steps]).values,
        "status": text([s.status for s in steps]).values,
        "assignee": text([s.assignee for s in steps]).values,
        "age": durations(np.array([s.age for s in steps], dtype=np.int64)),
        "remaining": durations(remaining),
        "cumulative": durations(np.cumsum(remaining)),
    }, index=pd.Index(text([s.task_id for s in steps]), name="task_id"))
    frame.attrs["total"] = pd.Timedelta(int(remaining.sum()), unit="s")
    return frame
