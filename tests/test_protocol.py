"""Every message from the page is validated before it can reach the store."""

import pytest

from kanban_widget.protocol import MAX_BULK, MAX_TITLE, BadMessage, parse_request


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
    ({"type": "move", "id": "r", "task_id": 5, "status": "done"}, "'task_id' must be str"),
    ({"type": "move", "id": "r", "task_id": "t", "status": "limbo"}, "unknown status 'limbo'"),
    ({"type": "create", "id": "r", "title": "x" * (MAX_TITLE + 1), "column": "todo"},
     "limit is 500"),
    ({"type": "create", "id": "r", "title": "t", "column": "todo", "priority": "high"},
     "'priority' must be int"),
    ({"type": "create", "id": "r", "title": "t", "column": "todo", "priority": True},
     "wrong type"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {}}, "fields must be some of"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {"status": "done"}},
     "got status"),
    ({"type": "update", "id": "r", "task_id": "t", "fields": {"title": 3}}, "'title' must be str"),
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
    ({"type": "dispatch", "id": "r", "max_spawn": -1}, "zero or more"),
])
def test_bad_messages_name_what_is_wrong(message, match):
    with pytest.raises(BadMessage, match=match):
        parse_request(message)


def test_resync_needs_no_id():
    assert parse_request({"type": "resync"})["type"] == "resync"
