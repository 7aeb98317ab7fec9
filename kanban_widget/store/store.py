"""``Store``: one kanban board in one SQLite file, in the Hermes ``kanban.db`` format."""

from __future__ import annotations

from .claims import ClaimVerbs
from .core import StoreBase
from .links import LinkVerbs
from .settings import SettingsVerbs
from .snapshot import SnapshotReads
from .tasks import TaskVerbs


class Store(TaskVerbs, LinkVerbs, ClaimVerbs, SnapshotReads, SettingsVerbs, StoreBase):
    """A kanban board stored in a SQLite file that Hermes' own tools can also use.

    Example::

        from kanban_widget import Store
        with Store("kanban.db") as store:
            spec = store.create_task("Write the spec", assignee="alice")
            build = store.create_task("Build it", parents=[spec])   # todo until spec is done
            store.move_task(spec, "done", result="spec.md")          # build becomes ready
            store.board().columns["ready"]

    ``Store(path=None, *, board=None, create=False, read_only=False, busy_timeout=10.0)``:
    with no path the board is found as latest Hermes finds it (``board``, ``$KANBAN_DB``,
    ``$HERMES_KANBAN_BOARD``, ``$HERMES_KANBAN_DB``, the kanban home's ``current`` file, else
    its default board; see :mod:`.paths`). ``board="ops"`` opens one of the kanban home's boards
    (``Store.boards()`` lists them; ``create=True`` makes it, with the ``board.json`` Hermes
    lists it by). A new or empty file gets the schema; an older Hermes board gets its
    missing columns, additively. A file that is not a kanban board raises NotAKanbanDatabase
    and is left untouched; a file that cannot be written opens read-only.

    Every verb is one transaction with its events; a write that cannot get the lock within
    ``busy_timeout`` seconds raises BoardBusy and writes nothing.
    """
