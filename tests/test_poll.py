"""The page-driven path (``poll``): a page that heard nothing asks for what it missed, and the
answer comes from the kernel's main thread, for hosts that drop what the tail thread sends."""

import threading
import time

import pytest

from kanban_widget.store.windows import PAGE
from kanban_widget import Store
from kanban_widget.widget import RECENT_PATCHES


@pytest.fixture
def board(store_path, make_board):
    with Store(store_path) as store:
        store.create_task("First")
    return make_board(store_path, live=False)


def _write(path, title):
    with Store(path) as other:
        return other.create_task(title)


def test_a_current_page_gets_only_the_reply(board):
    widget, wire = board
    rev = widget.get_state()["_board"]["rev"]
    reply = wire.request("poll", rev=rev)
    assert reply["ok"] is True and reply["result"] == {"rev": rev}
    assert wire.custom("patch") == [] and wire.states() == []


def test_a_page_behind_gets_the_patches_it_missed_in_order(board, store_path):
    widget, wire = board
    rev = widget.get_state()["_board"]["rev"]
    made = []
    for title in ("Second", "Third"):
        made.append(_write(store_path, title))
        widget.sync_now()  # what the tail thread does; its sends are what a host may drop
    wire.messages.clear()  # the page never got them
    reply = wire.request("poll", rev=rev)
    patches = wire.custom("patch")
    assert [p["rev"] for p in patches] == [rev + 1, rev + 2]
    assert [c["id"] for p in patches for c in p["upserts"]] == made
    assert reply["result"] == {"rev": rev + 2}
    assert wire.states() == []  # no full board when the patches are enough


def test_a_page_too_far_behind_gets_the_whole_board(board, store_path):
    widget, wire = board
    for i in range(RECENT_PATCHES + 2):
        _write(store_path, f"Task {i}")
        widget.sync_now()
    wire.messages.clear()
    reply = wire.request("poll", rev=1)
    assert wire.custom("patch") == []
    [state] = wire.states()
    assert state["_board"]["rev"] == reply["result"]["rev"]
    assert sum(state["_board"]["counts"].values()) == RECENT_PATCHES + 3
    assert len(state["_board"]["cards"]) == PAGE  # one column: its first page is sent


def test_a_page_across_a_reload_gets_the_whole_board(board, store_path):
    widget, wire = board
    rev = widget.get_state()["_board"]["rev"]
    _write(store_path, "Second")
    widget.sync_now()
    widget._state.reload()  # a revision no patch describes (the file was replaced, say)
    wire.messages.clear()
    wire.request("poll", rev=rev)
    assert wire.custom("patch") == []
    assert wire.states()[0]["_board"]["rev"] == widget._state.rev


@pytest.mark.parametrize("rev", [-5, 10**9])
def test_a_page_with_a_revision_python_never_had_gets_the_whole_board(board, rev):
    widget, wire = board
    reply = wire.request("poll", rev=rev)
    assert reply["ok"] is True
    assert wire.states()[0]["_board"]["rev"] == widget._state.rev


@pytest.mark.parametrize("message", [
    {"type": "poll", "id": "p1"},
    {"type": "poll", "id": "p2", "rev": "3"},
    {"type": "poll", "id": "p3", "rev": True},
])
def test_a_malformed_poll_is_refused(board, message):
    widget, wire = board
    wire.send(message)
    [reply] = wire.custom("reply")
    assert reply["ok"] is False and reply["code"] == "BadMessage"
    assert wire.states() == []


def test_with_thread_sends_dropped_polls_still_converge(store_path, make_board):
    """The live thread runs, but nothing it sends arrives (Colab's comm): polls alone keep the
    page's revision in step with the database."""
    with Store(store_path) as store:
        store.create_task("First")
    widget, wire = make_board(store_path)
    delivered = wire._capture

    def not_from_the_tail_thread(data=None, metadata=None, buffers=None):
        if not threading.current_thread().name.startswith("kanban-tail-"):
            delivered(data, metadata, buffers)

    widget.comm.send = not_from_the_tail_thread
    page_rev = widget.get_state()["_board"]["rev"]
    wanted = [_write(store_path, f"Agent task {i}") for i in range(3)]
    deadline = time.monotonic() + 10
    while widget._state.rev < page_rev + 1 and time.monotonic() < deadline:
        time.sleep(0.02)  # the thread has seen the commits (and its sends went nowhere)
    assert wire.custom("patch") == []
    seen = set()
    while time.monotonic() < deadline:
        reply = wire.request("poll", rev=page_rev)
        for patch in wire.custom("patch"):
            if patch["rev"] == page_rev + 1:
                page_rev = patch["rev"]
                seen |= {c["id"] for c in patch["upserts"]}
        wire.messages.clear()
        if set(wanted) <= seen and reply["result"]["rev"] == page_rev:
            break
        time.sleep(0.05)
    assert set(wanted) <= seen


def test_a_current_page_gets_one_beacon_from_a_background_thread(board):
    """Where the beacon arrives, the host delivers the thread's patches and the page may ask
    rarely; it is sent from a thread (that is what it proves) and at most every 10 s."""
    widget, wire = board
    senders = []
    capture = wire._capture

    def recording(data=None, metadata=None, buffers=None):
        senders.append(threading.current_thread().name)
        capture(data, metadata, buffers)

    widget.comm.send = recording
    rev = widget.get_state()["_board"]["rev"]
    for _ in range(3):
        wire.request("poll", rev=rev)
    deadline = time.monotonic() + 5
    while not wire.custom("beacon") and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert wire.custom("beacon") == [{"type": "beacon"}]
    beacon_sender = senders[[m.get("content", {}).get("type") for m in wire.messages
                             if m.get("method") == "custom"].index("beacon")]
    assert beacon_sender.startswith("kanban-tail-") and beacon_sender != "MainThread"
