"""``store.board(as_of=t)`` is the board as it really was at t.

Each test drives a board with a controlled clock and records the true board after every step
(the live ``store.board()`` for our own boards, the Hermes writer's own model for Hermes
boards); then ``board(as_of=...)`` at every recorded instant, and between them, must give the
recorded board back.
"""

from __future__ import annotations

import sqlite3

import datetime as dt
import random

import pytest

from kanban_widget.store import KanbanError, Store, ValidationError
from kanban_widget.store.history import FROM_LOG, PastBoard, as_seconds, history_of

from .hermes_writer import HermesWriter
from .test_history import _random_op
from .test_replay import random_history

#: Fields compared card by card (besides the column and the order within it).
COMPARED = ("title", "status", "status_since", "assignee", "priority", "progress",
            "link_counts", "comment_count")


def check_past_board(past: PastBoard, true) -> None:
    """``past`` equals the recorded board ``true``, except fields the past card lists in
    ``current_values`` (today's value, flagged): a difference is never left unflagged."""
    assert list(past.columns) == list(true.columns)
    for status, true_cards in true.columns.items():
        past_cards = past.columns[status]
        unsure_order = any("priority" in c["current_values"] for c in past_cards)
        if unsure_order:   # a priority the log cannot tell may reorder the column
            assert sorted(c["id"] for c in past_cards) == sorted(c["id"] for c in true_cards)
        else:
            assert [c["id"] for c in past_cards] == [c["id"] for c in true_cards], status
        by_id = {c["id"]: c for c in true_cards}
        for card in past_cards:
            real = by_id[card["id"]]
            for name in COMPARED:
                if name not in card["current_values"]:
                    assert card[name] == real[name], (card["id"], name, card[name], real[name])
    assert past.cursor == true.cursor
    assert past.tenants == true.tenants
    if not any("assignee" in c["current_values"] for c in past.cards):
        assert past.assignees == true.assignees


def record(store, recorded: dict) -> None:
    """The true board now, at the store's clock (a later step in the same second wins)."""
    recorded[store.now()] = (store.board(include_archived=True), store.board())


def on_leaving_each_second(clock, call) -> None:
    """Call ``call()`` each time the clock is about to move on: the board is final for a
    second only once the clock leaves it (the random ops move it between verbs, and an expiry
    moves it mid-op)."""
    move_clock = clock.advance

    def advance(seconds):
        if seconds:
            call()
        move_clock(seconds)

    clock.advance = advance


def check_recorded(store, recorded: dict) -> int:
    """``board(as_of=t)`` at every recorded instant and half a second later; returns how
    many instants were checked."""
    for at, (with_archived, without) in recorded.items():
        for when in (at, at + 0.5):
            check_past_board(store.board(as_of=when, include_archived=True), with_archived)
            check_past_board(store.board(as_of=when), without)
    first = min(recorded)
    assert store.board(as_of=first - 1).cards == []
    return len(recorded)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("scrub_while_writing", [False, True])
def test_random_verbs_on_our_board_scrub_back_exactly(fresh_store, clock, seed,
                                                      scrub_while_writing):
    """Every verb (create, move, link, unlink, complete, block, unblock, archive, claim,
    expiring claims, dispatch with failing spawns, edits, comments, recompute) with their side
    effects: each past board is the board as it was. Scrubbing while the board is written
    patches the history built at the first scrub with each batch of new events instead."""
    rng = random.Random(seed)
    ids: list[str] = []
    recorded: dict = {}
    on_leaving_each_second(clock, lambda: record(fresh_store, recorded))
    history = None
    for step in range(160):
        try:
            _random_op(fresh_store, clock, rng, ids)
        except KanbanError:
            pass
        if scrub_while_writing and step % 7 == 3:
            fresh_store.board(as_of=clock.now)
            history = history or history_of(fresh_store)
            assert history_of(fresh_store) is history      # patched, not rebuilt
    record(fresh_store, recorded)
    assert check_recorded(fresh_store, recorded) > 50


def test_side_effects_are_scrubbed_to(fresh_store, clock):
    """Children promoted and demoted by their parents' moves and links are in the column
    they were in at each instant."""
    recorded: dict = {}

    def step(action):
        action()
        record(fresh_store, recorded)
        clock.advance(60)

    parent = fresh_store.create_task("parent", assignee="ann")
    other = fresh_store.create_task("other")
    child = fresh_store.create_task("child", parents=[parent])
    record(fresh_store, recorded)
    clock.advance(60)
    step(lambda: fresh_store.complete_task(parent))             # promotes the child
    step(lambda: fresh_store.move_task(parent, "todo"))         # demotes it
    step(lambda: fresh_store.move_task(parent, "done"))         # promotes it again
    step(lambda: fresh_store.link_tasks(other, child))          # an open parent: demoted
    step(lambda: fresh_store.unlink_tasks(other, child))        # promoted
    step(lambda: fresh_store.assign_task(child, "bob"))
    step(lambda: fresh_store.claim_task(child, ttl_seconds=30))
    step(lambda: fresh_store.release_stale_claims())            # expired: back to ready
    step(lambda: fresh_store.add_comment(child, "bob", "hi"))
    step(lambda: fresh_store.archive_task(other))
    check_recorded(fresh_store, recorded)
    # And the child's journey, read plainly:
    start = min(recorded)
    columns = [next(s for s, cards in fresh_store.board(as_of=start + 60 * i).columns.items()
                    if any(c["id"] == child for c in cards)) for i in range(9)]
    assert columns == ["todo", "ready", "todo", "ready", "todo", "ready", "ready", "running",
                       "ready"]


