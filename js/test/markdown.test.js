// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../src/markdown.js";

function dom(html) {
  const d = document.createElement("div");
  d.innerHTML = html;
  return d;
}

describe("markdown sanitising", () => {
  it("renders the allowed subset", () => {
    const out = renderMarkdown("# Title\n\n**bold** *em* `code`\n\n- one\n- two\n\n> quote\n\n```\npre\n```");
    const d = dom(out);
    expect(d.querySelector("h1").textContent).toBe("Title");
    expect(d.querySelector("strong").textContent).toBe("bold");
    expect(d.querySelector("em")).not.toBeNull();
    expect(d.querySelectorAll("li")).toHaveLength(2);
    expect(d.querySelector("blockquote")).not.toBeNull();
    expect(d.querySelector("pre code").textContent).toContain("pre");
  });

  it("makes safe links open in a new tab without an opener", () => {
    const a = dom(renderMarkdown("[x](https://example.org) [m](mailto:a@b.c)")).querySelectorAll("a");
    expect(a).toHaveLength(2);
    expect(a[0].getAttribute("href")).toBe("https://example.org");
    expect(a[0].getAttribute("target")).toBe("_blank");
    expect(a[0].getAttribute("rel")).toBe("noopener noreferrer");
    expect(a[1].getAttribute("href")).toBe("mailto:a@b.c");
  });

  it.each([
    ["<img src=x onerror=\"window.__pwned=1\">"],
    ["<script>window.__pwned=1</script>"],
    ["<svg onload=\"window.__pwned=1\"><circle/></svg>"],
    ["<iframe src=\"javascript:window.__pwned=1\"></iframe>"],
    ["<a href=\"javascript:window.__pwned=1\">x</a>"],
    ["[click](javascript:window.__pwned=1)"],
    ["[click](JaVaScRiPt:alert(1))"],
    ["[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
    ["<p onclick=\"x()\" style=\"color:red\">hi</p>"],
    ["<details open ontoggle=alert(1)>"],
    ["<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>"],
  ])("neutralises %s", (payload) => {
    const out = renderMarkdown(payload);
    const d = dom(out);
    expect(d.querySelector("img, script, svg, iframe, math, details, style")).toBeNull();
    for (const el of d.querySelectorAll("*")) {
      for (const attr of el.attributes) {
        expect(attr.name.startsWith("on")).toBe(false);
        expect(["href", "title", "target", "rel"]).toContain(attr.name);
      }
    }
    for (const a of d.querySelectorAll("a[href]")) {
      expect(a.getAttribute("href")).toMatch(/^(https?:|mailto:)/i);
    }
    expect(out.toLowerCase()).not.toContain("javascript:");
  });

  it("keeps the text of dropped tags", () => {
    expect(dom(renderMarkdown("<h6>small</h6> <table><tr><td>cell</td></tr></table>")).textContent).toContain("cell");
  });

  it("returns nothing for empty text", () => {
    expect(renderMarkdown("")).toBe("");
    expect(renderMarkdown(null)).toBe("");
  });
});
