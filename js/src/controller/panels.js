// View actions that are neither moves nor selection: the drawer, the inline create form,
// dispatch, refresh, and where the focus goes after a dialog.

import { REQUEST } from "../protocol.js";

// `focusId` values that are not card ids: focus the open drawer, or the board itself.
export const FOCUS_DRAWER = Symbol("drawer");
export const FOCUS_BOARD = Symbol("board");

/**
 * After a dialog: back to the drawer it came from, else to the card the keyboard move started
 * on, else to the card it was about.
 */
export function focusAfterDialog(dialog, view) {
  if (view.drawerId) return FOCUS_DRAWER;
  if (dialog && dialog.focusId) return dialog.focusId;
  return dialog && dialog.taskIds.length === 1 ? dialog.taskIds[0] : FOCUS_BOARD;
}

/** The line the toolbar shows after a dispatch pass. */
export function summarizeDispatch(result) {
  if (!result || typeof result !== "object") return "Dispatch done.";
  const parts = [];
  for (const [key, value] of Object.entries(result)) {
    if (Array.isArray(value)) parts.push(`${key.replace(/_/g, " ")} ${value.length}`);
    else if (typeof value === "number") parts.push(`${key.replace(/_/g, " ")} ${value}`);
  }
  return `Dispatch${result.dry_run ? " (dry run)" : ""}: ${parts.join(", ") || "nothing to do"}`;
}

/** @param ctx the controller's sources (controller/index.js) */
export function createPanelActions({ boardModel, view, update }) {
  return {
    setCreate: (status) => update({ createIn: status }),
    // The drawer takes the focus (Tab then stays inside it, see keyboard.js) and gives it back
    // to the card that opened it; a link followed inside the drawer keeps that card as opener.
    openDrawer: (id) => update({ drawerId: id, focusId: FOCUS_DRAWER }),
    openFromCard: (id) => update({ drawerId: id, drawerOpener: id, focusId: FOCUS_DRAWER }),
    closeDrawer() {
      const { drawerId, drawerOpener } = view();
      update({ drawerId: null, drawerOpener: null, focusId: drawerOpener || drawerId });
    },
    dismissBulkReport: () => update({ bulkReport: null }),
    refresh: () => boardModel.resync(true),

    /** Create a task; the card shows as the reply has it until the patch brings it. */
    create: (fields) => boardModel.write(REQUEST.CREATE, fields),

    async dispatch() {
      update({ busy: true, dispatchReport: null });
      const reply = await boardModel.request(REQUEST.DISPATCH, {});
      update({
        busy: false,
        dispatchReport: reply.ok
          ? { ok: true, text: summarizeDispatch(reply.result) }
          : { ok: false, text: `Dispatch failed: ${reply.error}` },
      });
    },
  };
}
