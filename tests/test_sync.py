"""Live sync: commits from anywhere reach the widget as small patches, and nothing is lost."""

import gc
import json
import multiprocessing
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from kanban_widget import KanbanBoard, Store
from kanban_widget.store import BoardGone
from kanban_widget.board import wire_card
from kanban_widget.store.windows import PAGE


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Poll until predicate() is true; fail with a clear message after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


class Replica:
    """What a page holds: the last full board plus every patch applied in revision order.

    It follows the front end's rule: a patch whose rev is not the next one is dropped and a
    resync is requested.
    """

    def __init__(self, board, wire):
        self.wire = wire
        self.seen = 0
        self._load(board.get_state()["_board"])

    def _load(self, snapshot):
        self.rev = snapshot["rev"]
        self.cards = {c["id"]: c for c in snapshot["cards"]}
        self.counts = dict(snapshot["counts"])

    def pump(self):
        with self.wire.lock:
            new = self.wire.messages[self.seen:]
            self.seen += len(new)
        for message in new:
            if message.get("method") == "update" and "_board" in message.get("state", {}):
                self._load(message["state"]["_board"])
            elif message.get("method") == "custom" and message["content"]["type"] == "patch":
                patch = message["content"]
                if patch["rev"] != self.rev + 1:
                    self.wire.send({"type": "resync"})
                    continue
                self.rev = patch["rev"]
                for card in patch["upserts"]:
                    self.cards[card["id"]] = card
                for task_id in patch["removes"]:
                    self.cards.pop(task_id, None)
                self.counts.update(patch.get("counts", {}))


def truth(path):
    with Store(path, read_only=True) as store:
        return {c["id"]: wire_card(c) for c in store.board().cards}


def shown_truth(path):
    """What a page should hold, from the whole board read the plain way: the first PAGE cards
    of each column in board order, and each column's count."""
    with Store(path, read_only=True) as store:
        snapshot = store.board()
    cards = {c["id"]: wire_card(c) for cards in snapshot.columns.values() for c in cards[:PAGE]}
    counts = {status: len(cards) for status, cards in snapshot.columns.items() if cards}
    return cards, counts


def _writer(path, seed, n, done):
    """Another process working the board: creates, moves, comments, links, archives."""
    rng = random.Random(seed)
    with Store(path) as store:
        ids = [t.id for t in store.list_tasks()]
        for i in range(n):
            op = rng.random()
            try:
                if op < 0.3 or not ids:
                    parents = rng.sample(ids, k=min(len(ids), rng.choice([0, 0, 1])))
                    ids.append(store.create_task(f"task {seed}-{i}", parents=parents,
                                                 assignee=rng.choice(["ann", "bo", None])))
                elif op < 0.6:
                    store.move_task(rng.choice(ids), rng.choice(
                        ["todo", "ready", "running", "blocked", "done", "review", "archived"]))
                elif op < 0.8:
                    store.add_comment(rng.choice(ids), "bot", f"note {i}")
                else:
                    store.link_tasks(rng.choice(ids), rng.choice(ids))
            except Exception:
                pass  # refusals (cycles, transitions) are part of a real workload
            if rng.random() < 0.3:
                time.sleep(rng.random() * 0.01)
    done.set()


def test_a_commit_in_another_process_arrives_as_a_patch(store_path, make_board):
    with Store(store_path) as store:
        task = store.create_task("Watch me")
    board, wire = make_board(store_path)
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_move_in_child, args=(str(store_path), task))
    proc.start()
    proc.join(30)
    wait_for(lambda: any(c["id"] == task and c["status"] == "done"
                         for p in wire.custom("patch") for c in p["upserts"]))


def _move_in_child(path, task):
    with Store(path) as store:
        store.move_task(task, "done", result="from another process")


def test_state_converges_under_concurrent_writes_during_snapshot_and_patching(store_path, make_board):
    with Store(store_path) as store:
        for i in range(90):  # more than a window's worth in ready: windows slide under the writes
            store.create_task(f"seed {i}", assignee="ann")
    ctx = multiprocessing.get_context("spawn")
    done = ctx.Event()
    writers = [ctx.Process(target=_writer, args=(str(store_path), seed, 150, done))
               for seed in (1, 2)]
    for w in writers:
        w.start()
    replicas = []
    try:
        # Open boards at random moments while the writers run: each snapshot races the writes.
        for _ in range(3):
            time.sleep(random.random() * 0.3)
            board, wire = make_board(store_path)
            replicas.append((board, Replica(board, wire)))
            for _board, replica in replicas:
                replica.pump()
    finally:
        for w in writers:
            w.join(60)
    expected, expected_counts = shown_truth(store_path)
    assert max(expected_counts.values()) > PAGE, "no column outgrew its window: nothing tested"

    def converged():
        for board, replica in replicas:
            replica.pump()
            counts = {s: n for s, n in replica.counts.items() if n}
            if replica.cards != expected or counts != expected_counts:
                return False
        return True

    wait_for(converged, timeout=15)


