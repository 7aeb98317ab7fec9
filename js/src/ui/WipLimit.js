import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { useFrame } from "./context.js";
import { TRAIT } from "../protocol.js";
import { nextWipLimits } from "../state.js";

/**
 * The column header's WIP limit control: a small button that opens a number field. Enter
 * stores the limit (empty removes it) through the `wip_limits` trait, which Python writes to
 * the board file; Escape or leaving the field cancels. Not shown on a read-only board.
 */
export function WipLimit({ status, label }) {
  const { wipLimits, writeTrait } = useFrame();
  const [editing, setEditing] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const field = useRef(null);
  useEffect(() => {
    if (editing && field.current) field.current.focus();
  }, [editing]);
  const current = Object.hasOwn(wipLimits, status) ? wipLimits[status] : null;
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
