"""``history.diff(store, since, until)``: which cards entered, left or moved between columns,
and who did it, checked against boards recorded under a controlled clock."""

from __future__ import annotations

import random

import pytest

from kanban_widget.store import KanbanError, ValidationError
from kanban_widget.store.history import diff

from .test_history import _random_op
from .test_history_as_of import on_leaving_each_second


def columns_of(board) -> dict:
    return {c["id"]: status for status, cards in board.columns.items() for c in cards}


def test_entered_left_and_moved_with_who(fresh_store, clock):
    start = int(clock.now)
    staying = fresh_store.create_task("staying", created_by="ann")
    leaving = fresh_store.create_task("leaving")
    since = int(clock.now)        # the boards compared include what is stamped at since
    clock.advance(10)
    fresh_store.claim_task(staying, claimer="worker:7")
    fresh_store.archive_task(leaving)
    clock.advance(10)
    newcomer = fresh_store.create_task("newcomer", created_by="bob")
    clock.advance(10)
    changes = diff(fresh_store, since)
    assert [(c["id"], c["change"], c["from"], c["to"], c["kind"], c["by"]) for c in changes] == [
        (staying, "moved", "ready", "running", "claimed", "worker:7"),
        (leaving, "left", "ready", None, "archived", None),
        (newcomer, "entered", None, "ready", "created", "bob"),
    ]
    assert [c["at"] for c in changes] == [since + 10, since + 10, since + 20]
    assert changes[0]["title"] == "staying"
    # With archived cards on the board, the archived one moved instead of leaving.
    archived = diff(fresh_store, since, clock.now, include_archived=True)[1]
    assert (archived["change"], archived["to"]) == ("moved", "archived")
    # Nothing changes over an empty window; the whole history from before the first task.
    assert diff(fresh_store, since + 10, since + 19) == []
    assert {c["change"] for c in diff(fresh_store, start - 1)} == {"entered"}


@pytest.mark.parametrize("seed", range(3))
def test_diff_matches_recorded_boards(fresh_store, clock, seed):
    rng = random.Random(seed)
    ids: list[str] = []
    recorded: dict = {}
    on_leaving_each_second(
        clock, lambda: recorded.__setitem__(fresh_store.now(), columns_of(fresh_store.board())))
    for _ in range(150):
        try:
            _random_op(fresh_store, clock, rng, ids)
        except KanbanError:
            pass
    times = sorted(recorded)
    for _ in range(40):
        since, until = sorted(rng.sample(times, 2))
        before, after = recorded[since], recorded[until]
        expected = {t: (before.get(t), after.get(t)) for t in set(before) | set(after)
                    if before.get(t) != after.get(t)}
        changes = diff(fresh_store, since, until)
        assert {c["id"]: (c["from"], c["to"]) for c in changes} == expected
        for c in changes:
            assert c["change"] == ("entered" if c["from"] is None else
                                   "left" if c["to"] is None else "moved")
            assert since < c["at"] <= until


def test_until_before_since_is_refused(fresh_store):
    with pytest.raises(ValidationError, match="before since"):
        diff(fresh_store, 2_000_000_000, 1_000_000_000)
