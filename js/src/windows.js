// Windows: the page holds each column's first cards, Python says how many the column has.
// Pure functions over the snapshot's `counts` / `lane_counts` and the patches' changes to them
// (docs/protocol.md, "Windows"). A snapshot without counts (an older kernel, the test
// harness's fake kernel) holds every card: then the held cards are the counts.

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isCount = (n) => Number.isInteger(n) && n >= 0;

/** `{status: n}` from an untrusted value: entries that are not whole counts are dropped. */
function countsOf(raw) {
  const out = new Map();
  if (!isObject(raw)) return out;
  for (const [status, n] of Object.entries(raw)) if (isCount(n)) out.set(status, n);
  return out;
}

/** `{status: {lane: n}}` likewise. */
function laneCountsOf(raw) {
  const out = new Map();
  if (!isObject(raw)) return out;
  for (const [status, lanes] of Object.entries(raw)) out.set(status, countsOf(lanes));
  return out;
}

/**
 * The counts a snapshot carries: `{known, columns: Map(status → n), lanes: Map(status →
 * Map(lane → n))}`; `known` is false when the snapshot has none (every card is held).
 */
export function readCounts(snapshot) {
  const known = isObject(snapshot) && isObject(snapshot.counts);
  return {
    known,
    columns: known ? countsOf(snapshot.counts) : new Map(),
    lanes: known ? laneCountsOf(snapshot.lane_counts) : new Map(),
  };
}

/** The counts after a patch's `counts` / `lane_counts` (new maps only where they change). */
export function patchCounts(counts, patch) {
  if (!counts.known || !isObject(patch)) return counts;
  let { columns, lanes } = counts;
  if (isObject(patch.counts)) {
    columns = new Map(columns);
    for (const [status, n] of countsOf(patch.counts)) {
      if (n) columns.set(status, n);
      else columns.delete(status);
    }
  }
  if (isObject(patch.lane_counts)) {
    lanes = new Map(lanes);
    for (const [status, changes] of laneCountsOf(patch.lane_counts)) {
      const merged = new Map(lanes.get(status) || []);
      for (const [lane, n] of changes) {
        if (n) merged.set(lane, n);
        else merged.delete(lane);
      }
      lanes.set(status, merged);
    }
  }
  return columns === counts.columns && lanes === counts.lanes ? counts : { ...counts, columns, lanes };
}

/**
 * How many cards a column (one lane of it, with lanes: `lane` not "") has on the server, or
 * `held` (the cards the page holds there) when the counts are not known.
 */
export function countOf(counts, status, lane, held) {
  if (!counts || !counts.known) return held;
  if (lane) return (counts.lanes.get(status) || new Map()).get(lane) ?? held;
  return counts.columns.get(status) ?? held;
}
