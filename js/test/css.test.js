import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OTHER_STATUS_CLASS, STATUS_CLASS } from "../src/ui/status-style.js";

const css = readFileSync(new URL("../src/widget.css", import.meta.url), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");

function selectors() {
  const out = [];
  for (const m of css.matchAll(/([^{}]+)\{/g)) {
    const sel = m[1].trim();
    if (sel.startsWith("@")) continue;
    out.push(...sel.split(",").map((s) => s.trim()));
  }
  return out;
}

describe("widget.css", () => {
  it("scopes every selector under the root class (anywidget injects CSS globally)", () => {
    const all = selectors();
    expect(all.length).toBeGreaterThan(50);
    expect(all.filter((s) => !s.includes(".kanban-widget"))).toEqual([]);
  });

  it("has dark overrides for JupyterLab, VS Code, .dark and prefers-color-scheme", () => {
    for (const hook of ['body[data-jp-theme-light="false"]', 'body[data-vscode-theme-kind="vscode-dark"]', ".dark .kanban-widget", "prefers-color-scheme: dark"]) {
      expect(css).toContain(hook);
    }
  });

  it("styles every status class of status-style.js", () => {
    const all = selectors();
    for (const cls of [...Object.values(STATUS_CLASS), OTHER_STATUS_CLASS]) {
      expect(all.some((s) => s.endsWith(`.${cls}`)), cls).toBe(true);
    }
  });
});
