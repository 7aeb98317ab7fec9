// Cards glide to their new place when the board they sit on changes (time-travel playback):
// the FLIP technique. Each render records where every card is; the next render starts each
// moved card at its old place and animates it home. Off for users who prefer reduced motion.
import { useLayoutEffect, useRef } from "preact/hooks";

const GLIDE_MS = 250;

function reducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Animate the elements matching `selector` under `containerRef` (keyed by `attr`) from
 * where they were at the previous render. */
export function useFlip(containerRef, selector, attr) {
  const last = useRef(new Map());
  useLayoutEffect(() => {
    const box = containerRef.current;
    if (!box) return;
    const now = new Map();
    for (const el of box.querySelectorAll(selector)) {
      const rect = el.getBoundingClientRect();
      now.set(el.getAttribute(attr), rect);
      const before = last.current.get(el.getAttribute(attr));
      if (!before || reducedMotion() || typeof el.animate !== "function") continue;
      const dx = before.left - rect.left;
      const dy = before.top - rect.top;
      if (Math.abs(dx) < 1 && Math.abs(dy) < 1) continue;
      el.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: "none" }],
        { duration: GLIDE_MS, easing: "ease-out" });
    }
    last.current = now;
  });
}
