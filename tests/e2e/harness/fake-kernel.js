// A small in-page stand-in for the Python side of docs/protocol.md: it keeps tasks, links,
// comments and events, answers requests with `reply` messages, validates the way the store does
// (e.g. "ready over an open parent" is refused) and publishes `patch` messages with revisions.

export const COLUMNS = ["triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done"];
const STATUSES = new Set([...COLUMNS, "archived"]);

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export class FakeKernel {
  /**
   * @param model FakeModel
   * @param opts {tasks: [{id, title, status, ...}], links: [[parent, child]], comments: {id: [...]},
   *              now, replyDelayMs, patchDelayMs, error, readOnly, hasDispatcher}
   */
  constructor(model, opts = {}) {
    this.model = model;
    this.now = opts.now ?? 1764000000;
    this.replyDelayMs = opts.replyDelayMs ?? 40;
    this.patchDelayMs = opts.patchDelayMs ?? 10;
    this.tasks = new Map();
    for (const t of opts.tasks || []) this.tasks.set(t.id, this._task(t));
    this.links = new Set((opts.links || []).map(([p, c]) => `${p}>${c}`));
    this.comments = new Map(Object.entries(opts.comments || {}));
    this.events = [];
    this.eventId = 0;
    this.commentId = 0;
    this.rev = opts.rev ?? 1;
    this.received = [];
    this.failNext = null; // {type, code, error}: refuse the next request of that type
    this.dropPatches = 0; // drop this many patches (to make a rev gap)
    this.patchesSent = 0;
    this.nextId = 0;
    model.state._board = this.snapshot();
    model.state.has_dispatcher = Boolean(opts.hasDispatcher);
    model.state.read_only = Boolean(opts.readOnly);
    model.state.error = opts.error || "";
    for (const [k, v] of Object.entries({ search: "", tenant: "", assignee: "", show_archived: false, lanes: false, selected: [] })) {
      if (!(k in model.state)) model.state[k] = v;
    }
    model.onSend = (msg) => this.receive(msg);
    model.onSave = (changes) => {
      if ("show_archived" in changes) this.pushBoard();
    };
  }

  _task(t) {
    return {
      title: "", body: "", assignee: null, tenant: null, priority: 0, created_at: this.now - 3600,
      started_at: null, completed_at: null, result: null, claim_lock: null, claim_expires: null,
      created_by: "tester", workspace_kind: "scratch", workspace_path: null,
      ...t,
      status_since: t.status_since ?? t.created_at ?? this.now - 3600,
    };
  }

  parentsOf(id) {
    const out = [];
    for (const key of this.links) {
      const [p, c] = key.split(">");
      if (c === id) out.push(p);
    }
    return out;
  }

  childrenOf(id) {
    const out = [];
    for (const key of this.links) {
      const [p, c] = key.split(">");
      if (p === id) out.push(c);
    }
    return out;
  }

  card(id) {
    const t = this.tasks.get(id);
    const children = this.childrenOf(id).map((c) => this.tasks.get(c)).filter((c) => c && c.status !== "archived");
    return {
      id: t.id, title: t.title, status: t.status, assignee: t.assignee, tenant: t.tenant,
      priority: t.priority, created_at: t.created_at, started_at: t.started_at,
      completed_at: t.completed_at, status_since: t.status_since,
      body: (t.body || "").slice(0, 500), result: t.result ? t.result.slice(0, 500) : null,
      claim_lock: t.claim_lock, claim_expires: t.claim_expires,
      progress: children.length ? { done: children.filter((c) => c.status === "done").length, total: children.length } : null,
      link_counts: { parents: this.parentsOf(id).length, children: this.childrenOf(id).length },
      comment_count: (this.comments.get(id) || []).length,
    };
  }

  showArchived() {
    return Boolean(this.model.state.show_archived);
  }

  visible(t) {
    return t.status !== "archived" || this.showArchived();
  }

  snapshot() {
    const cards = [...this.tasks.values()].filter((t) => this.visible(t)).map((t) => this.card(t.id));
    const extra = [...new Set(cards.map((c) => c.status))].filter((s) => !COLUMNS.includes(s) && s !== "archived");
    return {
      rev: this.rev, cursor: this.eventId, now: this.now, path: "/tmp/harness/kanban.db",
      columns: [...COLUMNS, ...(this.showArchived() ? ["archived"] : []), ...extra],
      cards,
      tenants: [...new Set([...this.tasks.values()].map((t) => t.tenant).filter(Boolean))].sort(),
      assignees: [...new Set([...this.tasks.values()].map((t) => t.assignee).filter(Boolean))].sort(),
    };
  }

  pushBoard() {
    this.model.pyUpdate("_board", this.snapshot());
  }

  event(taskId, kind, payload = null) {
    this.eventId += 1;
    this.events.push({ id: this.eventId, task_id: taskId, kind, payload, created_at: this.now, run_id: null });
  }

  /** Publish the tasks in `ids` (and their neighbours, whose counts changed) as one patch. */
  publish(ids) {
    const touched = new Set(ids);
    for (const id of ids) {
      for (const p of this.parentsOf(id)) touched.add(p);
      for (const c of this.childrenOf(id)) touched.add(c);
    }
    const upserts = [];
    const removes = [];
    for (const id of touched) {
      const t = this.tasks.get(id);
      if (!t) continue;
      if (this.visible(t)) upserts.push(this.card(id));
      else removes.push(id);
    }
    this.rev += 1;
    const snap = this.snapshot();
    const patch = {
      type: "patch", rev: this.rev, cursor: this.eventId, now: this.now, upserts, removes,
      tenants: snap.tenants, assignees: snap.assignees, touched: [...ids],
    };
    setTimeout(() => {
      if (this.dropPatches > 0) {
        this.dropPatches -= 1;
        return;
      }
      this.patchesSent += 1;
      this.model.pyCustom(patch);
    }, this.patchDelayMs);
  }

  receive(msg) {
    this.received.push(msg);
    if (msg.type === "resync") {
      setTimeout(() => this.pushBoard(), this.patchDelayMs);
      return;
    }
    setTimeout(() => {
      let reply;
      try {
        if (this.failNext && this.failNext.type === msg.type) {
          const f = this.failNext;
          this.failNext = null;
          throw new Refusal(f.code || "KanbanError", f.error);
        }
        if (this.model.state.read_only && msg.type !== "detail" && msg.type !== "poll") {
          throw new Refusal("ReadOnlyBoard", "The board is read-only.");
        }
        const handler = this[`on_${msg.type}`];
        if (!handler) throw new Refusal("BadMessage", `unknown request type ${msg.type}`);
        const { result, changed } = handler.call(this, msg);
        reply = { type: "reply", id: msg.id, ok: true, result };
        if (changed && changed.length) this.publish(changed);
      } catch (err) {
        reply = { type: "reply", id: msg.id, ok: false, error: err.message, code: err.code || "KanbanError" };
      }
      this.model.pyCustom(reply);
    }, this.replyDelayMs);
  }

  need(id) {
    const t = this.tasks.get(id);
    if (!t) throw new Refusal("TaskNotFound", `Task ${id} does not exist on this board.`);
    return t;
  }

  applyMove(t, status, { reason, result } = {}) {
    if (!STATUSES.has(status)) throw new Refusal("ValidationError", `${status} is not a status.`);
    if (t.status === status) return;
    if (status === "ready") {
      const open = this.parentsOf(t.id).map((p) => this.tasks.get(p)).filter((p) => p && p.status !== "done" && p.status !== "archived");
      if (open.length) {
        throw new Refusal("InvalidTransition", `Cannot move ${t.id} to ready: parent ${open[0].id} is still ${open[0].status}.`);
      }
    }
    const from = t.status;
    t.status = status;
    t.status_since = this.now;
    if (status === "done") {
      t.completed_at = this.now;
      if (result) t.result = result;
    }
    if (status === "running" && !t.started_at) t.started_at = this.now;
    this.event(t.id, "status", { from, to: status, ...(reason ? { reason } : {}) });
  }

  on_poll() {
    return { result: { rev: this.rev } }; // this fake never drops a patch: nothing to resend
  }

  on_move(msg) {
    const t = this.need(msg.task_id);
    this.applyMove(t, msg.status, msg);
    return { result: { card: this.card(t.id) }, changed: [t.id] };
  }

  on_create(msg) {
    const title = String(msg.title || "").trim();
    if (!title) throw new Refusal("ValidationError", "A title is required.");
    if (title.length > 500) throw new Refusal("ValidationError", "The title is longer than 500 characters.");
    const parent = msg.parent ? this.need(msg.parent) : null;
    this.nextId += 1;
    const id = `t_new${String(this.nextId).padStart(4, "0")}`;
    const status = msg.column === "triage" ? "triage" : parent && parent.status !== "done" ? "todo" : "ready";
    this.tasks.set(id, this._task({
      id, title, status, assignee: msg.assignee || null, priority: msg.priority || 0,
      body: msg.body || "", created_at: this.now, status_since: this.now,
    }));
    if (parent) this.links.add(`${parent.id}>${id}`);
    this.event(id, "created", { status });
    return { result: { card: this.card(id) }, changed: [id] };
  }

  on_update(msg) {
    const t = this.need(msg.task_id);
    const f = msg.fields || {};
    if ("title" in f) {
      const title = String(f.title || "").trim();
      if (!title) throw new Refusal("ValidationError", "A title is required.");
      t.title = title;
    }
    if ("body" in f) t.body = f.body;
    if ("assignee" in f) t.assignee = f.assignee || null;
    if ("priority" in f) t.priority = f.priority;
    this.event(t.id, "edited", { fields: Object.keys(f) });
    return { result: { card: this.card(t.id) }, changed: [t.id] };
  }

  on_comment(msg) {
    const t = this.need(msg.task_id);
    const body = String(msg.body || "").trim();
    if (!body) throw new Refusal("ValidationError", "A comment needs a body.");
    this.commentId += 1;
    const list = this.comments.get(t.id) || [];
    list.push({ id: this.commentId, task_id: t.id, author: "you", body, created_at: this.now });
    this.comments.set(t.id, list);
    this.event(t.id, "commented", { author: "you", len: body.length });
    return { result: { comment_id: this.commentId }, changed: [t.id] };
  }

  reaches(from, to) {
    const seen = new Set();
    const stack = [from];
    while (stack.length) {
      const x = stack.pop();
      if (x === to) return true;
      if (seen.has(x)) continue;
      seen.add(x);
      stack.push(...this.childrenOf(x));
    }
    return false;
  }

  on_link(msg) {
    const p = this.need(msg.parent);
    const c = this.need(msg.child);
    if (p.id === c.id) throw new Refusal("ValidationError", "A task cannot depend on itself.");
    if (this.reaches(c.id, p.id)) throw new Refusal("CycleError", `Linking ${p.id} -> ${c.id} would create a cycle.`);
    this.links.add(`${p.id}>${c.id}`);
    if (p.status !== "done" && c.status === "ready") c.status = "todo";
    this.event(c.id, "linked", { parent: p.id, child: c.id });
    return { result: {}, changed: [p.id, c.id] };
  }

  on_unlink(msg) {
    const key = `${msg.parent}>${msg.child}`;
    const removed = this.links.delete(key);
    if (removed) this.event(msg.child, "unlinked", { parent: msg.parent, child: msg.child });
    return { result: { removed }, changed: removed ? [msg.parent, msg.child] : [] };
  }

  on_bulk(msg) {
    const results = [];
    const changed = [];
    for (const id of msg.task_ids || []) {
      try {
        const t = this.need(id);
        if (msg.action === "move") this.applyMove(t, msg.value);
        else if (msg.action === "archive") this.applyMove(t, "archived");
        else if (msg.action === "assign") {
          if (t.status === "running" && t.claim_lock) throw new Refusal("TaskRunning", `Cannot reassign ${id}: it is running.`);
          t.assignee = msg.value || null;
          this.event(id, "assigned", { assignee: t.assignee });
        } else if (msg.action === "priority") {
          t.priority = msg.value;
          this.event(id, "edited", { fields: ["priority"] });
        } else throw new Refusal("BadMessage", `unknown bulk action ${msg.action}`);
        results.push({ task_id: id, ok: true });
        changed.push(id);
      } catch (err) {
        results.push({ task_id: id, ok: false, error: err.message });
      }
    }
    return { result: { results }, changed };
  }

  on_detail(msg) {
    const t = this.need(msg.task_id);
    const brief = (id) => {
      const x = this.tasks.get(id);
      return { id, title: x ? x.title : "?", status: x ? x.status : "?" };
    };
    return {
      result: {
        task: { ...t },
        comments: [...(this.comments.get(t.id) || [])],
        events: this.events.filter((e) => e.task_id === t.id).reverse(),
        parents: this.parentsOf(t.id).map(brief),
        children: this.childrenOf(t.id).map(brief),
      },
      changed: [],
    };
  }

  on_dispatch(msg) {
    const result = { reclaimed: [], promoted: [], spawned: [], skipped_unassigned: [], failed: [], auto_blocked: [], dry_run: false };
    for (const t of this.tasks.values()) {
      if (t.status === "todo" && this.parentsOf(t.id).every((p) => this.tasks.get(p)?.status === "done")) {
        this.applyMove(t, "ready");
        result.promoted.push(t.id);
      }
    }
    for (const t of this.tasks.values()) {
      if (t.status !== "ready") continue;
      if (result.spawned.length >= (msg.max_spawn ?? 8)) break;
      if (!t.assignee) {
        result.skipped_unassigned.push(t.id);
        continue;
      }
      this.applyMove(t, "running");
      t.claim_lock = "harness:1";
      result.spawned.push(t.id);
    }
    return { result, changed: [...result.promoted, ...result.spawned] };
  }
}

/** A deterministic board of `n` tasks for render benchmarks and paging tests. */
export function generateTasks(n, { now = 1764000000, seed = 7 } = {}) {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const statuses = ["triage", "todo", "ready", "running", "blocked", "done", "done", "done"];
  const people = ["alice", "bob", "carol", "dave", "erin", null];
  const tenants = ["acme", "globex", null];
  const tasks = [];
  for (let i = 0; i < n; i++) {
    const status = statuses[Math.floor(rnd() * statuses.length)];
    tasks.push({
      id: `t_${i.toString(16).padStart(8, "0")}`,
      title: `Task number ${i}: ${["fix", "write", "review", "ship", "measure"][i % 5]} the ${["parser", "docs", "board", "sync thread", "bench"][(i >> 2) % 5]}`,
      status,
      assignee: people[Math.floor(rnd() * people.length)],
      tenant: tenants[Math.floor(rnd() * tenants.length)],
      priority: Math.floor(rnd() * 4),
      created_at: now - Math.floor(rnd() * 60 * 86400),
      status_since: now - Math.floor(rnd() * 10 * 86400),
      body: `Body of task ${i}`,
    });
  }
  return tasks;
}
