import { html } from "./html.js";

/** The error banner: the persistent `error` trait, then dismissable notices (failed actions). */
export function Banner({ error, notices, onDismiss }) {
  if (!error && !notices.length) return html`<div class="kb-banner" data-kanban-error hidden></div>`;
  return html`<div class="kb-banner" data-kanban-error role="alert">
    ${error && html`<div class="kb-banner-line kb-banner-persistent" data-error-persistent>${error}</div>`}
    ${notices.map((n) => html`<div class="kb-banner-line" key=${n.id} data-notice>
      <span>${n.text}</span>
      <button type="button" class="kb-icon-btn" aria-label="Dismiss" onClick=${() => onDismiss(n.id)}>×</button>
    </div>`)}
  </div>`;
}
