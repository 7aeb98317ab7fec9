// Pointer-event drag and drop for cards, one controller per view: mouse drags start anywhere on
// a card, touch drags start on the card's grip (elsewhere a touch scrolls the board). A ghost
// follows the pointer; the column under it is found with elementFromPoint and must belong to
// this view's root, so two boards (or two views) on a page never exchange cards.

const THRESHOLD_PX = 5;
const EDGE_PX = 40;
const SCROLL_STEP = 14;

/**
 * @param {HTMLElement} root the view's root element
 * @param {{onDrop: (taskId: string, status: string, lane: string | null) => void, enabled: () => boolean,
 *          scroller: () => HTMLElement | null, group?: (taskId: string) => string[]}} opts
 *   `group` names the cards a drag of `taskId` carries (the selection); the ghost shows their count.
 */
export function createDragController(root, { onDrop, enabled, scroller, group = (id) => [id] }) {
  let drag = null; // {id, card, pointerId, startX, startY, started, ghost, dx, dy, target, carried}
  let suppressClick = false;

  // The board may live in a shadow root (marimo renders widgets in one): hit-test there, since
  // the document's elementFromPoint stops at the shadow host, and put the ghost there, where
  // the board's styles apply.
  function scope() {
    const node = root.getRootNode();
    return node.nodeType === Node.DOCUMENT_FRAGMENT_NODE ? node : root.ownerDocument;
  }

  function elementAt(x, y) {
    return scope().elementFromPoint(x, y);
  }

  function columnAt(x, y) {
    const hit = elementAt(x, y);
    if (!hit || !root.contains(hit)) return null;
    return hit.closest("[data-column]");
  }

  function setTarget(col) {
    if (drag.target === col) return;
    if (drag.target) drag.target.classList.remove("kb-drop-target");
    drag.target = col;
    if (col) col.classList.add("kb-drop-target");
  }

  /** The rendered cards of this view among `ids` (a column may not show all of its cards). */
  function cardsOf(ids) {
    const want = new Set(ids);
    return [...root.querySelectorAll("[data-task-id]")].filter((el) => want.has(el.getAttribute("data-task-id")));
  }

  /** A ghost for a group: stacked, with the number of cards it carries. */
  function markGroup(ghost, n) {
    const badge = root.ownerDocument.createElement("span");
    badge.className = "kb-ghost-count";
    badge.setAttribute("data-drag-count", String(n));
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = String(n);
    ghost.classList.add("kb-ghost-stack");
    ghost.appendChild(badge);
  }

  function start() {
    const rect = drag.card.getBoundingClientRect();
    drag.dx = drag.startX - rect.left;
    drag.dy = drag.startY - rect.top;
    const layer = root.ownerDocument.createElement("div");
    layer.className = `${root.className} kb-drag-layer`;
    const ghost = drag.card.cloneNode(true);
    ghost.removeAttribute("data-task-id");
    ghost.removeAttribute("tabindex");
    ghost.classList.add("kb-ghost");
    ghost.style.width = `${rect.width}px`;
    const ids = group(drag.id);
    if (ids.length > 1) markGroup(ghost, ids.length);
    // Every carried card is dimmed where it stands, not only the one under the pointer.
    drag.carried = ids.length > 1 ? cardsOf(ids) : [drag.card];
    layer.appendChild(ghost);
    const where = scope();
    (where === root.ownerDocument ? where.body : where).appendChild(layer);
    drag.layer = layer;
    drag.ghost = ghost;
    drag.started = true;
    root.ownerDocument.addEventListener("keydown", onKey, true);
    for (const el of drag.carried) el.classList.add("kb-dragging");
    root.setAttribute("data-dragging", drag.id);
  }

  function place(x, y) {
    drag.ghost.style.transform = `translate(${x - drag.dx}px, ${y - drag.dy}px)`;
  }

  function autoscroll(x, y) {
    const box = scroller && scroller();
    if (!box) return;
    const r = box.getBoundingClientRect();
    if (x < r.left + EDGE_PX) box.scrollLeft -= SCROLL_STEP;
    else if (x > r.right - EDGE_PX) box.scrollLeft += SCROLL_STEP;
    if (y < r.top + EDGE_PX) box.scrollTop -= SCROLL_STEP;
    else if (y > r.bottom - EDGE_PX) box.scrollTop += SCROLL_STEP;
  }

  function onMove(e) {
    if (!drag || e.pointerId !== drag.pointerId) return;
    if (!drag.started) {
      if (Math.hypot(e.clientX - drag.startX, e.clientY - drag.startY) < THRESHOLD_PX) return;
      start();
    }
    e.preventDefault();
    place(e.clientX, e.clientY);
    autoscroll(e.clientX, e.clientY);
    setTarget(columnAt(e.clientX, e.clientY));
  }

  function finish(e, drop) {
    if (!drag || (e && e.pointerId !== drag.pointerId)) return;
    const d = drag;
    drag = null;
    const doc = root.ownerDocument;
    doc.removeEventListener("pointermove", onMove, true);
    doc.removeEventListener("pointerup", onUp, true);
    doc.removeEventListener("pointercancel", onCancel, true);
    doc.removeEventListener("keydown", onKey, true);
    if (!d.started) return;
    if (d.target) d.target.classList.remove("kb-drop-target");
    for (const el of d.carried) el.classList.remove("kb-dragging");
    if (d.layer) d.layer.remove();
    root.removeAttribute("data-dragging");
    // The click that ends a drag (dispatched right after pointerup) must not open the drawer.
    suppressClick = true;
    setTimeout(() => { suppressClick = false; }, 0);
    if (!drop || !e) return;
    const col = columnAt(e.clientX, e.clientY) || d.target;
    if (!col) return;
    const hit = elementAt(e.clientX, e.clientY);
    const cell = hit && col.contains(hit) ? hit.closest("[data-lane]") : null;
    onDrop(d.id, col.getAttribute("data-column"), cell ? cell.getAttribute("data-lane") : null);
  }

  function onUp(e) { finish(e, true); }
  function onKey(e) {
    if (e.key !== "Escape" || !drag) return;
    e.preventDefault();
    e.stopPropagation();
    finish(null, false); // Escape drops nothing: the card stays where it was
  }
  function onCancel(e) { finish(e, false); }

  function onDown(e) {
    if (drag || !e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) return;
    if (!enabled()) return;
    const card = e.target.closest("[data-task-id]");
    if (!card || !root.contains(card)) return;
    if (e.target.closest("input, button, a, select, textarea")) return;
    if (e.pointerType !== "mouse" && !e.target.closest("[data-drag-handle]")) return;
    if (e.pointerType !== "mouse") e.preventDefault();
    drag = {
      id: card.getAttribute("data-task-id"), card, pointerId: e.pointerId,
      startX: e.clientX, startY: e.clientY, started: false, target: null,
    };
    const doc = root.ownerDocument;
    doc.addEventListener("pointermove", onMove, true);
    doc.addEventListener("pointerup", onUp, true);
    doc.addEventListener("pointercancel", onCancel, true);
  }

  function onClickCapture(e) {
    if (suppressClick) {
      suppressClick = false;
      e.stopPropagation();
      e.preventDefault();
    }
  }

  root.addEventListener("pointerdown", onDown);
  root.addEventListener("click", onClickCapture, true);

  return {
    get active() { return Boolean(drag && drag.started); },
    dispose() {
      if (drag) finish(null, false);
      root.removeEventListener("pointerdown", onDown);
      root.removeEventListener("click", onClickCapture, true);
    },
  };
}
