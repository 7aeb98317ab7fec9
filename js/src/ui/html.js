// htm bound to preact: JSX-like templates without a compile step. Text interpolated into these
// templates is always escaped by preact; the only raw HTML is Markdown.js's sanitised output.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

let idCounter = 0;

/** A DOM id unique on the page (for label/datalist wiring; several boards may share a page). */
export function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${Math.random().toString(36).slice(2, 6)}${idCounter}`;
}
