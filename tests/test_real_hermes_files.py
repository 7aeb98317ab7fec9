"""One board file, two programs: the real Hermes Agent (its ``hermes kanban`` CLI, each release in
``real_hermes.VERSIONS``) and the store, writing and reading the same ``kanban.db``.

Hermes works a board through every verb its CLI has, and the store must agree with Hermes on
every task's status, both as the file holds it and as the event log replays it (time travel and
the analytics read the replay: a wrong replay is a wrong chart). The store opening Hermes' file
must leave its schema as Hermes wrote it; what the store writes, Hermes must read and work on;
and an open board must follow Hermes' writes without losing one.
"""

from __future__ import annotations

import sqlite3
import time

import pytest

from kanban_widget import Store
from kanban_widget.store.replay import replay_board
from real_hermes import VERSIONS, Hermes
from test_remote_widget import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture(params=VERSIONS)
def hermes(request, tmp_path):
    return Hermes(request.param, tmp_path / "hermes-home")


def work_a_board(hermes: Hermes) -> dict[str, str]:
    """Work a board through each verb both releases' CLIs have; returns the tasks by name."""
    h = hermes
    plan = h.create("Plan the release", "--assignee", "ann", "--priority", "2",
                    "--tenant", "acme")
    build = h.create("Build it", "--parent", plan)               # todo: waits on its parent
    idea = h.create("An idea", "--triage")
    fix = h.create("Fix the login", "--assignee", "bo")
    spare = h.create("Spare hands")
    h.kanban("comment", plan, "looks good", "--author", "ann")
    h.kanban("claim", fix)                                       # running
    h.kanban("heartbeat", fix, "--note", "half way")
    h.kanban("block", fix, "waiting", "on", "access")           # blocked
    h.kanban("unblock", fix)                                     # ready again
    h.kanban("claim", fix)
    h.kanban("complete", fix, "--result", "fixed")               # done
    h.kanban("edit", fix, "--result", "fixed, and tested")       # done still
    h.kanban("assign", spare, "cy")
    h.kanban("claim", spare)
    h.kanban("reclaim", spare, "--reason", "stuck")              # ready again
    h.kanban("reassign", spare, "dee")
    h.kanban("complete", plan, "--result", "planned")            # Build it: todo -> ready
    h.kanban("link", spare, build)                               # Build it waits again
    h.kanban("unlink", spare, build)
    h.kanban("archive", spare)
    return {"plan": plan, "build": build, "idea": idea, "fix": fix, "spare": spare}


def test_the_newest_verbs_replay_to_hermes_statuses(tmp_path):
    """``promote`` and ``schedule`` came after 0.13: the newest release only."""
    hermes = Hermes(VERSIONS[-1], tmp_path / "hermes-home")
    waiting = hermes.create("Waits on a parent", "--parent", hermes.create("Parent"))
    later = hermes.create("Later")
    idea = hermes.create("Idea", "--triage")
    hermes.kanban("promote", waiting, "the parent can wait", "--force")   # todo -> ready
    hermes.kanban("schedule", later, "after the freeze")                 # -> scheduled
    hermes.kanban("schedule", idea, "next quarter")
    truth = hermes.statuses()
    assert (truth[waiting], truth[later]) == ("ready", "scheduled")
    with Store(hermes.db, read_only=True) as store:
        replayed = {c["id"]: c["status"]
                    for c in store.board(as_of=store.now() + 1, include_archived=True).cards}
        assert statuses_held(store, waiting) == ["todo", "ready"]
        assert statuses_held(store, later) == ["ready", "scheduled"]
    assert replayed == truth


def schema(path) -> list:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


def test_the_store_agrees_with_hermes_on_every_status_live_and_replayed(hermes):
    tasks = work_a_board(hermes)
    truth = hermes.statuses()
    assert len(truth) == 5 and truth[tasks["spare"]] == "archived"   # Hermes' own account
    before = schema(hermes.db)
    with Store(hermes.db) as store:
        now = store.now() + 1
        live = {t.id: t.status for t in store.list_tasks(include_archived=True)}
        replayed = {c["id"]: c["status"]
                    for c in store.board(as_of=now, include_archived=True).cards}
        # Every status Hermes went through, in order, as the replay tells it.
        fix_story = statuses_held(store, tasks["fix"])
        spare_story = statuses_held(store, tasks["spare"])
    assert live == truth
    assert replayed == truth
    assert fix_story == ["ready", "running", "blocked", "ready", "running", "done"]
    assert spare_story == ["ready", "running", "ready", "archived"]
    assert spare_story == ["ready", "running", "ready", "archived"]
    assert schema(hermes.db) == before            # opened, read, replayed: nothing rewritten
    assert hermes.statuses() == truth              # and Hermes carries on with its file


def statuses_held(store: Store, task_id: str) -> list[str]:
    """The statuses a task held, in order, as the store's replay of the event log tells them
    (the engine under time travel and the analytics)."""
    with store.reading() as conn:
        spells = replay_board(conn, "t.id = ?", (task_id,))
    ordered = sorted(range(len(spells.spell_task)), key=lambda i: (spells.start[i],
                                                                     spells.start_id[i]))
    return [spells.statuses[spells.spell_status[i]] for i in ordered]


