// Pure board logic: the snapshot, patches, ordering, filtering, grouping and staleness.
// Nothing here touches the DOM or the model, so all of it is unit-tested in node.

import { UNASSIGNED } from "./protocol.js";
import { sameItems } from "./same.js";

export const STATUS_LABELS = Object.freeze({
  triage: "Triage",
  todo: "Todo",
  scheduled: "Scheduled",
  ready: "Ready",
  running: "In progress",
  blocked: "Blocked",
  review: "Review",
  done: "Done",
  archived: "Archived",
});

export const STATUS_HELP = Object.freeze({
  triage: "Raw ideas waiting to be specified",
  todo: "Waiting on dependencies or an assignee",
  scheduled: "Waiting for their start time",
  ready: "Assigned and waiting for a dispatcher",
  running: "Claimed by a worker, in flight",
  blocked: "Waiting for a person",
  review: "Waiting for review",
  done: "Completed",
  archived: "Out of the default view",
});

/** Columns hidden while they hold no card at all. */
export const HIDE_WHEN_EMPTY = new Set(["scheduled", "review"]);

/** Moves into these statuses ask for confirmation first. */
export const CONFIRM_STATUSES = new Set(["done", "blocked", "archived"]);

/** Columns whose cards never get an age tint: finished work is not stuck. */
export const NO_AGING = new Set(["done", "archived"]);

/** Whether `status` is one this front end knows (own keys only: "constructor" is not a status). */
export function isKnownStatus(status) {
  return Object.hasOwn(STATUS_LABELS, status);
}

export function statusLabel(status) {
  return isKnownStatus(status) ? STATUS_LABELS[status] : String(status);
}

/** The tooltip of a column header ("" for a status we do not know). */
export function statusHelp(status) {
  return isKnownStatus(status) ? STATUS_HELP[status] : "";
}

