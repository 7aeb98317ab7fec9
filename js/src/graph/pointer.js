// Pointer gestures of the Graph view's canvas: dragging the background pans, Ctrl/⌘ + wheel
// (and a trackpad pinch, which browsers report so) zooms at the pointer, and dragging from one
// node to another proposes a link. A plain wheel is left to the page, so a notebook still
// scrolls past the graph.
import { useRef, useState } from "preact/hooks";
import { zoomAt } from "./graph-model.js";

const THRESHOLD_PX = 5;

/** The element under a viewport point, inside a shadow root too (marimo renders in one). */
function elementAt(el, x, y) {
  const scope = el.getRootNode();
  return (scope.elementFromPoint ? scope : el.ownerDocument).elementFromPoint(x, y);
}

/**
 * @param canvas ref of the canvas element; `t` / `setT`: the pan and zoom {x, y, k}
 * @param onLink (parent, child) => void: a drag from node `parent` ended on node `child`
 * @returns the canvas's pointer handlers, the link line being drawn (graph units) and the
 *   node it starts from, and `consumeClick()`: true (once) when a click ends a gesture
 */
export function useGraphPointer({ canvas, t, setT, readOnly, onLink }) {
  const gesture = useRef(null);
  const swallowClick = useRef(false);
  const [line, setLine] = useState(null);

  const toGraph = (e) => {
    const r = canvas.current.getBoundingClientRect();
    return { x: (e.clientX - r.left - t.x) / t.k, y: (e.clientY - r.top - t.y) / t.k };
  };

  function down(e) {
    if (gesture.current || !e.isPrimary || (e.pointerType === "mouse" && e.button !== 0)) return;
    if (e.target.closest("button, input, select, a")) return;
    const node = e.target.closest("[data-task-id]");
    const base = { pointerId: e.pointerId, startX: e.clientX, startY: e.clientY, started: false };
    if (node) {
      if (readOnly) return; // a click still selects; no link can be made
      gesture.current = { ...base, kind: "link", from: node.getAttribute("data-task-id"), origin: toGraph(e) };
    } else {
      gesture.current = { ...base, kind: "pan", x0: t.x, y0: t.y };
    }
  }

  function move(e) {
    const g = gesture.current;
    if (!g || e.pointerId !== g.pointerId) return;
    const dx = e.clientX - g.startX;
    const dy = e.clientY - g.startY;
    if (!g.started) {
      if (Math.hypot(dx, dy) < THRESHOLD_PX) return;
      g.started = true;
      // Captured only once it is a drag: a plain click must still reach the node under it.
      canvas.current.setPointerCapture?.(e.pointerId);
    }
    e.preventDefault();
    if (g.kind === "pan") setT({ ...t, x: g.x0 + dx, y: g.y0 + dy });
    else {
      const p = toGraph(e);
      setLine({ x1: g.origin.x, y1: g.origin.y, x2: p.x, y2: p.y });
    }
  }

  function finish(e, drop) {
    const g = gesture.current;
    if (!g || e.pointerId !== g.pointerId) return;
    gesture.current = null;
    setLine(null);
    if (!g.started) return;
    swallowClick.current = true;
    setTimeout(() => { swallowClick.current = false; }, 0);
    if (!drop || g.kind !== "link") return;
    const hit = elementAt(canvas.current, e.clientX, e.clientY);
    const target = hit && canvas.current.contains(hit) ? hit.closest("[data-task-id]") : null;
    if (target) onLink(g.from, target.getAttribute("data-task-id"));
  }

  function wheel(e) {
    if (!(e.ctrlKey || e.metaKey)) return;
    e.preventDefault();
    const r = canvas.current.getBoundingClientRect();
    setT(zoomAt(t, Math.exp(-e.deltaY * 0.002), e.clientX - r.left, e.clientY - r.top, 0.15));
  }

  return {
    down,
    move,
    up: (e) => finish(e, true),
    cancel: (e) => finish(e, false),
    wheel,
    line,
    linkSource: gesture.current && gesture.current.started && gesture.current.kind === "link" ? gesture.current.from : null,
    consumeClick() {
      const swallow = swallowClick.current;
      swallowClick.current = false;
      return swallow;
    },
  };
}
