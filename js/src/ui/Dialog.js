import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { trapTab } from "./focus.js";
import { statusLabel } from "../state.js";

const TEXT = {
  done: (n) => n === 1
    ? "Mark this task as done? Its worker's claim is released and children waiting on it can become ready."
    : `Mark ${n} tasks as done? Their workers' claims are released.`,
  blocked: (n) => n === 1
    ? "Mark this task as blocked? Its worker's claim is released."
    : `Mark ${n} tasks as blocked?`,
  archived: (n) => n === 1
    ? "Archive this task? It leaves the default board view."
    : `Archive ${n} tasks? They leave the default board view.`,
};

/** In-widget confirmation for moves to done (optional result), blocked (optional reason), archived. */
export function ConfirmDialog({ dialog, onConfirm, onCancel }) {
  const [text, setText] = useState("");
  const first = useRef(null);
  const { status, taskIds } = dialog;
  const n = taskIds.length;
  const field = n === 1 && status === "done" ? "result" : n === 1 && status === "blocked" ? "reason" : null;
  useEffect(() => { first.current && first.current.focus(); }, []);
  const confirm = () => onConfirm(field && text.trim() ? { [field]: text.trim() } : {});
  function onKeyDown(e) {
    if (e.key === "Tab") {
      // Keep the focus inside the dialog while it is open.
      trapTab(e, e.currentTarget);
      return;
    }
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); onCancel(); }
    else if (e.key === "Enter" && (e.ctrlKey || e.metaKey || e.target.tagName !== "TEXTAREA")) {
      if (e.target.tagName === "BUTTON") return;
      e.preventDefault();
      confirm();
    }
  }
  const title = `${statusLabel(status)}${n === 1 ? `: ${taskIds[0]}` : ` (${n} tasks)`}`;
  return html`<div class="kb-overlay" data-dialog-overlay onClick=${(e) => e.target === e.currentTarget && onCancel()}>
    <div class="kb-dialog" role="dialog" aria-modal="true" aria-label=${title} data-dialog=${status} onKeyDown=${onKeyDown}>
      <h3 class="kb-dialog-title">${title}</h3>
      <p>${(TEXT[status] || ((k) => `Move ${k} task(s) to ${statusLabel(status)}?`))(n)}</p>
      ${field && html`<label class="kb-field">
        <span>${field === "result" ? "Result (optional)" : "Reason (optional)"}</span>
        <textarea ref=${first} class="kb-input" rows="3" name=${field} value=${text}
          onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      </label>`}
      <div class="kb-dialog-actions">
        <button type="button" class="kb-btn" data-dialog-cancel onClick=${onCancel}>Cancel</button>
        <button type="button" ref=${field ? null : first} class="kb-btn kb-primary" data-dialog-confirm onClick=${confirm}>
          ${status === "archived" ? "Archive" : `Move to ${statusLabel(status)}`}
        </button>
      </div>
    </div>
  </div>`;
}
