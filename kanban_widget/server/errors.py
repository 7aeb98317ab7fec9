"""The JSON error every failure of the API becomes: ``{"error": code, "message": text,
"detail": text}`` (``detail``: the key Hermes' dashboard, a FastAPI app, answers with).

Codes are the widget's wire codes (:data:`kanban_widget.protocol.ERROR_CODES`) for the store's
errors, so a client handles a refusal the same way whether it came over a comm or HTTP. The
HTTP status follows Hermes' dashboard: a malformed request or a refused value is 400, an
unknown task or board 404, a move or reassignment the board's rules refuse 409.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from .. import protocol
from ..store import errors

#: HTTP status per store error class (the nearest listed base class applies).
STATUS_OF = {
    errors.TaskNotFound: 404,
    errors.BoardNotFound: 404,
    errors.ValidationError: 400,      # CycleError too
    errors.InvalidTransition: 409,
    errors.TaskRunning: 409,
    errors.ReadOnlyBoard: 409,
    errors.BoardBusy: 503,            # try again: another writer held the lock
    errors.BoardGone: 503,
    errors.NotAKanbanDatabase: 503,
    errors.KanbanError: 400,
}

#: Error codes of the API's own (the store's are :data:`kanban_widget.protocol.ERROR_CODES`).
BAD_REQUEST = protocol.BAD_MESSAGE
UNAUTHORIZED = "Unauthorized"
TOO_LARGE = "RequestTooLarge"
NOT_FOUND = "NotFound"
NO_DISPATCHER = "NoDispatcher"
INTERNAL = "InternalError"
TOO_MANY_VIEWS = "TooManyViews"


class ApiError(Exception):
    """A request answered with an error: its HTTP status, code and a message a person can act
    on."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        headers = {"Retry-After": "1"} if self.status == 503 else None
        return error_response(self.status, self.code, self.message, headers=headers)


def error_response(status: int, code: str, message: str, *, headers=None) -> JSONResponse:
    """The JSON error response; ``detail`` repeats the message for Hermes' front end and
    scripts, which read FastAPI's ``{"detail": ...}``."""
    return JSONResponse({"error": code, "message": message, "detail": message},
                        status_code=status, headers=headers)


def too_many_views(limit: int) -> ApiError:
    """503 when a board already has ``limit`` filtered views followed at once (one live
    state each): another view waits until one of them has no follower left."""
    return ApiError(503, TOO_MANY_VIEWS,
                    # short: a WebSocket close reason holds at most 123 bytes
                    f"{limit} filtered views of this board are followed already (the most); "
                    "clear the filters or try again later")


def bad_request(message: str) -> ApiError:
    """A malformed request (400 ``BadMessage``)."""
    return ApiError(400, BAD_REQUEST, message)


def from_store_error(exc: errors.KanbanError) -> ApiError:
    """The API error for a store error: its wire code, and Hermes' status for it."""
    status = next((STATUS_OF[cls] for cls in type(exc).__mro__ if cls in STATUS_OF), 400)
    return ApiError(status, protocol.error_code(exc), str(exc))
