// Time travel on the page: a "History" button, then a banner "viewing <time> — back to live",
// a scrubber over the history's span with a density strip, ←/→ stepping (Shift: event by
// event), playback at a chosen speed, and the board as it was at that moment, read-only.
// It talks to Python only through the `time` trait; Python answers with `_time_view`
// (docs/protocol.md, "Time travel"). The live board stays mounted underneath, hidden.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { memo } from "preact/compat";
import { html } from "./html.js";
import { useFlip } from "./flip.js";
import {
  SPEEDS, clampTime, densityBars, formatMoment, playbackTime, readBuilding, readTime, readView,
  stepFor,
} from "../time-travel.js";
import { keepUnchanged, maybeMoved } from "../past-board.js";
import "./time-travel.css";

const PLAY_TICK_MS = 100;

/** Call `onChange` whenever the time-travel traits change; returns the unsubscribe. The view
 * (widget.js) re-renders on it, so this component holds no listener of its own (an effect
 * run after the view is gone would leak one). */
export function watchTimeTraits(model, onChange) {
  const names = ["change:time", "change:_time_view"];
  for (const name of names) model.on(name, onChange);
  return () => { for (const name of names) model.off(name, onChange); };
}

function setTime(model, value) {
  model.set("time", value);
  try {
    model.save_changes();
  } catch {
    /* the model is gone (widget closed) */
  }
}

/**
 * The time view to draw, sharing every unchanged card and column with the last one drawn
 * (past-board.js), and which cards may have moved since: `{view, moved}`.
 */
function useKeptView(raw) {
  const kept = useRef({ raw: null, view: null, moved: null });
  if (kept.current.raw !== raw) {
    const view = keepUnchanged(kept.current.view, raw);
    kept.current = { raw, view, moved: maybeMoved(kept.current.view, view) };
  }
  return kept.current;
}

/** The whole time-travel UI for one view; `root` gets `data-viewing-past` while it shows one. */
export function TimeTravel({ model, root }) {
  const time = readTime(model.get("time"));
  const { view, moved } = useKeptView(readView(model.get("_time_view")));
  const building = readBuilding(model.get("_time_view"));
  const [speed, setSpeed] = useState(SPEEDS[1].rate);
  const [playing, setPlaying] = useState(false);
  const play = useRef(null);

  // Before paint, so the live board never flashes over the past one.
  useLayoutEffect(() => {
    root.toggleAttribute("data-viewing-past", time !== null);
  }, [time, root]);

  // Playback: advance from the moment shown; ask for the next one only once Python has
  // answered the last (a slow board plays slower rather than queueing requests).
  useEffect(() => {
    if (!playing || !view) return undefined;
    if (view.as_of >= view.end) {
      setPlaying(false);
      return undefined;
    }
    const started = play.current || { at: performance.now(), from: view.as_of };
    play.current = started;
    const timer = setTimeout(() => {
      if (readView(model.get("_time_view"))?.as_of !== view.as_of) return;
      setTime(model, playbackTime(view, started.from, speed, performance.now() - started.at));
    }, PLAY_TICK_MS);
    return () => clearTimeout(timer);
  }, [playing, view, speed]);

  const stopPlaying = () => { setPlaying(false); play.current = null; };

  if (time === null) {
    return html`<div class="kb-tt-bar">
      <button type="button" class="kb-btn" data-time-open
        title="Scrub the board back to any moment of its history"
        onClick=${() => setTime(model, Math.floor(Date.now() / 1000))}>History</button>
    </div>`;
  }

  const onKey = (e) => {
    if (!view) return;
    const target = stepFor(view, e.key, e.shiftKey);
    if (target === null) return;
    e.preventDefault();
    stopPlaying();
    setTime(model, target);
  };

  return html`<div class="kb-tt" data-time-travel>
    <div class="kb-tt-banner" role="status" data-time-banner>
      <span>viewing <strong data-time-label>${formatMoment(view ? view.as_of : time)}</strong>, read-only</span>
      <button type="button" class="kb-btn" data-time-live
        onClick=${() => { stopPlaying(); setTime(model, null); }}>back to live</button>
    </div>
    ${building && html`<div class="kb-tt-building" data-time-building>
      <span>Reading the board's history, once: ${building.phase} (step ${Math.min(building.done + 1, building.of)} of ${building.of})</span>
      <progress max=${building.of} value=${building.done}
        aria-label="Reading the board's history"></progress>
    </div>`}
    ${view && html`<div class="kb-tt-controls">
      <button type="button" class="kb-btn" data-time-play aria-pressed=${playing}
        onClick=${() => (playing ? stopPlaying() : (play.current = null, setPlaying(true)))}>
        ${playing ? "Pause" : "Play"}</button>
      <select class="kb-select" aria-label="Playback speed" data-time-speed
        value=${speed} onChange=${(e) => { setSpeed(Number(e.target.value)); play.current = null; }}>
        ${SPEEDS.map((s) => html`<option value=${s.rate}>${s.label}</option>`)}
      </select>
      <div class="kb-tt-track">
        <${Density} counts=${view.density} />
        <input type="range" class="kb-tt-range" data-time-range
          aria-label="Moment shown (arrow keys step, Shift+arrow goes event by event)"
          min=${view.start} max=${view.end} step="1" value=${view.as_of}
          aria-valuetext=${formatMoment(view.as_of)}
          onKeyDown=${onKey}
          onInput=${(e) => { stopPlaying(); setTime(model, clampTime(view, Number(e.target.value))); }} />
      </div>
    </div>`}
    ${view && html`<${ChangesSince} view=${view} />`}
    ${view && html`<${PastBoard} view=${view} moved=${moved} />`}
  </div>`;
}