def test_bursts_are_coalesced(store_path, make_board):
    with Store(store_path) as store:
        ids = [store.create_task(f"t{i}") for i in range(50)]
    board, wire = make_board(store_path)
    start = time.monotonic()
    with Store(store_path) as store:
        for i in range(400):
            store.add_comment(ids[i % 50], "bot", f"burst {i}")
    elapsed = time.monotonic() - start
    wait_for(lambda: sum(c["comment_count"] for c in board._state.cards.values()) == 400)
    patches = wire.custom("patch")
    # at most one send per 50 ms window (plus the first), far fewer than 400 commits
    assert len(patches) <= (time.monotonic() - start) / 0.05 + 2
    assert len(patches) < 400, (len(patches), elapsed)


@pytest.mark.parametrize("n_tasks", [10, 3000])
def test_patch_size_does_not_depend_on_board_size(store_path, make_board, n_tasks):
    with Store(store_path) as store:
        with store.atomic():
            ids = [store.create_task(f"task number {i}", assignee="ann", tenant="acme")
                   for i in range(n_tasks)]
    board, wire = make_board(store_path)
    with Store(store_path) as store:
        store.move_task(ids[n_tasks // 2], "blocked", reason="waiting on vendor")
    wait_for(lambda: wire.custom("patch"))
    patch = wire.custom("patch")[0]
    size = len(json.dumps(patch).encode())
    assert size <= 2048, size
    assert [c["id"] for c in patch["upserts"]] == [ids[n_tasks // 2]]


def test_locked_database_is_reported_then_recovers(store_path, make_board):
    # A board in rollback-journal mode (WAL readers are never locked out) that we may only
    # read, held by a writer in exclusive locking mode: every read is refused until it lets go.
    with Store(store_path) as store:
        task = store.create_task("Locked out")
    with sqlite3.connect(store_path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    os.chmod(store_path, 0o444)
    board, wire = make_board(store_path)
    assert board.read_only
    board._feed.fail_after = 0.3
    locker = sqlite3.connect(store_path, isolation_level=None)
    locker.execute("PRAGMA locking_mode=EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("UPDATE tasks SET title = 'Locked in' WHERE id = ?", (task,))
    locker.execute("INSERT INTO task_events (task_id, kind, payload, created_at) "
                   "VALUES (?, 'edited', NULL, 0)", (task,))
    locker.execute("COMMIT")  # in exclusive locking mode the lock outlives the transaction
    try:
        wait_for(lambda: board.error.startswith("Live updates stopped"), timeout=15)
    finally:
        locker.close()
    wait_for(lambda: board.error == "", timeout=15)
    wait_for(lambda: board._state.cards[task]["title"] == "Locked in")


def test_board_file_that_disappears_and_comes_back(store_path, make_board):
    with Store(store_path) as store:
        store.create_task("Before")
    board, wire = make_board(store_path)
    board._feed.fail_after = 60  # a deletion is news at once, not after the failure delay
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{store_path}{suffix}"):
            os.remove(f"{store_path}{suffix}")
    wait_for(lambda: "was deleted" in board.error, timeout=10)
    reply = wire.request("create", title="lost?", column="todo")
    assert not reply["ok"] and reply["code"] == "BoardGone"
    assert "deleted while it was open; nothing was written" in reply["error"]
    with pytest.raises(BoardGone):
        board.store.create_task("lost too?")
    with Store(store_path) as store:
        store.create_task("After")
    wait_for(lambda: board.error == "", timeout=10)
    wait_for(lambda: {c["title"] for c in board._state.cards.values()} == {"After"})
    assert any("_board" in s for s in wire.states())  # the page was sent the new board


def _tail_threads():
    return [t for t in threading.enumerate() if t.name.startswith("kanban-tail")]


def test_fifty_boards_opened_and_closed_leave_no_threads(fresh_store):
    baseline = len(_tail_threads())
    for _ in range(50):
        KanbanBoard(fresh_store).close()
    wait_for(lambda: len(_tail_threads()) == baseline, timeout=5)
    assert threading.active_count() < 50


def test_feed_thread_ends_when_its_followers_are_garbage_collected(fresh_store):
    # ipywidgets keeps every open widget in its registry until close(), and Widget.__del__
    # calls close(); the thread itself must never be what keeps a board alive, so it holds its
    # followers weakly and ends once none is left.
    from kanban_widget.board import BoardState
    from kanban_widget.feed import BoardFeed

    class Owner:
        def publish_patch(self, patch):
            pass

        def report_sync_error(self, message):
            pass

        def file_changed(self):
            pass

    feed = BoardFeed.acquire(fresh_store.path)
    try:
        owner = Owner()
        feed.follow(owner, BoardState(feed.reader))
        thread = feed.thread
        assert thread.is_alive()
        del owner
        gc.collect()
        thread.join(5)
        assert not thread.is_alive()
    finally:
        feed.release()


def test_a_commit_after_a_quiet_spell_wakes_the_thread_through_file_events(store_path,
                                                                          make_board):
    """With file notifications the thread sleeps through quiet spells (here: a fallback poll of
    a minute) and still sees the next commit at once."""
    Store(store_path).create_task("first")
    board, wire = make_board(store_path)
    assert board._feed._wakeup.notified
    board._feed.notified_interval = 60.0
    board._feed.idle_after = 0.1
    time.sleep(0.5)  # quiet: the thread now sleeps until a file event
    with Store(store_path) as other:
        other.create_task("second")
    wait_for(lambda: len(board._state.cards) == 2, timeout=5)


def test_without_file_notifications_polling_still_follows(store_path, make_board, monkeypatch):
    import kanban_widget.wakeup

    monkeypatch.setattr(kanban_widget.wakeup, "INotify", None)
    Store(store_path).create_task("first")
    board, wire = make_board(store_path)
    assert not board._feed._wakeup.notified
    time.sleep(0.5)
    with Store(store_path) as other:
        other.create_task("second")
    wait_for(lambda: len(board._state.cards) == 2, timeout=5)


def test_a_claim_extended_without_an_event_reaches_the_page(store_path, make_board):
    """A Hermes worker's heartbeat extends claim_expires and writes no event: the card the
    page shows must not keep the old expiry (nor a claim another tool dropped)."""
    with Store(store_path) as store:
        task = store.create_task("worked on", assignee="agent")
        assert store.claim_task(task, ttl_seconds=60)
    board, wire = make_board(store_path)
    before = board._state.cards[task]["claim_expires"]
    conn = sqlite3.connect(store_path)
    conn.execute("UPDATE tasks SET claim_expires = claim_expires + 3600 WHERE id = ?", (task,))
    conn.commit()
    wait_for(lambda: board._state.cards[task]["claim_expires"] == before + 3600)
    patch = wire.custom("patch")[-1]
    assert [c["id"] for c in patch["upserts"]] == [task] and patch["touched"] == []
    conn.execute("UPDATE tasks SET claim_lock = NULL, claim_expires = NULL WHERE id = ?", (task,))
    conn.commit()
    conn.close()
    wait_for(lambda: board._state.cards[task]["claim_expires"] is None)


def test_every_commit_is_told_to_the_listeners_even_one_that_changes_no_card(fresh_store):
    """FeedListener.file_changed: a settings write (no task event, so no patch) is heard too;
    the flow hints re-read the WIP limits on it instead of polling the file themselves."""
    from kanban_widget.board import BoardState
    from kanban_widget.feed import BoardFeed

    heard = []

    class Owner:
        def publish_patch(self, patch):
            heard.append("patch")

        def resync_all(self):
            heard.append("resync")

        def report_sync_error(self, message):
            pass

        def file_changed(self):
            heard.append("changed")

    feed = BoardFeed.acquire(fresh_store.path)
    try:
        owner = Owner()
        feed.follow(owner, BoardState(feed.reader))
        time.sleep(0.3)
        heard.clear()
        done = subprocess.run([sys.executable, "-c", "import sys; from kanban_widget import Store;"
                               " Store(sys.argv[1]).set_wip_limits({'ready': 3})",
                               str(fresh_store.path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        wait_for(lambda: "changed" in heard, timeout=5)
        assert "patch" not in heard
        with Store(fresh_store.path) as other:
            other.create_task("a card")
        wait_for(lambda: "patch" in heard, timeout=5)
        assert heard.count("changed") == 2
        assert heard.index("patch") > heard.index("changed", 1)  # told before the patch
    finally:
        feed.release()
