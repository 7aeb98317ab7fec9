import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { html } from "./html.js";
import { Banner } from "./Banner.js";
import { BulkBar } from "./BulkBar.js";
import { Column } from "./Column.js";
import { ConfirmDialog } from "./Dialog.js";
import { Drawer } from "./Drawer.js";
import { GraphView } from "../graph/GraphView.js";
import { Toolbar } from "./Toolbar.js";
import { useViewState } from "./view-state.js";
import { createDragController } from "../drag.js";
import { BULK_ACTION, REQUEST, TRAIT, UNASSIGNED } from "../protocol.js";
import { adjacentStatus, CONFIRM_STATUSES, groupBoard, laneName, serverNow } from "../state.js";
import { dragGroup, idsToMove, selectRange, toggleAll, toggleId } from "../selection.js";
import { bulkOutcome, bulkSummary } from "../bulk.js";
import { trapTab } from "./focus.js";
import { ScrollButtons, useScrollEdges } from "./scroll-edges.js";

const CLOCK_MS = 30_000;
// `focusId` values that are not card ids: focus the open drawer, or the board itself.
const FOCUS_DRAWER = Symbol("drawer");
const FOCUS_BOARD = Symbol("board");

/**
 * One view of the board. `traits` are the synced traits (read in widget.js); `store` is the
 * per-model board store; `root` is this view's root element.
 */
export function App({ store, traits, writeTrait, root }) {
  if (store.loadError) throw store.loadError;
  const board = store.board;
  const [view, update, showMore] = useViewState();
  const [, setClock] = useState(0); // ticks so relative ages and staleness stay current
  const readOnly = traits[TRAIT.READ_ONLY];
  const selected = traits[TRAIT.SELECTED];
  const selectedSet = useMemo(() => new Set(selected), [selected]);

  useEffect(() => {
    const t = setInterval(() => setClock((c) => c + 1), CLOCK_MS);
    return () => clearInterval(t);
  }, []);
  const now = Math.floor(serverNow(board) / 30) * 30;

  const filters = useMemo(
    () => ({ search: traits[TRAIT.SEARCH], tenant: traits[TRAIT.TENANT], assignee: traits[TRAIT.ASSIGNEE] }),
    [traits[TRAIT.SEARCH], traits[TRAIT.TENANT], traits[TRAIT.ASSIGNEE]],
  );
  const lanes = traits[TRAIT.LANES];
  const showArchived = traits[TRAIT.SHOW_ARCHIVED];
  const grouped = useMemo(
    () => groupBoard(board, { overrides: store.overrides, filters, lanes, showArchived }),
    [board, store.overrides, filters, lanes, showArchived],
  );
  const statuses = grouped.columns.map((c) => c.status);

  // Actions are created once; they read the current render's values through `cur`.
  const cur = useRef(null);
  cur.current = { view, grouped, statuses, selected, traits, readOnly, board };
  const actions = useMemo(() => makeActions({ store, cur, update, showMore, writeTrait }), [store]);

  const scroller = useRef(null);
  useScrollEdges(scroller);
  useEffect(() => {
    const drag = createDragController(root, {
      onDrop: (id, status, lane) => {
        const card = store.getCard(id);
        if (!card) return;
        actions.moveCards(id, status);
        // In lanes by assignee, dropping one card into another lane reassigns it. A group keeps
        // its assignees: one drop point cannot say who each of several cards should go to.
        const single = dragGroup(cur.current.selected, id).length === 1;
        if (single && lane !== null && cur.current.traits[TRAIT.LANES] && lane !== laneName(card)) {
          actions.reassign(id, lane === UNASSIGNED ? null : lane);
        }
      },
      group: (id) => dragGroup(cur.current.selected, id),
      enabled: () => !cur.current.readOnly && !cur.current.view.dialog,
      scroller: () => scroller.current,
    });
    return () => drag.dispose();
  }, [root]);

  useEffect(() => {
    if (!view.focusId) return;
    const card = typeof view.focusId === "string"
      ? root.querySelector(`[data-task-id="${cssEscape(view.focusId)}"]`) : null;
    const drawer = view.focusId === FOCUS_BOARD ? null : root.querySelector("[data-drawer]");
    const el = card || drawer || root.querySelector(".kb-app");
    if (el) el.focus({ preventScroll: !el.hasAttribute("data-task-id") });
    update({ focusId: null });
  });

  const gridStyle = {
    gridTemplateColumns: `repeat(${grouped.columns.length}, minmax(13.5rem, 1fr))`,
    gridTemplateRows: `repeat(${grouped.lanes.length + 1}, auto)`,
  };

  return html`<div class=${view.drawerId ? "kb-app kb-drawer-open" : "kb-app"} onKeyDown=${actions.keyDown} tabindex="-1">
    <${Toolbar} traits=${traits} board=${board} actions=${actions} view=${view} />
    <${Banner} error=${traits[TRAIT.ERROR]} notices=${store.notices} onDismiss=${store.dismissNotice} />
    <${BulkBar}
      selected=${selected}
      columns=${statuses}
      assignees=${board.assignees}
      readOnly=${readOnly}
      report=${view.bulkReport}
      actions=${actions}
    />
    ${view.graph && html`<${GraphView} store=${store} traits=${traits} focus=${view.graphFocus} readOnly=${readOnly} actions=${actions} />`}
    <div class="kb-board-wrap" hidden=${Boolean(view.graph)}>
      <div class="kb-board" ref=${scroller}>
        <div class=${lanes ? "kb-grid kb-with-lanes" : "kb-grid"} style=${gridStyle}>
          ${grouped.columns.map((column) => html`<${Column}
            key=${column.status}
            column=${column}
            laneNames=${grouped.lanes}
            lanes=${lanes}
            now=${now}
            selected=${selected}
            selectedSet=${selectedSet}
            readOnly=${readOnly}
            view=${view}
            actions=${actions}
            board=${board}
          />`)}
        </div>
      </div>
      <${ScrollButtons} scroller=${scroller} />
    </div>
    ${view.drawerId && html`<${Drawer}
      key=${view.drawerId}
      taskId=${view.drawerId}
      store=${store}
      board=${board}
      columns=${statuses.includes("archived") ? statuses : [...statuses, "archived"]}
      readOnly=${readOnly}
      now=${now}
      actions=${actions}
    />`}
    ${view.dialog && html`<${ConfirmDialog}
      dialog=${view.dialog}
      onConfirm=${actions.confirmDialog}
      onCancel=${actions.cancelDialog}
    />`}
  </div>`;
}

