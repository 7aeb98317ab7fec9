import { memo } from "preact/compat";
import { html } from "./html.js";
import { Card } from "./Card.js";
import { CreateForm } from "./CreateForm.js";
import { limitFor, PAGE_SIZE } from "./view-state.js";
import { statusHelp, statusLabel, wipFigure } from "../state.js";
import { WipLimit } from "./WipLimit.js";
import { statusClass } from "./status-style.js";
import { selectionState } from "../selection.js";
import { useActions, useBoardModel, useFrame } from "./context.js";
import { countOf } from "../windows.js";

/** One column: header (select-all, label, count, +), inline create, one cell per lane. */
export function Column({ column }) {
  const actions = useActions();
  const model = useBoardModel(); // the page holds windows; Python counts the columns
  const { grouped, lanes, now, selectedSet, selected, readOnly, view, board, ageBands, wipLimits } = useFrame();
  const laneNames = grouped.lanes;
  const { status } = column;
  const allIds = [];
  for (const list of column.lanes.values()) for (const c of list) allIds.push(c.id);
  const sel = selectionState(selected, allIds);
  const label = statusLabel(status);
  // Counts are drawn as strings: preact writes a number child to its text node on every render
  // (even unchanged), which would touch every column's header on every patch.
  const count = countOf(model.counts, status, "", column.count);
  const wip = wipFigure(count, Object.hasOwn(wipLimits, status) ? wipLimits[status] : null, status);
  const band = Object.hasOwn(ageBands, status) ? ageBands[status] : undefined;
  return html`<section
    class=${`kb-column ${statusClass(status)}`}
    data-column=${status}
    aria-label=${`${label} column`}
    style=${{ gridRow: `span ${laneNames.length + 1}` }}
  >
    <header class="kb-col-head">
      <input
        type="checkbox"
        class="kb-col-check"
        data-select-all
        aria-label=${`Select all ${count} cards in ${label}`}
        checked=${sel === "all"}
        indeterminate=${sel === "some"}
        disabled=${!allIds.length}
        onClick=${() => actions.toggleColumnOf(status)}
      />
      <span class="kb-dot" aria-hidden="true"></span>
      <h3 class="kb-col-title" title=${statusHelp(status)}>${label}</h3>
      ${wip ? html`<${WipLimit} status=${status} label=${label} wip=${wip} readOnly=${readOnly} />`
      : html`<span
        class="kb-count"
        data-column-count
        title=${model.counts.known || column.count === column.total ? `${count} cards` : `${column.count} of ${column.total} cards match the filters`}
      >${String(count)}</span>`}
      ${!wip && !readOnly && status !== "archived" && status !== "done" && html`<${WipLimit} status=${status} label=${label} />`}
      ${!readOnly && status !== "archived" && html`<button
        type="button"
        class="kb-icon-btn kb-add"
        data-create-toggle
        aria-label=${view.createIn === status ? `Cancel new task in ${label}` : `New task in ${label}`}
        aria-expanded=${view.createIn === status ? "true" : "false"}
        onClick=${() => actions.setCreate(view.createIn === status ? null : status)}
      >${view.createIn === status ? "×" : "+"}</button>`}
      ${view.createIn === status && !readOnly && html`<${CreateForm}
        status=${status}
        board=${board}
        actions=${actions}
      />`}
    </header>
    ${laneNames.map((lane) => {
      const cards = column.lanes.get(lane) || [];
      const key = `${status}|${lane}`;
      return html`<${Lane}
        key=${lane}
        status=${status}
        lane=${lanes ? lane : null}
        cards=${cards}
        limit=${limitFor(view.limits, key)}
        total=${Math.max(cards.length, countOf(model.counts, status, lanes ? lane : "", cards.length))}
        now=${now}
        selectedSet=${selectedSet}
        readOnly=${readOnly}
        band=${band}
      />`;
    })}
  </section>`;
}

/**
 * One cell of a column: the lane's first `limit` cards and its "show more". Memoized: a patch
 * that leaves this lane's list (`cards`, kept by state.js keepUnchangedGroups), the selection
 * and the clock alone skips it, instead of walking every card of the board.
 * `lane` is the lane's name, or null without lanes; `total` counts the lane's cards in Python.
 */
const Lane = memo(function Lane({ status, lane, cards, limit, total, now, selectedSet, readOnly, band }) {
  const actions = useActions();
  const model = useBoardModel();
  const shown = cards.length > limit ? cards.slice(0, limit) : cards;
  const hidden = total - shown.length;
  const showMore = () => {
    actions.showMore(`${status}|${lane ?? ""}`);
    if (total > cards.length) model.more(status, lane); // the next page from Python
  };
  return html`<div class="kb-cell" data-lane=${lane ?? undefined} data-drop-status=${status}>
    ${lane !== null && html`<div class="kb-lane-head"><span class="kb-lane-name">${lane}</span> <span class="kb-lane-count">${String(total)}</span></div>`}
    ${shown.map((card) => html`<${Card}
      key=${card.id}
      card=${card}
      now=${now}
      selected=${selectedSet.has(card.id)}
      readOnly=${readOnly}
      band=${band}
    />`)}
    ${hidden > 0 && html`<button type="button" class="kb-more" data-show-more onClick=${showMore}>
      Show ${Math.min(hidden, PAGE_SIZE)} more (${hidden} hidden)
    </button>`}
    ${!cards.length && lane === null && html`<div class="kb-empty">— no tasks —</div>`}
  </div>`;
});