def test_hermes_reads_and_works_what_the_store_wrote(hermes):
    hermes.kanban("init")
    with Store(hermes.db) as store:
        parent = store.create_task("Ours", assignee="ann", priority=1, tenant="acme")
        child = store.create_task("Our child", parents=[parent])
        store.add_comment(parent, "me", "written by kanban-widget")
        blocked = store.create_task("Stuck one")
        store.block_task(blocked, reason="needs a key")
        archived = store.create_task("Old one")
        store.archive_task(archived)
    truth = hermes.statuses()
    assert truth == {parent: "ready", child: "todo", blocked: "blocked", archived: "archived"}
    shown = hermes.show(parent)
    assert [c["body"] for c in shown["comments"]] == ["written by kanban-widget"]
    assert [c for c in shown["children"]] == [child]
    # Hermes works our tasks with its own verbs, and its side effects land.
    hermes.kanban("claim", parent)
    hermes.kanban("complete", parent, "--result", "done by hermes")
    hermes.kanban("unblock", blocked)
    with Store(hermes.db, read_only=True) as store:
        assert store.get_task(parent).status == "done"
        assert store.get_task(child).status == "ready"          # promoted by Hermes
        assert store.get_task(blocked).status == "ready"
        replayed = {c["id"]: c["status"] for c in store.board(
            as_of=store.now() + 1, include_archived=True).cards}
    assert replayed == hermes.statuses()


def test_an_open_board_follows_hermes_writes_and_loses_none(hermes, make_board):
    hermes.kanban("init")
    board, wire = make_board(hermes.db)
    made = [hermes.create(f"Task {i}") for i in range(6)]
    for task_id in made[:3]:
        hermes.kanban("claim", task_id)
    hermes.kanban("complete", made[0], "--result", "ok")
    hermes.kanban("block", made[1], "stuck")
    deadline = time.monotonic() + 20
    truth = hermes.statuses()
    expected = {status: list(truth.values()).count(status) for status in set(truth.values())}
    wait_for(lambda: {k: v for k, v in board._state.counts.items() if v} == expected
             or time.monotonic() > deadline)
    assert {k: v for k, v in board._state.counts.items() if v} == expected
    shown = {c["id"]: c["status"] for c in board._state.payload()["cards"]}
    assert shown == truth
    # The board's own write goes into Hermes' file while Hermes is writing too.
    reply = wire.request("move", task_id=made[5], status="blocked")
    assert reply["ok"], reply
    hermes.kanban("unblock", made[1])
    assert hermes.statuses()[made[5]] == "blocked"
    wait_for(lambda: board._state.cards.get(made[1], {}).get("status") == "ready")



#: One task through each verb both releases' CLIs have, a minute apart ({n}: the n-th created).
TIMED_COMMANDS = [
    ["create", "Plan", "--assignee", "ann", "--json"],          # {0}
    ["create", "Build", "--parent", "{0}", "--json"],           # {1}: todo
    ["create", "Fix", "--assignee", "bo", "--json"],            # {2}
    ["create", "Idea", "--triage", "--json"],                   # {3}
    ["claim", "{2}"],
    ["block", "{2}", "waiting"],
    ["unblock", "{2}"],
    ["claim", "{2}"],
    ["reclaim", "{2}", "--reason", "stuck"],
    ["claim", "{2}"],
    ["complete", "{2}", "--result", "fixed"],
    ["claim", "{0}"],
    ["complete", "{0}", "--result", "planned"],                 # {1} promoted to ready
    ["link", "{2}", "{1}"],                                     # a done parent: still ready
    ["create", "Later", "--json"],                               # {4}
    ["link", "{4}", "{1}"],                                     # {1} waits again: todo
    ["unlink", "{4}", "{1}"],                                   # ready again
    ["archive", "{4}"],
    ["claim", "{1}"],
    ["complete", "{1}", "--result", "built"],
]
#: Verbs of the newest release only.
NEWEST_COMMANDS = [
    ["create", "Waits", "--parent", "{3}", "--json"],           # {5}: todo (its parent: triage)
    ["promote", "{5}", "forced", "--force"],
    ["schedule", "{5}", "after the freeze"],
    ["schedule", "{3}", "next quarter"],
]


def test_the_board_as_of_any_moment_is_what_hermes_held_then(hermes):
    """Issue #15's correctness test with Hermes as the writer: Hermes' clock is set for each
    command, its ``tasks`` table is recorded after each, and ``store.board(as_of=t)`` must give
    exactly those statuses at every recorded moment and between them."""
    commands = TIMED_COMMANDS + (NEWEST_COMMANDS if hermes.version == VERSIONS[-1] else [])
    start = 1_780_000_000
    ids, moments = hermes.run_timed(commands, start=start, step=60)
    assert moments[-1][1][ids[4]] == "archived" and moments[-1][1][ids[1]] == "done"
    with Store(hermes.db, read_only=True) as store:
        for at, held in moments:
            for when in (at, at + 59):       # at the command, and just before the next one
                past = store.board(as_of=when, include_archived=True)
                assert {c["id"]: c["status"] for c in past.cards} == held, when - start
        assert store.board(as_of=start - 1).cards == []
