import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

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
});
