import { afterEach, describe, expect, it, vi } from "vitest";
import { createTraitSync, readTraits } from "../src/traits.js";
import { fakeModel } from "./helpers.js";

afterEach(() => vi.useRealTimers());

describe("synced traits", () => {
  it("reads every view trait with defaults for missing or mistyped values", () => {
    const t = readTraits(fakeModel({ search: null, selected: "nope", lanes: 1 }));
    expect(t).toMatchObject({ search: "", selected: [], lanes: true, show_archived: false, error: "" });
  });

  it("reads the switcher's boards as {slug, name}, dropping malformed entries", () => {
    const t = readTraits(fakeModel({
      board_slug: "ops",
      boards: [{ slug: "default", name: "Default" }, { slug: "ops" }, "junk", { name: "no slug" }, null],
    }));
    expect(t.board_slug).toBe("ops");
    expect(t.boards).toEqual([{ slug: "default", name: "Default" }, { slug: "ops", name: "ops" }]);
    expect(readTraits(fakeModel({ boards: "nope" })).boards).toEqual([]);
  });

  it("sets at once, and saves typing once after the debounce", () => {
    vi.useFakeTimers();
    const model = fakeModel({ search: "" });
    const seen = [];
    const sync = createTraitSync(model, (name) => seen.push(name));
    for (const text of ["r", "re", "rea", "read", "ready"]) sync.write("search", text, { debounce: 250 });
    expect(model.get("search")).toBe("ready");
    expect(seen.filter((n) => n === "search")).toHaveLength(5);
    expect(model.saved).toHaveLength(0);
    vi.advanceTimersByTime(249);
    expect(model.saved).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(model.saved).toHaveLength(1);
    expect(model.saved[0].search).toBe("ready");
  });

  it("saves other traits immediately, and flushes a pending save on dispose", () => {
    vi.useFakeTimers();
    const model = fakeModel({});
    const sync = createTraitSync(model, () => {});
    sync.write("selected", ["t_1"]);
    expect(model.saved).toHaveLength(1);
    sync.write("search", "x", { debounce: 250 });
    const listeners = model.listenerCount();
    expect(listeners).toBeGreaterThan(0);
    sync.dispose();
    expect(model.saved).toHaveLength(2);
    expect(model.listenerCount()).toBe(0);
  });
});