/** "Changes since": the cards that changed column between the moment shown and now, most
 * recent first, with who did it (Python sends the latest few and the full count). */
function ChangesSince({ view }) {
  const changes = Array.isArray(view.changes) ? view.changes : [];
  const total = typeof view.changes_count === "number" ? view.changes_count : changes.length;
  return html`<details class="kb-tt-changes" data-time-changes>
    <summary>${total} ${total === 1 ? "card" : "cards"} changed column since then</summary>
    <ul tabindex="0" aria-label="Changes since the moment shown">
      ${changes.slice().reverse().map((c) => html`<li key=${c.id} data-change=${c.id}>
        <strong>${c.title}</strong> ${c.from || "(new)"} → ${c.to || "(off the board)"}
        <span class="kb-tt-meta"> ${formatMoment(c.at)}${c.by ? ` by ${c.by}` : ""}${c.kind ? ` (${c.kind})` : ""}</span>
      </li>`)}
    </ul>
  </details>`;
}

/** The density strip: event counts over the span (the same array skips the render). */
const Density = memo(function Density({ counts }) {
  return html`<div class="kb-tt-density" aria-hidden="true" data-time-density>
    ${densityBars(counts).map((h, i) => html`<span key=${i} style=${{ height: `${Math.round(h * 100)}%` }}></span>`)}
  </div>`;
});

/**
 * The board at the moment shown: columns with their full counts and their first cards.
 * `moved` holds the cards that may have moved since the last view (null: any), the only
 * ones the glide measures; unchanged columns and cards are the same objects, so they skip.
 */
function PastBoard({ view, moved }) {
  const columns = view.columns;
  const board = useRef(null);
  useFlip(board, "[data-past-card]", "data-past-card", moved);   // cards glide between columns
  // Focusable: it scrolls sideways, and keyboard users must be able to scroll it too.
  return html`<div class="kb-tt-board" data-past-board tabindex="0" role="region" ref=${board}
      aria-label=${`The board at ${formatMoment(view.as_of)}`}
      style=${{ gridTemplateColumns: `repeat(${columns.length}, minmax(11rem, 1fr))` }}>
    ${columns.map((col) => html`<${PastColumn} key=${col.status} column=${col} />`)}
  </div>`;
}

/** One past column; re-renders only when its column object changes. */
const PastColumn = memo(function PastColumn({ column: col }) {
  return html`<section class="kb-tt-column" data-past-column=${col.status}
      aria-label=${`${col.status}: ${col.count} cards`}>
    <h3 class="kb-tt-heading">${col.status} <span class="kb-tt-count" data-past-count>${col.count}</span></h3>
    ${col.cards.map((card) => html`<${PastCard} key=${card.id} card=${card} />`)}
    ${col.count > col.cards.length && html`<div class="kb-tt-more">+ ${col.count - col.cards.length} more</div>`}
  </section>`;
});

/** One past card; re-renders only when its card object changes. */
const PastCard = memo(function PastCard({ card }) {
  return html`<div class="kb-tt-card" data-past-card=${card.id}>
    <div class="kb-tt-title">${card.title}</div>
    <div class="kb-tt-meta">${card.id}${card.assignee ? ` · ${card.assignee}` : ""}${card.priority ? ` · p${card.priority}` : ""}</div>
  </div>`;
});
