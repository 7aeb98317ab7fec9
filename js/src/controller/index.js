// The actions of one view, built once per view from the places the state lives: the board
// model (board-model.js), the synced traits (traits.js) and the view's UI state
// (ui/view-state.js). Each action reads them when it runs, so nothing here depends on which
// render created it. Components get the actions through context (ui/context.js).

import { TRAIT } from "../protocol.js";
import { groupBoard, keepUnchangedGroups } from "../state.js";
import { createMoveActions } from "./moves.js";
import { createPanelActions } from "./panels.js";
import { createSelectionActions } from "./selection.js";
import { createKeyboard } from "./keyboard.js";

/**
 * The board as one view groups it (its filters, lanes, archived column), memoized on the
 * shown board and those traits: the view's render and its actions share one computation.
 * A new grouping keeps the last one's lists and columns where they did not change, so a patch
 * that touches one column re-renders only that column's cards (ui/Column.js memoizes lanes).
 */
export function createGrouping(boardModel, readTraits) {
  let last = null;
  return function grouping() {
    const board = boardModel.view;
    const t = readTraits();
    const key = [board, t[TRAIT.SEARCH], t[TRAIT.TENANT], t[TRAIT.ASSIGNEE], t[TRAIT.LANES], t[TRAIT.SHOW_ARCHIVED]];
    if (!last || key.some((v, i) => v !== last.key[i])) {
      const filters = { search: t[TRAIT.SEARCH], tenant: t[TRAIT.TENANT], assignee: t[TRAIT.ASSIGNEE] };
      const value = groupBoard(board, { filters, lanes: t[TRAIT.LANES], showArchived: t[TRAIT.SHOW_ARCHIVED] });
      last = { key, value: keepUnchangedGroups(last && last.value, value) };
    }
    return last.value;
  };
}

/**
 * @param {object} sources
 * @param sources.boardModel the per-model board model (createBoardStore)
 * @param {() => object} sources.readTraits the synced traits now (traits.js `readTraits`)
 * @param {(name: string, value: any, opts?: object) => void} sources.writeTrait
 * @param sources.viewState this view's UI state (createViewState)
 * @returns the actions object handed to the components
 */
export function createController({ boardModel, readTraits, writeTrait, viewState }) {
  const ctx = {
    boardModel,
    readTraits,
    writeTrait,
    view: viewState.get,
    update: viewState.update,
    grouping: createGrouping(boardModel, readTraits),
    selected: () => readTraits()[TRAIT.SELECTED],
    readOnly: () => readTraits()[TRAIT.READ_ONLY],
  };
  const panels = createPanelActions(ctx);
  const selection = createSelectionActions(ctx, panels);
  const moves = createMoveActions(ctx);
  const keyDown = createKeyboard(ctx, { panels, selection, moves });
  return {
    writeTrait,
    showMore: viewState.showMore,
    ...panels,
    ...selection,
    ...moves,
    keyDown,
    grouping: ctx.grouping,
  };
}
