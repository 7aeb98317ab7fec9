"""The one replay engine on boards Hermes wrote: every history ends in the task's real status.

The boards are written by ``HermesWriter``, which follows each Hermes version's verbs as
``reference/hermes-events.md`` describes them (event rows, payloads, and the changes made with
no event). Expected spells are derived from that reference, not from running the replay.
"""

from __future__ import annotations

import random
import sqlite3

import numpy as np
import pytest

from kanban_widget.store import Store
from kanban_widget.store.replay import NO_TIME, replay_board

from .hermes_boards import T0
from .hermes_writer import HermesWriter

#: The event id the engine gives a closing spell (it sorts after every event).
CLOSING = np.iinfo(np.int64).max


def replayed(path):
    conn = sqlite3.connect(path)
    try:
        return replay_board(conn)
    finally:
        conn.close()


def closed(path) -> list:
    """Tasks whose history the replay had to close with a spell no event explains."""
    h = replayed(path)
    return sorted(h.task_ids[h.spell_task[h.start_id == CLOSING]])


def spells(path) -> dict:
    """``{task id: [(status, start, end or None, inferred), ...]}`` as the engine replays."""
    h = replayed(path)
    out: dict = {}
    for i, task in enumerate(h.spell_task):
        end = None if h.end[i] == NO_TIME else int(h.end[i])
        out.setdefault(h.task_ids[task], []).append(
            (h.statuses[h.spell_status[i]], int(h.start[i]), end, bool(h.inferred[i])))
    return out


