// The per-model board store, created in `initialize`: every view of one model reads the same
// board, so two outputs of one widget always agree. It owns the model-level listeners
// (`msg:custom`, `change:_board`), the request/reply bookkeeping and optimistic moves.

import { FROM_PYTHON, REQUEST, TRAIT, WRITE_REQUESTS, BULK_ACTION } from "./protocol.js";
import {
  applyPatch, effectiveCard, normalizeBoard, patchDisposition, statusLabel,
} from "./state.js";
import { bulkOutcome, bulkSummary } from "./bulk.js";

const pagePrefix = Math.random().toString(36).slice(2, 7);
let requestCounter = 0;

/** A request id unique on this page. */
export function nextRequestId() {
  requestCounter += 1;
  return `r${pagePrefix}${requestCounter}`;
}

const MAX_NOTICES = 5;
const RESYNC_RETRY_MS = 2000;
const CONFIRMED_OVERRIDE_MS = 10_000;

/**
 * @param model the AFM model
 * @param {{requestTimeoutMs?: number}} options
 */
export function createBoardStore(model, { requestTimeoutMs = 30_000 } = {}) {
  let board = null;
  let loadError = null;
  let overrides = new Map(); // task id → {status, token, confirmed?}
  let notices = [];
  let lastResync = -Infinity;
  let noticeCounter = 0;
  let version = 0;
  const pending = new Map(); // request id → {resolve, timer}
  const subscribers = new Set();
  const touchSubscribers = new Set();
  const timers = new Set();

  function changed() {
    version += 1;
    for (const fn of [...subscribers]) fn();
  }

  function load() {
    try {
      board = normalizeBoard(model.get(TRAIT.BOARD));
      loadError = null;
    } catch (err) {
      board = null;
      loadError = err;
    }
  }

  function onBoard() {
    load();
    lastResync = -Infinity;
    for (const [id, o] of overrides) if (o.confirmed) overrides.delete(id);
    overrides = new Map(overrides);
    changed();
  }

  /** Ask Python to re-send `_board` (throttled, unless `force`: a person asked). */
  function resync(force = false) {
    const now = Date.now();
    if (!force && now - lastResync < RESYNC_RETRY_MS) return;
    lastResync = now;
    try {
      model.send({ type: REQUEST.RESYNC, id: nextRequestId() });
    } catch {
      /* the comm is gone; nothing to do */
    }
  }

  function onPatch(patch) {
    const what = patchDisposition(board, patch);
    if (what === "stale") return;
    if (what === "gap") {
      resync(false);
      return;
    }
    try {
      board = applyPatch(board, patch);
    } catch (err) {
      addNotice(`A live update could not be applied (${err.message}); reloading the board.`);
      resync();
      return;
    }
    let dropped = false;
    const hit = new Set([...(patch.removes || []), ...(patch.upserts || []).map((c) => c && c.id)]);
    for (const [id, o] of overrides) {
      if (o.confirmed && hit.has(id)) {
        overrides.delete(id);
        dropped = true;
      }
    }
    if (dropped) overrides = new Map(overrides);
    changed();
    const touched = Array.isArray(patch.touched) ? patch.touched : [];
    if (touched.length) for (const fn of [...touchSubscribers]) fn(new Set(touched));
  }

  function onReply(msg) {
    const entry = pending.get(msg.id);
    if (!entry) return;
    pending.delete(msg.id);
    clearTimeout(entry.timer);
    entry.resolve(msg);
  }

  function onCustom(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === FROM_PYTHON.PATCH) onPatch(msg);
    else if (msg.type === FROM_PYTHON.REPLY) onReply(msg);
  }

  function addNotice(text) {
    noticeCounter += 1;
    notices = [...notices, { id: noticeCounter, text }].slice(-MAX_NOTICES);
    changed();
  }

  function dismissNotice(id) {
    notices = notices.filter((n) => n.id !== id);
    changed();
  }

  /** Send a request; resolves with the reply ({ok, result} or {ok: false, error, code}). */
  function request(type, fields = {}) {
    if (WRITE_REQUESTS.has(type) && model.get(TRAIT.READ_ONLY)) {
      return Promise.resolve({ ok: false, code: "ReadOnlyBoard", error: "This board is read-only." });
    }
    const id = nextRequestId();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({
          ok: false,
          code: "Timeout",
          error: `No answer from Python after ${Math.round(requestTimeoutMs / 1000)} s: is the kernel busy or restarted?`,
        });
      }, requestTimeoutMs);
      pending.set(id, { resolve, timer });
      try {
        model.send({ type, id, ...fields });
      } catch (err) {
        pending.delete(id);
        clearTimeout(timer);
        resolve({ ok: false, code: "KanbanError", error: `Could not reach Python: ${err.message}` });
      }
    });
  }

  function upsertLocal(rawCard) {
    if (!board || !rawCard || typeof rawCard.id !== "string") return;
    try {
      board = applyPatch(board, { rev: board.rev, upserts: [rawCard] });
    } catch {
      /* a malformed card in a reply: the next patch brings the truth */
    }
  }

  function setOverride(id, value) {
    overrides = new Map(overrides);
    if (value) overrides.set(id, value);
    else overrides.delete(id);
  }

  function confirmLater(id, token) {
    setOverride(id, { ...overrides.get(id), confirmed: true });
    const t = setTimeout(() => {
      timers.delete(t);
      const o = overrides.get(id);
      if (o && o.token === token) {
        setOverride(id, null);
        changed();
      }
    }, CONFIRMED_OVERRIDE_MS);
    timers.add(t);
  }

  function getCard(id) {
    const card = board && board.cards.get(id);
    return card ? effectiveCard(card, overrides) : null;
  }

  /** Optimistic move: the card shows in `status` at once; an error reply puts it back. */
  async function move(taskId, status, extra = {}) {
    const card = getCard(taskId);
    if (!card) return { ok: false, code: "TaskNotFound", error: `Task ${taskId} is not on the board.` };
    if (card.status === status) return { ok: true, result: { card } };
    const token = {};
    const from = card.status;
    setOverride(taskId, { status, token });
    changed();
    const reply = await request(REQUEST.MOVE, { task_id: taskId, status, ...extra });
    if (overrides.get(taskId)?.token === token) {
      if (reply.ok && reply.result && reply.result.card) {
        upsertLocal(reply.result.card);
        setOverride(taskId, null);
      } else if (reply.ok) {
        confirmLater(taskId, token);
      } else {
        setOverride(taskId, null);
      }
    }
    if (!reply.ok) {
      // Store errors already name the task and the reason; say what was attempted, briefly.
      addNotice(`Move to ${statusLabel(status)} failed (${taskId} stays in ${statusLabel(from)}): ${reply.error}`);
    }
    changed();
    return reply;
  }

  /** A bulk action; moves and archives show at once, failed cards go back. */
  async function bulk(taskIds, action, value) {
    const optimistic = action === BULK_ACTION.MOVE || action === BULK_ACTION.ARCHIVE;
    const target = action === BULK_ACTION.ARCHIVE ? "archived" : value;
    const tokens = new Map();
    if (optimistic) {
      for (const id of taskIds) {
        if (!getCard(id)) continue;
        const token = {};
        tokens.set(id, token);
        setOverride(id, { status: target, token });
      }
      changed();
    }
    const fields = { task_ids: taskIds, action };
    if (value !== undefined) fields.value = value;
    const reply = await request(REQUEST.BULK, fields);
    const outcome = bulkOutcome(reply);
    for (const [id, token] of tokens) {
      // A later move of the same card owns its override now: leave it alone.
      if (overrides.get(id)?.token !== token) continue;
      if (outcome.okIds.has(id)) confirmLater(id, token);
      else setOverride(id, null);
    }
    if (!reply.ok) addNotice(bulkSummary(action, outcome));
    changed();
    return reply;
  }

  function subscribe(fn) {
    subscribers.add(fn);
    return () => subscribers.delete(fn);
  }

  function onTouched(fn) {
    touchSubscribers.add(fn);
    return () => touchSubscribers.delete(fn);
  }

  function dispose() {
    model.off("msg:custom", onCustom);
    model.off(`change:${TRAIT.BOARD}`, onBoard);
    for (const { timer, resolve } of pending.values()) {
      clearTimeout(timer);
      resolve({ ok: false, code: "KanbanError", error: "The widget was closed." });
    }
    pending.clear();
    for (const t of timers) clearTimeout(t);
    timers.clear();
    subscribers.clear();
    touchSubscribers.clear();
  }

  load();
  model.on("msg:custom", onCustom);
  model.on(`change:${TRAIT.BOARD}`, onBoard);

  return {
    get board() { return board; },
    get loadError() { return loadError; },
    get overrides() { return overrides; },
    get notices() { return notices; },
    get version() { return version; },
    get pendingCount() { return pending.size; },
    getCard,
    request,
    move,
    bulk,
    resync,
    reload: onBoard,
    acceptCard(card) {
      upsertLocal(card);
      changed();
    },
    addNotice,
    dismissNotice,
    subscribe,
    onTouched,
    dispose,
  };
}
