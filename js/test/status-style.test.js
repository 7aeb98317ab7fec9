// @vitest-environment jsdom
// A status name is data, never markup: unknown (or hostile) statuses get one neutral class.
import { describe, expect, it } from "vitest";
import { STATUS_LABELS, statusLabel } from "../src/state.js";
import { OTHER_STATUS_CLASS, STATUS_CLASS, statusClass } from "../src/ui/status-style.js";
import { card, renderBoard, tick } from "./helpers.js";

const HOSTILE = ["x kb-drawer kb-app", "kb-selected", "constructor", "__proto__", "toString", '"><b>x</b>'];

/** Every class token used anywhere under `root`. */
function classTokens(root) {
  const tokens = new Set();
  for (const el of root.querySelectorAll("*")) for (const c of el.classList) tokens.add(c);
  return tokens;
}

describe("status classes", () => {
  it("come from a table with one entry per known status (widget.css styles each: css.test.js)", () => {
    expect(Object.keys(STATUS_CLASS).sort()).toEqual(Object.keys(STATUS_LABELS).sort());
  });

  it("map every unknown or hostile name to the neutral class", () => {
    expect(statusClass("done")).toBe("kb-st-done");
    for (const s of [...HOSTILE, "qa", "", "DONE"]) expect(statusClass(s)).toBe(OTHER_STATUS_CLASS);
  });

  it("label unknown statuses with their own name, even Object.prototype's keys", () => {
    for (const s of HOSTILE) expect(statusLabel(s)).toBe(s);
  });

  it("never put a status name into a class list, in columns or the drawer", async () => {
    const cards = HOSTILE.map((status, i) => card(`t_${i}`, { status }));
    const { root } = await renderBoard([...cards, card("t_ok", { status: "ready" })]);
    const before = classTokens(root);
    for (const bad of ["x", "kb-drawer", "kb-selected", "constructor", "__proto__", "toString"]) {
      expect(before.has(bad), bad).toBe(false);
    }
    for (const status of HOSTILE) {
      const col = [...root.querySelectorAll("[data-column]")].find((c) => c.getAttribute("data-column") === status);
      expect(col, status).toBeTruthy();
      expect([...col.classList]).toEqual(["kb-column", OTHER_STATUS_CLASS]);
      expect(col.querySelector(".kb-col-title").textContent).toBe(status);
      expect(col.querySelector(".kb-dot").className).toBe("kb-dot");
    }
    expect(root.querySelectorAll(".kb-app")).toHaveLength(1);

    // The drawer's status badge, for the hostile card.
    root.querySelector('[data-task-id="t_0"]').click();
    await tick();
    const badge = root.querySelector("[data-drawer-status]");
    expect(badge.className).toBe(`kb-badge kb-status ${OTHER_STATUS_CLASS}`);
    expect(badge.textContent).toBe("x kb-drawer kb-app");
    expect(root.querySelectorAll(".kb-drawer")).toHaveLength(1);
  });
});
