"""One HTTP call to a ``kanban-widget api`` server, with the token: what :class:`RemoteBoard`
and :class:`RemoteStore` share.

Standard library only (``urllib``), so a notebook that follows a remote board needs nothing
installed beyond ``websockets`` for the live socket.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional


class RemoteError(Exception):
    """The server refused a request: its HTTP ``status``, ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{message} ({code}, HTTP {status})")
        self.status, self.code, self.message = status, code, message


def api_root(url: str) -> str:
    """``url`` without its trailing slash, or ValueError when it is not an http(s) URL."""
    parts = urllib.parse.urlsplit(url.rstrip("/"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL of a kanban-widget API, like "
                         "http://127.0.0.1:9120/api/plugins/kanban")
    return url.rstrip("/")


class ApiTransport:
    """Calls to one API root (``http://host:port/api/plugins/kanban``) with a bearer token,
    on one of the server's boards when ``board`` is given (``?board=``)."""

    def __init__(self, url: str, token: str, *, board: Optional[str] = None,
                 timeout: float = 30.0):
        self.url = api_root(url)
        self.board = board
        self.timeout = timeout
        self._token = token

    def call(self, method: str, path: str, body: Any = None,
             params: Optional[dict] = None) -> dict:
        """One API call; the JSON answer. A refusal raises :class:`RemoteError`; a server
        that cannot be reached, ``urllib.error.URLError`` (an ``OSError``)."""
        query = dict(params or {})
        if self.board is not None:
            query["board"] = self.board
        url = self.url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self._token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read().decode("utf-8"))
                if "error" in error and "message" in error:  # kanban-widget api: its code
                    raise RemoteError(exc.code, error["error"], error["message"]) from None
                # Hermes' dashboard (FastAPI's {"detail": ...}): the code from the status
                raise RemoteError(exc.code, fastapi_code(exc.code),
                                  str(error["detail"])) from None
            except (ValueError, KeyError, TypeError):
                raise RemoteError(exc.code, "HTTPError", str(exc.reason)) from None


def fastapi_code(status: int) -> str:
    """The error code of a FastAPI ``{"detail": ...}`` refusal, from its HTTP status: Hermes
    answers 404 for an unknown task, 409 for a refused transition, 400/422 for bad input."""
    if status == 404:
        return "TaskNotFound"
    if status == 409:
        return "InvalidTransition"
    if status in (401, 403):
        return "Unauthorized"
    return "ValidationError" if 400 <= status < 500 else "HTTPError"


def quoted(task_id: str) -> str:
    """A task id as one path segment."""
    return urllib.parse.quote(task_id, safe="")


def view_query(view: Any) -> dict:
    """The query parameters of a view (a :class:`~kanban_widget.store.windows.View`): its
    filters, lanes and archived column, each only when set (the server's defaults)."""
    query = {name: getattr(view, name) for name in ("search", "tenant", "assignee")
             if getattr(view, name)}
    query.update({name: "true" for name in ("lanes", "include_archived")
                  if getattr(view, name)})
    return query
