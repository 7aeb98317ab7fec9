"""``kanban-widget api`` dressed as a Hermes dashboard, for tests/test_remote_hermes.py.

Run as ``python tests/hermes_like_server.py --db FILE api ...`` (the CLI's arguments). The app
is wrapped so that, as on Hermes' dashboard, the routes only kanban-widget serves answer 404
(``/patches``, ``/snapshot``, ``/cards``, ``/columns/...``, HTTP ``GET /events``) and every
refusal is FastAPI's ``{"detail": "..."}``; each request's method and path is appended to the
file ``$HERMES_LIKE_LOG``, so a test can show which routes a client used.
"""

from __future__ import annotations

import json
import os
import sys

from kanban_widget import cli
from kanban_widget.server import run
from kanban_widget.server.app import API_PREFIX

#: Routes of kanban-widget's API that Hermes' dashboard does not have.
NOT_HERMES = ("/patches", "/snapshot", "/cards", "/columns")


def not_hermes(scope: dict) -> bool:
    path = scope["path"][len(API_PREFIX):]
    if scope["type"] == "http" and path == "/events":
        return True  # Hermes has WS /events only
    return any(path == p or path.startswith(p + "/") for p in NOT_HERMES)


def hermes_like(app):
    """``app`` answering as Hermes' dashboard, logging each request."""
    log_path = os.environ["HERMES_LIKE_LOG"]

    async def wrapped(scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await app(scope, receive, send)
        with open(log_path, "a", encoding="utf-8") as log:  # a plain log file, not a board
            log.write(f"{scope.get('method', 'WS')} {scope['path']}\n")
        if not_hermes(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1000})
                return
            return await detail(send, 404, "Not Found")
        if scope["type"] == "websocket":
            return await app(scope, receive, send)
        started: dict = {}
        chunks: list = []

        async def to_detail(message):
            if message["type"] == "http.response.start" and message["status"] >= 400:
                started.update(message)
                return
            if started and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    answer = json.loads(b"".join(chunks) or b"{}")
                    await detail(send, started["status"], answer.get("message", "error"))
                return
            await send(message)

        await app(scope, receive, to_detail)

    return wrapped


async def detail(send, status: int, text: str) -> None:
    body = json.dumps({"detail": text}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    create_app = run.create_app
    run.create_app = lambda *args, **kwargs: hermes_like(create_app(*args, **kwargs))
    sys.argv[0] = "kanban-widget"
    cli.main()
