// Pure logic of the Graph view: the `graph` reply checked and laid out (left to right by
// dependency depth, with dagre), the critical path as sets, keyboard neighbours, durations.
// Nothing here touches the DOM, so all of it is unit-tested in node.
import { graphlib, layout } from "@dagrejs/dagre";

/** A node's box in SVG units. */
export const NODE_W = 210;
export const NODE_H = 66;

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const text = (v) => (v === null || v === undefined ? "" : String(v));

/** The edge key used in sets: parent and child ids cannot contain a newline. */
export const edgeKey = (parent, child) => `${parent}\n${child}`;

/**
 * Check and copy a `graph` reply (docs/protocol.md). Throws on a reply the view cannot draw;
 * drops edges whose ends are not nodes.
 */
export function normalizeGraph(raw) {
  if (!isObject(raw) || !Array.isArray(raw.nodes) || !Array.isArray(raw.edges)) {
    throw new Error("the graph reply has no nodes and edges");
  }
  const nodes = new Map();
  for (const n of raw.nodes) {
    if (!isObject(n) || typeof n.id !== "string" || !n.id) continue;
    nodes.set(n.id, { id: n.id, title: text(n.title), status: text(n.status), assignee: n.assignee ? String(n.assignee) : null });
  }
  const edges = [];
  for (const e of raw.edges) {
    if (!isObject(e) || !nodes.has(e.parent) || !nodes.has(e.child)) continue;
    edges.push({ parent: e.parent, child: e.child, blocking: Boolean(e.blocking) });
  }
  const c = raw.critical;
  const critical = isObject(c) && Array.isArray(c.path)
    ? {
        taskId: String(c.task_id),
        path: c.path.filter((id) => nodes.has(id)),
        remaining: isObject(c.remaining) ? c.remaining : {},
        total: Number.isFinite(c.total) ? c.total : 0,
      }
    : null;
  return { nodes, edges, truncated: Boolean(raw.truncated), roots: Array.isArray(raw.roots) ? raw.roots : [], critical };
}

/** A string that changes exactly when the graph's shape does (so layout runs only then). */
export function shapeKey(graph) {
  return `${[...graph.nodes.keys()].join(",")}|${graph.edges.map((e) => edgeKey(e.parent, e.child)).join(",")}`;
}

/**
 * Lay the graph out left to right (parents left of their children) with dagre, one connected
 * component at a time (dagre's ordering costs grow fast with the size of the graph it is
 * given; a board's components are small), the components then packed in rows, largest first.
 * Returns {positions: Map id → {x, y} (box centre), edgePoints: Map edgeKey → [{x, y}],
 * width, height}.
 */
export function layoutGraph(graph, { rowWidth = 2400, gap = 40 } = {}) {
  const positions = new Map();
  const edgePoints = new Map();
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let width = 0;
  for (const part of components(graph)) {
    const laid = layoutComponent(part);
    if (x > 0 && x + laid.width > rowWidth) {
      x = 0;
      y += rowHeight + gap;
      rowHeight = 0;
    }
    for (const [id, p] of laid.positions) positions.set(id, { x: p.x + x, y: p.y + y });
    for (const [key, points] of laid.edgePoints) edgePoints.set(key, points.map((p) => ({ x: p.x + x, y: p.y + y })));
    x += laid.width + gap;
    width = Math.max(width, x - gap);
    rowHeight = Math.max(rowHeight, laid.height);
  }
  return { positions, edgePoints, width, height: y + rowHeight };
}

/** The graph's connected components as {ids, edges}, largest first (ties: smallest id). */
export function components(graph) {
  const parent = new Map([...graph.nodes.keys()].map((id) => [id, id]));
  const find = (id) => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root);
    for (let at = id; at !== root;) {
      const next = parent.get(at);
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  for (const e of graph.edges) parent.set(find(e.parent), find(e.child));
  const parts = new Map();
  for (const id of [...graph.nodes.keys()].sort()) {
    const root = find(id);
    if (!parts.has(root)) parts.set(root, { ids: [], edges: [] });
    parts.get(root).ids.push(id);
  }
  for (const e of graph.edges) parts.get(find(e.parent)).edges.push(e);
  return [...parts.values()].sort((a, b) => b.ids.length - a.ids.length || (a.ids[0] < b.ids[0] ? -1 : 1));
}

