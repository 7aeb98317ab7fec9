import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { Banner } from "./Banner.js";
import { BulkBar } from "./BulkBar.js";
import { Column } from "./Column.js";
import { ConfirmDialog } from "./Dialog.js";
import { Drawer } from "./Drawer.js";
import { GraphView } from "../graph/GraphView.js";
import { Toolbar } from "./Toolbar.js";
import { createViewState } from "./view-state.js";
import { ActionsProvider, BoardModelProvider, FrameProvider } from "./context.js";
import { createDragController } from "../drag.js";
import { createController } from "../controller/index.js";
import { FOCUS_BOARD } from "../controller/panels.js";
import { TRAIT } from "../protocol.js";
import { readAgeBands, readWipLimits, serverNow } from "../state.js";
import { ScrollButtons, useScrollEdges } from "./scroll-edges.js";

const CLOCK_MS = 30_000;

/** Re-render when `source` (anything with `subscribe(fn)` and `get()`) changes; returns `get()`. */
function useSubscribed(source) {
  const [, setTick] = useState(0);
  const value = source.get();
  // A layout effect subscribes as the render commits, before any click can reach the DOM;
  // a change that slipped in between the render and the subscription re-renders at once.
  useLayoutEffect(() => {
    const bump = () => setTick((n) => n + 1);
    if (source.get() !== value) bump();
    return source.subscribe(bump);
  }, [source]);
  return value;
}

/**
 * One view of the board. `traits` are the synced traits of this render and `readTraits` reads
 * them now (widget.js); `store` is the per-model board model; `root` is this view's root.
 */
export function App({ store, traits, readTraits, writeTrait, root }) {
  if (store.loadError) throw store.loadError;
  const [viewState] = useState(createViewState);
  const actions = useMemo(
    () => createController({ boardModel: store, readTraits, writeTrait, viewState }),
    [store],
  );
  const view = useSubscribed(viewState);
  const [, setClock] = useState(0); // ticks so relative ages and staleness stay current
  useEffect(() => {
    const t = setInterval(() => setClock((c) => c + 1), CLOCK_MS);
    return () => clearInterval(t);
  }, []);

  const board = store.view;
  const selected = traits[TRAIT.SELECTED];
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const grouped = actions.grouping();
  const statuses = grouped.columns.map((c) => c.status);
  // Checked once per trait value, so each card's band keeps its identity (Card is memoized).
  const ageBands = useMemo(() => readAgeBands(traits[TRAIT.AGE_BANDS]), [traits[TRAIT.AGE_BANDS]]);
  const wipLimits = useMemo(() => readWipLimits(traits[TRAIT.WIP_LIMITS]), [traits[TRAIT.WIP_LIMITS]]);
  const frame = {
    board, traits, view, selected, selectedSet, grouped, statuses, ageBands, wipLimits, writeTrait,
    readOnly: traits[TRAIT.READ_ONLY],
    lanes: traits[TRAIT.LANES],
    now: Math.floor(serverNow(board) / 30) * 30,
  };

  const scroller = useRef(null);
  useScrollEdges(scroller, grouped.columns.length);
  useEffect(() => {
    const drag = createDragController(root, {
      onDrop: actions.dropCard,
      group: actions.dragGroup,
      enabled: actions.canDrag,
      scroller: () => scroller.current,
    });
    return () => drag.dispose();
  }, [root]);
  useFocusRequests(root, view, viewState.update);

  const gridStyle = {
    gridTemplateColumns: `repeat(${grouped.columns.length}, minmax(13.5rem, 1fr))`,
    gridTemplateRows: `repeat(${grouped.lanes.length + 1}, auto)`,
  };

  return html`<${BoardModelProvider} value=${store}><${ActionsProvider} value=${actions}><${FrameProvider} value=${frame}>
    <div class=${view.drawerId ? "kb-app kb-drawer-open" : "kb-app"} onKeyDown=${actions.keyDown} tabindex="-1">
      <${Toolbar} traits=${traits} board=${board} actions=${actions} view=${view} />
      <${Banner} error=${traits[TRAIT.ERROR]} notices=${store.notices} onDismiss=${store.dismissNotice} />
      <${BulkBar} />
      ${view.graph && html`<${GraphView} store=${store} traits=${traits} focus=${view.graphFocus} readOnly=${frame.readOnly} actions=${actions} />`}
      <div class="kb-board-wrap" hidden=${Boolean(view.graph)}>
        <div class="kb-board" ref=${scroller}>
          <div class=${frame.lanes ? "kb-grid kb-with-lanes" : "kb-grid"} style=${gridStyle}>
            ${grouped.columns.map((column) => html`<${Column} key=${column.status} column=${column} />`)}
          </div>
        </div>
        <${ScrollButtons} scroller=${scroller} />
      </div>
      ${view.drawerId && html`<${Drawer} key=${view.drawerId} taskId=${view.drawerId} />`}
      ${view.dialog && html`<${ConfirmDialog}
        dialog=${view.dialog}
        onConfirm=${actions.confirmDialog}
        onCancel=${actions.cancelDialog}
      />`}
    </div>
  <//><//><//>`;
}

/** After a render that asked for it (`view.focusId`), focus that card, the drawer or the board. */
function useFocusRequests(root, view, update) {
  useEffect(() => {
    if (!view.focusId) return;
    const card = typeof view.focusId === "string"
      ? root.querySelector(`[data-task-id="${cssEscape(view.focusId)}"]`) : null;
    const drawer = view.focusId === FOCUS_BOARD ? null : root.querySelector("[data-drawer]");
    const el = card || drawer || root.querySelector(".kb-app");
    if (el) el.focus({ preventScroll: !el.hasAttribute("data-task-id") });
    update({ focusId: null });
  });
}

function cssEscape(s) {
  return typeof CSS !== "undefined" && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
}
