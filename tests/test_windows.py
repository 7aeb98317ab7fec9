"""Windows: the page gets each column's first cards and the counts, kept right by patches while
another process changes the board, under the filters and lanes, and grown by "show more".

Every expectation is computed the plain way (the whole board read by ``Store.board()``, the
filters applied by ``matches_filters``, grouped and cut in Python) and compared with what the
widget sent through its comm.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3

import pytest

from kanban_widget import Store
from kanban_widget.board import matches_filters, wire_card
from kanban_widget.store.vocabulary import card_sort_key
from kanban_widget.store import windows
from kanban_widget.store.windows import INDEXES, PAGE, lane_of
from test_sync import Replica, wait_for


def expected(path, *, search="", tenant="", assignee="", lanes=False, include_archived=False,
             limits=None):
    """(cards, counts, lane_counts) a page should hold, from the whole board."""
    with Store(path, read_only=True) as store:
        snapshot = store.board(include_archived=include_archived)
    groups: dict = {}
    for card in map(wire_card, snapshot.cards):
        if matches_filters(card, search=search, tenant=tenant, assignee=assignee):
            groups.setdefault((card["status"], lane_of(card) if lanes else None), []).append(card)
    cards, counts, lane_counts = {}, {}, {}
    for (status, lane), group in groups.items():
        group.sort(key=card_sort_key)
        limit = (limits or {}).get((status, lane), PAGE)
        cards.update({c["id"]: c for c in group[:limit]})
        counts[status] = counts.get(status, 0) + len(group)
        if lanes:
            lane_counts.setdefault(status, {})[lane] = len(group)
    return cards, counts, lane_counts


def _other_process(path, script):
    """Run ``script`` (a list of (verb, args)) against the board in another process."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_run_script, args=(str(path), script))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0


def _run_script(path, script):
    with Store(path) as store:
        for verb, args, kwargs in script:
            getattr(store, verb)(*args, **kwargs)


def _board_of(path, n_ready=130, n_todo=5):
    with Store(path) as store:
        ready = [store.create_task(f"ready {i}", assignee="ann" if i % 2 else "bo",
                                   tenant="acme" if i % 3 else "globex", priority=i % 4)
                 for i in range(n_ready)]
        store.update_task(ready[min(7, n_ready - 1)], body="Plan for the ÉTÉ release")
        todo = [store.create_task(f"todo {i}", triage=True) for i in range(n_todo)]
    return ready, todo


def _shown(replica):
    return replica.cards, {s: n for s, n in replica.counts.items() if n}


def test_the_first_snapshot_holds_the_windows_and_the_counts(store_path, make_board):
    _board_of(store_path)
    board, _wire = make_board(store_path, live=False)
    snapshot = board.get_state()["_board"]
    cards, counts, _ = expected(store_path)
    assert {c["id"]: c for c in snapshot["cards"]} == cards
    assert snapshot["counts"] == counts == {"ready": 130, "triage": 5}
    assert snapshot["page"] == PAGE and len(snapshot["cards"]) == PAGE + 5
    assert len(board._state.cards) == PAGE + 5  # the kernel holds no more than the page does
    assert repr(board).endswith("(135 cards)>")


def test_patches_keep_the_windows_while_another_process_writes(store_path, make_board):
    ready, todo = _board_of(store_path)
    board, wire = make_board(store_path)
    replica = Replica(board, wire)
    window = [c["id"] for c in sorted(replica.cards.values(), key=card_sort_key)
              if c["status"] == "ready"]
    outside = next(i for i in reversed(ready) if i not in replica.cards)
    quiet = next(i for i in ready if i not in replica.cards and i != outside)
    steps = [
        # a card far down the column jumps to its top: it enters, the window's last card leaves
        [("update_task", (outside,), {"priority": 9})],
        # a shown card leaves for another column: the next card of ready refills the window
        [("move_task", (window[0], "blocked"), {})],
        # a card outside every window changes: no card travels, only what counts says
        [("add_comment", (quiet, "bot", "note"), {})],
        # a new card, archived shown cards, a retitled one
        [("create_task", ("brand new",), {"priority": 5, "assignee": "cy"}),
         ("move_task", (window[1], "archived"), {}),
         ("update_task", (window[2],), {"title": "renamed"})],
        [("move_task", (todo[0], "todo"), {})],
    ]
    for script in steps:
        _other_process(store_path, script)
        cards, counts, _ = expected(store_path)
        wait_for(lambda: (replica.pump(), _shown(replica))[1] == (cards, counts))
    assert replica.cards[outside]["priority"] == 9
    assert replica.cards[window[0]]["status"] == "blocked"
    patches = wire.custom("patch")
    assert any(p["removes"] for p in patches), "no card left a window: nothing tested"
    comment_patch = next(p for p in patches if quiet in p["touched"])
    assert comment_patch["upserts"] == [] and comment_patch["removes"] == []
    assert "counts" not in comment_patch  # a comment moves no card between columns


