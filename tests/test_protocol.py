"""Every message from the page is validated before it can reach the store."""

import pytest

from kanban_widget.protocol import (ECHO, MAX_BULK, MAX_INT, MAX_TITLE, MIN_INT, BadMessage, echo,
                                    parse_request)


def test_a_good_move_is_returned_clean():
    req = parse_request({"type": "move", "id": "r1", "task_id": "t_1", "status": "done",
                         "result": "shipped", "extra": "dropped"})
    assert req == {"type": "move", "id": "r1", "task_id": "t_1", "status": "done",
                   "result": "shipped"}


@pytest.mark.parametrize("message, match", [
    ("move", "must be a JSON object"),
    ([], "must be a JSON object"),
    ({}, "unknown request type None"),
    ({"type": "drop_tables", "id": "r1"}, "unknown request type 'drop_tables'"),
    ({"type": "move", "task_id": "t_1", "status": "done"}, "needs a string 'id'"),
    ({"type": "move", "id": 7, "task_id": "t_1", "status": "done"}, "needs a string 'id'"),
    ({"type": "move", "id": "r", "status": "done"}, "'task_id' is required"),
    ({"type": "move", "id": "r", "task_id": 5, "status": "done"}, "'task_id' must be a string, not 5"),
    ({"type": "move", "id": "r", "task_id": "t", "status": "limbo"}, "unknown status 'limbo'"),
    ({"type": "create", "id": "r", "title": "x" * (MAX_TITLE + 1), "column": "todo"},
     "limit is 500"),
    ({"type": "create", "id": "r", "title": "t", "column": "todo", "priority": "high"},
     "'priority' must be a whole number, not 'high'"),
    ({"type": "create", "id": "r", "title": "t", "column": "todo", "priority": True},
     "wrong type"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {}}, "fields must be some of"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {"status": "done"}},
     "got 'status'"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {"title": 3}}, "'title' must be a string, not 3"),
    ({"type": "bulk", "id": "r", "task_ids": [], "action": "archive"}, "1 to 10000 ids"),
    ({"type": "bulk", "id": "r", "task_ids": ["t"] * (MAX_BULK + 1), "action": "archive"},
     "1 to 10000 ids"),
    ({"type": "bulk", "id": "r", "task_ids": ["t", 3], "action": "archive"}, "non-empty string"),
    ({"type": "bulk", "id": "r", "task_ids": ["t"], "action": "delete"}, "unknown action"),
    ({"type": "bulk", "id": "r", "task_ids": ["t"], "action": "move", "value": "x"},
     "unknown status"),
    ({"type": "bulk", "id": "r", "task_ids": ["t"], "action": "priority", "value": "9"},
     "whole number"),
    ({"type": "comment", "id": "r", "task_id": "t", "body": "x" * 100_001}, "limit is 100000"),
    ({"type": "dispatch", "id": "r", "max_spawn": -1}, "between 0 and 10000"),
])
def test_bad_messages_name_what_is_wrong(message, match):
    with pytest.raises(BadMessage, match=match):
        parse_request(message)


def nested(depth: int, leaf=None, wrap=lambda v: [v]):
    """A value ``depth`` levels deep, built without recursion."""
    for _ in range(depth):
        leaf = wrap(leaf)
    return leaf


def ok(**fields) -> dict:
    return {"id": "r", **fields}


