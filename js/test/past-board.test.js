import { describe, expect, it } from "vitest";
import { keepUnchanged, maybeMoved } from "../src/past-board.js";
import { sameItems, sameValue } from "../src/same.js";

const card = (id, extra = {}) => ({ id, title: `Task ${id}`, assignee: null, priority: 0, ...extra });
const col = (status, cards, count = cards.length) => ({ status, count, cards });
const view = (columns, extra = {}) => ({ as_of: 1, start: 0, end: 9, density: [1, 2, 3], columns, ...extra });
// What Python sends each step: fresh objects, equal or not.
const fresh = (v) => JSON.parse(JSON.stringify(v));

describe("sameValue", () => {
  it("compares trait values deeply", () => {
    expect(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(sameValue({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue([1], { 0: 1 })).toBe(false);
    expect(sameValue(null, {})).toBe(false);
  });

  it("compares arrays item by item, by identity", () => {
    const a = {};
    expect(sameItems([a, 1], [a, 1])).toBe(true);
    expect(sameItems([a], [{}])).toBe(false);
    expect(sameItems([a], [a, a])).toBe(false);
  });
});

describe("keepUnchanged", () => {
  const first = view([col("ready", [card("a"), card("b"), card("c")]), col("running", [card("d")])]);

  it("keeps every object of a view equal to the last one", () => {
    const next = keepUnchanged(first, fresh(first));
    expect(next.columns[0]).toBe(first.columns[0]);
    expect(next.columns[1]).toBe(first.columns[1]);
    expect(next.density).toBe(first.density);
  });

  it("shares the unchanged cards and columns when one card moves", () => {
    const raw = fresh(first);
    const [b] = raw.columns[0].cards.splice(1, 1);
    raw.columns[1].cards.push(b);
    raw.columns[1].count = 2;
    raw.columns[0].count = 2;
    const next = keepUnchanged(first, raw);
    expect(next.columns[0]).not.toBe(first.columns[0]);
    expect(next.columns[0].cards[0]).toBe(first.columns[0].cards[0]);     // a
    expect(next.columns[0].cards[1]).toBe(first.columns[0].cards[2]);     // c
    expect(next.columns[1].cards[0]).toBe(first.columns[1].cards[0]);     // d
    expect(next.columns[1].cards[1]).toBe(first.columns[0].cards[1]);     // b, same content
    expect(raw.columns[0].cards[0]).not.toBe(first.columns[0].cards[0]);  // the input is intact
  });

  it("takes the new object of a card whose fields changed, and a column whose count did", () => {
    const raw = fresh(first);
    raw.columns[0].cards[2].assignee = "ann";
    raw.columns[1].count = 40;                          // more cards than it shows
    raw.density = [1, 2, 4];
    const next = keepUnchanged(first, raw);
    expect(next.columns[0].cards[2]).toBe(raw.columns[0].cards[2]);
    expect(next.columns[0].cards[1]).toBe(first.columns[0].cards[1]);
    expect(next.columns[1]).not.toBe(first.columns[1]);
    expect(next.columns[1].count).toBe(40);
    expect(next.columns[1].cards[0]).toBe(first.columns[1].cards[0]);
    expect(next.density).toEqual([1, 2, 4]);
  });

  it("passes the first view and a missing one through", () => {
    expect(keepUnchanged(null, first)).toBe(first);
    expect(keepUnchanged(first, null)).toBe(null);
  });
});

describe("maybeMoved", () => {
  const first = view([col("ready", [card("a"), card("b"), card("c")]), col("running", [card("d")])]);

  it("is empty when nothing changed", () => {
    expect(maybeMoved(first, keepUnchanged(first, fresh(first)))).toEqual(new Set());
  });

  it("names the cards from the first change of each column down", () => {
    const raw = fresh(first);
    const [b] = raw.columns[0].cards.splice(1, 1);
    raw.columns[1].cards.unshift(b);
    const next = keepUnchanged(first, raw);
    // a keeps its place; c slid up; b and d (below the newcomer) may have moved.
    expect(maybeMoved(first, next)).toEqual(new Set(["c", "b", "d"]));
  });

  it("counts a changed card as moved (its height may differ) and the ones below it", () => {
    const raw = fresh(first);
    raw.columns[0].cards[1].title = "A much longer title that may wrap";
    expect(maybeMoved(first, keepUnchanged(first, raw))).toEqual(new Set(["b", "c"]));
  });

  it("says any card may have moved when the columns change", () => {
    const raw = fresh(first);
    raw.columns.push(col("done", []));
    expect(maybeMoved(first, keepUnchanged(first, raw))).toBe(null);
    expect(maybeMoved(null, first)).toBe(null);
    const swapped = fresh(first);
    swapped.columns.reverse();
    expect(maybeMoved(first, keepUnchanged(first, swapped))).toEqual(new Set(["a", "b", "c", "d"]));
  });
});
