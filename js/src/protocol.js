// The wire protocol between Python (kanban_widget/widget.py) and this front end.
// Mirrors kanban_widget/protocol.py; docs/protocol.md is the contract. Every message has one
// discriminator, `type`.

/** Messages Python sends with `widget.send` (received as `msg:custom`). */
export const FROM_PYTHON = Object.freeze({
  PATCH: "patch",
  REPLY: "reply",
  BEACON: "beacon",
});

/** Requests this front end sends with `model.send`; each carries a string `id`. */
export const REQUEST = Object.freeze({
  MOVE: "move",
  CREATE: "create",
  UPDATE: "update",
  COMMENT: "comment",
  LINK: "link",
  UNLINK: "unlink",
  BULK: "bulk",
  DETAIL: "detail",
  DISPATCH: "dispatch",
  RESYNC: "resync",
  POLL: "poll",
  GRAPH: "graph",
  MORE: "more",
  IDS: "ids",
});

/** Requests that write to the store (refused locally on a read-only board). */
export const WRITE_REQUESTS = new Set([
  REQUEST.MOVE, REQUEST.CREATE, REQUEST.UPDATE, REQUEST.COMMENT,
  REQUEST.LINK, REQUEST.UNLINK, REQUEST.BULK, REQUEST.DISPATCH,
]);

/** Bulk actions (`bulk.action`). */
export const BULK_ACTION = Object.freeze({
  MOVE: "move", ASSIGN: "assign", PRIORITY: "priority", ARCHIVE: "archive",
});

/** Error codes a reply may carry. `Timeout` and `ReadOnlyBoard` can also be produced locally. */
export const ERROR_CODES = Object.freeze([
  "InvalidTransition", "ValidationError", "TaskNotFound", "BoardNotFound", "CycleError", "TaskRunning",
  "ReadOnlyBoard", "BoardBusy", "BoardGone", "NotAKanbanDatabase", "BadMessage", "KanbanError",
  "Timeout",
]);

/** Synced traits, by who writes them. */
export const TRAIT = Object.freeze({
  BOARD: "_board",
  SEARCH: "search",
  TENANT: "tenant",
  ASSIGNEE: "assignee",
  SHOW_ARCHIVED: "show_archived",
  LANES: "lanes",
  SELECTED: "selected",
  HAS_DISPATCHER: "has_dispatcher",
  READ_ONLY: "read_only",
  ERROR: "error",
  BOARD_SLUG: "board_slug",
  BOARDS: "boards",
  WIP_LIMITS: "wip_limits",
  AGE_BANDS: "age_bands",
});

/** The `assignee` filter value that means "tasks with no assignee". */
export const UNASSIGNED = "(unassigned)";

/** Size limits Python enforces; the UI checks them first to give a quicker message. */
export const LIMITS = Object.freeze({ title: 500, text: 100_000, id: 64, taskIds: 10_000 });

/** `graph` request limits (protocol.MAX_GRAPH_*): roots named, link depth, tasks in a reply. */
export const GRAPH_LIMITS = Object.freeze({ roots: 1_000, depth: 50, nodes: 2_000 });
