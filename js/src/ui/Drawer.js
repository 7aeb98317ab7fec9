import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { html, uniqueId } from "./html.js";
import { Markdown } from "./Markdown.js";
import { REQUEST, LIMITS } from "../protocol.js";
import { relativeAge, statusLabel } from "../state.js";
import { statusClass } from "./status-style.js";
import { PRIORITY_HINT } from "./priority.js";
import { useActions, useBoardModel, useFrame } from "./context.js";

const EVENTS_SHOWN = 50;

/** The detail drawer of one task: edit, status actions, links, result, comments, history. */
export function Drawer({ taskId }) {
  const store = useBoardModel();
  const actions = useActions();
  const { board, statuses, readOnly, now } = useFrame();
  const columns = statuses.includes("archived") ? statuses : [...statuses, "archived"];
  const [detail, setDetail] = useState(null);
  const [loadError, setLoadError] = useState("");
  const [error, setError] = useState("");
  const seq = useRef(0);

  const load = useCallback(async () => {
    const mine = ++seq.current;
    const reply = await store.request(REQUEST.DETAIL, { task_id: taskId });
    if (mine !== seq.current) return;
    if (reply.ok && reply.result && reply.result.task) {
      setDetail(reply.result);
      setLoadError("");
    } else {
      setLoadError(reply.error || "The task could not be loaded.");
    }
  }, [store, taskId]);

  useEffect(() => {
    setDetail(null);
    setError("");
    load();
    return store.onTouched((ids) => { if (ids.has(taskId)) load(); });
  }, [taskId, load]);

  async function run(type, fields) {
    setError("");
    const reply = await store.request(type, fields);
    if (!reply.ok) setError(reply.error || "That did not work.");
    load();
    return reply;
  }

  const card = board.cards.get(taskId);
  const task = detail ? detail.task : card;
  // A dialog (not an <aside>, whose role cannot be dialog): it takes the focus, keeps Tab inside
  // and gives the focus back on close. Not modal: the board beside it still takes clicks. Its
  // head is a div: a <header> outside a sectioning element would be a page-level banner.
  return html`<div class="kb-drawer" data-drawer=${taskId} tabindex="-1" role="dialog" aria-label=${`Task ${taskId}`}>
    <div class="kb-drawer-head">
      <code class="kb-id">${taskId}</code>
      ${task && html`<span class=${`kb-badge kb-status ${statusClass(task.status)}`} data-drawer-status>${statusLabel(task.status)}</span>`}
      <span class="kb-spacer"></span>
      <button type="button" class="kb-icon-btn" data-drawer-close aria-label="Close" onClick=${actions.closeDrawer}>×</button>
    </div>
    ${loadError && html`<div class="kb-form-error" role="alert" data-drawer-error>${loadError}</div>`}
    ${error && html`<div class="kb-form-error" role="alert" data-drawer-error>${error}</div>`}
    ${!task && !loadError && html`<p class="kb-muted">Loading…</p>`}
    ${task && html`<${DrawerBody}
      key=${taskId}
      task=${task}
      detail=${detail}
      columns=${columns}
      assignees=${board.assignees}
      readOnly=${readOnly}
      now=${now}
      run=${run}
    />`}
  </div>`;
}

