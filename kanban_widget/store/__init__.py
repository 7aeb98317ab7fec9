"""The kanban kernel: a Hermes-compatible SQLite task store. Standard library only."""

from .boards import BoardInfo, list_boards
from .errors import (
    BoardBusy,
    BoardNotFound,
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
    BulkResult,
    Comment,
    DispatchResult,
    Event,
    Task,
    TaskDetail,
)
from .paths import current_board, default_board_path, kanban_root
from .store import Store, create_board

__all__ = [
    "Store", "Task", "TaskDetail", "Comment", "Event", "DispatchResult", "BoardSnapshot", "BulkResult",
    "STATUSES", "BOARD_COLUMNS", "EVENT_ALIASES", "default_board_path",
    "KanbanError", "TaskNotFound", "ValidationError", "CycleError", "InvalidTransition",
    "TaskRunning", "ReadOnlyBoard", "NotAKanbanDatabase", "BoardBusy",
    "BoardGone", "BoardNotFound", "BoardInfo", "list_boards", "create_board", "current_board",
    "kanban_root",
]
