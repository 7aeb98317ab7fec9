import { describe, expect, it } from "vitest";
import { hiddenEdges } from "../src/ui/scroll-edges.js";

const el = (scrollLeft, scrollWidth = 1300, clientWidth = 850) => ({ scrollLeft, scrollWidth, clientWidth });

describe("hiddenEdges", () => {
  it("says which sides of a sideways scroller hide columns", () => {
    expect(hiddenEdges(el(0))).toEqual({ left: false, right: true });
    expect(hiddenEdges(el(200))).toEqual({ left: true, right: true });
    expect(hiddenEdges(el(450))).toEqual({ left: true, right: false });
    expect(hiddenEdges(el(449.5))).toEqual({ left: true, right: false }); // fractional widths
    expect(hiddenEdges(el(0, 800, 850))).toEqual({ left: false, right: false }); // it all fits
  });
});
