// A status name is data from the board file, never markup. A Hermes board may carry statuses
// this front end does not know, and a name like "x kb-drawer kb-app" must not be able to add
// classes (and so restyle the board). Classes come only from this table; every unknown status
// shares one neutral class. The raw name may still go into attribute *values* (data-status,
// data-column), where it is inert.

/** Known status → its class (colours in widget.css). Keys match state.js's STATUS_LABELS. */
export const STATUS_CLASS = Object.freeze({
  triage: "kb-st-triage",
  todo: "kb-st-todo",
  scheduled: "kb-st-scheduled",
  ready: "kb-st-ready",
  running: "kb-st-running",
  blocked: "kb-st-blocked",
  review: "kb-st-review",
  done: "kb-st-done",
  archived: "kb-st-archived",
});

/** The class of every status not in the table. */
export const OTHER_STATUS_CLASS = "kb-st-other";

/** The one class that styles `status`: from the table, or the neutral one. */
export function statusClass(status) {
  return Object.hasOwn(STATUS_CLASS, status) ? STATUS_CLASS[status] : OTHER_STATUS_CLASS;
}
