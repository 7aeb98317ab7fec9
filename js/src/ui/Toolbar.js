import { html } from "./html.js";
import { TRAIT, UNASSIGNED } from "../protocol.js";
import { SEARCH_DEBOUNCE_MS } from "../traits.js";
import { BoardSwitch } from "./BoardSwitch.js";

/** The board switcher, filters (synced traits), the dispatch button and the read-only notice. */
const KEYS_HELP = "On a focused card: arrows move the focus; [ and ] (or Shift+←/→) move the card one "
  + "column (a selected card takes the whole selection along, as dragging it does); Enter opens it; Space selects it; Ctrl/Cmd+A selects its column. Escape closes "
  + "the dialog, the drawer or the create form. Ctrl/Cmd-click toggles a card, Shift-click "
  + "selects a range in its column.";

export function Toolbar({ traits, board, actions, view }) {
  const write = actions.writeTrait;
  const readOnly = traits[TRAIT.READ_ONLY];
  return html`<div class="kb-toolbar" role="toolbar" aria-label="Board filters">
    <${BoardSwitch} traits=${traits} write=${write} />
    <input
      type="search"
      class="kb-input kb-search"
      data-filter="search"
      placeholder="Filter cards…"
      aria-label="Search cards"
      value=${traits[TRAIT.SEARCH]}
      onInput=${(e) => write(TRAIT.SEARCH, e.currentTarget.value, { debounce: SEARCH_DEBOUNCE_MS })}
    />
    <select class="kb-input" data-filter="tenant" aria-label="Tenant" value=${traits[TRAIT.TENANT]}
      onChange=${(e) => write(TRAIT.TENANT, e.currentTarget.value)}>
      <option value="">All tenants</option>
      ${withCurrent(board.tenants, traits[TRAIT.TENANT]).map((t) => html`<option value=${t}>${t}</option>`)}
    </select>
    <select class="kb-input" data-filter="assignee" aria-label="Assignee" value=${traits[TRAIT.ASSIGNEE]}
      onChange=${(e) => write(TRAIT.ASSIGNEE, e.currentTarget.value)}>
      <option value="">All assignees</option>
      <option value=${UNASSIGNED}>${UNASSIGNED}</option>
      ${withCurrent(board.assignees, traits[TRAIT.ASSIGNEE]).filter((a) => a !== UNASSIGNED).map((a) => html`<option value=${a}>${a}</option>`)}
    </select>
    <label class="kb-check-label">
      <input type="checkbox" data-filter="show_archived" checked=${traits[TRAIT.SHOW_ARCHIVED]}
        onChange=${(e) => write(TRAIT.SHOW_ARCHIVED, e.currentTarget.checked)} />
      Show archived
    </label>
    <label class="kb-check-label">
      <input type="checkbox" data-filter="lanes" checked=${traits[TRAIT.LANES]}
        onChange=${(e) => write(TRAIT.LANES, e.currentTarget.checked)} />
      Lanes by assignee
    </label>
    <label class="kb-check-label">
      <input type="checkbox" data-view-graph checked=${Boolean(view.graph)} onChange=${(e) => actions.showGraph(e.currentTarget.checked)} />
      Graph
    </label>
    <span class="kb-spacer"></span>
    <span class="kb-keys" tabindex="0" title=${KEYS_HELP} aria-label=${KEYS_HELP}>⌨ keys</span>
    <button type="button" class="kb-btn" data-refresh title="Ask Python for a fresh copy of the whole board"
      onClick=${actions.refresh}>Refresh</button>
    ${readOnly && html`<span class="kb-readonly" data-read-only title="The store was opened read-only: moves and edits are disabled.">Read-only board</span>`}
    ${traits[TRAIT.HAS_DISPATCHER] && html`<button type="button" class="kb-btn" data-dispatch
      disabled=${readOnly || view.busy} onClick=${actions.dispatch}>Dispatch</button>`}
    ${view.dispatchReport && html`<span class=${view.dispatchReport.ok ? "kb-dispatch-report" : "kb-dispatch-report kb-bad"} data-dispatch-report role="status">${view.dispatchReport.text}</span>`}
  </div>`;
}

function withCurrent(list, current) {
  return current && !list.includes(current) ? [...list, current] : list;
}
