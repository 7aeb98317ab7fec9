import { describe, expect, it } from "vitest";
import {
  adjacentStatus, applyPatch, BoardFormatError, compareCards, groupBoard, matchesFilters,
  normalizeBoard, patchDisposition, relativeAge, staleness, visibleColumns,
} from "../src/state.js";
import { board, card, NOW } from "./helpers.js";

describe("card order", () => {
  it("sorts by priority desc, created_at asc, id asc", () => {
    const cards = [
      card("b", { priority: 1, created_at: 5 }),
      card("a", { priority: 1, created_at: 5 }),
      card("c", { priority: 2, created_at: 9 }),
      card("d", { priority: 1, created_at: 1 }),
      card("e", { priority: 0, created_at: 0 }),
    ];
    expect(cards.sort(compareCards).map((c) => c.id)).toEqual(["c", "d", "a", "b", "e"]);
  });
});

describe("normalizeBoard", () => {
  it("keeps cards by id and fills defaults", () => {
    const s = normalizeBoard(board([{ id: "x", status: "todo", title: null }]));
    const c = s.cards.get("x");
    expect(c.title).toBe("");
    expect(c.priority).toBe(0);
    expect(c.link_counts).toEqual({ parents: 0, children: 0 });
    expect(s.rev).toBe(1);
  });
  it("rejects malformed snapshots with a message", () => {
    expect(() => normalizeBoard(null)).toThrow(BoardFormatError);
    expect(() => normalizeBoard({ cards: "nope" })).toThrow(/list of cards/);
    expect(() => normalizeBoard(board([{ status: "todo" }]))).toThrow(/no string id/);
  });
});

describe("filters", () => {
  const c = card("t_abc", { title: "Fix the Parser", body: "deep", assignee: "alice", tenant: "acme", result: "shipped" });
  it.each([
    ["", true], ["parser", true], ["PARSER", true], ["t_ab", true], ["deep", true],
    ["alice", true], ["acme", true], ["shipped", true], ["nothing", false],
  ])("search %j → %s", (q, ok) => {
    expect(matchesFilters(c, { search: q })).toBe(ok);
  });
  it("filters by tenant and assignee, including (unassigned)", () => {
    expect(matchesFilters(c, { tenant: "acme" })).toBe(true);
    expect(matchesFilters(c, { tenant: "globex" })).toBe(false);
    expect(matchesFilters(c, { assignee: "alice" })).toBe(true);
    expect(matchesFilters(c, { assignee: "(unassigned)" })).toBe(false);
    expect(matchesFilters(card("u"), { assignee: "(unassigned)" })).toBe(true);
  });
});

describe("columns", () => {
  it("hides empty scheduled/review, shows archived only when asked, appends unknown statuses", () => {
    const cols = ["triage", "todo", "scheduled", "ready", "review", "done", "archived"];
    const counts = new Map([["review", 2], ["weird", 1], ["archived", 3]]);
    expect(visibleColumns(cols, counts, false)).toEqual(["triage", "todo", "ready", "review", "done", "weird"]);
    expect(visibleColumns(cols, counts, true)).toEqual(["triage", "todo", "ready", "review", "done", "archived", "weird"]);
  });
  it("groups into sorted columns and lanes, counting filtered and total", () => {
    const s = normalizeBoard(board([
      card("a", { status: "ready", assignee: "bob", priority: 1 }),
      card("b", { status: "ready", assignee: "alice", priority: 2 }),
      card("c", { status: "ready" }),
      card("d", { status: "done", assignee: "bob" }),
    ]));
    const g = groupBoard(s, { lanes: true });
    expect(g.lanes).toEqual(["alice", "bob", "(unassigned)"]);
    const ready = g.columns.find((c) => c.status === "ready");
    expect(ready.count).toBe(3);
    expect(ready.lanes.get("bob").map((c) => c.id)).toEqual(["a"]);
    const filtered = groupBoard(s, { filters: { assignee: "bob" } });
    const r2 = filtered.columns.find((c) => c.status === "ready");
    expect([r2.count, r2.total]).toEqual([1, 3]);
    expect(r2.lanes.get("").map((c) => c.id)).toEqual(["a"]);
  });
  it("finds the adjacent column", () => {
    expect(adjacentStatus(["a", "b", "c"], "b", 1)).toBe("c");
    expect(adjacentStatus(["a", "b", "c"], "a", -1)).toBe(null);
  });
});

describe("patches", () => {
  const s = normalizeBoard(board([card("a"), card("b")]));
  it("applies the next revision: upserts, removes, lists", () => {
    const p = { type: "patch", rev: 2, cursor: 11, upserts: [card("a", { status: "done" }), card("c")], removes: ["b"], assignees: ["zed"], touched: ["a"] };
    expect(patchDisposition(s, p)).toBe("apply");
    const n = applyPatch(s, p);
    expect(n.rev).toBe(2);
    expect([...n.cards.keys()].sort()).toEqual(["a", "c"]);
    expect(n.cards.get("a").status).toBe("done");
    expect(n.assignees).toEqual(["zed"]);
    expect(s.cards.get("a").status).toBe("ready"); // the old state is untouched
  });
  it("detects gaps and stale revisions", () => {
    expect(patchDisposition(s, { rev: 3 })).toBe("gap");
    expect(patchDisposition(s, { rev: 1 })).toBe("stale");
    expect(patchDisposition(s, { rev: 0 })).toBe("stale");
  });
});

describe("staleness", () => {
  it.each([
    ["ready", 30 * 60, ""], ["ready", 2 * 3600, "amber"], ["ready", 25 * 3600, "red"],
    ["running", 5 * 60, ""], ["running", 11 * 60, "amber"], ["running", 2 * 3600, "red"],
    ["blocked", 3601, "amber"], ["blocked", 86401, "red"],
    ["todo", 6 * 86400, ""], ["todo", 8 * 86400, "amber"], ["todo", 31 * 86400, "red"],
    ["done", 365 * 86400, ""], ["triage", 365 * 86400, ""],
  ])("%s after %i s → %j", (status, age, want) => {
    expect(staleness(card("x", { status, status_since: NOW - age }), NOW)).toBe(want);
  });
  it("formats ages", () => {
    expect([10, 120, 7200, 3 * 86400, 20 * 86400, 90 * 86400, 800 * 86400].map(relativeAge))
      .toEqual(["now", "2m", "2h", "3d", "2w", "3mo", "2y"]);
  });
});

describe("the per-status index", () => {
  it("stays sorted through patches, matching a full re-sort", () => {
    const cards = [];
    for (let i = 0; i < 200; i++) {
      cards.push(card(`t_${String(i).padStart(3, "0")}`, {
        status: ["todo", "ready", "done"][i % 3], priority: i % 4, created_at: NOW - (i * 37) % 101,
      }));
    }
    let s = normalizeBoard(board(cards));
    for (let r = 0; r < 30; r++) {
      const id = `t_${String((r * 7) % 200).padStart(3, "0")}`;
      const moved = { ...(s.cards.get(id) || card(id)), status: ["todo", "ready", "done", "blocked"][r % 4], priority: r % 5 };
      const removes = r % 5 === 0 ? [`t_${String((r * 11 + 3) % 200).padStart(3, "0")}`] : [];
      s = applyPatch(s, { rev: s.rev + 1, upserts: [moved], removes });
    }
    const fresh = normalizeBoard(board([...s.cards.values()]));
    for (const status of ["todo", "ready", "done", "blocked"]) {
      expect((s.byStatus.get(status) || []).map((c) => c.id)).toEqual((fresh.byStatus.get(status) || []).map((c) => c.id));
    }
  });
});
