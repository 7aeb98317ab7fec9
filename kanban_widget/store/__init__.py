"""The kanban kernel: a Hermes-compatible SQLite task store. Standard library only."""

from .errors import (
    BoardBusy,
    BoardGone,
    CycleError,
    InvalidTransition,
    KanbanError,
    NotAKanbanDatabase,
    ReadOnlyBoard,
    TaskNotFound,
    TaskRunning,
    ValidationError,
)
from .models import (
    BOARD_COLUMNS,
    EVENT_ALIASES,
    STATUSES,
    BoardSnapshot,
    Comment,
    DispatchResult,
    Event,
    Task,
)
from .paths import default_board_path
from .store import Store

__all__ = [
    "Store", "Task", "Comment", "Event", "DispatchResult", "BoardSnapshot",
    "STATUSES", "BOARD_COLUMNS", "EVENT_ALIASES", "default_board_path",
    "KanbanError", "TaskNotFound", "ValidationError", "CycleError", "InvalidTransition",
    "TaskRunning", "ReadOnlyBoard", "NotAKanbanDatabase", "BoardBusy",
    "BoardGone",
]
