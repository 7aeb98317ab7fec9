"""The vocabulary: every Hermes event kind and what it does to a task, per the reference.

Expected targets come from ``reference/hermes-events.md`` (§1 v0/v1, §3 latest), not from the
module under test. The SQL form of the rule is checked against the Python form on every kind.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from kanban_widget.store import vocabulary as v

# (kind, payload, status before, status after) as the reference gives them.
CASES = [
    ("created", {"status": "triage"}, None, "triage"),
    ("created", {"by": "me", "from_decompose_of": "t_1"}, None, "todo"),   # decompose child
    ("ready", None, "todo", "ready"),
    ("promoted", None, "todo", "ready"),
    ("promoted", {"status": "review"}, "blocked", "review"),
    ("promoted_manual", {"actor": "me", "reason": "go"}, "blocked", "ready"),
    ("claimed", {"lock": "h:1", "expires": 9}, "ready", "running"),
    ("claim_rejected", {"reason": "parent"}, "ready", "todo"),
    ("claim_rejected", {"reason": "parent"}, "todo", None),                # written, no change
    ("dependency_wait", {"reason": "r", "source_status": "review"}, "review", "todo"),
    ("completed", {"result_len": 3}, "running", "done"),
    ("blocked", {"reason": "x"}, "running", "blocked"),
    ("block_loop_detected", {"reason": "x", "recurrences": 2}, "ready", "triage"),
    ("unblocked", None, "blocked", "ready"),
    ("unblocked", {"status": "review", "resume_status": "review"}, "blocked", "review"),
    ("unblocked", {"status": "todo"}, "scheduled", "todo"),
    ("archived", None, "done", "archived"),
    ("reclaimed", {"stale_lock": "h:1"}, "running", "ready"),
    ("reclaimed", {"stale_lock": "h:1", "retry_status": "review"}, "running", "review"),
    ("crashed", {"pid": 1, "claimer": "h:1"}, "running", "ready"),
    ("spawn_failed", {"error": "e"}, "running", "ready"),
    ("spawn_failed", {"error": "e"}, "ready", None),                        # v1: no row matched
    ("spawn_failed", {"error": "e", "retry_status": "review"}, "running", "review"),
    ("protocol_violation", {"pid": 1, "exit_code": 0, "retry_status": "ready"}, "running", "ready"),
    ("rate_limited", {"exit_code": 75, "retry_status": "review"}, "running", "review"),
    ("timed_out", {"elapsed_seconds": 9}, "running", "ready"),
    ("stale", {"retry_status": "ready"}, "running", "ready"),
    ("reconciled", {"reason": "r"}, "running", "ready"),
    ("gave_up", {"failures": 2, "retry_status": "ready"}, "ready", "blocked"),  # rs is not it
    ("spawn_auto_blocked", {"failures": 5, "error": "e"}, "running", "blocked"),
    ("spawn_auto_blocked", {"failures": 5, "error": "e"}, "done", None),
    ("review_requested", {"summary": "s", "reviewer": "b"}, "running", "review"),
    ("changes_requested", {"reason": "r", "status": "todo"}, "review", "todo"),
    ("review_reopened", None, "review", "ready"),
    ("review_reopened", {"status": "todo"}, "review", "todo"),
    ("scheduled", {"reason": "later"}, "ready", "scheduled"),
    ("specified", None, "triage", "todo"),
    ("decomposed", {"child_ids": [], "root_assignee": "a"}, "triage", "todo"),
    ("descendant_invalidated", {"ancestor": "t_1"}, "done", "todo"),
    ("status", {"status": "todo", "reason": "ancestor_reopened"}, "ready", "todo"),
    ("status", {"status": "waiting"}, "ready", "waiting"),                 # unknown statuses kept
]

#: Kinds the reference lists as changing no status (§1, §3.1, §3.2).
NO_CHANGE = ["assigned", "commented", "unlinked", "attached", "attachment_removed",
             "model_override_set", "reasoning_effort_set", "claim_extended",
             "completion_blocked_hallucination", "suspected_hallucinated_references", "edited",
             "workspace_discarded_content", "tip_scratch_workspace", "recipe_instantiated",
             "pr_acceptance", "spawned", "worker_registered", "heartbeat", "reclaim_deferred",
             "terminal_worker_reaped", "respawn_guarded", "skipped_nonspawnable",
             "reprioritized", "priority"]


@pytest.mark.parametrize("kind, payload, before, after", CASES)
def test_each_kind_moves_the_task_as_hermes_does(kind, payload, before, after):
    assert v.event_target(kind, payload, before) == after


@pytest.mark.parametrize("kind", NO_CHANGE)
def test_kinds_that_change_nothing(kind):
    assert kind not in v.STATUS_KINDS
    assert v.event_target(kind, {"status": "done"}, "ready") is None


def test_every_listed_kind_is_known():
    assert {c[0] for c in CASES} | {"linked"} == set(v.STATUS_KINDS)
    assert set(NO_CHANGE) <= set(v.NEUTRAL_KINDS) | {"unlinked"}


def test_linked_is_left_to_the_replay():
    # Its demotion depends on the parent's status at that instant: only a whole-board replay
    # can decide it.
    assert v.STATUS_KINDS["linked"].inferred
    assert v.event_target("linked", {"parent": "a", "child": "b"}, "ready") is None


def test_kinds_per_version():
    assert "ready" in v.kinds_of("v0") and "promoted" not in v.kinds_of("v0")
    assert "spawn_auto_blocked" in v.kinds_of("v1") and "crashed" in v.kinds_of("v1")
    assert {"promoted", "gave_up", "review_requested", "scheduled"} <= set(v.kinds_of("latest"))
    assert "ready" not in v.kinds_of("latest")        # its migration renames it `promoted`


def test_sql_target_agrees_with_the_python_rule():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE task_events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT)")
    rows = [(kind, json.dumps(payload) if payload else None) for kind, payload, *_ in CASES]
    rows += [("status", "not json"), ("created", '{"status": 5}'), ("promoted", "[1, 2]")]
    conn.executemany("INSERT INTO task_events (kind, payload) VALUES (?, ?)", rows)
    got = conn.execute(f"SELECT kind, payload, {v.event_target_sql()} FROM task_events "
                       "ORDER BY id").fetchall()
    for kind, text, target in got:
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = None
        # The SQL leaves ``only_from`` to its caller: compare with the status unknown.
        assert target == v.event_target(kind, payload), (kind, text)


def test_old_names_read_as_new_ones():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE e (kind TEXT)")
    conn.executemany("INSERT INTO e VALUES (?)", [("ready",), ("priority",),
                                                  ("spawn_auto_blocked",), ("claimed",)])
    assert [r[0] for r in conn.execute(f"SELECT {v.KIND_SQL} FROM e")] == [
        "promoted", "reprioritized", "gave_up", "claimed"]


@pytest.mark.parametrize("given, expected", [("Alice", "alice"), (" DeFault ", "default"),
                                             ("bob_2", "bob_2"), ("  ", None), (None, None),
                                             (42, "42")])
def test_assignee_normalisation(given, expected):
    assert v.normalize_assignee(given) == expected


def test_status_order_puts_unknown_statuses_last():
    assert v.status_order({"waiting", "done", "zzz"}) == [*v.STATUSES, "waiting", "zzz"]
    assert v.BOARD_COLUMNS == v.STATUSES[:-1]


def test_card_order_is_one_rule_in_sql_and_python():
    cards = [{"id": "b", "priority": None, "created_at": 5}, {"id": "a", "priority": 0,
                                                              "created_at": 5},
             {"id": "c", "priority": 2, "created_at": 9}, {"id": "d", "priority": 2,
                                                          "created_at": 1}]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tasks (id TEXT, priority INTEGER, created_at INTEGER)")
    conn.executemany("INSERT INTO tasks VALUES (:id, :priority, :created_at)", cards)
    in_sql = [r[0] for r in conn.execute(f"SELECT id FROM tasks ORDER BY {v.card_order_sql()}")]
    assert in_sql == [c["id"] for c in sorted(cards, key=v.card_sort_key)] == ["d", "c", "a", "b"]
