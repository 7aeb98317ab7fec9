// Markdown for task bodies, results and comments: `marked` parses, DOMPurify keeps only an
// allow-list. The output is the only HTML string this widget ever inserts.

import { Marked } from "marked";
import createDOMPurify from "dompurify";

export const ALLOWED_TAGS = [
  "a", "code", "em", "strong", "h1", "h2", "h3", "h4", "li", "ul", "ol", "p", "pre",
  "blockquote", "br",
];
const SAFE_HREF = /^(?:https?:|mailto:)/i;

const marked = new Marked({ gfm: true, breaks: true, async: false });
let purifier = null;

function getPurifier() {
  if (purifier) return purifier;
  purifier = createDOMPurify(window);
  purifier.addHook("afterSanitizeAttributes", (node) => {
    if (node.nodeName !== "A") return;
    const href = node.getAttribute("href") || "";
    if (!SAFE_HREF.test(href.trim())) {
      node.removeAttribute("href");
      return;
    }
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  });
  return purifier;
}

/** Markdown text → sanitised HTML (only ALLOWED_TAGS; links only http(s)/mailto). */
export function renderMarkdown(text) {
  if (!text) return "";
  let html;
  try {
    html = marked.parse(String(text));
  } catch {
    html = "";
  }
  return getPurifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    KEEP_CONTENT: true,
    RETURN_TRUSTED_TYPE: false,
  });
}
