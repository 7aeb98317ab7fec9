// What components read without props: the board model and the view's actions (both stable
// for the view's life), and the frame (what this render shows). The same pattern as
// anywidget's React bridge (a context carrying the model, read by a `useModel` hook) and
// jupyter-scatter's `use-widget`.

import { createContext } from "preact";
import { useContext } from "preact/hooks";

const BoardModelContext = createContext(null);
const ActionsContext = createContext(null);
const FrameContext = createContext(null);

export const BoardModelProvider = BoardModelContext.Provider;
export const ActionsProvider = ActionsContext.Provider;
export const FrameProvider = FrameContext.Provider;

function need(value, what) {
  if (value === null) throw new Error(`${what} is read outside <App>: render components inside it`);
  return value;
}

/** The per-model board model (board-model.js). */
export function useBoardModel() {
  return need(useContext(BoardModelContext), "the board model");
}

/** The view's actions (controller/index.js); the same object for the view's life. */
export function useActions() {
  return need(useContext(ActionsContext), "the actions");
}

/**
 * This render's frame: {board (as shown), traits, view, selected, selectedSet, readOnly, now,
 * grouped, statuses}. It changes on every render: cards read their data from props (they are
 * memoized), the columns and panels from here.
 */
export function useFrame() {
  return need(useContext(FrameContext), "the frame");
}
