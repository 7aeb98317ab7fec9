import { useMemo } from "preact/hooks";
import { html } from "./html.js";
import { renderMarkdown } from "../markdown.js";

/** Markdown rendered through the allow-list sanitiser (see ../markdown.js). */
export function Markdown({ text, className = "" }) {
  const safe = useMemo(() => renderMarkdown(text), [text]);
  if (!safe) return null;
  return html`<div class=${`kb-md ${className}`} dangerouslySetInnerHTML=${{ __html: safe }} />`;
}
