// The page's own writes that the server's board does not show yet, keyed by request id.
//
// The board the page shows is always `rebase(serverBoard, pending)`: the server's board (the
// `_board` snapshot plus the patches applied to it) with these operations laid over it, in the
// order they were sent. The server's board is the only truth: nothing here is ever written
// into it, and nothing here expires on a timer. An operation's claim on a card ends when the
// server has spoken about that card:
//
// - an error reply drops the whole operation (the card goes back), a bulk reply drops the
//   cards it refused;
// - while the request is out, a patch that shows the card moved away from where the request
//   found it settles the claim (our write landed, or another process moved the card: either
//   way the database has moved on, and the page follows it at once);
// - once the reply is in (at revision `ackRev`), the first patch at a later revision that
//   touches the card settles the claim, whatever it says;
// - a fresh snapshot settles every answered operation and every claim it shows moved.
//
// So whatever the order in which replies and patches arrive, the last word on a card is the
// server's. Pure: every function returns a new value and leaves its input alone.

import { indexEdits, normalizeCard } from "./state.js";

/**
 * @typedef {object} PendingOp
 * @property {string} requestId
 * @property {number} sentRev the server revision the page showed when the request went out
 * @property {number | null} ackRev the server revision when its ok reply came; null while out
 * @property {Map<string, {from: string | null, status: string}>} moves optimistic moves:
 *   task id → the server status when the request went out (`from`) and the status shown
 * @property {Map<string, object>} cards cards a reply carried (create, update): shown as they are
 * @property {Set<string>} seen cards patches touched while the request was out (so an older
 *   reply card does not hide a newer patch)
 */

/** No operation pending. */
export const NO_PENDING = Object.freeze(new Map());

function op(requestId, board, moves = new Map()) {
  return { requestId, sentRev: board ? board.rev : 0, ackRev: null, moves, cards: new Map(), seen: new Set() };
}

function withOp(pending, next) {
  const out = new Map(pending);
  out.set(next.requestId, next);
  return out;
}

function without(pending, requestId) {
  if (!pending.has(requestId)) return pending;
  const out = new Map(pending);
  out.delete(requestId);
  return out;
}

/** An op with no claim left is gone: nothing of it is shown any more. */
function keepIfClaims(out, next) {
  if (next.moves.size || next.cards.size || next.ackRev === null) out.set(next.requestId, next);
  else out.delete(next.requestId);
}

/**
 * A move request just sent: `ids` show in `status` until the server settles them. `shown` is
 * the board as the page shows it now (earlier pending ops included): cards already shown in
 * `status`, or not on it at all, are not claimed. `server` is the server's board.
 */
export function addMove(pending, requestId, { server, shown }, ids, status) {
  const moves = new Map();
  for (const id of ids) {
    const card = shown && shown.cards.get(id);
    if (!card || card.status === status) continue;
    const serverCard = server && server.cards.get(id);
    moves.set(id, { from: serverCard ? serverCard.status : null, status });
  }
  return withOp(pending, op(requestId, server, moves));
}

/** A write whose reply carries the card (create, update): nothing to show until the reply. */
export function addWrite(pending, requestId, server) {
  return withOp(pending, op(requestId, server));
}

/**
 * The ok reply of `requestId`, at the server's revision `server.rev`.
 * `okIds`: for a bulk reply, the cards it moved (the others go back); null means all.
 * `card`: a card the reply carried, shown until a later patch touches it — unless a patch
 * already touched it while the request was out (then the server's board is as new).
 */
export function acknowledge(pending, requestId, server, { okIds = null, card = null } = {}) {
  const cur = pending.get(requestId);
  if (!cur) return pending;
  const moves = new Map();
  for (const [id, move] of cur.moves) {
    if (!okIds || okIds.has(id)) moves.set(id, move);
  }
  const cards = new Map();
  if (card && typeof card.id === "string" && !cur.seen.has(card.id)) {
    try {
      cards.set(card.id, normalizeCard(card));
    } catch {
      /* a malformed card in a reply: the next patch brings the truth */
    }
  }
  const out = new Map(pending);
  keepIfClaims(out, { ...cur, ackRev: server ? server.rev : 0, moves, cards, seen: new Set() });
  return out;
}

/** An error reply (or no reply in time): the operation is dropped, its cards go back. */
export function reject(pending, requestId) {
  return without(pending, requestId);
}

/**
 * A patch was applied: `server` is the board after it. Settles the claims it speaks to (see
 * the top of this file).
 */
export function settlePatch(pending, patch, server) {
  if (!pending.size) return pending;
  const touched = new Set(patch.removes || []);
  for (const raw of patch.upserts || []) if (raw && typeof raw.id === "string") touched.add(raw.id);
  if (!touched.size) return pending;
  return settle(pending, touched, server, patch.rev);
}

/** A fresh `_board` arrived: it speaks for every card. */
export function settleSnapshot(pending, server) {
  if (!pending.size) return pending;
  return settle(pending, null, server, Infinity);
}

/** `touched` null means every card. */
function settle(pending, touched, server, rev) {
  const hit = (id) => touched === null || touched.has(id);
  const out = new Map();
  for (const cur of pending.values()) {
    // Out: only news that the card moved settles it. Answered: any later revision does.
    const keeps = cur.ackRev === null
      ? (id, move) => !hit(id) || stillAt(server, id, move.from)
      : (id) => !hit(id) || rev <= cur.ackRev;
    const moves = new Map();
    for (const [id, move] of cur.moves) if (keeps(id, move)) moves.set(id, move);
    const cards = new Map();
    for (const [id, card] of cur.cards) if (keeps(id, null)) cards.set(id, card);
    let seen = cur.seen;
    if (cur.ackRev === null) {
      seen = new Set(seen);
      if (touched === null) for (const id of server ? server.cards.keys() : []) seen.add(id);
      else for (const id of touched) seen.add(id);
    }
    keepIfClaims(out, { ...cur, moves, cards, seen });
  }
  return out;
}

/** Whether the server still has card `id` where the request found it (an unrelated edit). */
function stillAt(server, id, from) {
  const card = server && server.cards.get(id);
  return Boolean(card) && from !== null && card.status === from;
}

/** Whether any operation claims a card. */
export function hasClaims(pending) {
  for (const cur of pending.values()) if (cur.moves.size || cur.cards.size) return true;
  return false;
}

/**
 * The board the page shows: `server` with every pending operation laid over it, in the order
 * they were sent (a later move of a card wins). A card moved by a request still out carries
 * `pending: true`. Returns `server` itself when nothing is claimed; otherwise a new board that
 * shares every untouched column list with it.
 */
export function rebase(server, pending) {
  if (!server || !hasClaims(pending)) return server;
  const shown = new Map(); // task id → the card as shown
  for (const cur of pending.values()) {
    for (const [id, card] of cur.cards) shown.set(id, card);
    for (const [id, move] of cur.moves) {
      const base = shown.get(id) || server.cards.get(id);
      if (!base) continue;
      shown.set(id, { ...base, status: move.status, pending: cur.ackRev === null });
    }
  }
  const cards = new Map(server.cards);
  const edits = indexEdits();
  for (const [id, card] of shown) {
    const old = server.cards.get(id);
    if (old) edits.remove(old.status, id);
    edits.add(card);
    cards.set(id, card);
  }
  const byStatus = edits.applyTo(server.byStatus);
  return { ...server, cards, byStatus };
}
