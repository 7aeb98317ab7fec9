// Pure selection logic. The selection itself is the synced `selected` trait (see traits.js).

/** Toggle one id (Ctrl/Cmd-click, the card's checkbox). */
export function toggleId(selected, id) {
  return selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id];
}

/**
 * Shift-click: add every id between `anchor` and `id` in `ordered` (one column's cards, in
 * display order). Without a usable anchor in that list, it just adds `id`.
 */
export function selectRange(selected, ordered, anchor, id) {
  const j = ordered.indexOf(id);
  if (j < 0) return selected;
  const i = anchor == null ? -1 : ordered.indexOf(anchor);
  const range = i < 0 ? [id] : ordered.slice(Math.min(i, j), Math.max(i, j) + 1);
  const set = new Set(selected);
  const out = [...selected];
  for (const x of range) if (!set.has(x)) out.push(x);
  return out;
}

/** The select-all box of a column: select every id of the column, or clear them if all are. */
export function toggleAll(selected, ids) {
  const set = new Set(selected);
  if (ids.length && ids.every((x) => set.has(x))) {
    const drop = new Set(ids);
    return selected.filter((x) => !drop.has(x));
  }
  const out = [...selected];
  for (const x of ids) if (!set.has(x)) out.push(x);
  return out;
}

/** "none" | "some" | "all": how much of `ids` is selected (for the checkbox's state). */
export function selectionState(selected, ids) {
  if (!ids.length) return "none";
  const set = new Set(selected);
  let n = 0;
  for (const x of ids) if (set.has(x)) n++;
  return n === 0 ? "none" : n === ids.length ? "all" : "some";
}

/**
 * The cards a drag (or Shift+arrow) of card `id` carries: the whole selection when `id` is part
 * of it, else `id` alone — grabbing an unselected card must not drag the selection along.
 */
export function dragGroup(selected, id) {
  return selected.includes(id) ? [...selected] : [id];
}

/**
 * The ids that a drop of `id` into `status` actually moves: its drag group minus cards no longer
 * on the board and cards already in `status` (`statusOf(id)` → status, or null when gone).
 * A selection spread over several columns thus lands in one column without no-op requests.
 */
export function idsToMove(selected, id, status, statusOf) {
  return dragGroup(selected, id).filter((x) => {
    const from = statusOf(x);
    return from != null && from !== status;
  });
}
