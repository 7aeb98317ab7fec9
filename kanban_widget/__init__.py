"""kanban-widget: a live Kanban board for notebooks over a Hermes-compatible SQLite store.

The public face: :class:`Store` (the board file), :class:`KanbanBoard` (the widget, imported
lazily so the store works without Jupyter installed), the errors, and ``__version__``.
"""

from importlib.metadata import PackageNotFoundError, version

from .store import (
    BoardBusy,
    BoardNotFound,
    CycleError,
    InvalidTransition,
    KanbanError,
    NotAKanbanDatabase,
    ReadOnlyBoard,
    Store,
    TaskNotFound,
    TaskRunning,
    ValidationError,
)

try:
    __version__ = version("kanban-widget")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "KanbanBoard", "Store", "__version__",
    "KanbanError", "TaskNotFound", "ValidationError", "CycleError", "InvalidTransition",
    "TaskRunning", "ReadOnlyBoard", "NotAKanbanDatabase", "BoardBusy", "BoardNotFound",
]


def __getattr__(name):
    # The widget pulls in ipywidgets and its JS bundle; load it only when asked for.
    if name == "KanbanBoard":
        from .widget import KanbanBoard

        return KanbanBoard
    raise AttributeError(f"module 'kanban_widget' has no attribute {name!r}")