function layoutComponent({ ids, edges }) {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 18, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  // Sorted ids: the same graph always gets the same picture, whatever order the reply had.
  for (const id of ids) g.setNode(id, { width: NODE_W, height: NODE_H });
  for (const e of edges) g.setEdge(e.parent, e.child);
  layout(g);
  const positions = new Map();
  for (const id of g.nodes()) {
    const n = g.node(id);
    positions.set(id, { x: n.x, y: n.y });
  }
  const edgePoints = new Map();
  for (const e of g.edges()) edgePoints.set(edgeKey(e.v, e.w), g.edge(e).points || []);
  const box = g.graph();
  return { positions, edgePoints, width: box.width || 0, height: box.height || 0 };
}

/** The critical path as {nodes: Set, edges: Set of edgeKey}. */
export function criticalSets(critical) {
  const nodes = new Set(critical ? critical.path : []);
  const edges = new Set();
  if (critical) for (let i = 1; i < critical.path.length; i++) edges.add(edgeKey(critical.path[i - 1], critical.path[i]));
  return { nodes, edges };
}

/** An SVG path through dagre's edge points. */
export function edgePath(points) {
  if (!points.length) return "";
  return points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
}

/**
 * The node the keyboard goes to from `id`: ArrowRight → a child, ArrowLeft → a parent (the
 * nearest vertically), ArrowUp / ArrowDown → the nearest node above / below in the same
 * column of the layout. Null when there is none.
 */
export function neighbour(graph, positions, id, key) {
  const here = positions.get(id);
  if (!here) return null;
  let candidates;
  if (key === "ArrowRight") candidates = graph.edges.filter((e) => e.parent === id).map((e) => e.child);
  else if (key === "ArrowLeft") candidates = graph.edges.filter((e) => e.child === id).map((e) => e.parent);
  else if (key === "ArrowUp" || key === "ArrowDown") {
    const down = key === "ArrowDown";
    candidates = [...positions.keys()].filter((other) => {
      const p = positions.get(other);
      return other !== id && Math.abs(p.x - here.x) < NODE_W / 2 && (down ? p.y > here.y : p.y < here.y);
    });
  } else return null;
  let best = null;
  let bestDistance = Infinity;
  for (const other of candidates) {
    const p = positions.get(other);
    if (!p) continue;
    const d = Math.abs(p.y - here.y) + Math.abs(p.x - here.x) / 1000;
    if (d < bestDistance || (d === bestDistance && other < best)) {
      best = other;
      bestDistance = d;
    }
  }
  return best;
}

/** Seconds as "2 d 4 h", "3 h 20 min", "45 min" or "< 1 min". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return "< 1 min";
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

/** `s` cut to `n` characters with an ellipsis (SVG text does not wrap or clip by itself). */
export function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * The zoom and pan that fit a `width` × `height` drawing into a `boxW` × `boxH` viewport,
 * never enlarging past 1 (small graphs stay readable) nor shrinking below `minScale`.
 */
export function fitTransform(width, height, boxW, boxH, minScale = 0.1) {
  if (!width || !height || !boxW || !boxH) return { x: 0, y: 0, k: 1 };
  const k = Math.max(minScale, Math.min(1, boxW / width, boxH / height));
  return { x: (boxW - width * k) / 2, y: Math.max(0, (boxH - height * k) / 2), k };
}

/** Zoom by `factor` around the viewport point (px, py), within [minK, maxK]. */
export function zoomAt(t, factor, px, py, minK = 0.1, maxK = 3) {
  const k = Math.min(maxK, Math.max(minK, t.k * factor));
  const ratio = k / t.k;
  return { k, x: px - (px - t.x) * ratio, y: py - (py - t.y) * ratio };
}
