"""The two WebSockets: Hermes' ``/events`` and our ``/patches``.

``WS /events?since=&token=&board=`` speaks Hermes' protocol: messages ``{"events": [...],
"cursor": <last id>}`` with every event after the cursor. Unlike Hermes it polls nothing of
its own: it waits on the board's hub (woken by the shared feed) and reads the new events then.

``WS /patches?token=&board=&search=&tenant=&assignee=&lanes=&include_archived=&session=&rev=``
speaks the widget's, for the board under that view (the page's filters, checked as the page's
traits are; each distinct view is one hub on the server): first the
whole board (``{"type": "board", ...}``, the shape of ``GET /snapshot``) unless the client
says it shows revision ``rev`` of ``session`` and the hub still has every patch after it, then
each patch (``{"type": "patch", "rev": ...}``, docs/protocol.md) as the board changes, and
``{"type": "error", "message": ...}`` when following the board fails ("" when it recovers).

The token was checked before either is reached (:mod:`.auth`). A bad ``?board=`` or view
closes the socket with 4400 or 4404 (the HTTP status plus 4000) and the error's message as
reason; a view beyond the server's cap of views followed at once with 4503 (``TooManyViews``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Optional

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .. import protocol
from . import inputs
from .boards import BoardHandle, BoardSet
from .errors import ApiError
from .live import BoardHub, Subscriber

#: Events per ``/events`` message (Hermes' batch size).
EVENT_BATCH = 200


async def _open(ws: WebSocket) -> Optional[BoardHandle]:
    """The board the socket names, or None after closing it with the reason."""
    boards: BoardSet = ws.app.state.boards
    slug = ws.query_params.get("board")
    try:
        if slug is not None:
            protocol.check_text("board", slug, 64)
        return boards.get(slug)
    except (ApiError, protocol.BadMessage) as exc:
        await _refuse(ws, exc)
        return None


async def _refuse(ws: WebSocket, exc: Exception) -> None:
    """Close the socket with the error's HTTP status plus 4000 and its message as reason."""
    status = exc.status if isinstance(exc, ApiError) else 400
    if ws.client_state == WebSocketState.CONNECTING:
        await ws.accept()  # closed after the handshake, so a browser sees the code and reason
    await ws.close(code=4000 + status, reason=_reason(str(exc)))


def _reason(message: str) -> str:
    """A close reason: at most 123 bytes of UTF-8 (the WebSocket limit)."""
    return message.encode("utf-8")[:120].decode("utf-8", "ignore")


def _int_param(ws: WebSocket, name: str) -> Optional[int]:
    """A whole-number query parameter, None when absent or not one (Hermes reads a bad
    ``since`` as 0)."""
    value = ws.query_params.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None


async def _until_closed(ws: WebSocket) -> None:
    """Return when the client goes away (what it sends is ignored)."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _serve(ws: WebSocket, subscriber: Subscriber, first: list, send, leave) -> None:
    """Send ``first``, then whatever the hub queues, until the client leaves; then
    ``leave()`` (which unsubscribes)."""
    closed = asyncio.ensure_future(_until_closed(ws))
    try:
        for item in first:
            await send(item)
        while True:
            getting = asyncio.ensure_future(subscriber.queue.get())
            done, _ = await asyncio.wait({getting, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                getting.cancel()
                return
            await send(getting.result())
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client went away mid-send
    finally:
        leave()
        closed.cancel()
        if ws.client_state == WebSocketState.CONNECTED:
            try:
                await ws.close()
            except (RuntimeError, OSError):
                pass


async def events_socket(ws: WebSocket) -> None:
    """Hermes' ``WS /events``."""
    handle = await _open(ws)
    if handle is None:
        return
    await ws.accept()
    cursor = _int_param(ws, "since") or 0
    hub = await run_in_threadpool(handle.hub)  # the first one reads the whole board
    subscriber = Subscriber(asyncio.get_running_loop())
    hub.subscribe(subscriber)

    async def send(_item=None) -> None:
        nonlocal cursor
        while True:
            events = await run_in_threadpool(handle.reader.events_since, cursor, EVENT_BATCH)
            if not events:
                return
            cursor = events[-1].id
            await ws.send_text(json.dumps({"events": [e.to_dict() for e in events],
                                           "cursor": cursor}, ensure_ascii=False))
            if len(events) < EVENT_BATCH:
                return

    await _serve(ws, subscriber, [None], send, leave=lambda: hub.unsubscribe(subscriber))


async def patches_socket(ws: WebSocket) -> None:
    """Our ``WS /patches``."""
    handle = await _open(ws)
    if handle is None:
        return
    subscriber = Subscriber(asyncio.get_running_loop())
    try:
        view = inputs.query_view(ws)
        # the first socket of a view reads its windows and counts
        hub, first = await run_in_threadpool(
            lambda: handle.subscribe(view, subscriber, session=ws.query_params.get("session"),
                                     rev=_int_param(ws, "rev")))
    except ApiError as exc:
        await _refuse(ws, exc)
        return

    def leave() -> None:  # the view's hub goes when its last socket does
        handle.unsubscribe(hub, subscriber)

    try:
        await ws.accept()
    except BaseException:  # the client left during the handshake
        leave()
        raise
    if hub.error:
        first.append(("error", hub.error))

    async def send(item: tuple) -> None:
        kind, value = item
        if kind == "patch" and value["rev"] <= subscriber.rev:
            return  # already in the board this client was sent
        if kind == "patch" and value["rev"] != subscriber.rev + 1:
            kind = "board"  # a revision went missing: start this client over
        if kind == "board":
            text = await run_in_threadpool(_board_message, hub, subscriber)
        elif kind == "patch":
            subscriber.rev = value["rev"]
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = json.dumps({"type": "error", "message": value}, ensure_ascii=False)
        await ws.send_text(text)

    await _serve(ws, subscriber, first, send, leave)


def _board_message(hub: BoardHub, subscriber: Subscriber) -> str:
    payload = hub.payload()
    subscriber.rev = payload["rev"]
    return json.dumps({"type": "board", **payload}, ensure_ascii=False)
