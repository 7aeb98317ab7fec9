// The past board between two time views (no DOM): each playback step brings a whole new
// `_time_view` from Python, yet only a handful of cards changed. These rules keep the previous
// objects for what did not change, so the memoized past columns and cards (ui/Scrubber.js)
// see identical props and skip, and say which cards may have moved, so the glide (ui/flip.js)
// measures only those.
import { sameItems, sameValue } from "./same.js";

/** `next`'s cards, each replaced by the previous object of that id (`before`) when equal. */
function keepCards(before, nextCards) {
  return nextCards.map((card) => {
    const old = before.get(card.id);
    return old && sameValue(old, card) ? old : card;
  });
}

/** Whether two columns agree on everything but their cards (status, count…). */
function sameHeading(a, b) {
  return sameValue({ ...a, cards: null }, { ...b, cards: null });
}

/** `next` column, or the previous object when it shows the same count and the same cards. */
function keepColumn(prev, next, before) {
  if (!Array.isArray(next.cards)) return next;
  const cards = keepCards(before, next.cards);
  if (prev && Array.isArray(prev.cards) && sameItems(cards, prev.cards) && sameHeading(prev, next)) return prev;
  return { ...next, cards };
}

/**
 * The time view `next` with structural sharing against `prev` (the last view this returned,
 * or null): unchanged cards and columns are the previous objects, and so is the density strip
 * when its counts did not change. `next` itself is not changed.
 */
export function keepUnchanged(prev, next) {
  if (!prev || !next) return next;
  const prevColumns = new Map(prev.columns.map((c) => [c.status, c]));
  const before = new Map(); // id → card, over every column: a card may change column
  for (const col of prev.columns) for (const card of col.cards || []) before.set(card.id, card);
  const columns = next.columns.map((col) => keepColumn(prevColumns.get(col.status), col, before));
  const density = sameValue(prev.density, next.density) ? prev.density : next.density;
  return { ...next, columns, density };
}

/**
 * The ids of the cards of `next` that may sit somewhere else on the page than in `prev` (both
 * views from keepUnchanged), or null for "any of them". A card keeps its place while its
 * column keeps its place and every card above it is the same object (same id, same content,
 * so the same height); from the first card that differs down, every card may have moved.
 */
export function maybeMoved(prev, next) {
  if (!prev || !next || prev.columns.length !== next.columns.length) return null;
  const moved = new Set();
  next.columns.forEach((col, i) => {
    const old = prev.columns[i];
    const cards = col.cards || [];
    let from = 0;
    if (old && old.status === col.status && old !== col) {
      const oldCards = old.cards || [];
      while (from < cards.length && cards[from] === oldCards[from]) from++;
    } else if (old === col) {
      from = cards.length;
    }
    for (let j = from; j < cards.length; j++) moved.add(cards[j].id);
  });
  return moved;
}
