"""The board's vocabulary, in one place: statuses, columns, card order, event kinds and what
each kind does to a task's status, and the SQL fragments built from them.

Everything that needs one of these rules imports it from here: the verbs, the snapshot, the
replay engine (``replay.py``) and analytics. The event table follows Hermes' own writers, per
version (``reference/hermes-events.md``): a kind's target status, where its payload names a
different one, and the kinds Hermes writes even when the status did not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

#: Every status the store knows, in board order. Boards may hold others; those are kept as-is.
STATUSES = ("triage", "todo", "scheduled", "ready", "running", "blocked", "review", "done",
            "archived")

#: The columns a board always shows, in order (``archived`` only on request).
BOARD_COLUMNS = STATUSES[:-1]

#: Statuses that satisfy a dependency: a child waits for parents until each is in one of these.
SATISFIED = ("done", "archived")

#: Event kinds renamed by later Hermes versions (its migration rewrites them): every read
#: reports the new name.
#: How the board, the filters and the analytics name "no assignee" (``js/src/protocol.js`` has
#: the same constant, checked by a test).
UNASSIGNED = "(unassigned)"

EVENT_ALIASES = {"ready": "promoted", "priority": "reprioritized", "spawn_auto_blocked": "gave_up"}



def status_order(found) -> list:
    """Known statuses in board order, then any others found on the board, sorted."""
    extra = sorted({s for s in found if s not in STATUSES})
    return list(STATUSES) + extra


#: Hermes versions the event table distinguishes (labels as in ``reference/hermes-kanban.md``).
HERMES_VERSIONS = ("v0", "v1", "latest")

_ALL = HERMES_VERSIONS
_V1_ON = ("v1", "latest")
_LATEST = ("latest",)


@dataclass(frozen=True)
class Kind:
    """What one event kind does to its task's status.

    ``target``: the status the task is in after the event (None: the kind changes nothing).
    ``payload_key``: a payload key that, when it holds a status, names the real target instead
    (Hermes writes it only when the result is not the default). ``only_from``: the statuses
    the change applies from; Hermes writes these kinds even when nothing changed, so from any
    other status the event is a no-op. ``inferred``: the event does not itself record the
    change (it is the replay's inference, and conditions beyond the task apply).
    ``versions``: the Hermes versions that write it.
    """

    name: str
    target: Optional[str]
    payload_key: Optional[str] = None
    only_from: Optional[frozenset] = None
    inferred: bool = False
    versions: tuple = _ALL


_RS = "retry_status"  # review when the run was claimed from review, else ready (absent: ready)

#: Every kind that changes a task's status, by name (old names included).
STATUS_KINDS = {k.name: k for k in (
    # A decompose child's ``created`` has no status: it starts in todo.
    Kind("created", "todo", payload_key="status"),
    Kind("status", None, payload_key="status"),
    Kind("promoted", "ready", payload_key="status", versions=_LATEST),
    Kind("ready", "ready", versions=("v0", "v1")),
    Kind("promoted_manual", "ready", payload_key="status", versions=_LATEST),
    Kind("claimed", "running"),
    # A parent is unfinished: the ready task goes back to todo (written even when not ready).
    Kind("claim_rejected", "todo", only_from=frozenset({"ready"}), versions=_LATEST),
    Kind("dependency_wait", "todo", versions=_LATEST),
    Kind("completed", "done"),
    Kind("blocked", "blocked"),
    Kind("block_loop_detected", "triage", versions=_LATEST),
    Kind("unblocked", "ready", payload_key="status"),
    Kind("archived", "archived"),
    Kind("reclaimed", "ready", payload_key=_RS),
    Kind("crashed", "ready", payload_key=_RS, versions=_V1_ON),
    # v1 writes it even when the task was no longer running.
    Kind("spawn_failed", "ready", payload_key=_RS, only_from=frozenset({"running"})),
    Kind("protocol_violation", "ready", payload_key=_RS, versions=_LATEST),
    Kind("rate_limited", "ready", payload_key=_RS, versions=_LATEST),
    Kind("timed_out", "ready", payload_key=_RS, versions=_LATEST),
    Kind("stale", "ready", payload_key=_RS, versions=_LATEST),
    Kind("reconciled", "ready", versions=_LATEST),
    # Written unconditionally by the circuit breaker; its ``retry_status`` is not the result.
    Kind("gave_up", "blocked", only_from=frozenset({"running", "ready", "review"}),
         versions=_LATEST),
    Kind("spawn_auto_blocked", "blocked", only_from=frozenset({"running", "ready", "review"}),
         versions=("v1",)),
    Kind("review_requested", "review", versions=_LATEST),
    Kind("changes_requested", "ready", payload_key="status", versions=_LATEST),
    Kind("review_reopened", "ready", payload_key="status", versions=_LATEST),
    Kind("scheduled", "scheduled", versions=_LATEST),
    Kind("specified", "todo", versions=_LATEST),
    Kind("decomposed", "todo", versions=_LATEST),
    Kind("descendant_invalidated", "todo", versions=_LATEST),
    # Linking a parent that is not done (archived included) sends a ready child back to todo,
    # with no event of its own; latest promotes it again at once under an archived parent.
    Kind("linked", "todo", only_from=frozenset({"ready"}), inferred=True),
)}

#: Kinds whose ``only_from`` is checked against the replayed status.
CONDITIONAL_KINDS = tuple(k for k, v in STATUS_KINDS.items() if v.only_from)

#: Kinds that never change a status (for documentation and tests; unknown kinds are the same).
NEUTRAL_KINDS = (
    "assigned", "unlinked", "commented", "reprioritized", "priority", "edited", "spawned",
    "worker_registered", "heartbeat", "reclaim_deferred", "terminal_worker_reaped",
    "respawn_guarded", "skipped_nonspawnable", "attached", "attachment_removed",
    "model_override_set", "reasoning_effort_set", "claim_extended",
    "completion_blocked_hallucination", "suspected_hallucinated_references",
    "workspace_discarded_content", "tip_scratch_workspace", "recipe_instantiated",
    "pr_acceptance", "archive_worker_termination",
)


def kinds_of(version: str) -> dict:
    """The status-changing kinds ``version`` of Hermes writes (besides our ``status``)."""
    return {k: v for k, v in STATUS_KINDS.items() if version in v.versions}


def event_target(kind: str, payload: Optional[dict], status: Optional[str] = None
                 ) -> Optional[str]:
    """The status an event of ``kind`` leaves its task in, for a task now in ``status``
    (None: unknown), or None when the event changes nothing. ``linked`` is left to the
    replay, which knows the parent's status."""
    spec = STATUS_KINDS.get(kind)
    if spec is None or spec.inferred:
        return None
    if spec.only_from is not None and status is not None and status not in spec.only_from:
        return None
    if spec.payload_key and isinstance(payload, dict):
        named = payload.get(spec.payload_key)
        if isinstance(named, str) and named:
            return named
    return spec.target


# -- SQL built from the vocabulary ------------------------------------------------------------

def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


SATISFIED_SQL = f"({_quoted(SATISFIED)})"


def open_parent_sql(child: str) -> str:
    """SQL true when the task whose id is the expression ``child`` has a parent that is not
    done (archived counts as done): the "waits for a parent" rule."""
    return (f"EXISTS (SELECT 1 FROM task_links l JOIN tasks p ON p.id = l.parent_id "
            f"WHERE l.child_id = {child} AND p.status NOT IN {SATISFIED_SQL})")


def card_order_sql(alias: str = "") -> str:
    """``ORDER BY`` terms of board order: priority desc (NULL as 0), created_at, id."""
    a = f"{alias}." if alias else ""
    return f"COALESCE({a}priority, 0) DESC, {a}created_at ASC, {a}id ASC"


def card_sort_key(card) -> tuple:
    """Board order for a card dict in Python, the same rule as :func:`card_order_sql`."""
    return (-(card.get("priority") or 0), card["created_at"], card["id"])


#: SQL reporting old event names under their current ones (the column is ``kind``).
KIND_SQL = "CASE kind " + " ".join(
    f"WHEN '{old}' THEN '{new}'" for old, new in EVENT_ALIASES.items()) + " ELSE kind END"

STATUS_KINDS_SQL = f"({_quoted(STATUS_KINDS)})"


def payload_text_sql(key: str, alias: str = "") -> str:
    """SQL for a payload key's text value: NULL when absent, empty, not text, or when the
    payload is not JSON. ``alias`` is the table's alias with its dot (``"e."``) or empty."""
    p = f"{alias}payload"
    return (f"CASE WHEN json_valid({p}) AND json_type({p}, '$.{key}') = 'text' "
            f"THEN NULLIF(json_extract({p}, '$.{key}'), '') END")


def event_target_sql(alias: str = "") -> str:
    """SQL for the status an event's row leads to, as :func:`event_target` decides it
    without the task's status (``only_from`` is left to the caller), NULL for none."""
    a = f"{alias}." if alias else ""
    arms = []
    for name, spec in STATUS_KINDS.items():
        default = f"'{spec.target}'" if spec.target else "NULL"
        value = (f"COALESCE({payload_text_sql(spec.payload_key, a)}, {default})"
                 if spec.payload_key else default)
        arms.append(f"WHEN '{name}' THEN {value}")
    return f"CASE {a}kind {' '.join(arms)} END"


# -- assignees --------------------------------------------------------------------------------

def normalize_assignee(name) -> Optional[str]:
    """An assignee in the form latest Hermes stores and filters by (its profile names): text,
    stripped, lower-cased (any casing of ``default`` is ``default``). Blank or None is None
    (unassigned)."""
    if name is None:
        return None
    text = str(name).strip()
    if not text:
        return None
    return "default" if text.casefold() == "default" else text.lower()
