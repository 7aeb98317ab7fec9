// Pure reading of a `bulk` reply (docs/protocol.md): the request as a whole can fail, or succeed
// with one result per card. The store rolls back what did not succeed; the view reports it.

/**
 * @param reply the reply: {ok, result: {results: [{task_id, ok, error?}]}} or {ok: false, error}
 * @returns {{ok: boolean, error: string | null, total: number, okIds: Set<string>,
 *            failures: {task_id: string, error?: string}[]}}
 */
export function bulkOutcome(reply) {
  const results = reply && reply.ok && reply.result && Array.isArray(reply.result.results)
    ? reply.result.results.filter((r) => r && typeof r.task_id === "string")
    : [];
  return {
    ok: Boolean(reply && reply.ok),
    error: reply && !reply.ok ? reply.error || "failed" : null,
    total: results.length,
    // A card missing from `results` counts as not moved: the store puts it back.
    okIds: new Set(results.filter((r) => r.ok).map((r) => r.task_id)),
    failures: results.filter((r) => !r.ok),
  };
}

/** The one-line summary the bulk report starts with, e.g. "Bulk move: 1 of 3 failed". */
export function bulkSummary(action, outcome) {
  if (!outcome.ok) return `Bulk ${action} failed: ${outcome.error}`;
  return outcome.failures.length
    ? `Bulk ${action}: ${outcome.failures.length} of ${outcome.total} failed`
    : `Bulk ${action}: ${outcome.total} done`;
}
