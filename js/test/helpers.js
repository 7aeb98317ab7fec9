// A fake AFM model for unit tests: records sends and saves, counts listeners.
export function fakeModel(state = {}) {
  const listeners = {};
  const model = {
    state: { ...state },
    sent: [],
    saved: [],
    get: (k) => model.state[k],
    set: (k, v) => {
      const old = model.state[k];
      model.state[k] = v;
      if (old !== v) model.emit(`change:${k}`);
    },
    on: (e, cb) => { (listeners[e] ||= []).push(cb); },
    off: (e, cb) => { listeners[e] = (listeners[e] || []).filter((f) => f !== cb); },
    save_changes: () => model.saved.push({ ...model.state }),
    send: (m) => model.sent.push(m),
    emit: (e, ...a) => (listeners[e] || []).slice().forEach((cb) => cb(...a)),
    listenerCount: () => Object.values(listeners).reduce((n, l) => n + l.length, 0),
    pyUpdate: (k, v) => { model.state[k] = v; model.emit(`change:${k}`); },
    pyCustom: (msg) => model.emit("msg:custom", msg, []),
  };
  return model;
}

export const NOW = 1764000000;

export function card(id, fields = {}) {
  return {
    id, title: `Task ${id}`, status: "ready", assignee: null, tenant: null, priority: 0,
    created_at: NOW - 1000, status_since: NOW - 100, body: "", result: null,
    progress: null, link_counts: { parents: 0, children: 0 }, comment_count: 0,
    ...fields,
  };
}

export function board(cards, extra = {}) {
  return {
    rev: 1, cursor: 10, now: NOW, path: "/tmp/k.db",
    columns: ["triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done"],
    cards, tenants: [], assignees: [], ...extra,
  };
}

export const tick = () => new Promise((r) => setTimeout(r, 0));

/** The synced traits of a fresh board, as Python sends them. */
export const DEFAULT_TRAITS = Object.freeze({
  search: "", tenant: "", assignee: "", show_archived: false, lanes: false, selected: [],
  has_dispatcher: false, read_only: false, error: "",
});

/** Render one view of a board of `cards` (jsdom tests): {model, root}. */
export async function renderBoard(cards, traits = {}) {
  // Imported here, not at the top: the store and state tests share this file and need no DOM.
  const { default: createWidget } = await import("../src/widget.js");
  const model = fakeModel({ ...DEFAULT_TRAITS, _board: board(cards), ...traits });
  const el = document.createElement("div");
  document.body.appendChild(el);
  createWidget().render({ model, el });
  return { model, root: el.querySelector("[data-kanban-root]") };
}