def test_fields_the_log_cannot_tell_are_flagged(fresh_store, clock):
    task = fresh_store.create_task("first title", priority=2)
    clock.advance(10)
    fresh_store.update_task(task, title="second title", priority=3)
    before = fresh_store.board(as_of=clock.now - 5).card(task)
    assert before["title"] == "second title"          # today's title: no edit logs the old one
    assert before["priority"] == 2                      # our `created` event logs it
    assert before["current_values"] == ["title"]
    after = fresh_store.board(as_of=clock.now).card(task)
    assert after["current_values"] == [] and after["priority"] == 3
    past = fresh_store.board(as_of=clock.now)
    assert past.from_log == FROM_LOG and "title" in past.current_fields
    assert "status" not in past.current_fields and past.as_of == past.now == int(clock.now)


def test_a_priority_hermes_did_not_log_is_flagged(fresh_store, store_path, clock):
    """Hermes' `created` payload has no priority: before the first change it is unknown."""
    task = fresh_store.create_task("t", priority=2)
    with sqlite3.connect(store_path) as conn:         # the payload as Hermes writes it
        conn.execute("UPDATE task_events SET payload = json_remove(payload, '$.priority') "
                     "WHERE kind = 'created'")
    clock.advance(10)
    fresh_store.update_task(task, priority=3)
    before = fresh_store.board(as_of=clock.now - 5).card(task)
    assert before["current_values"] == ["priority"] and before["priority"] == 3


def test_a_board_opened_after_the_fact_follows_new_events(store_path, clock):
    """The history is built once, then rebuilt when the log grows (a write from another
    connection included)."""
    reader = Store(store_path, clock=clock)
    writer = Store(store_path, clock=clock)
    task = writer.create_task("t")
    assert reader.board(as_of=clock.now).card(task)["status"] == "ready"
    clock.advance(5)
    writer.move_task(task, "blocked")
    assert reader.board(as_of=clock.now).card(task)["status"] == "blocked"
    assert reader.board(as_of=clock.now - 5).card(task)["status"] == "ready"


def test_as_of_accepts_datetimes_timestamps_and_seconds(fresh_store, clock):
    import pandas as pd

    task = fresh_store.create_task("t")
    at = int(clock.now)
    aware = dt.datetime.fromtimestamp(at, dt.timezone.utc)
    naive = aware.replace(tzinfo=None)
    for when in (at, float(at) + 0.9, aware, naive, pd.Timestamp(aware), pd.Timestamp(naive)):
        assert as_seconds(when) == at, when
        assert fresh_store.board(as_of=when).card(task) is not None
    assert fresh_store.board(as_of=at - 1).card(task) is None
    for bad in ("yesterday", True, float("nan"), [at]):
        with pytest.raises(ValidationError, match="as_of must be"):
            fresh_store.board(as_of=bad)


# -- Hermes boards ------------------------------------------------------------------------------

def hermes_progress(parents: dict, status: dict) -> dict:
    """Each parent's progress as the board shows it, from the writer's own model."""
    out: dict = {}
    for child, ps in parents.items():
        for p in ps:
            total, done = out.get(p, (0, 0))
            out[p] = (total + (status[child] != "archived"), done + (status[child] == "done"))
    return {p: {"done": d, "total": t} if t else None for p, (t, d) in out.items()}


@pytest.mark.parametrize("version", ["v0", "v1", "latest"])
@pytest.mark.parametrize("seed", range(3))
def test_hermes_boards_scrub_back_exactly(tmp_path, version, seed):
    """Boards written the way each Hermes version writes them (events missing for some
    changes: ``linked`` demotions, decompose's edges): at every instant each task is in the
    status the Hermes writer had it in, with its parents' progress then."""
    path = tmp_path / "kanban.db"
    w = HermesWriter(path, version)
    rng = random.Random(seed)
    recorded: dict = {}
    for _ in range(200):
        at = w.now              # a step writes at this time, then moves the clock on
        random_history(w, rng, 1)
        parents = {c: set(ps) for c, ps in w.parents.items()}
        recorded[at] = (dict(w.status), parents)     # a later step in the same second wins
    w.close()
    with Store(path, read_only=True) as store:
        for at, (status, parents) in recorded.items():
            past = store.board(as_of=at, include_archived=True)
            shown = {c["id"]: s for s, cards in past.columns.items() for c in cards}
            assert shown == status, at
            progress = hermes_progress(parents, status)
            for card in past.cards:
                assert card["progress"] == progress.get(card["id"]), (at, card["id"])
                assert card["link_counts"]["parents"] == len(parents.get(card["id"], ()))
