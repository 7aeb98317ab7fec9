// htm bound to preact: JSX-like templates without a compile step. Text interpolated into these
// templates is always escaped by preact; the only raw HTML is Markdown.js's sanitised output.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