@pytest.mark.parametrize("filters", [
    {"tenant": "globex"}, {"assignee": "ann"}, {"assignee": "(unassigned)"},
    {"search": "  READY 1"}, {"search": "été"}, {"search": "ready 1", "tenant": "acme",
                                                  "assignee": "bo"}, {"search": "nothing"},
])
def test_filters_run_in_python_and_the_page_gets_their_windows(store_path, make_board, filters):
    _board_of(store_path)
    board, wire = make_board(store_path)
    for name, value in filters.items():
        setattr(board, name, value)
    snapshot = wire.states()[-1]["_board"]
    cards, counts, _ = expected(store_path, **filters)
    assert {c["id"]: c for c in snapshot["cards"]} == cards
    assert snapshot["counts"] == counts
    assert board.visible_ids() == [
        c["id"] for c in sorted(expected(store_path, limits={k: 10**6 for k in _keys(counts)},
                                         **filters)[0].values(), key=card_sort_key)]
    # and they stay right while another process writes
    replica = Replica(board, wire)
    with Store(store_path) as store:
        task = store.list_tasks()[0].id
    _other_process(store_path, [("update_task", (task,), {"title": "ready 1 renamed été"}),
                                ("create_task", ("ready 1 again",), {"tenant": "globex"})])
    cards, counts, _ = expected(store_path, **filters)
    wait_for(lambda: (replica.pump(), _shown(replica))[1] == (cards, counts))


def _keys(counts):
    return [(status, None) for status in counts]


def test_show_more_brings_the_next_page_until_the_column_is_all_shown(store_path, make_board):
    _board_of(store_path)
    board, wire = make_board(store_path, live=False)
    replica = Replica(board, wire)
    added = []
    for _ in range(3):
        reply = wire.request("more", column="ready")
        assert reply["ok"], reply
        added.append(reply["result"]["added"])
        replica.pump()
    assert added == [PAGE, 130 - 2 * PAGE, 0]
    cards, counts, _ = expected(store_path, limits={("ready", None): 10**6})
    assert _shown(replica) == (cards, counts)
    # the grown window is kept across a re-read of the board (a replaced file, refresh())
    board.refresh()
    assert len(wire.states()[-1]["_board"]["cards"]) == 135


def test_show_more_of_a_lane(store_path, make_board):
    _board_of(store_path)
    board, wire = make_board(store_path, lanes=True, live=False)
    snapshot = board.get_state()["_board"]
    cards, counts, lane_counts = expected(store_path, lanes=True)
    assert {c["id"]: c for c in snapshot["cards"]} == cards
    assert snapshot["lane_counts"] == lane_counts == {
        "ready": {"ann": 65, "bo": 65}, "triage": {"(unassigned)": 5}}
    reply = wire.request("more", column="ready", lane="ann")
    assert reply["result"]["added"] == 15
    held = [c for c in board._state.cards.values() if c["status"] == "ready"]
    assert sum(c["assignee"] == "ann" for c in held) == 65
    assert sum(c["assignee"] == "bo" for c in held) == PAGE
    with sqlite3.connect(store_path) as conn:  # the lanes' index came with the lanes
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {INDEXES["board_order"][0], INDEXES["lane_order"][0]} <= names


def test_a_more_request_outside_the_protocol_is_refused(store_path, make_board):
    _board_of(store_path, n_ready=3)
    _board, wire = make_board(store_path, live=False)
    reply = wire.request("more")
    assert reply["code"] == "BadMessage" and "'column' is required" in reply["error"]
    reply = wire.request("more", column=["ready"])
    assert reply["code"] == "BadMessage" and "column" in reply["error"]
    assert wire.request("more", column="nowhere")["result"] == {"rev": _board._state.rev,
                                                                "added": 0}


def test_the_added_index_leaves_a_board_hermes_and_sqlite_accept(store_path, make_board):
    _board_of(store_path, n_ready=3)
    make_board(store_path, live=False)
    conn = sqlite3.connect(store_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                           (INDEXES["board_order"][0],)).fetchone()[0]
        assert sql.startswith("CREATE INDEX") and "ON tasks" in sql
        # Hermes' own read of a column uses plain SQL: it still answers, and the planner uses
        # the new index for the board's order
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE status = 'ready' "
            "ORDER BY COALESCE(priority, 0) DESC, created_at, id LIMIT 50"))
        assert INDEXES["board_order"][0] in plan and "TEMP B-TREE FOR ORDER BY" not in plan
        # and it does not lure the card query's done-children count into scanning every done
        # task (an index holding the status and the id would: it covers that join)
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM task_links l JOIN tasks c "
            "ON c.id = l.child_id WHERE l.parent_id = 'x' AND c.status = 'done'"))
        assert INDEXES["board_order"][0] not in plan, plan
    finally:
        conn.close()
    with Store(store_path) as store:  # and our own store opens it as a board
        assert len(store.list_tasks()) == 3 + 5


