// The Graph view: the board's dependency graph, laid out left to right by dependency depth.
// It asks Python for the graph it draws (`graph` request, docs/protocol.md): the neighbourhood
// of the tasks it was opened on (the selection, or "Show in graph" from a drawer), or without
// any, as many whole connected components as fit. Click selects (the board's `selected`),
// double-click opens the drawer, dragging from one node to another proposes a link.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { html, uniqueId } from "../ui/html.js";
import { GRAPH_LIMITS, REQUEST, TRAIT } from "../protocol.js";
import { matchesFilters } from "../state.js";
import { toggleId } from "../selection.js";
import { GraphBar } from "./GraphBar.js";
import { GraphNode } from "./GraphNode.js";
import {
  criticalSets, edgeKey, edgePath, fitTransform, layoutGraph, neighbour, normalizeGraph, shapeKey, zoomAt,
} from "./graph-model.js";
import { useGraphPointer } from "./pointer.js";
import "./graph.css";

/** Tasks one reply may carry: readable on screen, and laid out well within the 1 s budget. */
export const GRAPH_NODE_LIMIT = 200;
const MIN_ZOOM = 0.15;

/**
 * @param store the per-model board store (requests, cards, touched tasks)
 * @param focus {ids} | null: the tasks "Show in graph" asked for (a new object each time)
 */
