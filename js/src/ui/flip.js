// Cards glide to their new place when the board they sit on changes (time-travel playback):
// the FLIP technique. Each render records where cards are; the next render starts each moved
// card at its old place and animates it home. Off for users who prefer reduced motion.
//
// Cheap on a big board: places are layout offsets within the container (the container is
// positioned, time-travel.css; scrolling and running glides do not change them), so only the
// cards the caller says may have moved are measured again, and only cards on screen glide (an
// animation nobody sees still costs frames).
import { useLayoutEffect, useRef } from "preact/hooks";

const GLIDE_MS = 250;

function reducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** Whether a viewport rectangle overlaps the window. */
function onScreen(left, top, width, height) {
  const w = typeof innerWidth === "number" ? innerWidth : Infinity;
  const h = typeof innerHeight === "number" ? innerHeight : Infinity;
  return left + width > 0 && top + height > 0 && left < w && top < h;
}

/** `el`'s layout position inside `box` (an ancestor that is positioned), transforms ignored. */
function offsetIn(el, box) {
  let x = 0;
  let y = 0;
  for (let node = el; node && node !== box; node = node.offsetParent) {
    x += node.offsetLeft;
    y += node.offsetTop;
  }
  return { x, y };
}

/**
 * Animate the elements matching `selector` under `containerRef` (keyed by `attr`) from where
 * they were at the previous render. `moved` is the set of keys that may have moved since (the
 * others are not measured), or null to measure them all.
 */
export function useFlip(containerRef, selector, attr, moved = null) {
  const last = useRef({ width: -1, places: new Map() });
  useLayoutEffect(() => {
    const box = containerRef.current;
    if (!box) return;
    const origin = box.getBoundingClientRect();
    // A resized container reflows every card: measure them all, glide none.
    const resized = origin.width !== last.current.width;
    const places = resized ? new Map() : last.current.places;
    const glide = !resized && !reducedMotion();
    const present = new Set();
    // Where the container's content starts on screen: a place plus this is a screen position.
    const shiftX = origin.left + box.clientLeft - box.scrollLeft;
    const shiftY = origin.top + box.clientTop - box.scrollTop;
    for (const el of box.querySelectorAll(selector)) {
      const key = el.getAttribute(attr);
      present.add(key);
      if (!resized && moved && places.has(key) && !moved.has(key)) continue;
      const place = offsetIn(el, box);
      const before = places.get(key);
      places.set(key, place);
      if (!glide || !before || typeof el.animate !== "function") continue;
      const dx = before.x - place.x;
      const dy = before.y - place.y;
      if (Math.abs(dx) < 1 && Math.abs(dy) < 1) continue;
      const [w, h] = [el.offsetWidth, el.offsetHeight];
      if (!onScreen(shiftX + place.x, shiftY + place.y, w, h)
        && !onScreen(shiftX + before.x, shiftY + before.y, w, h)) continue;
      el.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: "none" }],
        { duration: GLIDE_MS, easing: "ease-out" });
    }
    for (const key of places.keys()) if (!present.has(key)) places.delete(key);
    last.current = { width: origin.width, places };
  });
}