def test_a_read_only_board_gets_no_index_and_still_shows_windows(store_path, make_board):
    _board_of(store_path)
    board, _wire = make_board(store_path, read_only=True, live=False)
    cards, counts, _ = expected(store_path)
    assert {c["id"]: c for c in board.get_state()["_board"]["cards"]} == cards
    with sqlite3.connect(store_path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert INDEXES["board_order"][0] not in names


def test_choices_by_index_seeks_are_the_stores(store_path):
    rng = random.Random(4)
    with Store(store_path) as store:
        for i in range(300):
            task = store.create_task(f"t{i}", assignee=rng.choice([None, "", "ann", "bo", "Émile"]),
                                     tenant=rng.choice([None, "", "acme", "b", "ü"]))
            if rng.random() < 0.4:
                store.move_task(task, "archived")
        assert windows.choices(store) == store.choices()
        store.update_task(task, assignee="zed")
        store.move_task(task, "archived")
        before = store.choices()
        assert windows.choices_after(store, *before, store.cards([task])) == before


def test_show_more_brings_changes_not_yet_followed_with_it(store_path, make_board):
    """A window grown after another process wrote, before the widget followed the write: the
    patch carries that write too, so the cards it brings and the counts agree."""
    ready, _ = _board_of(store_path)
    board, wire = make_board(store_path, live=False)  # nothing follows the file but this test
    replica = Replica(board, wire)
    deep = [i for i in ready if i not in replica.cards]
    with Store(store_path) as other:
        other.move_task(deep[0], "blocked", reason="moved before the window grew")
        other.update_task(deep[1], priority=50)  # into the first page
        fresh = other.create_task("new and low", priority=-5, assignee="ann")
    assert wire.request("more", column="ready")["ok"]
    replica.pump()
    cards, counts, _ = expected(store_path, limits={("ready", None): 2 * PAGE})
    assert _shown(replica) == (cards, counts)
    assert counts["ready"] == 130 and counts["blocked"] == 1 and fresh not in replica.cards
    board.sync_now()  # the writes, followed now, change nothing more
    replica.pump()
    assert _shown(replica) == (cards, counts)


def test_ids_names_every_card_of_a_column_under_the_filters(store_path, make_board):
    ready, _ = _board_of(store_path)
    board, wire = make_board(store_path, live=False, tenant="acme")
    reply = wire.request("ids", column="ready")
    in_order = [c["id"] for c in sorted(expected(store_path, tenant="acme",
                                                 limits={("ready", None): 10**6})[0].values(),
                                        key=card_sort_key)]
    assert reply["result"] == {"ids": in_order, "total": len(in_order)}
    assert len(in_order) > PAGE  # more than the page holds
    assert sum(c["status"] == "ready" for c in board._state.cards.values()) == PAGE
    board.lanes = True
    lane = wire.request("ids", column="ready", lane="ann")["result"]["ids"]
    assert lane == [i for i in in_order if board.store.get_task(i).assignee == "ann"]
    assert wire.request("ids", column="nowhere")["result"] == {"ids": [], "total": 0}


def test_lane_counts_follow_reassignments_from_another_process(store_path, make_board):
    ready, _ = _board_of(store_path)
    board, wire = make_board(store_path, lanes=True)
    shown = next(i for i in ready if i in board._state.cards and
                 board._state.cards[i]["assignee"] == "ann")
    hidden = next(i for i in ready if i not in board._state.cards)
    _other_process(store_path, [("update_task", (shown,), {"assignee": "bo"}),
                                ("update_task", (hidden,), {"assignee": "cy"})])
    cards, counts, lane_counts = expected(store_path, lanes=True)
    wait_for(lambda: board._state.lane_counts == lane_counts)
    assert board._state.counts == counts and board._state.cards == cards
    sent = {}
    for patch in wire.custom("patch"):
        for status, lanes in patch.get("lane_counts", {}).items():
            sent.setdefault(status, {}).update(lanes)
    # the patches carried the lanes that changed, with their final values
    assert sent["ready"]["cy"] == 1 and sent["ready"]["ann"] == lane_counts["ready"]["ann"]
    assert all(n == lane_counts["ready"].get(lane, 0) for lane, n in sent["ready"].items()), sent
