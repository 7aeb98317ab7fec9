// The per-model board store, created in `initialize`: every view of one model reads the same
// board, so two outputs of one widget always agree. It owns the model-level listeners
// (`msg:custom`, `change:_board`), the request/reply bookkeeping and optimistic moves.
// `board` is the server's board; `view` is what the page shows: the server's board with the
// page's pending writes laid over it (pending.js).

import { FROM_PYTHON, REQUEST, TRAIT, WRITE_REQUESTS, BULK_ACTION } from "./protocol.js";
import { applyPatch, normalizeBoard, patchDisposition, statusLabel } from "./state.js";
import { bulkOutcome, bulkSummary } from "./bulk.js";
import { patchCounts, readCounts } from "./windows.js";
import {
  acknowledge, addMove, addWrite, NO_PENDING, rebase, reject, settlePatch, settleSnapshot,
} from "./pending.js";

const pagePrefix = Math.random().toString(36).slice(2, 7);
let requestCounter = 0;

/** A request id unique on this page. */
export function nextRequestId() {
  requestCounter += 1;
  return `r${pagePrefix}${requestCounter}`;
}

const MAX_NOTICES = 5;
const RESYNC_RETRY_MS = 2000;

/**
 * @param model the AFM model
 * @param {{requestTimeoutMs?: number}} options
 */