export function GraphView({ store, traits, focus, readOnly, actions }) {
  const selected = traits[TRAIT.SELECTED];
  const [roots, setRoots] = useState(() => (focus ? focus.ids : selected.slice(0, GRAPH_LIMITS.roots)));
  const [depth, setDepth] = useState(2);
  const [graph, setGraph] = useState(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [reloads, setReloads] = useState(0);
  const [activeId, setActiveId] = useState(null); // the node Tab reaches (roving tabindex)
  const [linkFrom, setLinkFrom] = useState(null); // keyboard linking: the parent chosen with L
  const [proposal, setProposal] = useState(null); // {parent, child}: a link waiting for "Link"
  const [t, setT] = useState({ x: 0, y: 0, k: 1 });
  const canvas = useRef(null);
  const section = useRef(null);
  const seq = useRef(0);
  const focusNext = useRef(null); // a selector to focus after the next render
  const markerId = useRef(uniqueId("kb-graph-arrow")).current;
  const critical = selected.length === 1 ? selected[0] : null;
  const archived = traits[TRAIT.SHOW_ARCHIVED];

  useEffect(() => { if (focus) setRoots(focus.ids); }, [focus]);

  // Ask Python for the graph: again when the roots, depth, critical task or archived change,
  // and when a task in it changed (a patch's `touched`).
  useEffect(() => {
    const mine = ++seq.current;
    const fields = { limit: GRAPH_NODE_LIMIT, archived };
    if (roots.length) {
      fields.roots = roots;
      if (depth !== null) fields.depth = depth;
    }
    if (critical) fields.critical = critical;
    store.request(REQUEST.GRAPH, fields).then((reply) => {
      if (mine !== seq.current) return;
      if (!reply.ok) {
        setError(reply.error || "The graph could not be loaded.");
        return;
      }
      try {
        setGraph(normalizeGraph(reply.result));
        setError("");
      } catch (err) {
        setError(`The graph could not be drawn: ${err.message}`);
      }
    });
  }, [store, roots.join("\n"), depth, critical, archived, reloads]);

  const shown = useRef(null);
  shown.current = graph;
  useEffect(() => store.onTouched((ids) => {
    const g = shown.current;
    if (g && [...ids].some((id) => g.nodes.has(id))) setReloads((n) => n + 1);
  }), [store]);

  const shape = graph ? shapeKey(graph) : "";
  const laid = useMemo(() => (graph ? layoutGraph(graph) : null), [shape]);

  // A new picture: fit it (never below MIN_ZOOM; then the first root is centred instead).
  // A layout effect: the new positions never show under the old pan and zoom, not even for
  // a frame (a click aimed at a node in that frame would land elsewhere).
  useLayoutEffect(() => {
    if (!laid || !canvas.current) return;
    const box = canvas.current.getBoundingClientRect();
    const fit = fitTransform(laid.width, laid.height, box.width, box.height, MIN_ZOOM);
    const start = roots.find((id) => laid.positions.has(id));
    if (fit.k === MIN_ZOOM && start) {
      const p = laid.positions.get(start);
      setT({ k: MIN_ZOOM * 3, x: box.width / 2 - p.x * MIN_ZOOM * 3, y: box.height / 2 - p.y * MIN_ZOOM * 3 });
    } else setT(fit);
    if (!activeId || !laid.positions.has(activeId)) {
      setActiveId(start || [...laid.positions.keys()].sort()[0] || null);
    }
  }, [laid]);

  // After a render that moved the keyboard on (arrows, a proposed link), focus its target.
  useEffect(() => {
    if (!focusNext.current || !section.current) return;
    // Kept until its target exists: an earlier render's effect may run before that render.
    const el = section.current.querySelector(focusNext.current);
    if (!el) return;
    focusNext.current = null;
    el.focus();
  });

  const setSelected = (ids) => actions.writeTrait(TRAIT.SELECTED, ids);
  const propose = (parent, child) => {
    setLinkFrom(null);
    if (parent === child || readOnly) return;
    setNotice("");
    setProposal({ parent, child });
    focusNext.current = "[data-graph-link-confirm]";
  };
  const pointer = useGraphPointer({ canvas, t, setT, readOnly, onLink: propose });

  async function confirmLink() {
    const { parent, child } = proposal;
    setProposal(null);
    focusNext.current = `[data-task-id="${cssEscape(child)}"]`;
    const reply = await store.request(REQUEST.LINK, { parent, child });
    if (reply.ok) {
      setError("");
      setNotice(`Linked: ${child} now depends on ${parent}.`);
      setReloads((n) => n + 1);
    } else setError(reply.error || "The link was refused.");
  }

  function cancelLinking() {
    if (!linkFrom && !proposal) return false;
    focusNext.current = null;
    setLinkFrom(null);
    setProposal(null);
    return true;
  }

  function go(id) {
    setActiveId(id);
    // Focused now, not after the next render: a second key pressed at once must start here.
    const el = canvas.current && canvas.current.querySelector(`[data-task-id="${cssEscape(id)}"]`);
    if (el) el.focus();
    const p = laid && laid.positions.get(id);
    const box = canvas.current && canvas.current.getBoundingClientRect();
    if (p && box) {
      const sx = p.x * t.k + t.x;
      const sy = p.y * t.k + t.y;
      if (sx < 0 || sy < 0 || sx > box.width || sy > box.height) {
        setT({ ...t, x: box.width / 2 - p.x * t.k, y: box.height / 2 - p.y * t.k });
      }
    }
  }

  const nodeActions = {
    click(e, id) {
      if (pointer.consumeClick()) return;
      setActiveId(id);
      setSelected(e.ctrlKey || e.metaKey || e.shiftKey ? toggleId(selected, id) : [id]);
    },
    open: (id) => actions.openFromCard(id),
    keyDown(e, id) {
      const key = e.key;
      if (key === "Tab") return; // the drawer's focus trap and the page's Tab order
      if (key === "Escape") {
        if (cancelLinking()) {
          e.preventDefault();
          e.stopPropagation();
        }
        return; // else the board closes the drawer
      }
      e.stopPropagation(); // the board's card keys (moves, column focus) do not apply here
      if (key.startsWith("Arrow")) {
        e.preventDefault();
        const next = neighbour(graph, laid.positions, id, key);
        if (next) go(next);
      } else if (key === "Enter") {
        e.preventDefault();
        actions.openFromCard(id);
      } else if (key === " ") {
        e.preventDefault();
        setSelected(toggleId(selected, id));
      } else if ((key === "l" || key === "L") && !readOnly) {
        e.preventDefault();
        if (linkFrom && linkFrom !== id) propose(linkFrom, id);
        else setLinkFrom(linkFrom === id ? null : id);
      }
    },
  };

  const zoom = (factor) => {
    const box = canvas.current.getBoundingClientRect();
    setT(zoomAt(t, factor, box.width / 2, box.height / 2, MIN_ZOOM));
  };
  const fit = () => {
    const box = canvas.current.getBoundingClientRect();
    setT(fitTransform(laid.width, laid.height, box.width, box.height, MIN_ZOOM));
  };

  const filters = { search: traits[TRAIT.SEARCH], tenant: traits[TRAIT.TENANT], assignee: traits[TRAIT.ASSIGNEE] };
  const selectedSet = new Set(selected);
  const onPath = criticalSets(graph && graph.critical);
  const nodes = graph && laid ? [...laid.positions.keys()] : [];

  return html`<section class="kb-graph" data-kanban-graph aria-label="Dependency graph" ref=${section}
      onPointerDown=${(e) => e.stopPropagation()}>
    <${GraphBar}
      graph=${graph}
      roots=${roots}
      depth=${depth}
      selected=${selected}
      critical=${critical}
      readOnly=${readOnly}
      linkFrom=${linkFrom}
      proposal=${proposal}
      error=${error}
      notice=${notice}
      on=${{
        setDepth, zoom, fit,
        focusSelection: () => setRoots(selected.slice(0, GRAPH_LIMITS.roots)),
        overview: () => setRoots([]),
        confirmLink,
        cancelLink: cancelLinking,
        dismiss: () => { setError(""); setNotice(""); },
      }}
    />
    <div class="kb-graph-canvas" ref=${canvas} data-graph-canvas
      onPointerDown=${pointer.down} onPointerMove=${pointer.move} onPointerUp=${pointer.up}
      onPointerCancel=${pointer.cancel} onWheel=${pointer.wheel}>
      ${!graph && !error && html`<p class="kb-muted kb-graph-empty">Loading the graph…</p>`}
      ${graph && !nodes.length && html`<p class="kb-muted kb-graph-empty" data-graph-empty>No tasks to show here.</p>`}
      <svg class="kb-graph-svg" role="group" aria-label="Tasks and their dependencies; arrows go from a parent to the child waiting for it">
        <defs>
          ${["", "-blocking", "-critical"].map((kind) => html`<marker id=${markerId + kind} viewBox="0 0 10 10" refX="9" refY="5"
            markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse" class=${`kb-graph-arrow${kind}`}>
            <path d="M0,0 L10,5 L0,10 z" />
          </marker>`)}
        </defs>
        <g transform=${`translate(${t.x},${t.y}) scale(${t.k})`}>
          ${graph && laid && graph.edges.map((e) => {
            const key = edgeKey(e.parent, e.child);
            const crit = onPath.edges.has(key);
            const kind = crit ? "-critical" : e.blocking ? "-blocking" : "";
            return html`<path key=${key} d=${edgePath(laid.edgePoints.get(key) || [])}
              class=${`kb-graph-edge${e.blocking ? " kb-graph-blocking" : ""}${crit ? " kb-graph-on-path" : ""}`}
              data-edge=${`${e.parent}>${e.child}`} data-blocking=${String(e.blocking)}
              marker-end=${`url(#${markerId}${kind})`} />`;
          })}
          ${nodes.map((id) => {
            const node = graph.nodes.get(id);
            const card = store.getCard(id);
            return html`<${GraphNode}
              key=${id}
              node=${node}
              status=${card ? card.status : node.status}
              at=${laid.positions.get(id)}
              selected=${selectedSet.has(id)}
              active=${id === activeId}
              dim=${Boolean(card) && !matchesFilters(card, filters)}
              critical=${onPath.nodes.has(id) ? graph.critical.remaining[id] ?? 0 : null}
              linkSource=${id === linkFrom || id === pointer.linkSource}
              actions=${nodeActions}
            />`;
          })}
          ${pointer.line && html`<line class="kb-graph-link-line" data-graph-link-line
            x1=${pointer.line.x1} y1=${pointer.line.y1} x2=${pointer.line.x2} y2=${pointer.line.y2} />`}
        </g>
      </svg>
    </div>
  </section>`;
}

function cssEscape(s) {
  return typeof CSS !== "undefined" && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
}
