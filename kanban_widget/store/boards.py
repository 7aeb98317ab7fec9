"""Latest Hermes' several boards: listing them and creating one Hermes lists.

A board other than ``default`` is the folder ``<root>/kanban/boards/<slug>/`` with its
``kanban.db`` and a ``board.json`` holding its metadata (``slug, name, description, icon, color,
default_workdir, project_id, created_at, archived``; the file's path is never stored). Hermes
archives a board by moving its folder to ``boards/_archived/<slug>-<time>/``, which no slug can
name, so listing skips it. See :mod:`.paths` for where the root is and which board is current.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

from .errors import ValidationError
from .paths import (DEFAULT_BOARD, board_db_path, board_dir, current_board, kanban_root,
                    listed_board_folders, normalize_slug, read_board_meta)

#: The name Hermes shows for the default board, which has no ``board.json`` of its own.
DEFAULT_NAME = "Default"


@dataclass(frozen=True)
class BoardInfo:
    """One board of a kanban home, as ``Store.boards()`` lists it.

    ``path`` is its ``kanban.db`` (which may not exist yet for a board Hermes created lazily);
    ``current`` is True for the board Hermes' tools treat as current (``current_board``).
    """

    slug: str
    name: str
    path: Path
    current: bool
    description: str = ""
    created_at: Optional[int] = None

    def to_dict(self) -> dict:
        """JSON-ready: ``path`` as a string."""
        return {**asdict(self), "path": str(self.path)}


def _info(slug: str, meta: dict, root: Path, current: str) -> BoardInfo:
    name = meta.get("name")
    created = meta.get("created_at")
    return BoardInfo(
        slug=slug,
        name=name.strip() if isinstance(name, str) and name.strip() else
        (DEFAULT_NAME if slug == DEFAULT_BOARD else slug),
        path=board_db_path(slug, root),
        current=slug == current,
        description=meta.get("description") if isinstance(meta.get("description"), str) else "",
        created_at=created if isinstance(created, int) and not isinstance(created, bool) else None,
    )


def list_boards(root: str | os.PathLike | None = None) -> list[BoardInfo]:
    """The boards latest Hermes lists under ``root`` (default: the kanban home): ``default``
    first, then every ``kanban/boards/<slug>/`` with a ``board.json`` that is not archived,
    by slug.

    Example::

        >>> [(b.slug, b.current) for b in Store.boards()]
        [('default', True), ('ops', False)]
    """
    root = kanban_root() if root is None else Path(root).expanduser().absolute()
    try:
        current = current_board(root)
    except ValidationError:
        current = None  # a malformed $HERMES_KANBAN_BOARD: no board is current; opening says so
    return [_info(DEFAULT_BOARD, {}, root, current)] + [
        _info(slug, meta, root, current) for slug, meta in listed_board_folders(root)]


def add_board(slug: str, make_file: Callable[[Path], None], *, name: Optional[str] = None,
              description: str = "", root: str | os.PathLike | None = None) -> BoardInfo:
    """Create board ``slug`` under ``root`` (default: the kanban home), as Hermes does: its
    folder, a ``board.json`` Hermes lists, and its ``kanban.db``, made by
    ``make_file(path)`` (:func:`.store.create_board` passes one that opens a Store there, which
    writes the schema).

    Idempotent, like Hermes' ``POST /boards``: an existing board keeps its metadata and is
    returned as it is. ``default`` always exists. A malformed slug raises ValidationError.
    """
    slug = normalize_slug(slug)
    root = kanban_root() if root is None else Path(root).expanduser().absolute()
    folder = board_dir(slug, root)
    if slug != DEFAULT_BOARD and read_board_meta(folder) is None:
        folder.mkdir(parents=True, exist_ok=True)
        label = name.strip() if isinstance(name, str) and name.strip() else slug
        _write_json(folder / "board.json", {
            "slug": slug, "name": label, "description": description or "", "icon": "",
            "color": "", "default_workdir": None, "project_id": None,
            "created_at": int(time.time()), "archived": False,
        })
    make_file(board_db_path(slug, root))
    return next(b for b in list_boards(root) if b.slug == slug)


def _write_json(path: Path, data: dict) -> None:
    """Write ``path`` whole or not at all: a reader never sees half a ``board.json``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".board-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
