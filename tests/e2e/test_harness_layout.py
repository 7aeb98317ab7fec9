"""Layout at a laptop's size: JupyterLab at 1280 x 800 with the file browser open.

Measured there (JupyterLab 4, default sidebar): the notebook's output area, where the widget
goes, is 848 px wide, and the notebook shows 680 px of height. The harness reproduces the
width by narrowing the board's slot, in a 1280 x 800 window.
"""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
OUTPUT_WIDTH = 848


def boot_in_laptop_cell(harness, *boards):
    harness.page.set_viewport_size(LAPTOP)
    harness.boot(*boards)
    harness.page.evaluate(f"document.getElementById('boards').style.width = '{OUTPUT_WIDTH}px'")


def box(locator) -> dict:
    return locator.evaluate(
        "el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right,"
        " top: r.top, bottom: r.bottom, height: r.height}; }"
    )


def board_metrics(harness) -> dict:
    return harness.root().locator(".kb-board").evaluate(
        "el => ({scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollLeft: el.scrollLeft,"
        " scrollHeight: el.scrollHeight, clientHeight: el.clientHeight})"
    )


def test_columns_past_the_cell_scroll_sideways_with_a_visible_cue(harness):
    harness.page.emulate_media(reduced_motion="reduce")
    boot_in_laptop_cell(harness)
    root = harness.root()
    wrap, board = root.locator(".kb-board-wrap"), root.locator(".kb-board")
    done = harness.column("done")
    # Six columns do not fit in 848 px: Done starts past the board's right edge ...
    assert box(done)["right"] > box(board)["right"]
    m = board_metrics(harness)
    assert m["scrollWidth"] > m["clientWidth"], m
    # ... and the board says so: a shaded right edge with an arrow button, none on the left
    expect(wrap).to_have_attribute("data-more-right", "")
    expect(wrap).not_to_have_attribute("data-more-left", "")
    more = root.locator("[data-scroll-columns='1']")
    expect(more).to_be_visible()
    expect(root.locator("[data-scroll-columns='-1']")).to_be_hidden()
    # the board's own horizontal scrollbar is on screen, not below the window
    assert box(board)["bottom"] <= LAPTOP["height"]

    # the arrow scrolls a column at a time until Done is fully in view
    for _ in range(8):
        m = board_metrics(harness)
        if m["scrollLeft"] >= m["scrollWidth"] - m["clientWidth"] - 1:
            break
        before = m["scrollLeft"]
        more.click()  # instant: reduced motion is on (else it scrolls smoothly)
        assert board_metrics(harness)["scrollLeft"] > before
    expect(wrap).not_to_have_attribute("data-more-right", "")
    expect(wrap).to_have_attribute("data-more-left", "")
    expect(more).to_be_hidden()
    assert box(board)["left"] <= box(done)["left"] and box(done)["right"] <= box(board)["right"] + 0.5

    # the keyboard gets there too: focusing a Done card scrolls the board to it
    board.evaluate("el => { el.scrollTo({left: 0, behavior: 'instant'}); }")
    expect(wrap).to_have_attribute("data-more-right", "")
    harness.card("t_done0001").focus()
    card = box(harness.card("t_done0001"))
    assert box(board)["left"] <= card["left"] and card["right"] <= box(board)["right"] + 0.5
    assert harness.page.errors == []


def test_board_fits_its_cards_then_the_window_without_a_page_scroll_trap(harness):
    # a small board: as tall as its cards, no inner scrollbar, no empty space below them
    boot_in_laptop_cell(harness)
    board = harness.root().locator(".kb-board")
    m = board_metrics(harness)
    assert m["scrollHeight"] <= m["clientHeight"], m
    grid = box(harness.root().locator(".kb-grid"))
    assert abs(box(board)["height"] - grid["height"]) <= 2 + 16, (box(board), grid)  # + scrollbar

    # a big board: the whole widget fits in the window, the board scrolls inside it
    boot_in_laptop_cell(harness, {"generate": 400})
    m = board_metrics(harness)
    assert m["scrollHeight"] > m["clientHeight"], m
    root = box(harness.root())
    assert root["height"] <= LAPTOP["height"] - 120, root  # room left for JupyterLab's chrome
    # with the bulk bar shown too
    harness.root().locator("[data-task-id]").first.click(modifiers=["Control"])
    expect(harness.root().locator("[data-bulk-bar]")).to_be_visible()
    assert box(harness.root())["height"] <= LAPTOP["height"] - 80, box(harness.root())
    # lanes: same cap
    harness.root().locator("[data-filter=lanes]").check()
    expect(harness.root().locator("[data-lane]").first).to_be_visible()
    assert box(board)["bottom"] <= LAPTOP["height"]
    assert harness.page.errors == []


# Whether each visible field's placeholder fits. A text field is given its placeholder as its
# value: it is cut off when the text then scrolls (this counts the space Chromium keeps for a
# datalist's picker). A number field cannot hold text: its placeholder is measured instead,
# against the room its up/down buttons leave.
MEASURE_PLACEHOLDERS = """(root) => {
  const ctx = document.createElement("canvas").getContext("2d");
  return [...root.querySelectorAll("input[placeholder]")].filter((el) => el.offsetParent).map((el) => {
    const field = el.dataset.bulk || el.name || el.dataset.filter;
    if (el.type !== "number") {
      const value = el.value;
      el.value = el.placeholder;
      const cut = el.scrollWidth > el.clientWidth;
      el.value = value;
      return { field, placeholder: el.placeholder, cut };
    }
    const s = getComputedStyle(el);
    ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 16;
    return { field, placeholder: el.placeholder, cut: ctx.measureText(el.placeholder).width > room };
  });
}"""


def test_bulk_bar_and_create_form_placeholders_are_not_cut_off(harness):
    boot_in_laptop_cell(harness)
    root = harness.root()
    harness.card("t_ready001").click(modifiers=["Control"])
    harness.card("t_ready002").click(modifiers=["Control"])
    bar = root.locator("[data-bulk-bar]")
    expect(bar).to_be_visible()
    harness.column("todo").locator("[data-create-toggle]").click()
    fields = root.evaluate(MEASURE_PLACEHOLDERS)
    names = {f["field"] for f in fields}
    assert {"assignee", "priority", "title", "parent", "search"} <= names, names
    cut = [f for f in fields if f["cut"]]
    assert cut == [], cut

    # the assign button says what an empty field does
    button = bar.locator('[data-bulk-apply="assign"]')
    expect(button).to_have_text("Unassign")
    bar.locator("input[data-bulk=assignee]").fill("zoe")
    expect(button).to_have_text("Assign")
    # the bulk bar's controls stay inside the widget
    assert box(button)["right"] <= box(root)["right"]
