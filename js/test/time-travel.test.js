import { describe, expect, it } from "vitest";
import {
  SPEEDS, clampTime, densityBars, formatMoment, playbackTime, readBuilding, readTime, readView,
  stepFor,
} from "../src/time-travel.js";

const view = { as_of: 1000, start: 0, end: 2000, prev: 990, next: 1010, columns: [], density: [] };

describe("time travel rules", () => {
  it("reads the traits: a number is a moment, anything else is live", () => {
    expect(readTime(12.7)).toBe(12);
    expect(readTime(null)).toBe(null);
    expect(readTime("12")).toBe(null);
    expect(readView({})).toBe(null);
    expect(readView(view)).toBe(view);
  });

  it("reads a history build's progress, and nothing else as one", () => {
    const building = { as_of: 5, building: { phase: "statuses", done: 1, of: 8 } };
    expect(readBuilding(building)).toEqual({ phase: "statuses", done: 1, of: 8 });
    expect(readView(building)).toBe(null);             // no board to show yet
    expect(readBuilding(view)).toBe(null);
    expect(readBuilding({ building: { done: 9, of: 8 } })).toEqual({ phase: "", done: 8, of: 8 });
    expect(readBuilding({ building: { done: "1", of: 8 } })).toBe(null);
    expect(readBuilding({ building: { done: 0, of: 0 } })).toBe(null);
    expect(readBuilding(null)).toBe(null);
  });

  it("formats moments in UTC", () => {
    expect(formatMoment(1_780_000_000)).toBe("2026-05-28 20:26:40 UTC");
  });

  it("steps by a fraction of the span, event by event with Shift, to the ends with Home/End", () => {
    expect(stepFor(view, "ArrowRight", false)).toBe(1010);
    expect(stepFor(view, "ArrowLeft", false)).toBe(990);
    expect(stepFor({ ...view, as_of: 5 }, "ArrowLeft", false)).toBe(0);
    expect(stepFor(view, "ArrowRight", true)).toBe(1010);
    expect(stepFor({ ...view, next: null }, "ArrowRight", true)).toBe(null);
    expect(stepFor(view, "ArrowLeft", true)).toBe(990);
    expect(stepFor(view, "Home", false)).toBe(0);
    expect(stepFor(view, "End", false)).toBe(2000);
    expect(stepFor(view, "a", false)).toBe(null);
  });

  it("plays back at the chosen rate and stops at the end", () => {
    expect(SPEEDS.map((s) => s.rate)).toContain(3600);
    expect(playbackTime(view, 1000, 60, 500)).toBe(1030);
    expect(playbackTime(view, 1000, 86_400, 1000)).toBe(2000);
    expect(clampTime(view, -5)).toBe(0);
  });

  it("scales the density strip to the busiest slice", () => {
    expect(densityBars([0, 5, 10])).toEqual([0, 0.5, 1]);
    expect(densityBars([0, 0])).toEqual([0, 0]);
    expect(densityBars(null)).toEqual([]);
  });
});