export function createBoardStore(model, { requestTimeoutMs = 30_000 } = {}) {
  let board = null;
  let counts = readCounts(null); // how many cards each column has in Python (windows.js)
  let loadError = null;
  let pending = NO_PENDING; // request id → the page's write the server has not settled yet
  let shown = { board: null, pending: null, view: null }; // rebase(board, pending), memoized
  let notices = [];
  let lastResync = -Infinity;
  let noticeCounter = 0;
  let version = 0;
  const waiting = new Map(); // request id → {resolve, timer}
  const subscribers = new Set();
  const touchSubscribers = new Set();

  function changed() {
    version += 1;
    for (const fn of [...subscribers]) fn();
  }

  function load() {
    try {
      const raw = model.get(TRAIT.BOARD);
      board = normalizeBoard(raw);
      counts = readCounts(raw);
      loadError = null;
    } catch (err) {
      board = null;
      loadError = err;
    }
  }

  function onBoard() {
    load();
    lastResync = -Infinity;
    pending = settleSnapshot(pending, board);
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
    counts = patchCounts(counts, patch);
    pending = settlePatch(pending, patch, board);
    changed();
    const touched = Array.isArray(patch.touched) ? patch.touched : [];
    if (touched.length) for (const fn of [...touchSubscribers]) fn(new Set(touched));
  }

  function onReply(msg) {
    const entry = waiting.get(msg.id);
    if (!entry) return;
    waiting.delete(msg.id);
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
    return send(type, fields, nextRequestId());
  }

  /** `request` under a given request id (the key of its pending write). */
  function send(type, fields, id) {
    if (WRITE_REQUESTS.has(type) && model.get(TRAIT.READ_ONLY)) {
      return Promise.resolve({ ok: false, code: "ReadOnlyBoard", error: "This board is read-only." });
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve({
          ok: false,
          code: "Timeout",
          error: `No answer from Python after ${Math.round(requestTimeoutMs / 1000)} s: is the kernel busy or restarted?`,
        });
      }, requestTimeoutMs);
      waiting.set(id, { resolve, timer });
      try {
        model.send({ type, id, ...fields });
      } catch (err) {
        waiting.delete(id);
        clearTimeout(timer);
        resolve({ ok: false, code: "KanbanError", error: `Could not reach Python: ${err.message}` });
      }
    });
  }

  /** The board as the page shows it: the server's with the pending writes over it. */
  function view() {
    if (shown.board !== board || shown.pending !== pending) {
      shown = { board, pending, view: rebase(board, pending) };
    }
    return shown.view;
  }

  function getCard(id) {
    const shownBoard = view();
    return (shownBoard && shownBoard.cards.get(id)) || null;
  }

  /** Send a move-like request whose cards show in `status` at once; settles its pending op. */
  async function optimistic(type, fields, ids, status, okIdsOf) {
    const id = nextRequestId();
    pending = addMove(pending, id, { server: board, shown: view() }, ids, status);
    changed();
    const reply = await send(type, fields, id);
    pending = reply.ok ? acknowledge(pending, id, board, { okIds: okIdsOf(reply) }) : reject(pending, id);
    return reply;
  }

  /** Optimistic move: the card shows in `status` at once; an error reply puts it back. */
  async function move(taskId, status, extra = {}) {
    const card = getCard(taskId);
    if (!card) return { ok: false, code: "TaskNotFound", error: `Task ${taskId} is not on the board.` };
    if (card.status === status) return { ok: true, result: { card } };
    const from = card.status;
    const reply = await optimistic(REQUEST.MOVE, { task_id: taskId, status, ...extra }, [taskId], status, () => null);
    if (!reply.ok) {
      // Store errors already name the task and the reason; say what was attempted, briefly.
      addNotice(`Move to ${statusLabel(status)} failed (${taskId} stays in ${statusLabel(from)}): ${reply.error}`);
    }
    changed();
    return reply;
  }

  /** A bulk action; moves and archives show at once, failed cards go back. */
  async function bulk(taskIds, action, value) {
    const fields = { task_ids: taskIds, action };
    if (value !== undefined) fields.value = value;
    let reply;
    if (action === BULK_ACTION.MOVE || action === BULK_ACTION.ARCHIVE) {
      const target = action === BULK_ACTION.ARCHIVE ? "archived" : value;
      reply = await optimistic(REQUEST.BULK, fields, taskIds, target, (r) => bulkOutcome(r).okIds);
    } else {
      reply = await request(REQUEST.BULK, fields);
    }
    if (!reply.ok) addNotice(bulkSummary(action, bulkOutcome(reply)));
    changed();
    return reply;
  }

  /**
   * A write whose reply carries the card (create, update): the card shows as the reply has it
   * until a patch brings it.
   */
  async function write(type, fields) {
    const id = nextRequestId();
    pending = addWrite(pending, id, board);
    const reply = await send(type, fields, id);
    const card = reply.ok && reply.result ? reply.result.card : null;
    pending = reply.ok ? acknowledge(pending, id, board, { card }) : reject(pending, id);
    changed();
    return reply;
  }

  /** Ask Python for the next page of a column (of one lane of it, with lanes): its cards
   * arrive as a patch before the reply. */
  function more(status, lane = null) {
    return request(REQUEST.MORE, lane ? { column: status, lane } : { column: status });
  }

  /** Ask Python for the ids of a column's cards under the filters, held or not (at most
   * 10,000): what "select all" selects. Resolves with the reply. */
  function columnIds(status, lane = null) {
    return request(REQUEST.IDS, lane ? { column: status, lane } : { column: status });
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
    for (const { timer, resolve } of waiting.values()) {
      clearTimeout(timer);
      resolve({ ok: false, code: "KanbanError", error: "The widget was closed." });
    }
    waiting.clear();
    subscribers.clear();
    touchSubscribers.clear();
  }

  load();
  model.on("msg:custom", onCustom);
  model.on(`change:${TRAIT.BOARD}`, onBoard);

  return {
    /** The server's board: the snapshot with every patch applied, nothing optimistic. */
    get board() { return board; },
    /** The board the page shows: `board` with the pending writes laid over it. */
    get view() { return view(); },
    get loadError() { return loadError; },
    /** How many cards each column (and lane) has in Python: the page holds only windows. */
    get counts() { return counts; },
    /** The page's writes the server has not settled (pending.js), by request id. */
    get pending() { return pending; },
    get notices() { return notices; },
    get version() { return version; },
    get pendingCount() { return waiting.size; },
    getCard,
    request,
    write,
    move,
    bulk,
    resync,
    more,
    columnIds,
    reload: onBoard,
    addNotice,
    dismissNotice,
    subscribe,
    onTouched,
    dispose,
  };
}
