// A stand-in for the anywidget front-end model (AFM): get/set/on/off/save_changes/send.
// `py*` methods are what the test (or the fake kernel) uses to act as Python.

const same = (a, b) => a === b || JSON.stringify(a) === JSON.stringify(b);

export class FakeModel {
  constructor(state) {
    this.state = { ...state };
    this.pending = {};
    this.listeners = {};
    this.saved = [];
    this.sent = [];
    this.onSend = null; // the fake kernel's inbox
    this.onSave = null;
  }

  get(name) {
    return this.state[name];
  }

  set(name, value) {
    const old = this.state[name];
    this.state[name] = value;
    this.pending[name] = value;
    if (!same(old, value)) this._emit(`change:${name}`, this, value);
  }

  on(event, cb) {
    (this.listeners[event] ||= []).push(cb);
  }

  off(event, cb) {
    if (!event) {
      this.listeners = {};
      return;
    }
    if (!cb) {
      delete this.listeners[event];
      return;
    }
    this.listeners[event] = (this.listeners[event] || []).filter((f) => f !== cb);
  }

  save_changes() {
    const changes = this.pending;
    this.pending = {};
    this.saved.push(changes);
    if (this.onSave) this.onSave(changes);
  }

  send(content) {
    const copy = JSON.parse(JSON.stringify(content));
    this.sent.push(copy);
    if (this.onSend) this.onSend(copy);
  }

  _emit(event, ...args) {
    for (const cb of [...(this.listeners[event] || [])]) cb(...args);
    if (event.startsWith("change:")) for (const cb of [...(this.listeners.change || [])]) cb(this);
  }

  // --- Python's side ---
  pyUpdate(name, value) {
    const old = this.state[name];
    this.state[name] = value;
    if (!same(old, value)) this._emit(`change:${name}`, this, value);
  }

  pyCustom(content) {
    this._emit("msg:custom", JSON.parse(JSON.stringify(content)), []);
  }

  listenerCount() {
    return Object.values(this.listeners).reduce((n, l) => n + l.length, 0);
  }
}
