// @vitest-environment jsdom
// The column header's WIP figure and control, and the card tint against the column's history.
import { describe, expect, it } from "vitest";
import { card, NOW, renderBoard, tick } from "./helpers.js";

const running = (id, age) => card(id, { status: "running", status_since: NOW - age });

describe("WIP limits in the column header", () => {
  it("show n / limit, marked over past the limit, with a label for screen readers", async () => {
    const { model, root } = await renderBoard(
      [running("t_a", 10), running("t_b", 10), card("t_r", { status: "ready" })],
      { wip_limits: { running: 1, ready: 3 } });
    const head = (s) => root.querySelector(`[data-column="${s}"] .kb-col-head`);
    const over = head("running").querySelector("[data-wip]");
    expect(over.dataset.wip).toBe("over");
    expect(over.querySelector("[aria-hidden]").textContent).toBe("2 / 1");
    expect(over.querySelector(".kb-sr-only").textContent).toBe("2 cards in In progress, over its WIP limit of 1");
    expect(head("ready").querySelector("[data-wip]").dataset.wip).toBe("within");
    expect(head("todo").querySelector("[data-wip]")).toBeNull();
    expect(head("todo").querySelector("[data-column-count]").textContent).toBe("0");
    model.pyUpdate("wip_limits", {});
    await tick();
    expect(head("running").querySelector("[data-wip]")).toBeNull();
  });

  it("are set from the header's field through the wip_limits trait", async () => {
    const { model, root } = await renderBoard([running("t_a", 10)], { wip_limits: { ready: 2 } });
    root.querySelector('[data-column="running"] [data-wip-edit]').click();
    await tick();
    const field = root.querySelector('[data-column="running"] [data-wip-input]');
    field.value = "-1";
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    expect(field.getAttribute("aria-invalid")).toBe("true");
    field.value = "4";
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    expect(model.get("wip_limits")).toEqual({ ready: 2, running: 4 });
    expect(model.saved.at(-1).wip_limits).toEqual({ ready: 2, running: 4 });
    expect(root.querySelector('[data-column="running"] [data-wip]').dataset.wip).toBe("within");
  });

  it("cannot be set on a read-only board", async () => {
    const { root } = await renderBoard([running("t_a", 10)], { read_only: true, wip_limits: { running: 0 } });
    expect(root.querySelector("[data-wip-edit]")).toBeNull();
    expect(root.querySelector('[data-column="running"] [data-wip]').dataset.wip).toBe("over");
  });
});

describe("the age tint", () => {
  it("follows the column's bands and says so in the card's label", async () => {
    const cards = [running("t_new", 60), running("t_mid", 2 * 3600), running("t_old", 2 * 86400)];
    const { model, root } = await renderBoard(cards);
    const stale = (id) => root.querySelector(`[data-task-id="${id}"]`).dataset.stale;
    expect(["t_new", "t_mid", "t_old"].map(stale)).toEqual([undefined, undefined, undefined]);
    model.pyUpdate("age_bands", { running: [3600, 86400] });
    await tick();
    expect(["t_new", "t_mid", "t_old"].map(stale)).toEqual([undefined, "amber", "red"]);
    const old = root.querySelector('[data-task-id="t_old"]');
    expect(old.getAttribute("aria-label")).toContain("longer in In progress than 85 % of past spells");
    expect(old.querySelector(".kb-age").title).toContain("longer in In progress than 85 % of past spells");
  });
});