export class BoardFormatError extends Error {
  constructor(message) {
    super(message);
    this.name = "BoardFormatError";
  }
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** Check and copy one card; throws BoardFormatError on a card the UI cannot show. */
export function normalizeCard(raw) {
  if (!isObject(raw)) throw new BoardFormatError("a card is not an object");
  if (typeof raw.id !== "string" || !raw.id) throw new BoardFormatError("a card has no string id");
  if (typeof raw.status !== "string" || !raw.status) {
    throw new BoardFormatError(`card ${raw.id} has no status`);
  }
  const num = (v, d = null) => (typeof v === "number" && Number.isFinite(v) ? v : d);
  const str = (v) => (v === null || v === undefined ? null : String(v));
  const progress = isObject(raw.progress) ? { done: num(raw.progress.done, 0), total: num(raw.progress.total, 0) } : null;
  const links = isObject(raw.link_counts) ? raw.link_counts : {};
  return {
    ...raw,
    title: raw.title === null || raw.title === undefined ? "" : String(raw.title),
    assignee: str(raw.assignee) || null,
    tenant: str(raw.tenant) || null,
    priority: num(raw.priority, 0),
    created_at: num(raw.created_at, 0),
    status_since: num(raw.status_since, num(raw.created_at, 0)),
    body: str(raw.body) || "",
    result: str(raw.result),
    progress: progress && progress.total > 0 ? progress : null,
    link_counts: { parents: num(links.parents, 0), children: num(links.children, 0) },
    comment_count: num(raw.comment_count, 0),
  };
}

/**
 * Turn the `_board` trait into the state the UI works on.
 * Throws BoardFormatError when the snapshot is malformed, so the widget can say so.
 */
export function normalizeBoard(raw) {
  if (!isObject(raw)) throw new BoardFormatError("the board snapshot is missing or not an object");
  if (!Array.isArray(raw.cards)) throw new BoardFormatError("the board snapshot has no list of cards");
  const cards = new Map();
  for (const c of raw.cards) {
    const card = normalizeCard(c);
    cards.set(card.id, card);
  }
  const columns = Array.isArray(raw.columns) ? raw.columns.filter((c) => typeof c === "string") : [];
  return {
    byStatus: indexByStatus(cards.values()),
    rev: typeof raw.rev === "number" ? raw.rev : 0,
    cursor: raw.cursor ?? null,
    now: typeof raw.now === "number" ? raw.now : Date.now() / 1000,
    receivedAt: Date.now() / 1000,
    path: raw.path ? String(raw.path) : "",
    columns,
    cards,
    tenants: Array.isArray(raw.tenants) ? raw.tenants.map(String) : [],
    assignees: Array.isArray(raw.assignees) ? raw.assignees.map(String) : [],
  };
}

/** What to do with a patch: "apply" (next rev), "stale" (already reflected) or "gap" (resync). */
export function patchDisposition(state, patch) {
  if (!state || typeof patch.rev !== "number") return "gap";
  if (patch.rev === state.rev + 1) return "apply";
  if (patch.rev <= state.rev) return "stale";
  return "gap";
}

/**
 * Edits to a per-status index: record which cards leave and join which column, then
 * `applyTo(byStatus)` rebuilds only those columns (a new Map; the input is not changed).
 */
export function indexEdits() {
  const changes = new Map(); // status → {remove: Set(id), add: [card]}
  const change = (status) => {
    let c = changes.get(status);
    if (!c) changes.set(status, (c = { remove: new Set(), add: [] }));
    return c;
  };
  return {
    remove: (status, id) => change(status).remove.add(id),
    add: (card) => change(card.status).add.push(card),
    applyTo(byStatus) {
      const out = new Map(byStatus);
      for (const [status, { remove, add }] of changes) {
        out.set(status, rebuildSorted(out.get(status) || [], remove, add));
      }
      return out;
    },
  };
}

/** Apply a patch whose rev is state.rev + 1; returns a new state (the input is not changed). */
export function applyPatch(state, patch) {
  const cards = new Map(state.cards);
  const edits = indexEdits();
  const drop = (id) => {
    const old = cards.get(id);
    if (old) edits.remove(old.status, id);
    cards.delete(id);
  };
  for (const id of patch.removes || []) drop(id);
  for (const raw of patch.upserts || []) {
    const card = normalizeCard(raw);
    drop(card.id);
    cards.set(card.id, card);
    edits.add(card);
  }
  const byStatus = edits.applyTo(state.byStatus);
  const next = {
    ...state,
    rev: patch.rev,
    cursor: patch.cursor ?? state.cursor,
    cards,
    byStatus,
  };
  if (typeof patch.now === "number") {
    next.now = patch.now;
    next.receivedAt = Date.now() / 1000;
  }
  if (Array.isArray(patch.tenants)) next.tenants = patch.tenants.map(String);
  if (Array.isArray(patch.assignees)) next.assignees = patch.assignees.map(String);
  return next;
}

/** Cards by status, each list in column order. */
export function indexByStatus(cards) {
  const index = new Map();
  for (const card of cards) {
    let list = index.get(card.status);
    if (!list) index.set(card.status, (list = []));
    list.push(card);
  }
  for (const list of index.values()) list.sort(compareCards);
  return index;
}

/** A sorted list without the ids in `remove`, with `add` merged in order (a new array). */
export function rebuildSorted(list, remove, add) {
  const kept = remove.size ? list.filter((c) => !remove.has(c.id)) : list.slice();
  if (!add.length) return kept;
  const extra = add.slice().sort(compareCards);
  const out = new Array(kept.length + extra.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < kept.length && j < extra.length) {
    out[k++] = compareCards(kept[i], extra[j]) <= 0 ? kept[i++] : extra[j++];
  }
  while (i < kept.length) out[k++] = kept[i++];
  while (j < extra.length) out[k++] = extra[j++];
  return out;
}

/** Server time now, in Unix seconds, from the snapshot's clock and the local clock's progress. */
export function serverNow(state, localNow = Date.now() / 1000) {
  if (!state) return localNow;
  return state.now + Math.max(0, localNow - state.receivedAt);
}

/** Column order: priority desc, created_at asc, id asc. */
export function compareCards(a, b) {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether a card passes the filters {search, tenant, assignee}. */
export function matchesFilters(card, { search = "", tenant = "", assignee = "" } = {}) {
  if (tenant && card.tenant !== tenant) return false;
  if (assignee) {
    if (assignee === UNASSIGNED ? card.assignee : card.assignee !== assignee) return false;
  }
  const q = search.trim().toLowerCase();
  if (!q) return true;
  for (const field of [card.id, card.title, card.body, card.assignee, card.tenant, card.result]) {
    if (field && String(field).toLowerCase().includes(q)) return true;
  }
  return false;
}

/**
 * The columns to show: the snapshot's order, then unknown statuses found on cards;
 * `scheduled`/`review` hidden when no card is in them; `archived` only when shown.
 */
export function visibleColumns(columns, countsByStatus, showArchived) {
  const out = [];
  const seen = new Set();
  for (const s of columns) {
    if (seen.has(s)) continue;
    seen.add(s);
    if (HIDE_WHEN_EMPTY.has(s) && !countsByStatus.get(s)) continue;
    if (s === "archived" && !showArchived) continue;
    out.push(s);
  }
  for (const s of countsByStatus.keys()) {
    if (seen.has(s)) continue;
    if (s === "archived" && !showArchived) continue;
    seen.add(s);
    out.push(s);
  }
  return out;
}

export function laneName(card) {
  return card.assignee || UNASSIGNED;
}

/**
 * Group the board for display.
 * Returns {columns: [{status, total, count, lanes: Map(lane → sorted cards)}], lanes: [names]}:
 * `total` counts every card in the column, `count` those passing the filters.
 * Without lanes there is one lane, "". The lists may be shared with the state: do not mutate.
 */
export function groupBoard(state, { filters = {}, lanes = false, showArchived = false } = {}) {
  const index = state.byStatus || indexByStatus(state.cards.values());
  const totals = new Map();
  for (const [status, list] of index) if (list.length) totals.set(status, list.length);
  const filtering = Boolean((filters.search || "").trim() || filters.tenant || filters.assignee);
  const visible = visibleColumns(state.columns, totals, showArchived);
  const shown = visible.map((status) => {
    const list = index.get(status) || [];
    return [status, filtering ? list.filter((c) => matchesFilters(c, filters)) : list];
  });
  let laneNames = [""];
  if (lanes) {
    const set = new Set();
    for (const [, list] of shown) for (const c of list) set.add(laneName(c));
    laneNames = [...set].sort(compareLanes);
  }
  const columns = shown.map(([status, cards]) => {
    const laneMap = new Map(laneNames.map((l) => [l, lanes ? [] : cards]));
    if (lanes) for (const card of cards) laneMap.get(laneName(card)).push(card);
    return { status, total: totals.get(status) || 0, count: cards.length, lanes: laneMap };
  });
  return { columns, lanes: laneNames };
}

/** One column of `next` sharing `prev`'s lane lists that hold the same cards (and `prev` itself
 * when nothing in it changed). */
function keepColumnGroup(prev, next) {
  if (!prev) return next;
  let same = prev.total === next.total && prev.count === next.count && prev.lanes.size === next.lanes.size;
  const lanes = new Map();
  for (const [lane, list] of next.lanes) {
    const old = prev.lanes.get(lane);
    const kept = old && sameItems(old, list) ? old : list;
    if (kept !== old) same = false;
    lanes.set(lane, kept);
  }
  return same ? prev : { ...next, lanes };
}

/**
 * `next` (a groupBoard result) sharing `prev`'s: every column whose cards, counts and lanes did
 * not change is the previous object, every unchanged lane list the previous array, and the
 * lane names the previous array when equal. Cards are compared by identity (a patch replaces
 * only the cards it carries). `next` is not changed.
 */
export function keepUnchangedGroups(prev, next) {
  if (!prev) return next;
  const before = new Map(prev.columns.map((c) => [c.status, c]));
  const columns = next.columns.map((c) => keepColumnGroup(before.get(c.status), c));
  const lanes = sameItems(prev.lanes, next.lanes) ? prev.lanes : next.lanes;
  if (lanes === prev.lanes && sameItems(columns, prev.columns)) return prev;
  return { columns, lanes };
}

function compareLanes(a, b) {
  if (a === UNASSIGNED) return 1;
  if (b === UNASSIGNED) return -1;
  return a.localeCompare(b);
}

/**
 * True for a running card whose worker's claim has run out: the worker stopped heartbeating
 * (it may have died) and a dispatcher will reclaim the task. Python keeps `claim_expires`
 * current even though heartbeats write no event.
 */
export function claimExpired(card, now) {
  return card.status === "running" && typeof card.claim_expires === "number" && card.claim_expires < now;
}

/**
 * The `age_bands` trait checked: `{status: [p50, p85]}` in seconds, how long that column's past
 * spells lasted (kanban_widget/flow_hints.py). Entries that are not two finite numbers
 * 0 <= p50 <= p85 are dropped; a column without an entry has too little history to judge by.
 */
export function readAgeBands(value) {
  const out = {};
  if (!isObject(value)) return out;
  for (const [status, band] of Object.entries(value)) {
    if (!Array.isArray(band) || band.length !== 2) continue;
    const [low, high] = band;
    if (Number.isFinite(low) && Number.isFinite(high) && low >= 0 && low <= high) out[status] = [low, high];
  }
  return out;
}

/**
 * "" | "amber" | "red": the card's time in its column against that column's own history
 * (`band` = [p50, p85] seconds): neutral below the 50th percentile of past spells, amber from
 * it, red past the 85th. Neutral without a band (thin history) and in done / archived.
 */
export function staleness(card, now, band) {
  if (!band || NO_AGING.has(card.status)) return "";
  const since = card.status_since || card.created_at;
  if (!since) return "";
  const age = now - since;
  if (age > band[1]) return "red";
  if (age >= band[0]) return "amber";
  return "";
}

/** What a tint means, for the card's label and tooltip ("" for none). */
export function stalenessText(stale, status) {
  if (!stale) return "";
  const share = stale === "red" ? "85 %" : "50 %";
  return `longer in ${statusLabel(status)} than ${share} of past spells`;
}

/**
 * The `wip_limits` trait checked: `{status: limit}`, whole numbers >= 0; others dropped.
 */
export function readWipLimits(value) {
  const out = {};
  if (!isObject(value)) return out;
  for (const [status, limit] of Object.entries(value)) {
    if (Number.isInteger(limit) && limit >= 0) out[status] = limit;
  }
  return out;
}

/**
 * A column header's WIP figure: null without a limit, else `{text: "n / limit", over, label}`
 * where n counts every card in the column (filters do not change how much work is in it).
 */
export function wipFigure(total, limit, status) {
  if (!Number.isInteger(limit)) return null;
  const over = total > limit;
  const label = over
    ? `${total} cards in ${statusLabel(status)}, over its WIP limit of ${limit}`
    : `${total} cards in ${statusLabel(status)}, WIP limit ${limit}`;
  return { text: `${total} / ${limit}`, over, label };
}

/** A short relative age: "now", "5m", "3h", "2d", "5w", "3mo", "2y". */
export function relativeAge(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return "now";
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  if (s < 14 * 86400) return `${Math.floor(s / 86400)}d`;
  if (s < 60 * 86400) return `${Math.floor(s / (7 * 86400))}w`;
  if (s < 365 * 86400) return `${Math.floor(s / (30 * 86400))}mo`;
  return `${Math.floor(s / (365 * 86400))}y`;
}

/** The status one column left (-1) or right (+1) of `status` among `columns`, or null. */
export function adjacentStatus(columns, status, step) {
  const i = columns.indexOf(status);
  if (i < 0) return null;
  const j = i + step;
  return j >= 0 && j < columns.length ? columns[j] : null;
}

/**
 * The limits after typing `text` into `status`'s WIP field: a whole number >= 0 sets it, blank
 * removes it; null for anything else (the field says it is invalid).
 */
export function nextWipLimits(limits, status, text) {
  const trimmed = String(text).trim();
  const next = { ...limits };
  if (trimmed === "") {
    delete next[status];
    return next;
  }
  if (!/^\d{1,7}$/.test(trimmed)) return null;
  next[status] = Number(trimmed);
  return next;
}
