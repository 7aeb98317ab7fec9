"""The store's errors: one hierarchy under :class:`KanbanError`.

Each message names the thing that is wrong and, where there is one, the next step. The extra
base classes (``LookupError``, ``ValueError``, ``RuntimeError``) let callers who know only the
standard library still catch them sensibly.
"""

from __future__ import annotations


class KanbanError(Exception):
    """Base class of every error the store raises on purpose."""


class TaskNotFound(KanbanError, LookupError):
    """No task with this id on this board."""

    def __init__(self, task_id: str, path: object = None):
        self.task_id = task_id
        where = f" on {path}" if path else ""
        super().__init__(f"no task {task_id!r}{where}; check the id (list them with `kanban-widget list`)")

    def __str__(self) -> str:  # LookupError would otherwise wrap the message in quotes
        return self.args[0]


class BoardNotFound(KanbanError, LookupError, FileNotFoundError):
    """No such board: no board with this slug under the kanban home (the message names the
    boards there), or no file at the path analytics was given."""

    def __str__(self) -> str:  # the bases would otherwise quote it or show errno fields
        return self.args[0]


class ValidationError(KanbanError, ValueError):
    """An argument is malformed: a blank title, an unknown status or parent, a bad priority."""


class CycleError(ValidationError):
    """Linking these tasks would make a task depend on itself, directly or through others."""


class InvalidTransition(KanbanError, ValueError):
    """The task cannot move to that status from where it is (the message says why)."""


class TaskRunning(KanbanError, RuntimeError):
    """The task is claimed by a running worker, so it cannot be reassigned."""


class ReadOnlyBoard(KanbanError):
    """The board was opened read-only (or its file is not writable), so it cannot be changed."""


class NotAKanbanDatabase(KanbanError):
    """The file is not SQLite, or is a SQLite database of another application."""


class BoardGone(KanbanError, FileNotFoundError):
    """The board file was deleted while it was open: nothing is written to a file without a
    name."""

    def __str__(self) -> str:  # FileNotFoundError would otherwise show only errno fields
        return self.args[0]


class BoardBusy(KanbanError):
    """Another process held the board's write lock for longer than the busy timeout."""


__all__ = [
    "KanbanError",
    "TaskNotFound",
    "BoardNotFound",
    "ValidationError",
    "CycleError",
    "InvalidTransition",
    "TaskRunning",
    "ReadOnlyBoard",
    "NotAKanbanDatabase",
    "BoardBusy",
    "BoardGone",
]
