"""js/src/protocol.js mirrors kanban_widget/protocol.py: same request types, limits, actions.

No browser: this reads the JS module's source, so a name added on one side only fails here.
"""

import re
from pathlib import Path

from kanban_widget import protocol

JS = (Path(__file__).resolve().parents[2] / "js" / "src" / "protocol.js").read_text()


def js_object(name: str) -> dict:
    body = re.search(rf"export const {name} = Object\.freeze\(\{{(.*?)\}}\);", JS, re.S).group(1)
    return {k: v.replace("_", "") for k, v in re.findall(r"(\w+):\s*\"?([\w_]+)\"?", body)}


def test_request_types_match():
    assert sorted(js_object("REQUEST").values()) == sorted(protocol.REQUEST_TYPES)


def test_message_types_match():
    assert sorted(js_object("FROM_PYTHON").values()) == sorted(
        [protocol.PATCH, protocol.REPLY, protocol.BEACON])


def test_bulk_actions_match():
    assert sorted(js_object("BULK_ACTION").values()) == sorted(protocol.BULK_ACTIONS)


def test_limits_match():
    limits = {k: int(v) for k, v in js_object("LIMITS").items()}
    assert limits == {"title": protocol.MAX_TITLE, "text": protocol.MAX_TEXT, "id": protocol.MAX_ID,
                      "taskIds": protocol.MAX_BULK}


def test_codes_the_widget_sends_itself_are_known_to_the_page():
    body = re.search(r"export const ERROR_CODES = Object\.freeze\(\[(.*?)\]\);", JS, re.S).group(1)
    codes = set(re.findall(r'"(\w+)"', body))
    # Every code the widget can send (protocol.ERROR_CODES) is one the page knows.
    assert {protocol.BAD_MESSAGE, *protocol.ERROR_CODES.values()} <= codes


def test_every_store_error_has_an_explicit_wire_code():
    """A new store error must be given a code on purpose (its nearest base's, or its own)."""
    from kanban_widget.store import errors

    for name in errors.__all__:
        assert getattr(errors, name) in protocol.ERROR_CODES, name
    assert protocol.error_code(errors.CycleError("x")) == "CycleError"
    assert protocol.error_code(errors.BoardGone("x")) == "BoardGone"

    class Unlisted(errors.ValidationError):
        pass

    assert protocol.error_code(Unlisted("x")) == "ValidationError"
