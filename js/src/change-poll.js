// The page-driven poll: keeps the board converging on hosts that drop what Python sends from
// a thread (docs/protocol.md, "When the thread's messages are lost: poll").

import { FROM_PYTHON, REQUEST, TRAIT } from "./protocol.js";

/** Silence after which the page asks Python what it missed, while the page is visible. */
export const POLL_QUIET_MS = 1500;
/**
 * The same, once a patch has arrived unasked: this host delivers the thread's sends, so the
 * poll is only a safety net, and each one wakes the kernel (an idle board's main cost there).
 */
export const POLL_QUIET_TRUSTED_MS = 60_000;
const POLL_TICK_MS = 500;

/**
 * Converge without the thread's sends. Colab's comm, for one, drops messages sent from a
 * background thread, and so every live patch: after `quietMs` of silence from Python (and at
 * once when the page becomes visible or gains focus) this sends `poll` with the revision the
 * page shows; Python answers from its message handler with the patches missed (or the board).
 * A patch that arrives while no poll is out proves the host delivers the thread's sends; from
 * then on the poll is only a slow safety net.
 *
 * @param model the AFM model
 * @param store the board store (js/src/board-model.js): its `board.rev` and `request`
 */
export function createChangePoll(model, store, {
  quietMs = POLL_QUIET_MS, trustedQuietMs = POLL_QUIET_TRUSTED_MS, tickMs = POLL_TICK_MS,
  win = globalThis.window,
} = {}) {
  let lastHeard = Date.now();
  let asking = false;
  let trusted = false;
  let disposed = false;
  const doc = win && win.document;

  function heard() {
    lastHeard = Date.now();
  }

  function onCustom(msg) {
    heard();
    // Proof that this host delivers what Python sends from a thread: a patch that nobody
    // asked for, or the beacon Python sends from a thread when answering a poll.
    if (msg && (msg.type === FROM_PYTHON.BEACON || (!asking && msg.type === FROM_PYTHON.PATCH))) {
      trusted = true;
    }
  }

  const visible = () => !doc || doc.visibilityState !== "hidden";

  async function ask() {
    if (asking || disposed || !visible()) return;
    asking = true;
    try {
      const board = store.board;
      await store.request(REQUEST.POLL, { rev: board ? board.rev : 0 });
    } finally {
      asking = false;
      heard();
    }
  }

  function tick() {
    if (Date.now() - lastHeard >= (trusted ? trustedQuietMs : quietMs)) ask();
  }

  function onVisibility() {
    if (visible()) ask();
  }

  model.on("msg:custom", onCustom);
  model.on(`change:${TRAIT.BOARD}`, heard);
  const timer = setInterval(tick, tickMs);
  if (doc) doc.addEventListener("visibilitychange", onVisibility);
  if (win) win.addEventListener("focus", onVisibility);

  return {
    get trusted() { return trusted; },
    ask,
    dispose() {
      disposed = true;
      clearInterval(timer);
      model.off("msg:custom", onCustom);
      model.off(`change:${TRAIT.BOARD}`, heard);
      if (doc) doc.removeEventListener("visibilitychange", onVisibility);
      if (win) win.removeEventListener("focus", onVisibility);
    },
  };
}
