"""The bearer token that guards every route: HTTP and WebSocket, the OpenAPI document too.

HTTP requests carry ``Authorization: Bearer <token>``; WebSockets carry ``?token=<token>``
(browsers cannot set headers on a WebSocket; Hermes' dashboard does the same). Tokens are
compared in constant time (:func:`hmac.compare_digest`). A request without the right token
gets 401 with a JSON error; a WebSocket is accepted and at once closed with 1008 (policy
violation), which is what Hermes' front end looks for to stop reconnecting (a refused
handshake would look like a network failure, retried forever).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import UNAUTHORIZED, error_response

#: Shortest token ``kanban-widget api`` accepts from ``--token`` or ``$KANBAN_TOKEN``.
MIN_TOKEN = 16


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def check_token(token: str) -> str:
    """Return ``token`` if it is usable, else raise ValueError saying why."""
    if len(token) < MIN_TOKEN:
        raise ValueError(f"the token is {len(token)} characters; use at least {MIN_TOKEN} "
                         "(or give none, and one is made for you)")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("the token must be printable ASCII without spaces (it travels in an "
                         "HTTP header and a URL)")
    return token


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def _matches(given: str, token: bytes) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token)


class TokenGuard:
    """ASGI middleware: only requests with the token reach the application."""

    def __init__(self, app: ASGIApp, token: str):
        self.app = app
        self.token = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._http_ok(scope):
                return await self.app(scope, receive, send)
            response = error_response(
                401, UNAUTHORIZED, "this API needs its token: send the header "
                "'Authorization: Bearer <token>' (the token `kanban-widget api` printed at "
                "start, or the one it was given)", headers={"WWW-Authenticate": "Bearer"})
            return await response(scope, receive, send)
        if scope["type"] == "websocket":
            if self._ws_ok(scope):
                return await self.app(scope, receive, send)
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": 1008,
                            "reason": "missing or wrong token: add ?token=<token>"})
            return
        await self.app(scope, receive, send)  # lifespan

    def _http_ok(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                return scheme.lower() == "bearer" and _matches(given.strip(), self.token)
        return False

    def _ws_ok(self, scope: Scope) -> bool:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [])
        return len(given) == 1 and _matches(given[0], self.token)
