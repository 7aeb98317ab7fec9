"""The Starlette application: the routes under :data:`API_PREFIX`, the token guard, and the
JSON errors."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import Callable, Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount, WebSocketRoute

from ..store import KanbanError
from .auth import TokenGuard
from .boards import BoardSet
from .errors import INTERNAL, NOT_FOUND, ApiError, error_response, from_store_error
from .routes import ROUTES
from .sockets import events_socket, patches_socket

log = logging.getLogger(__name__)

#: Where Hermes' dashboard mounts its kanban API, and so where this one is.
API_PREFIX = "/api/plugins/kanban"


async def _api_error(_request: Request, exc: ApiError):
    return exc.response()


async def _store_error(_request: Request, exc: KanbanError):
    return from_store_error(exc).response()


async def _http_error(request: Request, exc: HTTPException):
    if exc.status_code == 404:
        return error_response(404, NOT_FOUND, f"no route {request.url.path}; the API is under "
                              f"{API_PREFIX}/ (see {API_PREFIX}/openapi.json)")
    if exc.status_code == 405:
        return error_response(405, "MethodNotAllowed", f"{request.method} is not allowed on "
                              f"{request.url.path}", headers=exc.headers)
    return error_response(exc.status_code, "HTTPError", str(exc.detail))


async def _internal_error(request: Request, exc: Exception):
    log.error("kanban-widget api: %s %s failed", request.method, request.url.path,
              exc_info=exc)
    return error_response(500, INTERNAL, f"the server failed ({type(exc).__name__}); its log "
                          "says more")


def create_app(boards: BoardSet, *, token: str, dispatcher: Optional[Callable] = None,
               user: str = "api") -> Starlette:
    """The API over ``boards``, guarded by ``token``.

    ``dispatcher`` is the spawn function ``POST /dispatch`` passes to
    :meth:`Store.dispatch_once` (without one, only dry runs); ``user`` is the author of tasks
    and comments a request does not name one for. The boards are closed when the app shuts
    down.
    """
    @asynccontextmanager
    async def lifespan(_app):
        yield
        boards.close()

    app = Starlette(
        routes=[Mount(API_PREFIX, routes=[*ROUTES, WebSocketRoute("/events", events_socket),
                                          WebSocketRoute("/patches", patches_socket)])],
        middleware=[Middleware(TokenGuard, token=token)],
        exception_handlers={ApiError: _api_error, KanbanError: _store_error,
                            HTTPException: _http_error, Exception: _internal_error},
        lifespan=lifespan,
    )
    app.state.boards = boards
    app.state.dispatcher = dispatcher
    app.state.user = user
    return app
