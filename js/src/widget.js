// The anywidget front-end module (AFM): `initialize` builds the per-model board store,
// `render` draws one view of it. Both return a cleanup.
import { render as preactRender } from "preact";
import { memo } from "preact/compat";
import { html } from "./ui/html.js";
import { App } from "./ui/App.js";
import { Boundary } from "./ui/Boundary.js";
import { TimeTravel, watchTimeTraits } from "./ui/Scrubber.js";
import { createBoardStore } from "./board-model.js";
import { createChangePoll } from "./change-poll.js";
import { createTraitSync } from "./traits.js";
import { TRAIT } from "./protocol.js";
import "./widget.css";

export const ROOT_CLASS = "kanban-widget";

// Each part re-renders only when what it draws from changed: the live board on a board change
// (`tick`) or a trait change (traits.js keeps the traits object while they are equal), time
// travel on its own traits. A playback step thus leaves the hidden live board alone, and a
// patch leaves time travel alone.
const LiveBoard = memo(App);
const TimeView = memo(TimeTravel);

function showFatal(root, err) {
  root.textContent = "";
  const box = document.createElement("div");
  box.className = "kb-crash";
  box.setAttribute("data-kanban-crash", "");
  box.setAttribute("role", "alert");
  const strong = document.createElement("strong");
  strong.textContent = "The board could not be drawn.";
  const p = document.createElement("p");
  p.textContent = (err && err.message) || String(err);
  box.append(strong, p);
  root.appendChild(box);
}

/** Draw one view into `el`; returns its cleanup. */
export function renderView({ model, el, store }) {
  const root = document.createElement("div");
  root.className = ROOT_CLASS;
  root.setAttribute("data-kanban-root", "");
  root.setAttribute("data-lm-suppress-shortcuts", "");
  el.appendChild(root);

  let scheduled = false;
  let disposed = false;
  const sync = createTraitSync(model, () => schedule());
  const writeTrait = (name, value, opts) => sync.write(name, value, opts);
  let boardTick = 0;
  let timeTick = 0;
  const unsubscribe = store.subscribe(() => { boardTick++; schedule(); });
  const unwatchTime = watchTimeTraits(model, () => { timeTick++; schedule(); });

  function draw() {
    scheduled = false;
    if (disposed) return;
    const traits = sync.read();
    root.toggleAttribute("data-read-only", traits[TRAIT.READ_ONLY]);
    try {
      preactRender(
        html`<${Boundary} onReload=${() => { store.reload(); store.resync(true); }}>
          <${TimeView} model=${model} root=${root} tick=${timeTick} />
          <${LiveBoard} store=${store} traits=${traits} readTraits=${sync.read} writeTrait=${writeTrait} root=${root} tick=${boardTick} />
        <//>`,
        root,
      );
    } catch (err) {
      showFatal(root, err);
    }
  }

  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    queueMicrotask(draw);
  }

  draw();
  return () => {
    disposed = true;
    unsubscribe();
    unwatchTime();
    sync.dispose();
    preactRender(null, root);
    root.remove();
  };
}

/** The per-model board store with its change poll (docs/protocol.md, "poll"). */
function attachStore(model) {
  const store = createBoardStore(model);
  const poll = createChangePoll(model, store);
  return { store, dispose() { poll.dispose(); store.dispose(); } };
}

/** The AFM factory: anywidget calls it once per model, so the store is per model. */
export default function createWidget() {
  let attached = null;
  return {
    initialize({ model }) {
      attached = attachStore(model);
      return () => {
        attached.dispose();
        attached = null;
      };
    },
    render({ model, el }) {
      // Hosts that skip `initialize` get a store owned by this view.
      const own = attached ? null : attachStore(model);
      const cleanup = renderView({ model, el, store: (attached || own).store });
      return () => {
        cleanup();
        if (own) own.dispose();
      };
    },
  };
}
