"""A live patch that moves one card changes the page only where it must (issue #14).

The page's share of a commit → card moved is what it redraws. Counted here as DOM mutations
(a MutationObserver over the board): a move touches the card itself and the two columns it
left and joined (their counts, their select-all box), nothing in any other column, no other
card, and no attribute of the board outside the columns. Likewise a playback step of time
travel: the past cards that did not change keep their DOM nodes, untouched.
"""

import pytest

from conftest import NOW

pytestmark = pytest.mark.browser

STATUSES = ("triage", "ready", "running", "blocked", "done")


def many_tasks(per_column=20):
    return [{"id": f"t_{status[:3]}{i:05d}", "title": f"{status} {i}", "status": status,
             "assignee": ("ann", "bo", None)[i % 3], "created_at": NOW - 10_000 + i}
            for status in STATUSES for i in range(per_column)]


#: Records every mutation under the board as {column, card, kind, attr} (column/card: the
#: nearest [data-column] / [data-task-id] around the target or the added/removed node).
OBSERVE_JS = """() => {
  const root = document.querySelector('#board-0 [data-kanban-root]');
  const where = (node) => {
    const el = node.nodeType === 1 ? node : node.parentElement;
    const col = el && el.closest('[data-column]');
    const card = el && el.closest('[data-task-id]');
    return { column: col ? col.dataset.column : null, card: card ? card.dataset.taskId : null };
  };
  window.__mutations = [];
  window.__observer = new MutationObserver((records) => {
    for (const r of records) {
      const base = { kind: r.type, attr: r.attributeName || null, ...where(r.target) };
      window.__mutations.push(base);
      for (const n of [...r.addedNodes, ...r.removedNodes]) {
        if (n.nodeType === 1 && n.dataset && n.dataset.taskId) {
          window.__mutations.push({ ...base, kind: 'card node', card: n.dataset.taskId });
        }
      }
    }
  });
  window.__observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
}"""

TAKE_JS = "() => { window.__observer.takeRecords(); const m = window.__mutations; window.__mutations = []; return m; }"


def move_in_kernel(harness, task_id, status):
    harness.kernel(f"(k.tasks.get('{task_id}').status = '{status}', k.publish(['{task_id}']), true)")


@pytest.mark.parametrize("lanes", [False, True])
def test_a_move_touches_only_its_card_and_two_columns(harness, lanes):
    harness.boot({"tasks": many_tasks(), "traits": {"lanes": lanes, "selected": ["t_run00003"]}})
    page = harness.page
    moved = "t_rea00004"
    page.evaluate(OBSERVE_JS)
    move_in_kernel(harness, moved, "running")
    running = harness.column("running").locator(f'[data-task-id="{moved}"]')
    running.wait_for()
    page.wait_for_timeout(100)  # effects after the commit (focus, scroll cue) have run too
    mutations = page.evaluate(TAKE_JS)
    assert mutations, "the move changed nothing on the page"
    columns = {m["column"] for m in mutations}
    assert columns <= {"ready", "running"}, mutations
    cards = {m["card"] for m in mutations if m["card"]}
    assert cards == {moved}, cards
    card_nodes = [m for m in mutations if m["kind"] == "card node"]
    assert {m["card"] for m in card_nodes} == {moved}
    assert len(card_nodes) == 2  # removed from ready, added to running: one node each way
    # The selection elsewhere is untouched and still shown.
    assert "kb-selected" in harness.card("t_run00003").get_attribute("class")
    assert page.errors == []


def test_selecting_a_card_touches_that_card_and_its_column_head(harness):
    harness.boot({"tasks": many_tasks()})
    page = harness.page
    page.evaluate(OBSERVE_JS)
    harness.py_update("selected", ["t_don00002"])
    page.wait_for_function("() => document.querySelector('[data-task-id=\"t_don00002\"].kb-selected')")
    page.wait_for_timeout(100)
    mutations = page.evaluate(TAKE_JS)
    assert {m["card"] for m in mutations if m["card"]} == {"t_don00002"}
    # The card, done's select-all box, and the bulk bar above the board (no column).
    assert {m["column"] for m in mutations} == {"done", None}
    assert not [m for m in mutations if m["column"] is None and m["kind"] == "attributes"
                and m["attr"] and m["attr"].startswith("data-more")]  # the scroll cue stays
    # Python echoes the same selection back (a new list, the same ids): nothing changes.
    harness.py_update("selected", ["t_don00002"])
    page.wait_for_timeout(100)
    assert page.evaluate(TAKE_JS) == []


def past_view(as_of, placement):
    """A `_time_view` as Python sends it: `placement` is {status: [card ids]}."""
    return {
        "as_of": as_of, "start": NOW - 86_400, "end": NOW, "prev": None, "next": None,
        "density": [1, 3, 2], "changes": [], "changes_count": 0,
        "columns": [{"status": status, "count": len(ids),
                     "cards": [{"id": i, "title": f"Task {i}", "status": status, "assignee": None,
                                "priority": 0} for i in ids]}
                    for status, ids in placement.items()],
    }


PAST_OBSERVE_JS = OBSERVE_JS.replace("[data-column]", "[data-past-column]").replace(
    "dataset.column", "dataset.pastColumn").replace("[data-task-id]", "[data-past-card]").replace(
    "dataset.taskId", "dataset.pastCard")


def test_a_playback_step_touches_only_the_card_that_moved(harness):
    harness.boot({"tasks": many_tasks(4)})
    page = harness.page
    placement = {"ready": [f"t_r{i:03d}" for i in range(12)],
                 "running": [f"t_u{i:03d}" for i in range(12)],
                 "done": [f"t_d{i:03d}" for i in range(12)]}
    harness.py_update("time", NOW - 3600)
    harness.py_update("_time_view", past_view(NOW - 3600, placement))
    page.wait_for_selector('[data-past-card="t_r005"]')
    page.evaluate("() => { window.__kept = document.querySelector('[data-past-card=\"t_d003\"]'); }")
    page.evaluate(PAST_OBSERVE_JS)
    # One step later: t_r005 went from ready to running (at the top); the rest is equal, but
    # every object is new, as each `_time_view` from Python is.
    placement["ready"].remove("t_r005")
    placement["running"].insert(0, "t_r005")
    harness.py_update("_time_view", past_view(NOW - 3590, placement))
    page.wait_for_selector('[data-past-column="running"] [data-past-card="t_r005"]')
    page.wait_for_timeout(100)
    mutations = page.evaluate(TAKE_JS)
    assert {m["column"] for m in mutations if m["column"]} == {"ready", "running"}
    assert {m["card"] for m in mutations if m["card"]} == {"t_r005"}
    assert page.evaluate("() => window.__kept === document.querySelector('[data-past-card=\"t_d003\"]')")
    # The glide: the moved card and those it pushed or let slide, never an unmoved column.
    gliding = set(page.evaluate("() => [...document.querySelectorAll('[data-past-card]')]"
                                ".filter((el) => el.getAnimations().length).map((el) => el.dataset.pastCard)"))
    assert "t_r005" in gliding
    assert not {c for c in gliding if c.startswith("t_d")}
    assert not {f"t_r{i:03d}" for i in range(5)} & gliding  # above the gap: they did not move
    assert page.errors == []
