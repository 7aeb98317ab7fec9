import { describe, expect, it } from "vitest";
import { countOf, patchCounts, readCounts } from "../src/windows.js";

describe("windows' counts", () => {
  it("reads a snapshot's counts and drops what is not a whole count", () => {
    const counts = readCounts({
      counts: { ready: 120, done: 3, bad: -1, worse: "7", frac: 1.5 },
      lane_counts: { ready: { ann: 100, "(unassigned)": 20, x: null } },
    });
    expect(counts.known).toBe(true);
    expect([...counts.columns]).toEqual([["ready", 120], ["done", 3]]);
    expect([...counts.lanes.get("ready")]).toEqual([["ann", 100], ["(unassigned)", 20]]);
    expect(countOf(counts, "ready", "", 50)).toBe(120);
    expect(countOf(counts, "ready", "ann", 50)).toBe(100);
    expect(countOf(counts, "todo", "", 0)).toBe(0);
  });

  it("falls back to the held cards when the snapshot has no counts", () => {
    for (const snapshot of [{}, null, { counts: [1] }]) {
      const counts = readCounts(snapshot);
      expect(counts.known).toBe(false);
      expect(countOf(counts, "ready", "", 7)).toBe(7);
      expect(patchCounts(counts, { counts: { ready: 3 } })).toBe(counts);
    }
  });

  it("applies a patch's changed counts, a zero removing the column or lane", () => {
    const counts = readCounts({ counts: { ready: 120, done: 3 }, lane_counts: { ready: { ann: 120 } } });
    const next = patchCounts(counts, { counts: { ready: 119, blocked: 1, done: 0 },
      lane_counts: { ready: { ann: 119 }, blocked: { ann: 1 } } });
    expect([...next.columns]).toEqual([["ready", 119], ["blocked", 1]]);
    expect(countOf(next, "blocked", "ann", 0)).toBe(1);
    expect(countOf(counts, "ready", "", 0)).toBe(120); // the old value is not changed
    expect(patchCounts(next, { upserts: [] })).toBe(next); // nothing changed: the same object
  });
});
