// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import createWidget from "../src/widget.js";
import { board, card, DEFAULT_TRAITS, fakeModel, tick } from "./helpers.js";

function mount(state = {}) {
  const model = fakeModel({
    ...DEFAULT_TRAITS,
    _board: board([card("t_1", { status: "ready", title: "<img src=x onerror=alert(1)> hello" }), card("t_2", { status: "done" })]),
    ...state,
  });
  const widget = createWidget();
  const el = document.createElement("div");
  document.body.appendChild(el);
  const initCleanup = widget.initialize({ model });
  const cleanup = widget.render({ model, el });
  return { model, widget, el, initCleanup, cleanup };
}

describe("widget lifecycle", () => {
  it("renders the contract hooks and escapes store text", async () => {
    const { el } = mount();
    const root = el.querySelector("[data-kanban-root]");
    expect(root).not.toBeNull();
    expect(root.hasAttribute("data-lm-suppress-shortcuts")).toBe(true);
    expect(root.querySelector('[data-column="ready"] [data-column-count]').textContent).toBe("1");
    const title = root.querySelector('[data-task-id="t_1"] .kb-card-title');
    expect(title.textContent).toBe("<img src=x onerror=alert(1)> hello");
    expect(root.querySelector("img")).toBeNull();
    expect(root.querySelector("[data-kanban-error]")).not.toBeNull();
  });

  it("re-renders on patches and trait changes", async () => {
    const { model, el } = mount();
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("t_3", { status: "ready" })], removes: [], touched: ["t_3"] });
    await tick();
    expect(el.querySelector('[data-column="ready"] [data-column-count]').textContent).toBe("2");
    model.pyUpdate("search", "t_3");
    await tick();
    expect(el.querySelectorAll("[data-task-id]")).toHaveLength(1);
    model.pyUpdate("error", "sync thread stopped: disk I/O error");
    await tick();
    expect(el.querySelector("[data-kanban-error]").textContent).toContain("disk I/O error");
  });

  it("two views of one model share the board", async () => {
    const { model, widget } = mount();
    const el2 = document.createElement("div");
    const cleanup2 = widget.render({ model, el: el2 });
    model.pyCustom({ type: "patch", rev: 2, upserts: [card("t_1", { status: "done" })], removes: [], touched: [] });
    await tick();
    expect(el2.querySelector('[data-task-id="t_1"]').dataset.status).toBe("done");
    cleanup2();
  });

  it("drops every model listener after render cleanup and initialize cleanup", async () => {
    const { model, el, cleanup, initCleanup } = mount();
    expect(model.listenerCount()).toBeGreaterThan(0);
    cleanup();
    await tick();
    expect(el.querySelector("[data-kanban-root]")).toBeNull();
    initCleanup();
    expect(model.listenerCount()).toBe(0);
  });

  it("shows a reload button when the board cannot be drawn", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { model, el } = mount({ _board: { cards: "broken" } });
    await tick();
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    const crash = el.querySelector("[data-kanban-crash]");
    expect(crash.textContent).toMatch(/could not be drawn/);
    model.state._board = board([card("t_9")]);
    crash.querySelector("[data-reload]").click();
    await tick();
    await tick();
    expect(el.querySelector('[data-task-id="t_9"]')).not.toBeNull();
  });
});
