// The Graph view's bar: what is shown (a neighbourhood or whole components), depth, zoom, the
// critical path's expected time, a link waiting to be confirmed, and errors.
import { html } from "../ui/html.js";
import { formatDuration } from "./graph-model.js";

const DEPTHS = [[1, "1 link"], [2, "2 links"], [3, "3 links"], [5, "5 links"], [null, "whole component"]];

export function GraphBar({ graph, roots, depth, selected, critical, readOnly, linkFrom, proposal, error, notice, on }) {
  const counts = graph ? `${graph.nodes.size} tasks, ${graph.edges.length} links` : "";
  return html`<div class="kb-graph-bar">
    <div class="kb-graph-row" role="toolbar" aria-label="Graph view">
      <span data-graph-scope>${roots.length
        ? `Around ${roots.length === 1 ? roots[0] : `${roots.length} tasks`}`
        : "Whole board"}</span>
      ${roots.length > 0 && html`<label class="kb-check-label">within
        <select class="kb-input" data-graph-depth aria-label="How many links away from the chosen tasks"
          value=${depth === null ? "all" : String(depth)}
          onChange=${(e) => on.setDepth(e.currentTarget.value === "all" ? null : Number(e.currentTarget.value))}>
          ${DEPTHS.map(([d, label]) => html`<option value=${d === null ? "all" : String(d)}>${label}</option>`)}
        </select></label>`}
      <button type="button" class="kb-btn kb-small" data-graph-focus disabled=${!selected.length}
        title="Show the tasks within reach of the selected ones" onClick=${on.focusSelection}>Around selection</button>
      <button type="button" class="kb-btn kb-small" data-graph-overview disabled=${!roots.length}
        title="Show whole connected components, largest first, as many as fit" onClick=${on.overview}>Whole board</button>
      <span class="kb-muted" data-graph-counts>${counts}</span>
      ${graph && graph.truncated && html`<span class="kb-muted" data-graph-truncated
        title="Select tasks and press Around selection to see the rest">(more than fit: showing the nearest)</span>`}
      <span class="kb-spacer"></span>
      <button type="button" class="kb-btn kb-small" data-graph-zoom-out aria-label="Zoom out" onClick=${() => on.zoom(1 / 1.25)}>−</button>
      <button type="button" class="kb-btn kb-small" data-graph-zoom-in aria-label="Zoom in" onClick=${() => on.zoom(1.25)}>+</button>
      <button type="button" class="kb-btn kb-small" data-graph-fit disabled=${!graph} onClick=${on.fit}>Fit</button>
    </div>
    ${critical && graph && graph.critical && html`<p class="kb-graph-line" data-graph-critical=${critical}>
      ${graph.critical.path.length
        ? html`Critical path to <code>${critical}</code>: ${graph.critical.path.length} open
            task${graph.critical.path.length === 1 ? "" : "s"}, <strong data-graph-critical-total>≈ ${formatDuration(graph.critical.total)}</strong>${" "}
            expected (median time in each column still ahead, from this board's history).`
        : html`<code>${critical}</code> is done or archived: nothing left to wait for.`}
    </p>`}
    ${!readOnly && !proposal && html`<p class="kb-graph-line kb-muted" data-graph-hint>${linkFrom
      ? html`Linking from <code>${linkFrom}</code>: go to the task that should wait for it and press L (Escape cancels).`
      : "Drag from one task to another (or press L on each) to make the second depend on the first. Drag the background to pan, Ctrl/⌘ + wheel to zoom."}</p>`}
    ${proposal && html`<div class="kb-graph-line kb-graph-proposal" data-graph-proposal role="group" aria-label="Proposed link">
      Make <code>${proposal.child}</code> depend on <code>${proposal.parent}</code>?
      <button type="button" class="kb-btn kb-small kb-primary" data-graph-link-confirm onClick=${on.confirmLink}>Link</button>
      <button type="button" class="kb-btn kb-small" data-graph-link-cancel onClick=${on.cancelLink}>Cancel</button>
    </div>`}
    ${error && html`<div class="kb-form-error" role="alert" data-graph-error>${error}${" "}
      <button type="button" class="kb-link-btn" onClick=${on.dismiss}>dismiss</button></div>`}
    ${notice && html`<p class="kb-graph-line" role="status" data-graph-notice>${notice}</p>`}
  </div>`;
}
