"""Which file a board lives in when no path is given (the same rule Hermes follows)."""

from __future__ import annotations

import os
from pathlib import Path


def default_board_path() -> Path:
    """The board to open when none is named.

    ``$KANBAN_DB``, else ``$HERMES_KANBAN_DB``, else ``$HERMES_KANBAN_HOME/kanban.db``, else
    ``~/.hermes/kanban.db`` if it exists, else ``./kanban.db``. Blank variables are ignored.
    """
    for var in ("KANBAN_DB", "HERMES_KANBAN_DB"):
        value = os.environ.get(var, "").strip()
        if value:
            return Path(value).expanduser()
    home = os.environ.get("HERMES_KANBAN_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "kanban.db"
    hermes = Path.home() / ".hermes" / "kanban.db"
    if hermes.exists():
        return hermes
    return Path.cwd() / "kanban.db"
