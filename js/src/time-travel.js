// Time travel's pure rules (no DOM): reading the `time` / `_time_view` traits, formatting a
// moment, stepping and playback arithmetic. The scrubber (ui/Scrubber.js) draws with them.

/** Playback speeds offered: seconds of history per second of playback. */
export const SPEEDS = Object.freeze([
  { label: "1 min/s", rate: 60 },
  { label: "1 h/s", rate: 3600 },
  { label: "1 d/s", rate: 86_400 },
  { label: "1 w/s", rate: 604_800 },
]);

/** Plain ←/→ step by this fraction of the history's span (Shift+←/→: event by event). */
export const STEP_FRACTION = 1 / 200;

/** The `time` trait as Unix seconds, or null for live. */
export function readTime(value) {
  return typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : null;
}

/** The `_time_view` trait, checked: null when empty or malformed. */
export function readView(value) {
  if (!value || typeof value !== "object" || !Array.isArray(value.columns)) return null;
  if (typeof value.as_of !== "number") return null;
  return value;
}

/** How far Python's first replay of a long history is (`_time_view.building`), or null. */
export function readBuilding(value) {
  const building = value && typeof value === "object" ? value.building : null;
  if (!building || typeof building !== "object") return null;
  const { phase, done, of } = building;
  if (!Number.isFinite(done) || !Number.isFinite(of) || of <= 0) return null;
  return { phase: typeof phase === "string" ? phase : "", done: Math.max(0, Math.min(done, of)), of };
}

/** A moment as the banner shows it: `2026-11-23 09:00:05 UTC`. */
export function formatMoment(seconds) {
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** Clamp `t` into the view's span. */
export function clampTime(view, t) {
  return Math.min(view.end, Math.max(view.start, Math.round(t)));
}

/**
 * Where a key press moves the moment, or null for a key the scrubber does not handle.
 * ←/→ step by a fraction of the span; with Shift, to the previous/next event; Home/End go to
 * the history's ends.
 */
export function stepFor(view, key, shift) {
  if (key === "Home") return view.start;
  if (key === "End") return view.end;
  if (key !== "ArrowLeft" && key !== "ArrowRight") return null;
  const forward = key === "ArrowRight";
  if (shift) {
    const target = forward ? view.next : view.prev;
    return typeof target === "number" ? target : null;
  }
  const step = Math.max(1, Math.round((view.end - view.start) * STEP_FRACTION));
  return clampTime(view, view.as_of + (forward ? step : -step));
}

/** The moment after `elapsedMs` of playback at `rate` from `from`, capped at the span's end. */
export function playbackTime(view, from, rate, elapsedMs) {
  return clampTime(view, from + (rate * elapsedMs) / 1000);
}

/** Bar heights (0..1) of the density strip: event counts scaled to the busiest slice. */
export function densityBars(counts) {
  const list = Array.isArray(counts) ? counts.map((c) => (Number.isFinite(c) ? c : 0)) : [];
  const top = Math.max(1, ...list);
  return list.map((c) => c / top);
}
