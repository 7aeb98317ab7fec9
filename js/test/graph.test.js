import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  NODE_W, clip, criticalSets, edgeKey, edgePath, fitTransform, formatDuration, layoutGraph, neighbour,
  normalizeGraph, shapeKey, zoomAt,
} from "../src/graph/graph-model.js";

// a → b → d, a → c → d, e alone
const reply = {
  nodes: ["d", "c", "b", "a", "e"].map((id) => ({ id, title: `Task ${id}`, status: id === "a" ? "done" : "todo", assignee: null })),
  edges: [
    { parent: "a", child: "b", blocking: false }, { parent: "a", child: "c", blocking: false },
    { parent: "b", child: "d", blocking: true }, { parent: "c", child: "d", blocking: true },
    { parent: "a", child: "gone", blocking: true },
  ],
  truncated: false,
  roots: [],
  critical: { task_id: "d", path: ["b", "d"], remaining: { b: 60, d: 120 }, total: 180 },
};

describe("normalizeGraph", () => {
  it("keeps nodes and the edges between them", () => {
    const g = normalizeGraph(reply);
    expect([...g.nodes.keys()].sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(g.edges).toHaveLength(4);
    expect(g.critical.path).toEqual(["b", "d"]);
  });
  it("refuses a reply without nodes and edges", () => {
    expect(() => normalizeGraph({ nodes: [] })).toThrow(/no nodes and edges/);
  });
});

describe("layoutGraph", () => {
  it("puts parents left of their children, the same way every time", () => {
    const g = normalizeGraph(reply);
    const { positions, edgePoints, width, height } = layoutGraph(g);
    const x = (id) => positions.get(id).x;
    expect(x("a")).toBeLessThan(x("b"));
    expect(x("b")).toBe(x("c"));
    expect(x("c")).toBeLessThan(x("d"));
    expect(width).toBeGreaterThan(3 * NODE_W);
    expect(height).toBeGreaterThan(0);
    expect(edgePoints.get(edgeKey("a", "b")).length).toBeGreaterThan(1);
    const again = layoutGraph(normalizeGraph({ ...reply, nodes: [...reply.nodes].reverse() }));
    expect([...again.positions.entries()].sort()).toEqual([...positions.entries()].sort());
    expect(shapeKey(g)).toBe(shapeKey(normalizeGraph(reply)));
  });
  it("lays out 500 tasks with 250 links", () => {
    const nodes = Array.from({ length: 500 }, (_, i) => ({ id: `t${i}`, title: "", status: "todo" }));
    const edges = Array.from({ length: 250 }, (_, i) => ({ parent: `t${i}`, child: `t${i + 250}`, blocking: true }));
    const { positions } = layoutGraph(normalizeGraph({ nodes, edges }));
    expect(positions.size).toBe(500);
    expect(positions.get("t0").x).toBeLessThan(positions.get("t250").x);
  });
});

describe("keyboard neighbours", () => {
  const g = normalizeGraph(reply);
  const { positions } = layoutGraph(g);
  it("goes to a child, a parent, and up and down a column", () => {
    expect(["b", "c"]).toContain(neighbour(g, positions, "a", "ArrowRight"));
    expect(neighbour(g, positions, "d", "ArrowLeft")).toMatch(/[bc]/);
    expect(neighbour(g, positions, "a", "ArrowLeft")).toBe(null);
    const upper = positions.get("b").y < positions.get("c").y ? "b" : "c";
    const lower = upper === "b" ? "c" : "b";
    expect(neighbour(g, positions, upper, "ArrowDown")).toBe(lower);
    expect(neighbour(g, positions, lower, "ArrowUp")).toBe(upper);
    expect(neighbour(g, positions, "a", "Enter")).toBe(null);
  });
});

describe("small helpers", () => {
  it("critical sets", () => {
    const s = criticalSets(normalizeGraph(reply).critical);
    expect([...s.nodes]).toEqual(["b", "d"]);
    expect(s.edges.has(edgeKey("b", "d"))).toBe(true);
    expect(criticalSets(null).nodes.size).toBe(0);
  });
  it("durations", () => {
    expect(formatDuration(30)).toBe("< 1 min");
    expect(formatDuration(45 * 60)).toBe("45 min");
    expect(formatDuration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(formatDuration(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(formatDuration(86400)).toBe("1 d");
  });
  it("paths, clipping, fit and zoom", () => {
    expect(edgePath([{ x: 0, y: 1 }, { x: 2.25, y: 3 }])).toBe("M0.0,1.0 L2.3,3.0");
    expect(clip("abcdef", 4)).toBe("abc…");
    expect(fitTransform(1000, 500, 500, 500)).toEqual({ x: 0, y: 125, k: 0.5 });
    expect(fitTransform(100, 100, 500, 500).k).toBe(1); // never enlarged
    const z = zoomAt({ x: 0, y: 0, k: 1 }, 2, 100, 100);
    expect(z).toEqual({ k: 2, x: -100, y: -100 }); // the point under the pointer stays put
  });
});

describe("graph.css", () => {
  it("scopes every selector under the root class", () => {
    const css = readFileSync(new URL("../src/graph/graph.css", import.meta.url), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const selectors = [...css.matchAll(/([^{}]+)\{/g)].flatMap((m) => m[1].split(",").map((s) => s.trim()));
    expect(selectors.length).toBeGreaterThan(10);
    expect(selectors.filter((s) => !s.includes(".kanban-widget"))).toEqual([]);
  });
});
