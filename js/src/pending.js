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
// - a patch (in revision order) that shows the card where one of our requests put it
//   settles that request's claim and those of older requests on the card: the server carries
//   requests out in the order they were sent;
// - a patch that shows the card anywhere else settles every claim on it at once: another
//   process moved it, and the page follows the database as soon as the patch is in. The one
//   exception is the card still where the oldest request found it while that request is out:
//   an edit from before our write (a comment), not a move;
// - a reply card (create, update) shows until the first patch that touches the card;
// - a fresh snapshot is a patch of every card.
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
 * A patch was applied: `server` is the board after it. Settles the claims on the cards it
 * upserts or removes (see the top of this file).
 */
export function settlePatch(pending, patch, server) {
  if (!pending.size) return pending;
  const touched = new Set(patch.removes || []);
  for (const raw of patch.upserts || []) if (raw && typeof raw.id === "string") touched.add(raw.id);
  if (!touched.size) return pending;
  return settle(pending, touched, server);
}

/** A fresh `_board` arrived: it speaks for every card. */
export function settleSnapshot(pending, server) {
  if (!pending.size) return pending;
  return settle(pending, null, server);
}

/** `touched` null means every card. */
function settle(pending, touched, server) {
  const settledMoves = new Map(); // request id → ids whose move claim the server settled
  for (const id of touched === null ? movedIds(pending) : touched) {
    const chain = [];
    for (const cur of pending.values()) if (cur.moves.has(id)) chain.push(cur);
    if (!chain.length) continue;
    const card = server ? server.cards.get(id) : null;
    for (const cur of chain.slice(0, settledCount(chain, id, card ? card.status : null))) {
      if (!settledMoves.has(cur.requestId)) settledMoves.set(cur.requestId, new Set());
      settledMoves.get(cur.requestId).add(id);
    }
  }
  const hit = (id) => touched === null || touched.has(id);
  const out = new Map();
  for (const cur of pending.values()) {
    const done = settledMoves.get(cur.requestId);
    const moves = done ? new Map([...cur.moves].filter(([id]) => !done.has(id))) : cur.moves;
    const cards = new Map([...cur.cards].filter(([id]) => !hit(id)));
    let seen = cur.seen;
    if (cur.ackRev === null) {
      seen = new Set(seen);
      for (const id of touched === null ? (server ? server.cards.keys() : []) : touched) seen.add(id);
    }
    keepIfClaims(out, { ...cur, moves, cards, seen });
  }
  return out;
}

/**
 * How many of a card's move claims (`chain`, oldest request first) the server settles by
 * showing the card in `now` (null: gone). Requests are carried out in the order they were
 * sent, so the card in the status one of them asked for means that one and every older one
 * have landed. In the status the oldest found it, while that request is still out, it is an
 * edit made before our write (a comment, say): nothing settles. Anywhere else, another
 * process moved it: the database wins, every claim goes.
 */
function settledCount(chain, id, now) {
  if (now === null) return chain.length;
  const k = chain.findIndex((cur) => cur.moves.get(id).status === now);
  if (k >= 0) return k + 1;
  const oldest = chain[0];
  if (oldest.ackRev === null && oldest.moves.get(id).from === now) return 0;
  return chain.length;
}

function movedIds(pending) {
  const ids = new Set();
  for (const cur of pending.values()) for (const id of cur.moves.keys()) ids.add(id);
  return ids;
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