def real_status(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, status FROM tasks").fetchall())
    finally:
        conn.close()


def check_board(path) -> tuple[int, int]:
    """Every task's last spell is its real status, and its spells are ordered and contiguous.
    Returns (tasks whose replay agrees, tasks)."""
    replayed, real = spells(path), real_status(path)
    assert set(replayed) == set(real)
    for task, rows in replayed.items():
        for (_, start, end, _), nxt in zip(rows, rows[1:] + [None]):
            if nxt is None:
                assert end is None, (task, rows)
            else:
                assert end == nxt[1] and start <= end, (task, rows)
            assert nxt is None or nxt[0] != rows[rows.index(nxt) - 1][0], (task, rows)
    agree = sum(rows[-1][0] == real[task] for task, rows in replayed.items())
    return agree, len(real)


def since_agrees(path) -> None:
    """The card's "in this column since" is the start of the engine's last spell."""
    h = replayed(path)
    tails = np.r_[h.spell_task[1:] != h.spell_task[:-1], True]
    last_start = dict(zip(h.task_ids[h.spell_task[tails]], h.start[tails].tolist()))
    with Store(path, read_only=True) as store:
        cards = store.board(include_archived=True).cards
    assert {c["id"]: c["status_since"] for c in cards} == last_start


@pytest.fixture
def board_path(tmp_path):
    return tmp_path / "kanban.db"


def writer(path, version) -> HermesWriter:
    return HermesWriter(path, version)


# -- the table: each case as Hermes writes it ---------------------------------------

@pytest.mark.parametrize("version", ["v0", "v1", "latest"])
def test_a_link_demotes_a_ready_child_without_an_event(board_path, version):
    w = writer(board_path, version)
    parent = w.create()
    w.tick()
    child = w.create()
    w.tick()
    w.link(parent, child)                      # only `linked`; the child drops to todo
    w.close()
    assert spells(board_path)[child] == [("ready", T0 + 1, T0 + 2, False),
                                         ("todo", T0 + 2, None, True)]
    assert real_status(board_path)[child] == "todo"


def test_a_link_to_a_done_parent_leaves_the_child_ready(board_path):
    w = writer(board_path, "latest")
    parent = w.create()
    w.claim(parent)
    w.complete(parent)
    child = w.create()
    w.tick()
    w.link(parent, child)
    w.close()
    assert spells(board_path)[child] == [("ready", T0, None, False)]


def _steps(w, task, *verbs):
    for verb in verbs:
        w.tick()
        name, *args = verb if isinstance(verb, tuple) else (verb,)
        assert getattr(w, name)(task, *args), name


CASES = {
    # block_loop_detected: the second untyped block goes to triage.
    "block_loop_detected": (["claim", "block", "unblock", "block"],
                            ["ready", "running", "blocked", "ready", "triage"]),
    "promoted_manual": (["claim", "block", "promote_manual"],
                        ["ready", "running", "blocked", "ready"]),
    "scheduled": (["schedule"], ["ready", "scheduled"]),
    "review_requested": (["claim", "request_review"], ["ready", "running", "review"]),
    "changes_requested": (["claim", "request_review", "claim", "request_changes"],
                          ["ready", "running", "review", "running", "ready"]),
    # unblocked {status: review}: the run was claimed from review, so it resumes there.
    "unblocked_to_review": (["claim", "request_review", "claim", "block", "unblock"],
                            ["ready", "running", "review", "running", "blocked", "review"]),
    "reclaimed_to_review": (["claim", "request_review", "claim", "reclaim"],
                            ["ready", "running", "review", "running", "review"]),
    "crashed_then_gave_up": (["claim", "crash", "claim", "crash"],
                             ["ready", "running", "ready", "running", "ready", "blocked"]),
    "timed_out": (["claim", ("crash", "timed_out")], ["ready", "running", "ready"]),
    "protocol_violation": (["claim", ("crash", "protocol_violation")],
                           ["ready", "running", "ready"]),
    "rate_limited": (["claim", ("crash", "rate_limited")], ["ready", "running", "ready"]),
    "reconciled": (["claim", "reconcile"], ["ready", "running", "ready"]),
    "dependency_block": (["claim", ("block", "dependency")], ["ready", "running", "todo"]),
    "review_reopened": (["claim", "request_review", "reopen_review"],
                        ["ready", "running", "review", "ready"]),
    "spawn_failed_then_gave_up": (["claim", "spawn_failed", "claim", "spawn_failed"],
                                  ["ready", "running", "ready", "running", "blocked"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_latest_kinds_replay_to_the_real_status(board_path, case):
    verbs, expected = CASES[case]
    w = writer(board_path, "latest")
    task = w.create()
    _steps(w, task, *verbs)
    w.close()
    rows = spells(board_path)[task]
    assert [r[0] for r in rows] == expected
    assert expected[-1] == real_status(board_path)[task]
    assert not any(r[3] for r in rows)          # every change has its event


def test_specified_while_a_parent_is_open_is_todo(board_path):
    w = writer(board_path, "latest")
    parent = w.create()
    w.tick()
    task = w.create([parent], triage=True)
    w.tick()
    w.specify(task)
    w.close()
    assert spells(board_path)[task] == [("triage", T0 + 1, T0 + 2, False),
                                        ("todo", T0 + 2, None, False)]


def test_specified_without_parents_is_promoted(board_path):
    w = writer(board_path, "latest")
    task = w.create(triage=True)
    w.tick()
    w.specify(task)
    w.close()
    assert [r[0] for r in spells(board_path)[task]] == ["triage", "todo", "ready"]


def test_claim_rejected_changes_only_a_ready_task(board_path):
    w = writer(board_path, "latest")
    parent = w.create()
    w.tick()
    child = w.create([parent])                 # todo
    w.tick()
    w.claim(child)                             # claim_rejected, written though not ready
    w.close()
    assert spells(board_path)[child] == [("todo", T0 + 1, None, False)]


def test_decompose_children_start_in_todo_and_are_promoted(board_path):
    w = writer(board_path, "latest")
    root = w.create(triage=True)
    w.tick()
    w.decompose(root)
    w.close()
    replayed = spells(board_path)
    kids = [t for t in replayed if t != root]
    assert [r[0] for r in replayed[root]] == ["triage", "todo"]
    for kid in kids:
        assert [r[0] for r in replayed[kid]] == ["todo", "ready"]


def test_descendants_invalidated_when_a_parent_reopens(board_path):
    w = writer(board_path, "latest")
    parent = w.create()
    w.tick()
    w.claim(parent)
    w.complete(parent)
    child = w.create([parent])
    w.tick()
    w.claim(child)
    w.tick()
    w.reopen(parent)
    w.close()
    assert [r[0] for r in spells(board_path)[child]] == ["ready", "running", "todo"]
    assert check_board(board_path) == (2, 2)


def test_v1_spawn_failed_without_a_change_is_ignored(board_path):
    w = writer(board_path, "v1")
    task = w.create()
    w.tick()
    w.spawn_failed(task)                       # the task was not running: nothing changed
    w.close()
    assert spells(board_path)[task] == [("ready", T0, None, False)]


def test_v1_fifth_spawn_failure_auto_blocks(board_path):
    w = writer(board_path, "v1")
    task = w.create()
    for _ in range(5):
        _steps(w, task, "claim", "spawn_failed")
    w.close()
    rows = spells(board_path)[task]
    assert [r[0] for r in rows[-3:]] == ["ready", "running", "blocked"]
    assert real_status(board_path)[task] == "blocked"


def test_v0_ready_events_promote(board_path):
    w = writer(board_path, "v0")
    parent = w.create()
    child = w.create([parent])
    w.tick()
    w.claim(parent)
    w.tick()
    w.complete(parent)                         # then recompute writes `ready` for the child
    w.close()
    assert spells(board_path)[child] == [("todo", T0, T0 + 2, False),
                                         ("ready", T0 + 2, None, False)]


def test_v1_history_without_created_starts_inferred(board_path):
    w = writer(board_path, "v1")
    task = w.create()
    w.tick(40 * 86400)
    w.claim(task)
    w.tick()
    w.complete(task)
    w.tick(40 * 86400)
    w.gc()                                     # deletes the task's events older than 30 days
    w.close()
    rows = spells(board_path)[task]
    assert rows[0][3] and rows[-1][0] == "done"
    assert check_board(board_path) == (1, 1)


def test_a_status_the_log_cannot_explain_closes_with_an_inferred_spell(board_path):
    w = writer(board_path, "v1")
    task = w.create()
    w.tick(5)
    w.event(task, "commented", {"author": "a", "len": 1})
    w.set(task, "blocked")                     # a write with no event at all
    w.close()
    assert spells(board_path)[task] == [("ready", T0, T0 + 5, False),
                                        ("blocked", T0 + 5, None, True)]


def test_a_link_in_another_tenant_still_demotes(board_path):
    from kanban_widget import analytics

    w = writer(board_path, "latest")
    parent = w.create()
    w.conn.execute("UPDATE tasks SET tenant = 'other' WHERE id = ?", (parent,))
    w.tick()
    child = w.create()
    w.conn.execute("UPDATE tasks SET tenant = 'mine' WHERE id = ?", (child,))
    w.tick()
    w.link(parent, child)
    w.close()
    frame = analytics.status_intervals(board_path, tenant="mine")
    assert list(frame["status"]) == ["ready", "todo"]
    assert list(frame["inferred"]) == [False, True]


# -- random histories ----------------------------------------------------------------------

COMMON = ["create", "create", "link", "unlink", "claim", "claim", "complete", "block",
          "unblock", "archive", "spawn_failed", "reclaim", "heartbeat", "recompute"]
OPS = {
    "v0": COMMON,
    "v1": COMMON + ["crash", "direct", "triage"],
    "latest": COMMON + ["crash", "direct", "triage", "promote_manual", "request_review",
                        "request_changes", "reopen_review", "schedule", "specify",
                        "decompose", "reopen", "reconcile", "timed_out", "dependency",
                        "blocked_create"],
}
STATUSES = ["todo", "ready", "running", "blocked", "done", "triage", "archived"]


def random_history(w: HermesWriter, rng: random.Random, steps: int) -> None:
    ops = OPS[w.version]
    for _ in range(steps):
        tasks = sorted(w.status)
        op = rng.choice(ops) if tasks else "create"
        pick = lambda: rng.choice(tasks)  # noqa: E731
        if op == "create":
            w.create(rng.sample(tasks, k=min(len(tasks), rng.choice([0, 0, 1, 2]))))
        elif op == "triage":
            w.create(rng.sample(tasks, k=min(len(tasks), rng.choice([0, 1]))), triage=True)
        elif op == "blocked_create":
            w.create(blocked=True)
        elif op in ("link", "unlink"):
            getattr(w, op)(pick(), pick())
        elif op == "recompute":
            w.recompute()
        elif op == "direct":
            # The dashboard sends done through complete_task, never as a direct write.
            w.direct(pick(), rng.choice(["todo", "ready", "running", "triage"]))
        elif op == "timed_out":
            w.crash(pick(), rng.choice(["timed_out", "protocol_violation", "rate_limited",
                                        "stale"]))
        elif op == "dependency":
            w.block(pick(), "dependency")
        elif op == "block":
            w.block(pick(), rng.choice([None, None, "tests"]))
        else:
            getattr(w, op)(pick())
        w.tick(rng.choice([0, 0, 1, 7]))


@pytest.mark.parametrize("version", ["v0", "v1", "latest"])
@pytest.mark.parametrize("seed", range(6))
def test_random_hermes_histories_replay_to_the_real_status(tmp_path, version, seed):
    path = tmp_path / "kanban.db"
    w = writer(path, version)
    random_history(w, random.Random(seed), 250)
    w.close()
    agree, total = check_board(path)
    assert agree == total
    since_agrees(path)
    # Every change Hermes makes is in its log or inferable from it: nothing is left to close.
    assert closed(path) == []


@pytest.mark.parametrize("seed", range(4))
def test_random_board_written_by_hermes_and_by_us(tmp_path, seed):
    path = tmp_path / "kanban.db"
    rng = random.Random(seed)
    w = writer(path, "latest")
    random_history(w, rng, 60)
    w.conn.commit()
    store = Store(path, clock=lambda: w.now)
    try:
        for _ in range(8):
            ids = sorted(w.status)
            for _ in range(15):
                task = rng.choice(ids)
                op = rng.choice(["move", "link", "complete", "block", "unblock", "claim"])
                try:
                    if op == "move":
                        store.move_task(task, rng.choice(STATUSES))
                    elif op == "link":
                        store.link_tasks(rng.choice(ids), task)
                    elif op == "claim":
                        store.claim_task(task)
                    else:
                        getattr(store, f"{op}_task")(task)
                except Exception as exc:  # refused moves are part of the game
                    assert type(exc).__name__ in ("InvalidTransition", "ValidationError",
                                                  "CycleError"), exc
                w.tick(rng.choice([0, 1]))
            w.reload()
            random_history(w, rng, 20)
    finally:
        store.close()
    w.close()
    agree, total = check_board(path)
    assert agree == total
    since_agrees(path)


@pytest.mark.parametrize("seed", range(3))
def test_renumbered_ids_and_skewed_clocks_keep_spells_ordered(tmp_path, seed):
    """Latest's migration renumbers event ids, and writers' clocks disagree: the replay still
    ends every task in its real status, with spells that never overlap or go back in time."""
    path = tmp_path / "kanban.db"
    rng = random.Random(seed)
    w = writer(path, "latest")
    random_history(w, rng, 200)
    rows = w.conn.execute("SELECT id, task_id, kind, payload, created_at FROM task_events"
                          ).fetchall()
    new_ids = rng.sample(range(1, 10 * len(rows)), len(rows))
    w.conn.execute("DELETE FROM task_events")
    w.conn.executemany(
        "INSERT INTO task_events (id, task_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [(i, t, k, p, at + rng.choice([0, 0, 0, -3, 5])) for i, (_, t, k, p, at)
         in zip(new_ids, rows)])
    w.close()
    agree, total = check_board(path)
    assert agree == total
