// UI-only state of one view (never synced to Python): the open drawer, the dialog, the inline
// create form, how many cards each column shows, the shift-click anchor, reports.

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

/**
 * The UI state of one view as a small store: `get()`, `update(patch)`, `showMore(key)` and
 * `subscribe(fn)`. It lives outside preact so the view's actions read the state now, where it
 * lives, instead of a copy of the last render.
 */
export function createViewState() {
  let state = initial;
  const listeners = new Set();
  const dispatch = (action) => {
    const next = reducer(state, action);
    if (next === state) return;
    state = next;
    for (const fn of [...listeners]) fn();
  };
  return {
    get: () => state,
    update: (patch) => dispatch({ type: "set", patch }),
    showMore: (key) => dispatch({ type: "more", key }),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export function limitFor(limits, key) {
  return limits[key] || PAGE_SIZE;
}
