// @vitest-environment jsdom
// What a live patch costs the page: the parts of the board it did not touch keep their objects
// (state.js keepUnchangedGroups, traits.js keepTraits), so the memoized lanes and cards skip.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { options } from "preact";
import "preact/hooks"; // installs its render hook first: the counter below chains to it
import { groupBoard, keepUnchangedGroups, applyPatch, normalizeBoard } from "../src/state.js";
import { createTraitSync, keepTraits } from "../src/traits.js";
import { board, card, fakeModel, renderBoard, tick } from "./helpers.js";

const cards = [
  card("r1"), card("r2"), card("r3", { assignee: "ann" }),
  card("u1", { status: "running", assignee: "ann" }), card("u2", { status: "running" }),
  card("d1", { status: "done" }), card("d2", { status: "done", assignee: "bo" }),
];
const move = (rev, id, status) => ({ type: "patch", rev, upserts: [{ ...card(id), ...cards.find((c) => c.id === id), status }], removes: [], touched: [id] });

describe("keepUnchangedGroups", () => {
  const state = normalizeBoard(board(cards));
  const grouped = (s, opts) => groupBoard(s, opts);

  it("keeps every column and lane list a patch did not touch", () => {
    for (const opts of [{}, { lanes: true }, { filters: { search: "r" } }]) {
      const before = grouped(state, opts);
      const next = applyPatch(state, move(2, "r1", "running"));
      const kept = keepUnchangedGroups(before, grouped(next, opts));
      const col = (g, s) => g.columns.find((c) => c.status === s);
      expect(col(kept, "done")).toBe(col(before, "done"));
      expect(col(kept, "ready")).not.toBe(col(before, "ready"));
      expect([...col(kept, "ready").lanes.values()].flat().map((c) => c.id)).not.toContain("r1");
      expect([...col(kept, "running").lanes.values()].flat().map((c) => c.id)).toContain("r1");
    }
  });

  it("keeps the untouched lanes of a touched column, and the lane names", () => {
    const before = grouped(state, { lanes: true });
    const next = applyPatch(state, move(2, "r1", "done"));
    const kept = keepUnchangedGroups(before, grouped(next, { lanes: true }));
    const ready = (g) => g.columns.find((c) => c.status === "ready");
    expect(ready(kept).lanes.get("ann")).toBe(ready(before).lanes.get("ann"));
    expect(ready(kept).lanes.get("(unassigned)")).not.toBe(ready(before).lanes.get("(unassigned)"));
    expect(kept.lanes).toBe(before.lanes);
  });

  it("returns the last grouping itself when nothing changed, and the first as it is", () => {
    const before = grouped(state, { lanes: true });
    expect(keepUnchangedGroups(before, grouped(state, { lanes: true }))).toBe(before);
    expect(keepUnchangedGroups(null, before)).toBe(before);
  });
});

describe("keepTraits", () => {
  it("keeps the selection's identity while its ids are the same", () => {
    const model = fakeModel({ selected: ["a", "b"], search: "" });
    const sync = createTraitSync(model, () => {});
    const first = sync.read();
    expect(sync.read()).toBe(first);
    model.set("selected", ["a", "b"]);                  // a new array, the same ids
    expect(sync.read().selected).toBe(first.selected);
    model.set("search", "x");
    const next = sync.read();
    expect(next).not.toBe(first);
    expect(next.selected).toBe(first.selected);
    expect(next.search).toBe("x");
    expect(keepTraits(null, first)).toBe(first);
    sync.dispose();
  });
});

describe("a live patch re-renders only what it touched", () => {
  // Count component renders by name, through preact's render hook (chained: hooks use it too).
  let renders;
  let previous;
  beforeEach(() => {
    renders = new Map();
    previous = options.__r;
    options.__r = (vnode) => {
      if (previous) previous(vnode);
      const name = typeof vnode.type === "function" ? vnode.type.name : "";
      if (name) renders.set(name, (renders.get(name) || 0) + 1);
    };
  });
  afterEach(() => { options.__r = previous; });
  const count = (name) => renders.get(name) || 0;

  for (const lanes of [false, true]) {
    it(`moving one card draws that card once and only the lanes it left and joined${lanes ? " (lanes)" : ""}`, async () => {
      const { model, root } = await renderBoard(cards, { lanes });
      await tick();
      renders.clear();
      model.pyCustom(move(2, "r2", "running"));
      await tick();
      expect(root.querySelector('[data-column="running"] [data-task-id="r2"]')).not.toBeNull();
      expect(count("CardView")).toBe(1);                 // the moved card, in its new column
      expect(count("Lane")).toBe(2);                     // ready's and running's unassigned lanes
      expect(count("TimeTravel")).toBe(0);               // time travel is not drawn again
    });
  }

  it("selecting a card redraws that card only", async () => {
    const { model, root } = await renderBoard(cards);
    await tick();
    renders.clear();
    model.pyUpdate("selected", ["u1"]);
    await tick();
    expect(root.querySelector('[data-task-id="u1"]').classList.contains("kb-selected")).toBe(true);
    expect(count("CardView")).toBe(1);
    model.pyUpdate("selected", ["u1"]);                  // Python echoes the same ids back
    renders.clear();
    await tick();
    expect(count("App")).toBe(0);
  });
});
