// Focus helpers shared by the confirm dialog and the drawer.

const FOCUSABLE = [
  "a[href]", "button:not([disabled])", "input:not([disabled])", "select:not([disabled])",
  "textarea:not([disabled])", "[tabindex]:not([tabindex='-1'])",
].join(", ");

/** The controls Tab can reach inside `container`, in document order (hidden ones excluded). */
export function focusables(container) {
  return [...container.querySelectorAll(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

/**
 * Handle a Tab keydown so the focus cycles inside `container` (a dialog or the drawer) instead
 * of leaving it for the board behind. From outside the container, Tab enters at the first
 * control and Shift+Tab at the last.
 */
export function trapTab(e, container) {
  const items = focusables(container);
  e.preventDefault();
  if (!items.length) {
    container.focus();
    return;
  }
  const i = items.indexOf(e.target);
  const j = e.shiftKey ? (i <= 0 ? items.length - 1 : i - 1) : (i + 1) % items.length;
  items[j].focus();
}