@pytest.mark.parametrize("message, match", [
    pytest.param(ok(type=["move"]), "unknown request type an array", id="type-list"),
    pytest.param(ok(type={"move": 1}), "unknown request type an object", id="type-dict"),
    pytest.param(ok(type=nested(10_000)), "unknown request type an array", id="type-deep"),
    pytest.param(ok(type="create", title="t", column="limbo"), "unknown column 'limbo'",
                 id="create-column"),
    pytest.param(ok(type="create", title="t", column="todo", priority=MAX_INT + 1),
                 "SQLite's 64-bit integer range", id="create-priority-high"),
    pytest.param(ok(type="create", title="t", column="todo", priority=MIN_INT - 1),
                 "SQLite's 64-bit integer range", id="create-priority-low"),
    pytest.param(ok(type="update", task_id="t", fields={"priority": 2 ** 64}),
                 "'priority' is 18446744073709551616", id="update-priority"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="priority", value=MAX_INT + 1),
                 "between", id="bulk-priority"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="priority", value=10 ** 5000),
                 "about 5000 digits", id="bulk-priority-huge"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="priority"), "not null",
                 id="bulk-priority-missing"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="assign", value=7),
                 "bulk assign: value must be a string, not 7", id="bulk-assign-int"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="assign", value="x" * 201),
                 "201 characters; the limit is 200", id="bulk-assign-long"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="assign", value=["x"]),
                 "not an array", id="bulk-assign-list"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="archive", value=nested(10_000)),
                 "not an array", id="bulk-value-deep"),
    pytest.param(ok(type="bulk", task_ids=["t\ud800"], action="archive"), "lone surrogate",
                 id="bulk-id-surrogate"),
    pytest.param(ok(type="create", title="ok \udcff", column="todo"),
                 r"'title' holds a lone surrogate \(U\+DCFF\) at character 3", id="title-surrogate"),
    pytest.param(ok(type="comment", task_id="t", body="\udfff"), "lone surrogate",
                 id="comment-surrogate"),
    pytest.param(ok(type="move", task_id="t", status="done", reason="\ud800x"),
                 "lone surrogate", id="reason-surrogate"),
    pytest.param(ok(type="update", task_id="t", fields={"body": "\ud834"}), "lone surrogate",
                 id="update-surrogate"),
    pytest.param(ok(type="update", task_id="t", fields={"title": nested(10_000)}),
                 "'title' must be a string, not an array", id="fields-deep-list"),
    pytest.param(ok(type="update", task_id="t",
                    fields=nested(10_000, "x", lambda v: {"title": v})),
                 "'title' must be a string, not an object", id="fields-deep-dict"),
    pytest.param({"type": "move", "id": nested(10_000), "task_id": "t", "status": "done"},
                 "needs a string 'id'", id="id-deep"),
    pytest.param({"type": "move", "id": "r\ud800", "task_id": "t", "status": "done"},
                 "needs a string 'id'", id="id-surrogate"),
    pytest.param(ok(type="dispatch", max_spawn=2 ** 70), "max_spawn.*must be between",
                 id="dispatch-huge"),
])
def test_messages_outside_the_protocol_are_named(message, match):
    with pytest.raises(BadMessage, match=match) as caught:
        parse_request(message)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("message", [
    pytest.param({"type": "x" * 100_000, "id": "r"}, id="type"),
    pytest.param(ok(type="move", task_id="t", status="s" * 100_000), id="status"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="a" * 100_000), id="action"),
    pytest.param(ok(type="bulk", task_ids=["t"], action="move", value="v" * 100_000), id="value"),
    pytest.param(ok(type="update", task_id="t", fields={"k" * 100_000: 1}), id="field-name"),
    pytest.param(ok(type="move", id="i" * 100_000, task_id="t", status="done"), id="id"),
])
def test_errors_quote_at_most_a_short_prefix_of_what_they_got(message):
    with pytest.raises(BadMessage) as caught:
        parse_request(message)
    longest_run = max(len(run) for run in "".join(
        c if c in "xsavki" else " " for c in str(caught.value)).split())
    assert longest_run <= ECHO + 2, str(caught.value)[:200]


def test_echo_is_short_and_safe_for_any_value():
    assert echo("x" * 500) == repr("x" * ECHO) + "…"
    assert echo("\x1b]52;c;\x07") == repr("\x1b]52;c;\x07")  # escapes, never raw controls
    assert echo(10 ** 5000).endswith("about 5000 digits")
    assert echo(nested(100_000)) == "an array"
    assert echo(None) == "None" and echo(True) == "True"


def test_priorities_at_sqlites_limits_are_accepted():
    for priority in (MIN_INT, MAX_INT):
        assert parse_request(ok(type="create", title="t", column="todo",
                                priority=priority))["priority"] == priority
        assert parse_request(ok(type="bulk", task_ids=["t"], action="priority",
                                value=priority))["value"] == priority


def test_resync_needs_no_id():
    assert parse_request({"type": "resync"})["type"] == "resync"
