// Python-synced UI state: the filter traits and the selection (docs/protocol.md, "Synced traits").
// Writes go through `model.set` at once (every view updates) and reach Python with
// `save_changes`, debounced for typing. UI-only state lives in ui/view-state.js instead.

import { TRAIT } from "./protocol.js";
import { sameValue } from "./same.js";

/** Traits a view reads and re-renders on. */
export const VIEW_TRAITS = [
  TRAIT.SEARCH, TRAIT.TENANT, TRAIT.ASSIGNEE, TRAIT.SHOW_ARCHIVED, TRAIT.LANES,
  TRAIT.SELECTED, TRAIT.HAS_DISPATCHER, TRAIT.READ_ONLY, TRAIT.ERROR,
  TRAIT.BOARD_SLUG, TRAIT.BOARDS, TRAIT.AGE_BANDS, TRAIT.WIP_LIMITS,
];

const DEFAULTS = {
  [TRAIT.SEARCH]: "", [TRAIT.TENANT]: "", [TRAIT.ASSIGNEE]: "",
  [TRAIT.SHOW_ARCHIVED]: false, [TRAIT.LANES]: false, [TRAIT.SELECTED]: [],
  [TRAIT.HAS_DISPATCHER]: false, [TRAIT.READ_ONLY]: false, [TRAIT.ERROR]: "",
  [TRAIT.BOARD_SLUG]: "", [TRAIT.BOARDS]: [],
  [TRAIT.AGE_BANDS]: {}, [TRAIT.WIP_LIMITS]: {}, // checked by state.js readAgeBands / readWipLimits
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
    else if (typeof d === "object") out[name] = v && typeof v === "object" && !Array.isArray(v) ? v : d;
    else if (typeof d === "boolean") out[name] = Boolean(v);
    else out[name] = v === null || v === undefined ? "" : String(v);
  }
  return out;
}

/**
 * `next` traits (from readTraits) sharing every value equal to `prev`'s, and `prev` itself when
 * nothing changed: the selection keeps its identity across a board patch, so what is
 * memoized on it (the selected set, the lanes of cards) is not redone.
 */
export function keepTraits(prev, next) {
  if (!prev) return next;
  let changed = false;
  const out = {};
  for (const name of Object.keys(next)) {
    if (Object.hasOwn(prev, name) && sameValue(prev[name], next[name])) out[name] = prev[name];
    else {
      out[name] = next[name];
      changed = true;
    }
  }
  return changed ? out : prev;
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

  let last = null;
  const read = () => (last = keepTraits(last, readTraits(model)));
  return { read, write, flush, dispose };
}
