// Move actions of one view: drag drops, keyboard moves, the bulk bar, the confirm dialog and
// the bulk report. The optimistic display and its rollback are the board model's (pending.js).

import { BULK_ACTION, REQUEST, TRAIT, UNASSIGNED } from "../protocol.js";
import { CONFIRM_STATUSES, laneName } from "../state.js";
import { bulkOutcome, bulkSummary } from "../bulk.js";
import { dragGroup, idsToMove } from "../selection.js";
import { focusAfterDialog } from "./panels.js";

/** @param ctx the controller's sources (controller/index.js) */
export function createMoveActions({ boardModel, readTraits, writeTrait, view, update, selected, readOnly }) {
  const statusOf = (id) => boardModel.getCard(id)?.status ?? null;

  /**
   * One `bulk` request; the report lists the cards that failed. The bulk bar then selects just
   * those, ready for another try; a group moved by drag or keyboard (`keepSelection`) stays
   * selected, so Shift+→ pressed again moves the same group on.
   */
  async function runBulk(ids, action, value, { keepSelection = false } = {}) {
    update({ bulkReport: null });
    const outcome = bulkOutcome(await boardModel.bulk(ids, action, value));
    update({ bulkReport: { summary: bulkSummary(action, outcome), failures: outcome.failures } });
    if (outcome.ok && !keepSelection) writeTrait(TRAIT.SELECTED, outcome.failures.map((f) => f.task_id));
  }

  /** Carry out a move {taskIds, status, keepSelection?}; `extra` is the dialog's result/reason. */
  function doMove({ taskIds, status, keepSelection }, extra = {}) {
    if (taskIds.length === 1) return boardModel.move(taskIds[0], status, extra);
    const [action, value] = status === "archived" ? [BULK_ACTION.ARCHIVE] : [BULK_ACTION.MOVE, status];
    return runBulk(taskIds, action, value, { keepSelection });
  }

  const actions = {
    /**
     * Move `taskIds` to `status`, asking first for done/blocked/archived (once for them all).
     * `focusId`: the card to focus afterwards (keyboard moves); `keepSelection`: see runBulk.
     */
    requestMove(taskIds, status, { focusId = null, keepSelection = false } = {}) {
      if (readOnly() || !taskIds.length) return;
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
      const sel = selected();
      const keepSelection = dragGroup(sel, id).length > 1;
      actions.requestMove(idsToMove(sel, id, status, statusOf), status, { focusId, keepSelection });
    },
    /**
     * A drop of card `id` on column `status`, in `lane` (null without lanes). In lanes by
     * assignee, dropping one card into another lane reassigns it. A group keeps its
     * assignees: one drop point cannot say who each of several cards should go to.
     */
    dropCard(id, status, lane) {
      const card = boardModel.getCard(id);
      if (!card) return;
      actions.moveCards(id, status);
      const single = dragGroup(selected(), id).length === 1;
      if (single && lane !== null && readTraits()[TRAIT.LANES] && lane !== laneName(card)) {
        actions.reassign(id, lane === UNASSIGNED ? null : lane);
      }
    },
    /** Whether a drag may start now (drag.js asks on every press). */
    canDrag: () => !readOnly() && !view().dialog,
    /** The cards a drag of `id` carries. */
    dragGroup: (id) => dragGroup(selected(), id),

    confirmDialog(extra) {
      const d = view().dialog;
      update({ dialog: null, focusId: focusAfterDialog(d, view()) });
      if (d) doMove(d, extra);
    },
    cancelDialog() {
      const d = view().dialog;
      update({ dialog: null, focusId: focusAfterDialog(d, view()) });
    },

    /** The bulk bar: an action over the selection (archive and done/blocked ask first). */
    bulk(action, value) {
      const ids = selected();
      if (!ids.length || readOnly()) return;
      if (action === BULK_ACTION.ARCHIVE) update({ dialog: { kind: "move", taskIds: ids, status: "archived" } });
      else if (action === BULK_ACTION.MOVE && CONFIRM_STATUSES.has(value)) {
        update({ dialog: { kind: "move", taskIds: ids, status: value } });
      } else runBulk(ids, action, value);
    },

    async reassign(id, assignee) {
      const reply = await boardModel.write(REQUEST.UPDATE, { task_id: id, fields: { assignee } });
      if (!reply.ok) boardModel.addNotice(`Could not assign ${id} to ${assignee || "nobody"}: ${reply.error}`);
    },
  };
  return actions;
}
