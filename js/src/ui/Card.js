import { memo } from "preact/compat";
import { html } from "./html.js";
import { claimExpired, relativeAge, staleness, statusLabel } from "../state.js";
import { priorityBadge, priorityTitle } from "./priority.js";
import { useActions } from "./context.js";

// Drawn, not an emoji: hosts without an emoji font would show an empty box.
const COMMENT_ICON = html`<svg class="kb-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true"><path d="M2 3h12v8H6l-3 3v-3H2z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/></svg>`;

const STALE_TEXT = { amber: "has been a while in this column", red: "has been too long in this column" };

/**
 * What a screen reader says for a focused card. Selection is part of it: a card is an
 * <article>, whose role allows no aria-selected; its checkbox carries the state too.
 */
function cardLabel(card, title, stale, selected, expired) {
  const parts = [card.id, statusLabel(card.status)];
  if (expired) parts.push("its worker's claim has expired");
  if (card.priority > 0) parts.push(`priority ${card.priority}`);
  if (stale) parts.push(STALE_TEXT[stale]);
  if (selected) parts.push("selected");
  return `${title} (${parts.join(", ")})`;
}

/**
 * One card. Every string from the store is rendered as text (escaped by preact). Memoized on
 * its props; the actions come from context (the same object for the view's life).
 */
function CardView({ card, now, selected, readOnly }) {
  const actions = useActions();
  const stale = staleness(card, now);
  const expired = claimExpired(card, now);
  const links = card.link_counts.parents + card.link_counts.children;
  const p = card.progress;
  const cls = ["kb-card"];
  if (stale) cls.push(`kb-stale-${stale}`);
  if (selected) cls.push("kb-selected");
  if (card.pending) cls.push("kb-pending");
  const age = relativeAge(now - card.created_at);
  const title = card.title || "(untitled)";
  return html`<article
    class=${cls.join(" ")}
    data-task-id=${card.id}
    data-status=${card.status}
    data-stale=${stale || undefined}
    tabindex="0"
    data-claim=${expired ? "expired" : undefined}
    aria-label=${cardLabel(card, title, stale, selected, expired)}
    onClick=${(e) => actions.cardClick(e, card)}
  >
    <div class="kb-card-top">
      ${!readOnly && html`<span class="kb-grip" data-drag-handle title="Drag to another column" aria-hidden="true">⠿</span>`}
      <input
        type="checkbox"
        class="kb-card-check"
        checked=${selected}
        aria-label=${`Select ${card.id}`}
        onClick=${(e) => { e.stopPropagation(); actions.toggleSelect(card, e.shiftKey); }}
      />
      <span class="kb-id">${card.id}</span>
      ${card.priority > 0 && html`<span class="kb-badge kb-prio" data-priority=${card.priority}
        title=${priorityTitle(card.priority)} aria-hidden="true">${priorityBadge(card.priority)}</span>`}
      ${expired && html`<span class="kb-badge kb-claim-expired" aria-hidden="true"
        title=${`The worker's claim expired ${relativeAge(now - card.claim_expires)} ago: it stopped reporting (it may have died); a dispatcher will reclaim the task`}
      >claim expired</span>`}
      ${card.tenant && html`<span class="kb-badge kb-tenant" title="Tenant">${card.tenant}</span>`}
      ${p && html`<span
        class=${`kb-badge kb-progress${p.done >= p.total ? " kb-progress-full" : ""}`}
        title=${`${p.done} of ${p.total} child tasks done`}
        data-progress
      >${p.done}/${p.total}</span>`}
    </div>
    <div class="kb-card-title">${title}</div>
    <div class="kb-card-meta">
      <span class=${card.assignee ? "kb-assignee" : "kb-assignee kb-unassigned"}>${card.assignee ? `@${card.assignee}` : "unassigned"}</span>
      ${card.comment_count > 0 && html`<span class="kb-meta-count" title=${`${card.comment_count} comments`}>${COMMENT_ICON} ${card.comment_count}</span>`}
      ${links > 0 && html`<span class="kb-meta-count" title=${`${card.link_counts.parents} parents, ${card.link_counts.children} children`}>↔ ${links}</span>`}
      <span class="kb-age" title=${`created ${age} ago; in this column since ${relativeAge(now - card.status_since)}`}>${age}</span>
    </div>
  </article>`;
}

export const Card = memo(CardView);
