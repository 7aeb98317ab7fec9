// UI-only state of one view (never synced to Python): the open drawer, the dialog, the inline
// create form, how many cards each column shows, the shift-click anchor, reports.
import { useReducer } from "preact/hooks";

export const PAGE_SIZE = 50;

const initial = {
  drawerId: null,
  drawerOpener: null, // the card that opened the drawer: it gets the focus back on close
  dialog: null, // {kind: "move", taskIds, status, focusId?, keepSelection?} | null
  createIn: null, // status of the column showing the inline create form
  limits: {}, // "status|lane" → cards shown
  anchors: {}, // status → the last card clicked in that column, where shift-click ranges start
  focusId: null, // card to focus after the next render (keyboard moves)
  bulkReport: null, // {summary, failures: [{task_id, error}]}: the last bulk request or group move
  dispatchReport: null, // {ok, text}
  busy: false,
};

function reducer(state, action) {
  switch (action.type) {
    case "set":
      return { ...state, ...action.patch };
    case "more": {
      const key = action.key;
      const cur = state.limits[key] || PAGE_SIZE;
      return { ...state, limits: { ...state.limits, [key]: cur + PAGE_SIZE } };
    }
    default:
      return state;
  }
}

/** [state, update(patch), showMore(key)] */
export function useViewState() {
  const [state, dispatch] = useReducer(reducer, initial);
  const update = (patch) => dispatch({ type: "set", patch });
  const showMore = (key) => dispatch({ type: "more", key });
  return [state, update, showMore];
}

export function limitFor(limits, key) {
  return limits[key] || PAGE_SIZE;
}
