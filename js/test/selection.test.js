import { describe, expect, it } from "vitest";
import {
  dragGroup, idsToMove, selectionState, selectRange, toggleAll, toggleId,
} from "../src/selection.js";

describe("selection", () => {
  const col = ["a", "b", "c", "d", "e"];
  it("toggles one id", () => {
    expect(toggleId(["a"], "b")).toEqual(["a", "b"]);
    expect(toggleId(["a", "b"], "a")).toEqual(["b"]);
  });
  it("selects a range in either direction, keeping what was selected", () => {
    expect(selectRange(["x"], col, "b", "d")).toEqual(["x", "b", "c", "d"]);
    expect(selectRange([], col, "d", "b")).toEqual(["b", "c", "d"]);
    expect(selectRange(["c"], col, "b", "d")).toEqual(["c", "b", "d"]);
  });
  it("falls back to one id without an anchor in the column", () => {
    expect(selectRange([], col, null, "c")).toEqual(["c"]);
    expect(selectRange([], col, "zz", "c")).toEqual(["c"]);
    expect(selectRange(["a"], col, "a", "nope")).toEqual(["a"]);
  });
  it("select-all selects the column, or clears it when all are selected", () => {
    expect(toggleAll(["x", "b"], ["a", "b"])).toEqual(["x", "b", "a"]);
    expect(toggleAll(["x", "a", "b"], ["a", "b"])).toEqual(["x"]);
    expect(selectionState(["a"], ["a", "b"])).toBe("some");
    expect(selectionState(["a", "b"], ["a", "b"])).toBe("all");
    expect(selectionState([], [])).toBe("none");
  });
});

describe("group moves", () => {
  const statuses = { a: "ready", b: "todo", c: "running", d: "ready" };
  const statusOf = (id) => statuses[id] ?? null;

  it("a selected card carries the whole selection; an unselected one only itself", () => {
    expect(dragGroup(["a", "b", "c"], "b")).toEqual(["a", "b", "c"]);
    expect(dragGroup(["a", "b", "c"], "d")).toEqual(["d"]);
    expect(dragGroup([], "a")).toEqual(["a"]);
  });

  it("moves the cards not yet in the target column, from any column", () => {
    expect(idsToMove(["a", "b", "c"], "b", "running", statusOf)).toEqual(["a", "b"]);
    // dropping on its own column still brings the rest of the selection there
    expect(idsToMove(["a", "b", "c"], "a", "ready", statusOf)).toEqual(["b", "c"]);
    expect(idsToMove(["a", "b"], "d", "done", statusOf)).toEqual(["d"]);
    expect(idsToMove(["a"], "a", "ready", statusOf)).toEqual([]);
  });

  it("skips selected ids that are no longer on the board", () => {
    expect(idsToMove(["a", "gone", "b"], "a", "done", statusOf)).toEqual(["a", "b"]);
  });
});
