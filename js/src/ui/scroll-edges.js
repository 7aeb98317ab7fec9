// A board wider than its notebook cell scrolls sideways. So that this is obvious (and not a
// Done column simply cut off), the scroller's parent gets `data-more-left` / `data-more-right`
// while columns lie past that edge; widget.css then shades that edge and shows its arrow button
// (ScrollButtons), which scrolls by one column.
import { useEffect, useLayoutEffect } from "preact/hooks";
import { html } from "./html.js";

/** Whether content of `el` is hidden past its left and right edges. */
export function hiddenEdges(el) {
  const max = el.scrollWidth - el.clientWidth;
  // 1 px of slack: fractional widths leave scrollLeft a hair short of the end.
  return { left: el.scrollLeft > 1, right: el.scrollLeft < max - 1 };
}

function mark(el) {
  const wrap = el.parentElement;
  if (!wrap) return;
  const { left, right } = hiddenEdges(el);
  wrap.toggleAttribute("data-more-left", left);
  wrap.toggleAttribute("data-more-right", right);
}

/**
 * Keep the edge marks of the scroller in `ref` current: on scroll, when the scroller resizes
 * (a ResizeObserver: it reports after layout, so no render forces one) and when `columns` (the
 * number of columns, which sets the content's width) changes. Not on every render: a patch
 * that moves a card must not pay for a layout read.
 */
export function useScrollEdges(ref, columns) {
  const observed = typeof ResizeObserver === "function";
  // Without a ResizeObserver (old hosts), every render, as nothing else would notice a resize.
  useLayoutEffect(() => { if (ref.current) mark(ref.current); }, observed ? [columns] : undefined);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const onScroll = () => mark(el);
    el.addEventListener("scroll", onScroll, { passive: true });
    // The cell can narrow without a render (JupyterLab's file browser opening, say).
    const resize = observed ? new ResizeObserver(onScroll) : null;
    if (resize) resize.observe(el);
    return () => {
      el.removeEventListener("scroll", onScroll);
      if (resize) resize.disconnect();
    };
  }, []);
}

/** Scroll `el` by about one column (`step` -1 or +1); the first column's width is the unit. */
export function scrollByColumn(el, step) {
  const column = el.querySelector("[data-column]");
  const unit = column ? column.getBoundingClientRect().width + 8 : el.clientWidth / 2;
  const still = el.ownerDocument.defaultView.matchMedia("(prefers-reduced-motion: reduce)").matches;
  el.scrollBy({ left: step * unit, behavior: still ? "instant" : "smooth" });
}

/**
 * The arrow buttons at the board's edges, shown by widget.css only while columns lie past
 * that edge. Out of the Tab order: from the keyboard, moving the focus between cards scrolls
 * the board already.
 */
export function ScrollButtons({ scroller }) {
  const go = (step) => scroller.current && scrollByColumn(scroller.current, step);
  return html`
    <button type="button" class="kb-scroll-btn kb-scroll-left" data-scroll-columns="-1" tabindex="-1"
      title="Earlier columns" aria-label="Scroll to earlier columns" onClick=${() => go(-1)}>‹</button>
    <button type="button" class="kb-scroll-btn kb-scroll-right" data-scroll-columns="1" tabindex="-1"
      title="More columns" aria-label="Scroll to more columns" onClick=${() => go(1)}>›</button>`;
}
