// @vitest-environment jsdom
// What a card says: priority higher-first, and its selection without aria-selected.
import { describe, expect, it } from "vitest";
import { card, NOW, renderBoard, tick } from "./helpers.js";

describe("cards", () => {
  it("show priority as ↑N with a tooltip, and none for priority 0", async () => {
    const { root } = await renderBoard([card("t_hi", { priority: 3 }), card("t_zero")]);
    const badge = root.querySelector('[data-task-id="t_hi"] .kb-prio');
    expect(badge.textContent).toBe("↑3");
    expect(badge.title).toBe("Priority 3 (higher numbers come first)");
    expect(root.querySelector('[data-task-id="t_zero"] .kb-prio')).toBeNull();
    expect(root.querySelector('[data-task-id="t_hi"]').getAttribute("aria-label")).toContain("priority 3");
  });

  it("say they are selected in their label and checkbox, never with aria-selected", async () => {
    const { model, root } = await renderBoard([card("t_a"), card("t_b")], { selected: ["t_a"] });
    const a = root.querySelector('[data-task-id="t_a"]');
    expect(a.getAttribute("aria-label")).toMatch(/, selected\)$/);
    expect(a.querySelector(".kb-card-check").checked).toBe(true);
    expect(root.querySelector('[data-task-id="t_b"]').getAttribute("aria-label")).not.toContain("selected");
    expect(root.querySelectorAll("[aria-selected]")).toHaveLength(0);
    model.pyUpdate("selected", ["t_b"]);
    await tick();
    expect(root.querySelector('[data-task-id="t_b"]').getAttribute("aria-label")).toMatch(/, selected\)$/);
  });

  it("mark a running card whose claim has expired, and only that one", async () => {
    const { root } = await renderBoard([
      card("t_dead", { status: "running", claim_expires: NOW - 600 }),
      card("t_alive", { status: "running", claim_expires: NOW + 600 }),
      card("t_ready", { status: "ready", claim_expires: NOW - 600 }),
    ]);
    const dead = root.querySelector('[data-task-id="t_dead"]');
    expect(dead.dataset.claim).toBe("expired");
    expect(dead.querySelector(".kb-claim-expired").title).toMatch(/^The worker's claim expired 10m ago/);
    expect(dead.getAttribute("aria-label")).toContain("its worker's claim has expired");
    for (const id of ["t_alive", "t_ready"]) {
      const el = root.querySelector(`[data-task-id="${id}"]`);
      expect(el.dataset.claim).toBeUndefined();
      expect(el.querySelector(".kb-claim-expired")).toBeNull();
    }
  });

  it("open a drawer that is a dialog element of an allowed kind (not an <aside>)", async () => {
    const { root } = await renderBoard([card("t_a")]);
    root.querySelector('[data-task-id="t_a"]').click();
    await tick();
    const drawer = root.querySelector("[data-drawer]");
    expect(drawer.getAttribute("role")).toBe("dialog");
    expect(drawer.tagName).toBe("DIV");
    expect(drawer.getAttribute("aria-label")).toBe("Task t_a");
  });
});