function DrawerBody({ task, detail, columns, assignees, readOnly, now, run }) {
  const actions = useActions();
  const id = task.id;
  const [title, setTitle] = useState(task.title || "");
  const [assignee, setAssignee] = useState(task.assignee || "");
  const [priority, setPriority] = useState(String(task.priority ?? 0));
  const [editingBody, setEditingBody] = useState(false);
  const [body, setBody] = useState(task.body || "");
  const [comment, setComment] = useState("");
  const [linkId, setLinkId] = useState("");
  const [allEvents, setAllEvents] = useState(false);
  const listId = useRef(uniqueId("kb-drawer-assignees")).current;

  // Follow the store when the field is not being edited. The updates are functional: they
  // compare with the field's value now, not this render's, because typing can land between
  // the render and this (deferred) effect and must not be overwritten.
  const last = useRef(task);
  useEffect(() => {
    const prev = last.current;
    const follow = (set, before, after) => set((value) => (value === before ? after : value));
    follow(setTitle, prev.title || "", task.title || "");
    follow(setAssignee, prev.assignee || "", task.assignee || "");
    follow(setPriority, String(prev.priority ?? 0), String(task.priority ?? 0));
    if (!editingBody) setBody(task.body || "");
    last.current = task;
  }, [task]);

  const saveTitle = () => {
    const t = title.trim();
    if (t && t !== task.title) run(REQUEST.UPDATE, { task_id: id, fields: { title: t } });
  };
  const saveMeta = () => {
    const fields = {};
    if (assignee.trim() !== (task.assignee || "")) fields.assignee = assignee.trim() || null;
    const p = Number(priority);
    if (Number.isInteger(p) && p !== (task.priority ?? 0)) fields.priority = p;
    if (Object.keys(fields).length) run(REQUEST.UPDATE, { task_id: id, fields });
  };
  const saveBody = async () => {
    const reply = await run(REQUEST.UPDATE, { task_id: id, fields: { body } });
    if (reply.ok) setEditingBody(false);
  };
  const sendComment = async () => {
    const text = comment.trim();
    if (!text) return;
    const reply = await run(REQUEST.COMMENT, { task_id: id, body: text });
    if (reply.ok) setComment("");
  };
  const addLink = async (asParent) => {
    const other = linkId.trim();
    if (!other) return;
    const fields = asParent ? { parent: other, child: id } : { parent: id, child: other };
    const reply = await run(REQUEST.LINK, fields);
    if (reply.ok) setLinkId("");
  };
  const events = detail ? detail.events || [] : [];
  const comments = detail ? detail.comments || [] : [];
  const parents = detail ? detail.parents || [] : [];
  const children = detail ? detail.children || [] : [];
  const ro = readOnly;

  return html`<div class="kb-drawer-body">
    <label class="kb-field">
      <span>Title</span>
      <input class="kb-input" data-edit="title" value=${title} disabled=${ro} maxlength=${LIMITS.title}
        onInput=${(e) => setTitle(e.currentTarget.value)}
        onKeyDown=${(e) => {
          if (e.key === "Enter") { e.preventDefault(); saveTitle(); }
          else if (e.key === "Escape" && title !== (task.title || "")) {
            e.preventDefault();
            e.stopPropagation();
            setTitle(task.title || "");
          }
        }} />
    </label>
    ${!ro && title.trim() !== (task.title || "") && html`<button type="button" class="kb-btn kb-primary" data-save="title" onClick=${saveTitle}>Save title</button>`}

    <div class="kb-drawer-meta">
      <label class="kb-field">
        <span>Assignee</span>
        <input class="kb-input" data-edit="assignee" value=${assignee} disabled=${ro} placeholder="unassigned"
          list=${listId} onInput=${(e) => setAssignee(e.currentTarget.value)}
          onKeyDown=${(e) => { if (e.key === "Enter") { e.preventDefault(); saveMeta(); } }} />
      </label>
      <label class="kb-field kb-narrow-field" title=${PRIORITY_HINT}>
        <span>Priority ↑</span>
        <input class="kb-input" type="number" step="1" data-edit="priority" value=${priority} disabled=${ro}
          onInput=${(e) => setPriority(e.currentTarget.value)}
          onKeyDown=${(e) => { if (e.key === "Enter") { e.preventDefault(); saveMeta(); } }} />
      </label>
      ${!ro && html`<button type="button" class="kb-btn" data-save="meta" onClick=${saveMeta}>Save</button>`}
      <datalist id=${listId}>${assignees.map((a) => html`<option value=${a} />`)}</datalist>
    </div>
    <dl class="kb-facts">
      ${task.tenant && html`<dt>Tenant</dt><dd>${task.tenant}</dd>`}
      ${task.created_by && html`<dt>Created by</dt><dd>${task.created_by}</dd>`}
      ${task.created_at && html`<dt>Created</dt><dd>${relativeAge(now - task.created_at)} ago</dd>`}
      ${task.workspace_kind && html`<dt>Workspace</dt><dd>${task.workspace_kind}${task.workspace_path ? `: ${task.workspace_path}` : ""}</dd>`}
    </dl>

    ${!ro && html`<div class="kb-status-actions" role="group" aria-label="Move this task">
      ${columns.filter((s) => s !== task.status).map((s) => html`<button type="button" class="kb-btn kb-small"
        data-move-to=${s} onClick=${() => actions.requestMove([id], s)}>→ ${statusLabel(s)}</button>`)}
    </div>`}

    <section class="kb-section">
      <h4>Description ${!ro && !editingBody && html`<button type="button" class="kb-link-btn" data-edit-body onClick=${() => setEditingBody(true)}>edit</button>`}</h4>
      ${editingBody
        ? html`<textarea class="kb-input" rows="8" data-edit="body" value=${body}
              onInput=${(e) => setBody(e.currentTarget.value)}
              onKeyDown=${(e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); setBody(task.body || ""); setEditingBody(false); } }}></textarea>
            <div class="kb-create-row">
              <button type="button" class="kb-btn kb-primary" data-save="body" onClick=${saveBody}>Save</button>
              <button type="button" class="kb-btn" onClick=${() => { setBody(task.body || ""); setEditingBody(false); }}>Cancel</button>
            </div>`
        : task.body ? html`<${Markdown} text=${task.body} className="kb-body" />` : html`<p class="kb-muted">No description.</p>`}
    </section>

    <section class="kb-section" data-links>
      <h4>Parents</h4>
      ${parents.length ? html`<ul class="kb-chips">${parents.map((p) => html`<${LinkChip} key=${p.id} link=${p}
        onRemove=${ro ? null : () => run(REQUEST.UNLINK, { parent: p.id, child: id })} onOpen=${() => actions.openDrawer(p.id)} />`)}</ul>`
        : html`<p class="kb-muted">None.</p>`}
      <h4>Children</h4>
      ${children.length ? html`<ul class="kb-chips">${children.map((c) => html`<${LinkChip} key=${c.id} link=${c}
        onRemove=${ro ? null : () => run(REQUEST.UNLINK, { parent: id, child: c.id })} onOpen=${() => actions.openDrawer(c.id)} />`)}</ul>`
        : html`<p class="kb-muted">None.</p>`}
      ${!ro && html`<div class="kb-create-row">
        <input class="kb-input" data-link-input placeholder="task id" aria-label="Task id to link" maxlength=${LIMITS.id}
          value=${linkId} onInput=${(e) => setLinkId(e.currentTarget.value)} />
        <button type="button" class="kb-btn kb-small" data-add-parent onClick=${() => addLink(true)}>+ parent</button>
        <button type="button" class="kb-btn kb-small" data-add-child onClick=${() => addLink(false)}>+ child</button>
      </div>`}
    </section>

    ${task.result && html`<section class="kb-section"><h4>Result</h4><${Markdown} text=${task.result} className="kb-result" /></section>`}

    <section class="kb-section" data-comments>
      <h4>Comments (${comments.length})</h4>
      ${comments.map((c) => html`<div class="kb-comment" key=${c.id} data-comment=${c.id}>
        <div class="kb-comment-head"><strong>${c.author}</strong> <span class="kb-muted">${relativeAge(now - c.created_at)} ago</span></div>
        <${Markdown} text=${c.body} />
      </div>`)}
      ${!ro && html`<textarea class="kb-input" rows="2" data-comment-input placeholder="Add a comment (Enter sends, Shift+Enter for a new line)"
        aria-label="New comment" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)}
        onKeyDown=${(e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendComment(); } }}></textarea>
      <button type="button" class="kb-btn" data-comment-send onClick=${sendComment}>Comment</button>`}
    </section>

    <section class="kb-section" data-events>
      <h4>History</h4>
      <ol class="kb-events">
        ${(allEvents ? events : events.slice(0, EVENTS_SHOWN)).map((ev) => html`<li key=${ev.id} data-event=${ev.kind}>
          <span class="kb-event-kind">${ev.kind}</span>
          <span class="kb-muted">${relativeAge(now - ev.created_at)} ago</span>
          ${ev.payload && html`<code class="kb-event-payload">${JSON.stringify(ev.payload)}</code>`}
        </li>`)}
      </ol>
      ${!allEvents && events.length > EVENTS_SHOWN && html`<button type="button" class="kb-link-btn" onClick=${() => setAllEvents(true)}>Show all ${events.length} events</button>`}
    </section>
  </div>`;
}

function LinkChip({ link, onRemove, onOpen }) {
  return html`<li class="kb-chip" data-link-id=${link.id}>
    <button type="button" class="kb-link-btn" onClick=${onOpen}>${link.id}</button>
    <span class="kb-chip-title">${link.title}</span>
    <span class="kb-muted">(${statusLabel(link.status)})</span>
    ${onRemove && html`<button type="button" class="kb-icon-btn" data-unlink=${link.id} aria-label=${`Remove link to ${link.id}`} onClick=${onRemove}>×</button>`}
  </li>`;
}
