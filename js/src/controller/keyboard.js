// The keyboard of one view (js/README.md lists the keys): focus moves between cards, moves of
// the focused card (or its selection), the drawer's Tab trap, Escape.

import { adjacentStatus } from "../state.js";
import { trapTab } from "../ui/focus.js";

/** The column step a key asks for: -1, +1, or 0 when it is not a move key. */
function moveStep(e) {
  if (e.key === "[" || (e.shiftKey && e.key === "ArrowLeft")) return -1;
  if (e.key === "]" || (e.shiftKey && e.key === "ArrowRight")) return 1;
  return 0;
}

/** Escape closes the topmost thing open: the dialog, the drawer, the create form. */
function escape(e, { view, update }, { panels, moves }) {
  const v = view();
  if (v.dialog) moves.cancelDialog();
  else if (v.drawerId) panels.closeDrawer();
  else if (v.createIn) update({ createIn: null });
  else return;
  e.preventDefault();
  e.stopPropagation();
}

/** ↑/↓ within the column, ←/→ to the nearest column with cards, at about the same height. */
function moveFocus(e, cardEl) {
  e.preventDefault();
  const col = cardEl.closest("[data-column]");
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    const cards = [...col.querySelectorAll("[data-task-id]")];
    const i = cards.indexOf(cardEl) + (e.key === "ArrowDown" ? 1 : -1);
    if (cards[i]) cards[i].focus();
    return;
  }
  const cols = [...e.currentTarget.querySelectorAll("[data-column]")];
  const index = [...col.querySelectorAll("[data-task-id]")].indexOf(cardEl);
  const step = e.key === "ArrowRight" ? 1 : -1;
  for (let j = cols.indexOf(col) + step; j >= 0 && j < cols.length; j += step) {
    const cards = cols[j].querySelectorAll("[data-task-id]");
    if (cards.length) {
      cards[Math.min(index, cards.length - 1)].focus();
      break;
    }
  }
}

const FOCUS_KEYS = new Set(["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"]);

/**
 * The view's keydown handler (on its root element).
 * @param ctx the controller's sources (controller/index.js)
 * @param {{panels, selection, moves}} actions the other action groups
 */
export function createKeyboard(ctx, actions) {
  const { panels, selection, moves } = actions;
  return function keyDown(e) {
    const v = ctx.view();
    if (e.key === "Tab" && v.drawerId && !v.dialog) {
      // The open drawer keeps the focus (a dialog on top traps it itself).
      const drawer = e.currentTarget.querySelector("[data-drawer]");
      if (drawer) trapTab(e, drawer);
      return;
    }
    if (e.key === "Escape") {
      escape(e, ctx, actions);
      return;
    }
    const cardEl = e.target.closest && e.target.closest("[data-task-id]");
    if (!cardEl || e.target !== cardEl) return;
    const id = cardEl.getAttribute("data-task-id");
    const status = cardEl.getAttribute("data-status");
    const step = moveStep(e);
    if (step) {
      e.preventDefault();
      const statuses = ctx.grouping().columns.map((c) => c.status);
      const target = adjacentStatus(statuses, status, step);
      if (target) moves.moveCards(id, target, { focusId: id });
    } else if (FOCUS_KEYS.has(e.key)) {
      moveFocus(e, cardEl);
    } else if (e.key === "Enter") {
      e.preventDefault();
      panels.openFromCard(id);
    } else if (e.key === " ") {
      e.preventDefault();
      selection.toggleSelect({ status, id }, false);
    } else if ((e.key === "a" || e.key === "A") && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      selection.toggleColumnOf(status);
    }
  };
}
