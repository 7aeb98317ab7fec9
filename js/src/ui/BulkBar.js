import { useRef, useState } from "preact/hooks";
import { html, uniqueId } from "./html.js";
import { statusLabel } from "../state.js";
import { BULK_ACTION } from "../protocol.js";
import { PRIORITY_HINT } from "./priority.js";
import { useActions, useFrame } from "./context.js";

/** Shown while cards are selected: move, assign, set priority, archive; failures per card. */
export function BulkBar() {
  const actions = useActions();
  const { selected, statuses: columns, board, readOnly, view } = useFrame();
  const assignees = board.assignees;
  const report = view.bulkReport;
  const [status, setStatus] = useState("");
  const [assignee, setAssignee] = useState("");
  const [priority, setPriority] = useState("");
  const listId = useRef(uniqueId("kb-bulk-assignees")).current;
  if (!selected.length && !report) return null;
  const n = selected.length;
  // An empty assignee field unassigns; the button says so rather than a long placeholder.
  const who = assignee.trim();
  return html`<div class="kb-bulk" data-bulk-bar role="region" aria-label="Bulk actions">
    ${n > 0 && html`<span class="kb-bulk-count" data-selected-count>${n} selected</span>`}
    ${n > 0 && !readOnly && html`
      <select class="kb-input" data-bulk="status" aria-label="Move selected to" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">Move to…</option>
        ${columns.filter((c) => c !== "archived").map((c) => html`<option value=${c}>${statusLabel(c)}</option>`)}
      </select>
      <button type="button" class="kb-btn" data-bulk-apply="move" disabled=${!status}
        onClick=${() => actions.bulk(BULK_ACTION.MOVE, status)}>Move</button>
      <input class="kb-input kb-bulk-assignee" data-bulk="assignee" placeholder="assignee" aria-label="Assign selected to"
        list=${listId} value=${assignee} onInput=${(e) => setAssignee(e.currentTarget.value)} />
      <datalist id=${listId}>${assignees.map((a) => html`<option value=${a} />`)}</datalist>
      <button type="button" class="kb-btn" data-bulk-apply="assign"
        onClick=${() => actions.bulk(BULK_ACTION.ASSIGN, who || null)}>${who ? "Assign" : "Unassign"}</button>
      <input class="kb-input kb-narrow" type="number" step="1" data-bulk="priority" placeholder="prio"
        aria-label="Priority for selected" title=${PRIORITY_HINT}
        value=${priority} onInput=${(e) => setPriority(e.currentTarget.value)} />
      <button type="button" class="kb-btn" data-bulk-apply="priority" disabled=${!Number.isInteger(Number(priority)) || priority === ""}
        onClick=${() => actions.bulk(BULK_ACTION.PRIORITY, Number(priority))}>Set priority</button>
      <button type="button" class="kb-btn kb-danger" data-bulk-apply="archive"
        onClick=${() => actions.bulk(BULK_ACTION.ARCHIVE)}>Archive</button>
    `}
    ${n > 0 && html`<button type="button" class="kb-btn" data-bulk-clear onClick=${actions.clearSelection}>Clear</button>`}
    ${report && html`<div class="kb-bulk-report" data-bulk-report role="status">
      <span>${report.summary}</span>
      ${report.failures.length > 0 && html`<ul>${report.failures.map((f) => html`<li key=${f.task_id} data-bulk-failure=${f.task_id}><code>${f.task_id}</code>: ${f.error || "failed"}</li>`)}</ul>`}
      <button type="button" class="kb-icon-btn" aria-label="Dismiss the bulk report" onClick=${actions.dismissBulkReport}>×</button>
    </div>`}
  </div>`;
}
