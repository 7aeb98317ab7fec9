import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { useFrame } from "./context.js";
import { TRAIT } from "../protocol.js";
import { nextWipLimits } from "../state.js";

/**
 * The column header's WIP limit: with a limit (`wip`, from state.js wipFigure) its "n / limit"
 * figure, a button that opens a number field; without one a small "≤" button that does. Enter
 * stores the limit (empty removes it) through the `wip_limits` trait, which Python writes to
 * the board file; Escape or leaving the field cancels. Read-only: the figure only.
 */
export function WipLimit({ status, label, wip = null, readOnly = false }) {
  const { wipLimits, writeTrait } = useFrame();
  const [editing, setEditing] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const field = useRef(null);
  useEffect(() => {
    if (editing && field.current) field.current.focus();
  }, [editing]);
  const current = Object.hasOwn(wipLimits, status) ? wipLimits[status] : null;
  const figure = wip && html`<span aria-hidden="true">${wip.text}</span><span class="kb-sr-only">${wip.label}</span>`;
  const figureClass = wip && (wip.over ? "kb-count kb-wip kb-wip-over" : "kb-count kb-wip");
  if (wip && readOnly) {
    return html`<span class=${figureClass} data-wip=${wip.over ? "over" : "within"} title=${wip.label}>${figure}</span>`;
  }
  if (wip && !editing) {
    return html`<button
      type="button"
      class=${`${figureClass} kb-wip-edit`}
      data-wip=${wip.over ? "over" : "within"}
      data-wip-edit
      title=${`${wip.label}; click to change the limit`}
      onClick=${() => { setInvalid(false); setEditing(true); }}
    >${figure}</button>`;
  }
  if (!editing) {
    return html`<button
      type="button"
      class="kb-icon-btn kb-wip-edit"
      data-wip-edit
      aria-label=${`Set the WIP limit of ${label}`}
      title=${current === null ? "Set a WIP limit" : `WIP limit ${current}: change it`}
      onClick=${() => { setInvalid(false); setEditing(true); }}
    >≤</button>`;
  }
  const keyDown = (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      const next = nextWipLimits(wipLimits, status, e.currentTarget.value);
      if (next === null) {
        setInvalid(true);
        return;
      }
      writeTrait(TRAIT.WIP_LIMITS, next);
      setEditing(false);
    } else if (e.key === "Escape") {
      e.stopPropagation();
      setEditing(false);
    }
  };
  return html`<input
    ref=${field}
    type="number"
    min="0"
    step="1"
    class="kb-wip-input"
    data-wip-input
    aria-label=${`WIP limit of ${label}: a whole number, empty for none; Enter to set`}
    aria-invalid=${invalid ? "true" : undefined}
    value=${current === null ? "" : String(current)}
    onKeyDown=${keyDown}
    onBlur=${() => setEditing(false)}
  />`;
}
