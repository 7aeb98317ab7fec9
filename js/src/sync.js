// Python-synced UI state: the filter traits and the selection (docs/protocol.md, "Synced traits").
// Writes go through `model.set` at once (every view updates) and reach Python with
// `save_changes`, debounced for typing. UI-only state lives in ui/view-state.js instead.
// Also the page-driven poll that keeps the board converging where the thread's sends are lost.

import { FROM_PYTHON, REQUEST, TRAIT } from "./protocol.js";

/** Traits a view reads and re-renders on. */
export const VIEW_TRAITS = [
  TRAIT.SEARCH, TRAIT.TENANT, TRAIT.ASSIGNEE, TRAIT.SHOW_ARCHIVED, TRAIT.LANES,
  TRAIT.SELECTED, TRAIT.HAS_DISPATCHER, TRAIT.READ_ONLY, TRAIT.ERROR,
  TRAIT.BOARD_SLUG, TRAIT.BOARDS,
];

const DEFAULTS = {
  [TRAIT.SEARCH]: "", [TRAIT.TENANT]: "", [TRAIT.ASSIGNEE]: "",
  [TRAIT.SHOW_ARCHIVED]: false, [TRAIT.LANES]: false, [TRAIT.SELECTED]: [],
  [TRAIT.HAS_DISPATCHER]: false, [TRAIT.READ_ONLY]: false, [TRAIT.ERROR]: "",
  [TRAIT.BOARD_SLUG]: "", [TRAIT.BOARDS]: [],
};

export const SEARCH_DEBOUNCE_MS = 250;

/** Read every view trait, with defaults for missing or mistyped values. */
export function readTraits(model) {
  const out = {};
  for (const name of VIEW_TRAITS) {
    const v = model.get(name);
    const d = DEFAULTS[name];
    if (name === TRAIT.BOARDS) out[name] = readBoards(v);
    else if (Array.isArray(d)) out[name] = Array.isArray(v) ? v.map(String) : [];
    else if (typeof d === "boolean") out[name] = Boolean(v);
    else out[name] = v === null || v === undefined ? "" : String(v);
  }
  return out;
}

/** The switcher's boards, `[{slug, name}]`: entries without a slug are dropped. */
function readBoards(value) {
  if (!Array.isArray(value)) return [];
  return value
    .filter((b) => b && typeof b === "object" && typeof b.slug === "string" && b.slug)
    .map((b) => ({ slug: b.slug, name: typeof b.name === "string" && b.name ? b.name : b.slug }));
}

/**
 * Synced-trait access for one view.
 * `write(name, value, {debounce})` sets the trait now and saves it (after `debounce` ms).
 */
export function createTraitSync(model, onChange) {
  let timer = null;
  const listeners = VIEW_TRAITS.map((name) => {
    const fn = () => onChange(name);
    model.on(`change:${name}`, fn);
    return [name, fn];
  });

  function flush() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    try {
      model.save_changes();
    } catch {
      /* the model is gone (widget closed) */
    }
  }

  function write(name, value, { debounce = 0 } = {}) {
    model.set(name, value);
    if (debounce > 0) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, debounce);
    } else {
      flush();
    }
  }

  function dispose() {
    if (timer !== null) flush();
    for (const [name, fn] of listeners) model.off(`change:${name}`, fn);
  }

  return { read: () => readTraits(model), write, flush, dispose };
}

// -- Asking for changes: hosts that drop what Python's thread sends (docs/protocol.md, "poll") --

/** Silence after which the page asks Python what it missed, while the page is visible. */
export const POLL_QUIET_MS = 1500;
/** The same, once a patch has arrived unasked: this host delivers the thread's sends. */
export const POLL_QUIET_TRUSTED_MS = 15_000;
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
 * @param store the board store (js/src/store.js): its `board.rev` and `request`
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
