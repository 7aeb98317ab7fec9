import { useEffect, useRef, useState } from "preact/hooks";
import { html, uniqueId } from "./html.js";
import { statusLabel } from "../state.js";
import { LIMITS } from "../protocol.js";
import { PRIORITY_HINT } from "./priority.js";

/** Inline create in a column: Enter submits, Escape cancels. */
export function CreateForm({ status, board, actions }) {
  const [title, setTitle] = useState("");
  const [assignee, setAssignee] = useState("");
  const [priority, setPriority] = useState("");
  const [parent, setParent] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const titleRef = useRef(null);
  const listId = useRef(uniqueId("kb-assignees")).current;

  useEffect(() => { titleRef.current && titleRef.current.focus(); }, []);

  async function submit() {
    const t = title.trim();
    if (!t) { setError("A title is required."); return; }
    if (t.length > LIMITS.title) { setError(`The title is longer than ${LIMITS.title} characters.`); return; }
    const fields = { title: t, column: status };
    if (assignee.trim()) fields.assignee = assignee.trim();
    if (priority.trim()) {
      const n = Number(priority);
      if (!Number.isInteger(n)) { setError("Priority must be a whole number."); return; }
      fields.priority = n;
    }
    if (parent.trim()) fields.parent = parent.trim();
    setBusy(true);
    setError("");
    const reply = await actions.create(fields);
    setBusy(false);
    if (reply.ok) actions.setCreate(null);
    else setError(reply.error || "The task could not be created.");
  }

  function onKeyDown(e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(); }
    else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); actions.setCreate(null); }
  }

  return html`<form class="kb-create" data-create-form=${status} onSubmit=${(e) => { e.preventDefault(); submit(); }} onKeyDown=${onKeyDown}>
    <input
      ref=${titleRef}
      class="kb-input"
      name="title"
      maxlength=${LIMITS.title}
      placeholder=${status === "triage" ? "Rough idea…" : `New task in ${statusLabel(status)}…`}
      aria-label="Title"
      value=${title}
      onInput=${(e) => setTitle(e.currentTarget.value)}
    />
    <div class="kb-create-row">
      <input class="kb-input" name="assignee" placeholder="assignee" aria-label="Assignee" list=${listId}
        value=${assignee} onInput=${(e) => setAssignee(e.currentTarget.value)} />
      <datalist id=${listId}>${board.assignees.map((a) => html`<option value=${a} />`)}</datalist>
      <input class="kb-input kb-narrow" name="priority" type="number" step="1" placeholder="prio" aria-label="Priority"
        title=${PRIORITY_HINT}
        value=${priority} onInput=${(e) => setPriority(e.currentTarget.value)} />
      <input class="kb-input" name="parent" placeholder="parent id" aria-label="Parent task id" maxlength=${LIMITS.id}
        value=${parent} onInput=${(e) => setParent(e.currentTarget.value)} />
    </div>
    ${error && html`<div class="kb-form-error" role="alert">${error}</div>`}
    <div class="kb-create-row">
      <button type="submit" class="kb-btn kb-primary" disabled=${busy}>Create</button>
      <button type="button" class="kb-btn" onClick=${() => actions.setCreate(null)}>Cancel</button>
    </div>
  </form>`;
}
