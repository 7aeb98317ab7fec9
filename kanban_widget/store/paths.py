"""Which file a board lives in when no path is given: the rules latest Hermes follows.

Latest Hermes keeps several boards under one kanban home (``root``): the board ``default`` in
``<root>/kanban.db`` and every other board in ``<root>/kanban/boards/<slug>/kanban.db``, next to
its ``board.json`` (see :mod:`.boards`). Which board a tool opens, first match wins:

1. an explicit ``board`` (``Store(board="ops")``, ``--board ops``);
2. ``$KANBAN_DB``, our own pin of one file (kept first of the variables, as it always was);
3. ``$HERMES_KANBAN_BOARD``, a board slug (the Hermes dispatcher gives it to its workers);
4. ``$HERMES_KANBAN_DB``, Hermes' pin of one file;
5. the one-line file ``<root>/kanban/current``, if the board it names exists;
6. ``default``.

The root is ``$HERMES_KANBAN_HOME``, else ``~/.hermes`` when it holds a board, else the current
folder (so a user without Hermes gets ``./kanban.db``, as before). Blank variables are ignored.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Optional

from .errors import BoardNotFound, ValidationError

#: Hermes' board slug rule (applied after stripping and lower-casing the input).
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9\-_]{0,63}$")

#: The board every kanban home has; its file is ``<root>/kanban.db``.
DEFAULT_BOARD = "default"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def kanban_root() -> Path:
    """The kanban home: ``$HERMES_KANBAN_HOME``, else ``~/.hermes`` if it holds a board (its
    ``kanban.db`` or a ``kanban`` folder), else the current folder. Absolute."""
    home = _env("HERMES_KANBAN_HOME")
    if home:
        return Path(home).expanduser().absolute()
    hermes = Path.home() / ".hermes"
    if (hermes / "kanban.db").exists() or (hermes / "kanban").is_dir():
        return hermes.absolute()
    return Path.cwd().absolute()


def normalize_slug(slug: object, *, what: str = "board") -> str:
    """``slug`` stripped and lower-cased, as Hermes does, or ValidationError saying the rule."""
    text = slug.strip().lower() if isinstance(slug, str) else None
    if text is None or not SLUG_RE.match(text):
        raise ValidationError(
            f"{what} {slug!r} is not a valid board name: a board slug is 1 to 64 characters of "
            "a-z, 0-9, '-' and '_', starting with a letter or digit (for example 'ops')")
    return text


def board_dir(slug: str, root: Path) -> Path:
    """The folder of board ``slug`` (``root`` itself for the default board)."""
    return root if slug == DEFAULT_BOARD else root / "kanban" / "boards" / slug


def board_db_path(slug: str, root: Path) -> Path:
    """The ``kanban.db`` of board ``slug`` under ``root``."""
    return board_dir(slug, root) / "kanban.db"


def board_exists(slug: str, root: Path) -> bool:
    """True for ``default`` and for a board folder holding a ``board.json`` or a ``kanban.db``
    (a worker pinned to a board may have created its file before anyone wrote its metadata)."""
    if slug == DEFAULT_BOARD:
        return True
    folder = board_dir(slug, root)
    return (folder / "board.json").is_file() or (folder / "kanban.db").is_file()


def _current_file_board(root: Path) -> str:
    """The board named in ``<root>/kanban/current`` if it is valid and exists, else default."""
    try:
        text = (root / "kanban" / "current").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return DEFAULT_BOARD
    if SLUG_RE.match(text.lower()) and board_exists(text.lower(), root):
        return text.lower()
    return DEFAULT_BOARD


def current_board(root: Optional[Path] = None) -> str:
    """The board Hermes' tools treat as current: ``$HERMES_KANBAN_BOARD``, else the ``current``
    file's board if it exists, else ``default``. A malformed variable raises ValidationError."""
    root = kanban_root() if root is None else Path(root)
    pinned = _env("HERMES_KANBAN_BOARD")
    if pinned:
        return normalize_slug(pinned, what="$HERMES_KANBAN_BOARD")
    return _current_file_board(root)


def read_board_meta(folder: Path) -> Optional[dict]:
    """The board's ``board.json`` as a dict; ``{}`` when it is unreadable or not an object
    (the board is still listed, under its slug); None when there is none."""
    meta_file = folder / "board.json"
    if not meta_file.is_file():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def listed_board_folders(root: Path) -> list[tuple[str, dict]]:
    """``(slug, board.json)`` of every board latest Hermes lists under ``root`` besides
    ``default``: the folders of ``kanban/boards/`` with a ``board.json`` not archived, by slug."""
    try:
        folders = sorted((root / "kanban" / "boards").iterdir())
    except OSError:  # no boards folder (yet), or one we may not read
        return []
    listed = []
    for folder in folders:
        # "_archived" (and anything else no slug can name) is not a board.
        if not SLUG_RE.match(folder.name) or folder.name == DEFAULT_BOARD:
            continue
        meta = read_board_meta(folder)
        if meta is not None and meta.get("archived") is not True:
            listed.append((folder.name, meta))
    return listed


def not_found(slug: str, root: Path) -> BoardNotFound:
    """The error for an unknown board: names the boards there are and how to create one."""
    names = ", ".join([DEFAULT_BOARD] + [slug for slug, _ in listed_board_folders(root)])
    return BoardNotFound(
        f"there is no board {slug!r} under {root}; the boards there are: {names}. Pick one of "
        f"those, or create it with Store.create_board({slug!r}) or "
        f"`kanban-widget --board {slug} init`")


def resolve_board_path(board: Optional[str] = None, *, create: bool = False,
                       root: Optional[Path] = None) -> Path:
    """The board file to open, by the order in the module docstring.

    ``board`` (or ``$HERMES_KANBAN_BOARD``) must name an existing board unless ``create``;
    otherwise BoardNotFound names the boards there are. A malformed slug raises
    ValidationError.
    """
    root = kanban_root() if root is None else Path(root)
    if board is not None:
        return _board_file(normalize_slug(board), root, create)
    pinned = _env("KANBAN_DB")
    if pinned:
        return Path(pinned).expanduser().absolute()
    slug = _env("HERMES_KANBAN_BOARD")
    if slug:
        return _board_file(normalize_slug(slug, what="$HERMES_KANBAN_BOARD"), root, create)
    pinned = _env("HERMES_KANBAN_DB")
    if pinned:
        return Path(pinned).expanduser().absolute()
    return board_db_path(_current_file_board(root), root)


def _board_file(slug: str, root: Path, create: bool) -> Path:
    if not create and not board_exists(slug, root):
        raise not_found(slug, root)
    return board_db_path(slug, root)


def slug_of(path: Path, root: Optional[Path] = None) -> Optional[str]:
    """The slug of the board under ``root`` whose file is ``path``, or None for another file."""
    root = kanban_root() if root is None else Path(root)
    path = Path(path).absolute()
    if path == board_db_path(DEFAULT_BOARD, root):
        return DEFAULT_BOARD
    folder = path.parent
    if (path.name == "kanban.db" and folder.parent == root / "kanban" / "boards"
            and SLUG_RE.match(folder.name) and board_exists(folder.name, root)):
        return folder.name
    return None


def default_board_path() -> Path:
    """The board file opened when no path or board is named (the module docstring's order)."""
    return resolve_board_path()