function cssEscape(s) {
  return typeof CSS !== "undefined" && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, "\\$&");
}

function columnIds(grouped, status) {
  const col = grouped.columns.find((c) => c.status === status);
  if (!col) return [];
  const ids = [];
  for (const list of col.lanes.values()) for (const c of list) ids.push(c.id);
  return ids;
}

/**
 * After a dialog: back to the drawer it came from, else to the card the keyboard move started
 * on, else to the card it was about.
 */
function focusAfterDialog(dialog, view) {
  if (view.drawerId) return FOCUS_DRAWER;
  if (dialog && dialog.focusId) return dialog.focusId;
  return dialog && dialog.taskIds.length === 1 ? dialog.taskIds[0] : FOCUS_BOARD;
}

function summarizeDispatch(result) {
  if (!result || typeof result !== "object") return "Dispatch done.";
  const parts = [];
  for (const [key, value] of Object.entries(result)) {
    if (Array.isArray(value)) parts.push(`${key.replace(/_/g, " ")} ${value.length}`);
    else if (typeof value === "number") parts.push(`${key.replace(/_/g, " ")} ${value}`);
  }
  return `Dispatch${result.dry_run ? " (dry run)" : ""}: ${parts.join(", ") || "nothing to do"}`;
}

function makeActions({ store, cur, update, showMore, writeTrait }) {
  const setSelected = (ids) => writeTrait(TRAIT.SELECTED, ids);
  const setAnchor = (card) => update({ anchors: { ...cur.current.view.anchors, [card.status]: card.id } });

  /**
   * One `bulk` request; the report lists the cards that failed. The bulk bar then selects just
   * those, ready for another try; a group moved by drag or keyboard (`keepSelection`) stays
   * selected, so Shift+→ pressed again moves the same group on.
   */
  async function runBulk(ids, action, value, { keepSelection = false } = {}) {
    update({ bulkReport: null });
    const outcome = bulkOutcome(await store.bulk(ids, action, value));
    update({ bulkReport: { summary: bulkSummary(action, outcome), failures: outcome.failures } });
    if (outcome.ok && !keepSelection) setSelected(outcome.failures.map((f) => f.task_id));
  }

  /** Carry out a move {taskIds, status, keepSelection?}; `extra` is the dialog's result/reason. */
  function doMove({ taskIds, status, keepSelection }, extra = {}) {
    if (taskIds.length === 1) return store.move(taskIds[0], status, extra);
    const [action, value] = status === "archived" ? [BULK_ACTION.ARCHIVE] : [BULK_ACTION.MOVE, status];
    return runBulk(taskIds, action, value, { keepSelection });
  }

  const statusOf = (id) => store.getCard(id)?.status ?? null;

  const actions = {
    writeTrait,
    showMore,
    setCreate: (status) => update({ createIn: status }),
    // The drawer takes the focus (Tab then stays inside it, see keyDown) and gives it back to
    // the card that opened it; a link followed inside the drawer keeps that card as the opener.
    openDrawer: (id) => update({ drawerId: id, focusId: FOCUS_DRAWER }),
    openFromCard: (id) => update({ drawerId: id, drawerOpener: id, focusId: FOCUS_DRAWER }),
    closeDrawer() {
      const { drawerId, drawerOpener } = cur.current.view;
      update({ drawerId: null, drawerOpener: null, focusId: drawerOpener || drawerId });
    },

    /**
     * Move `taskIds` to `status`, asking first for done/blocked/archived (once for them all).
     * `focusId`: the card to focus afterwards (keyboard moves); `keepSelection`: see runBulk.
     */
    requestMove(taskIds, status, { focusId = null, keepSelection = false } = {}) {
      if (cur.current.readOnly || !taskIds.length) return;
      const move = { kind: "move", taskIds, status, focusId, keepSelection };
      if (CONFIRM_STATUSES.has(status)) {
        update({ dialog: move });
        return;
      }
      if (focusId) update({ focusId });
      doMove(move);
    },
    /** Drag or Shift+arrow of card `id`: moves the whole selection when `id` is part of it. */
    moveCards(id, status, { focusId = null } = {}) {
      const { selected } = cur.current;
      const keepSelection = dragGroup(selected, id).length > 1;
      actions.requestMove(idsToMove(selected, id, status, statusOf), status, { focusId, keepSelection });
    },
    confirmDialog(extra) {
      const d = cur.current.view.dialog;
      update({ dialog: null, focusId: focusAfterDialog(d, cur.current.view) });
      if (d) doMove(d, extra);
    },
    cancelDialog() {
      const d = cur.current.view.dialog;
      update({ dialog: null, focusId: focusAfterDialog(d, cur.current.view) });
    },

    cardClick(e, card) {
      if (e.target.closest("input, button, a, select, textarea")) return;
      const { selected, grouped } = cur.current;
      const anchors = cur.current.view.anchors;
      if (e.ctrlKey || e.metaKey) {
        setSelected(toggleId(selected, card.id));
        setAnchor(card);
      } else if (e.shiftKey) {
        const ordered = columnIds(grouped, card.status);
        setSelected(selectRange(selected, ordered, anchors[card.status], card.id));
        if (!anchors[card.status]) setAnchor(card);
      } else {
        actions.openFromCard(card.id);
        setAnchor(card);
      }
    },
    toggleSelect(card, shift) {
      const { selected, grouped, view } = cur.current;
      const anchor = view.anchors[card.status];
      if (shift && anchor) {
        setSelected(selectRange(selected, columnIds(grouped, card.status), anchor, card.id));
      } else {
        setSelected(toggleId(selected, card.id));
        setAnchor(card);
      }
    },
    toggleColumn: (ids) => setSelected(toggleAll(cur.current.selected, ids)),
    clearSelection: () => setSelected([]),
    dismissBulkReport: () => update({ bulkReport: null }),

    bulk(action, value) {
      const ids = cur.current.selected;
      if (!ids.length || cur.current.readOnly) return;
      if (action === BULK_ACTION.ARCHIVE) update({ dialog: { kind: "move", taskIds: ids, status: "archived" } });
      else if (action === BULK_ACTION.MOVE && CONFIRM_STATUSES.has(value)) {
        update({ dialog: { kind: "move", taskIds: ids, status: value } });
      } else runBulk(ids, action, value);
    },

    refresh: () => store.resync(true),
    /** The Graph view on or off; with `id` ("Show in graph"), around that task, selected. */
    showGraph(on, id = null) {
      update({ graph: on, graphFocus: id ? { ids: [id] } : null }); // no id: around the selection
      if (id) setSelected([id]);
    },

    async reassign(id, assignee) {
      const reply = await store.request(REQUEST.UPDATE, { task_id: id, fields: { assignee } });
      if (reply.ok && reply.result && reply.result.card) store.acceptCard(reply.result.card);
      else if (!reply.ok) store.addNotice(`Could not assign ${id} to ${assignee || "nobody"}: ${reply.error}`);
    },

    async create(fields) {
      const reply = await store.request(REQUEST.CREATE, fields);
      if (reply.ok && reply.result && reply.result.card) store.acceptCard(reply.result.card);
      return reply;
    },

    async dispatch() {
      update({ busy: true, dispatchReport: null });
      const reply = await store.request(REQUEST.DISPATCH, {});
      update({
        busy: false,
        dispatchReport: reply.ok
          ? { ok: true, text: summarizeDispatch(reply.result) }
          : { ok: false, text: `Dispatch failed: ${reply.error}` },
      });
    },

    keyDown(e) {
      const { view, statuses, grouped, selected } = cur.current;
      if (e.key === "Tab" && view.drawerId && !view.dialog) {
        // The open drawer keeps the focus (a dialog on top traps it itself).
        const drawer = e.currentTarget.querySelector("[data-drawer]");
        if (drawer) trapTab(e, drawer);
        return;
      }
      if (e.key === "Escape") {
        if (view.dialog) actions.cancelDialog();
        else if (view.drawerId) actions.closeDrawer();
        else if (view.createIn) update({ createIn: null });
        else return;
        e.preventDefault();
        e.stopPropagation();
        return;
      }
      const cardEl = e.target.closest && e.target.closest("[data-task-id]");
      if (!cardEl || e.target !== cardEl) return;
      const id = cardEl.getAttribute("data-task-id");
      const status = cardEl.getAttribute("data-status");
      const moveStep = e.key === "[" ? -1 : e.key === "]" ? 1
        : e.shiftKey && e.key === "ArrowLeft" ? -1 : e.shiftKey && e.key === "ArrowRight" ? 1 : 0;
      if (moveStep) {
        e.preventDefault();
        const target = adjacentStatus(statuses, status, moveStep);
        if (target) actions.moveCards(id, target, { focusId: id });
        return;
      }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const col = cardEl.closest("[data-column]");
        const cards = [...col.querySelectorAll("[data-task-id]")];
        const i = cards.indexOf(cardEl) + (e.key === "ArrowDown" ? 1 : -1);
        if (cards[i]) cards[i].focus();
      } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        e.preventDefault();
        const cols = [...e.currentTarget.querySelectorAll("[data-column]")];
        const col = cardEl.closest("[data-column]");
        const index = [...col.querySelectorAll("[data-task-id]")].indexOf(cardEl);
        const step = e.key === "ArrowRight" ? 1 : -1;
        for (let j = cols.indexOf(col) + step; j >= 0 && j < cols.length; j += step) {
          const cards = cols[j].querySelectorAll("[data-task-id]");
          if (cards.length) {
            cards[Math.min(index, cards.length - 1)].focus();
            break;
          }
        }
      } else if (e.key === "Enter") {
        e.preventDefault();
        actions.openFromCard(id);
      } else if (e.key === " ") {
        e.preventDefault();
        setSelected(toggleId(selected, id));
        setAnchor({ status, id });
      } else if ((e.key === "a" || e.key === "A") && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        setSelected(toggleAll(selected, columnIds(grouped, status)));
      }
    },
  };
  return actions;
}
