"""Latest Hermes' several boards: listing, which one opens, creating one Hermes lists.

Layout and rules from reference/hermes-kanban.md section 1.1: ``<root>/kanban.db`` is the board
``default``; ``<root>/kanban/boards/<slug>/kanban.db`` with ``board.json`` the others;
``<root>/kanban/current`` names the current board; ``boards/_archived/`` holds removed ones.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from kanban_widget.store import (BoardNotFound, KanbanError, Store, ValidationError,
                                 current_board, default_board_path)

ENV_VARS = ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME", "HERMES_KANBAN_BOARD")
META_FIELDS = {"slug", "name", "description", "icon", "color", "default_workdir", "project_id",
               "created_at", "archived"}


@pytest.fixture
def root(kanban_home):
    """A kanban home with no other kanban variable set."""
    return kanban_home


def hermes_made_board(root: Path, slug: str, name: str, **meta) -> Path:
    """A board as latest Hermes leaves it: its folder, board.json and kanban.db."""
    folder = root / "kanban" / "boards" / slug
    folder.mkdir(parents=True)
    (folder / "board.json").write_text(json.dumps({
        "slug": slug, "name": name, "description": "", "icon": "", "color": "",
        "default_workdir": None, "project_id": None, "created_at": 1760000000,
        "archived": False, **meta}))
    with Store(folder / "kanban.db") as store:
        store.create_task(f"task on {slug}")
    return folder / "kanban.db"


def hermes_lists(root: Path) -> list[str]:
    """What a reader following the reference's rules lists: default, then every folder under
    kanban/boards whose name is a valid slug and that has a board.json not marked archived."""
    slugs = ["default"]
    boards = root / "kanban" / "boards"
    for folder in sorted(boards.iterdir()) if boards.is_dir() else []:
        if not re.fullmatch(r"[a-z0-9][a-z0-9\-_]{0,63}", folder.name):
            continue
        meta_file = folder / "board.json"
        if meta_file.is_file() and not json.loads(meta_file.read_text()).get("archived"):
            slugs.append(folder.name)
    return slugs


def titles(path: Path) -> list[str]:
    with Store(path, read_only=True) as store:
        return [t.title for t in store.list_tasks()]


# -- listing -----------------------------------------------------------------------------------

def test_lists_default_and_hermes_boards_but_not_archived_ones(root):
    ops = hermes_made_board(root, "ops", "Operations", description="on call")
    hermes_made_board(root, "research", "Research")
    hermes_made_board(root, "old", "Old", archived=True)
    archived = root / "kanban" / "boards" / "_archived" / "gone-1760000000"
    archived.mkdir(parents=True)
    (archived / "board.json").write_text(json.dumps({"slug": "gone", "name": "Gone"}))
    (root / "kanban" / "boards" / "no-meta").mkdir()  # a stray folder: not a board

    boards = Store.boards()
    assert [b.slug for b in boards] == ["default", "ops", "research"]
    by_slug = {b.slug: b for b in boards}
    assert by_slug["ops"].name == "Operations" and by_slug["ops"].path == ops
    assert by_slug["ops"].description == "on call" and by_slug["ops"].created_at == 1760000000
    assert by_slug["default"].path == root / "kanban.db"
    assert [b.slug for b in boards if b.current] == ["default"]
    assert by_slug["ops"].to_dict()["path"] == str(ops)


def test_a_damaged_board_json_still_lists_the_board_under_its_slug(root):
    hermes_made_board(root, "ops", "Operations")
    (root / "kanban" / "boards" / "ops" / "board.json").write_text("{not json")
    assert [(b.slug, b.name) for b in Store.boards()] == [("default", "Default"), ("ops", "ops")]


def test_boards_of_another_root(root, tmp_path):
    other = tmp_path / "other"
    hermes_made_board(other, "x", "X")
    assert [b.slug for b in Store.boards(other)] == ["default", "x"]
    assert [b.slug for b in Store.boards()] == ["default"]


# -- opening one ---------------------------------------------------------------------------------

def test_store_board_opens_that_boards_file(root):
    ops = hermes_made_board(root, "ops", "Operations")
    with Store(board="ops") as store:
        assert store.path == ops
        assert [t.title for t in store.list_tasks()] == ["task on ops"]
    with Store(board="  OPS ") as store:  # stripped and lower-cased, as Hermes does
        assert store.path == ops
    with Store(board="default") as store:
        assert store.path == root / "kanban.db"


@pytest.mark.parametrize("slug", ["", "-ops", "_archived", "a" * 65, "ops/../x", "o ps", "ö"])
def test_a_bad_slug_is_a_validation_error_saying_the_rule(root, slug):
    with pytest.raises(ValidationError, match="not a valid board name.*a-z, 0-9"):
        Store(board=slug)
    assert not (root / "kanban").exists()


def test_an_unknown_board_names_the_boards_there_are(root):
    hermes_made_board(root, "ops", "Operations")
    with pytest.raises(BoardNotFound) as caught:
        Store(board="nope")
    message = str(caught.value)
    assert "'nope'" in message and "default, ops" in message and "create_board" in message
    assert isinstance(caught.value, KanbanError) and isinstance(caught.value, LookupError)
    assert not (root / "kanban" / "boards" / "nope").exists()


def test_path_and_board_together_are_refused(root, tmp_path):
    with pytest.raises(ValidationError, match="a path or a board, not both"):
        Store(tmp_path / "x.db", board="ops")
    assert not (tmp_path / "x.db").exists()


# -- which board opens with none named -----------------------------------------------------------

def test_resolution_order(root, monkeypatch, tmp_path):
    ops = hermes_made_board(root, "ops", "Operations")
    research = hermes_made_board(root, "research", "Research")
    pinned, ours = tmp_path / "pinned.db", tmp_path / "ours.db"

    assert default_board_path() == root / "kanban.db"                 # nothing: default
    (root / "kanban" / "current").write_text("research\n")
    assert default_board_path() == research                           # the current file
    monkeypatch.setenv("HERMES_KANBAN_DB", str(pinned))
    assert default_board_path() == pinned                             # HERMES_KANBAN_DB pins
    monkeypatch.setenv("HERMES_KANBAN_BOARD", "ops")
    assert default_board_path() == ops                                # HERMES_KANBAN_BOARD
    monkeypatch.setenv("KANBAN_DB", str(ours))
    assert default_board_path() == ours                               # our own pin
    with Store(board="research") as store:                            # explicit board: first
        assert store.path == research
    with Store() as store:
        assert store.path == ours


def test_current_file_naming_a_missing_or_bad_board_falls_back_to_default(root):
    (root / "kanban").mkdir()
    for text in ("gone", "Bad Slug!", ""):
        (root / "kanban" / "current").write_text(text)
        assert default_board_path() == root / "kanban.db"
        assert current_board() == "default"
    hermes_made_board(root, "ops", "Operations")
    (root / "kanban" / "current").write_text(" OPS\n")
    assert current_board() == "ops"
    assert [b.slug for b in Store.boards() if b.current] == ["ops"]


def test_hermes_kanban_board_unknown_or_bad(root, monkeypatch):
    monkeypatch.setenv("HERMES_KANBAN_BOARD", "nope")
    with pytest.raises(BoardNotFound, match="'nope'.*default"):
        Store()
    monkeypatch.setenv("HERMES_KANBAN_BOARD", "not ok")
    with pytest.raises(ValidationError, match=r"\$HERMES_KANBAN_BOARD 'not ok'"):
        Store()
    # listing still works, with no board current
    assert [(b.slug, b.current) for b in Store.boards()] == [("default", False)]


def test_hermes_kanban_board_marks_the_current_board(root, monkeypatch):
    hermes_made_board(root, "ops", "Operations")
    (root / "kanban" / "current").write_text("default")
    monkeypatch.setenv("HERMES_KANBAN_BOARD", "ops")
    assert [b.slug for b in Store.boards() if b.current] == ["ops"]


def test_root_is_hermes_home_only_when_it_holds_a_board(monkeypatch, tmp_path):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    cwd.mkdir()
    (home / ".hermes").mkdir(parents=True)
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: home))
    monkeypatch.chdir(cwd)
    assert [b.path for b in Store.boards()] == [cwd / "kanban.db"]
    hermes_made_board(home / ".hermes", "ops", "Operations")  # a kanban folder, no kanban.db
    assert [b.path for b in Store.boards()][0] == home / ".hermes" / "kanban.db"
    assert Store.resolve_path(None, board="ops") == home / ".hermes/kanban/boards/ops/kanban.db"


# -- creating one ----------------------------------------------------------------------------------

def test_created_board_is_one_hermes_lists(root):
    info = Store.create_board("Sprint-7", name="Sprint 7", description="two weeks")
    assert info.slug == "sprint-7" and info.name == "Sprint 7" and not info.current
    assert hermes_lists(root) == ["default", "sprint-7"]
    folder = root / "kanban" / "boards" / "sprint-7"
    meta = json.loads((folder / "board.json").read_text())
    assert set(meta) == META_FIELDS  # db_path is derived, never stored
    assert meta["slug"] == "sprint-7" and meta["name"] == "Sprint 7"
    assert meta["archived"] is False and isinstance(meta["created_at"], int)
    # its kanban.db exists with the schema, where Hermes looks for it
    conn = sqlite3.connect(folder / "kanban.db")
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert {"tasks", "task_links", "task_comments", "task_events"} <= tables
    assert not list(folder.glob(".board-*"))  # no temporary file left behind


def test_create_is_idempotent_and_keeps_metadata(root):
    Store.create_board("ops", name="Operations")
    again = Store.create_board("ops", name="Something else")
    assert again.name == "Operations"
    assert [b.slug for b in Store.boards()] == ["default", "ops"]


def test_store_create_makes_the_board_and_writes_to_it(root):
    with pytest.raises(BoardNotFound):
        Store(board="new")
    with Store(board="new", create=True) as store:
        store.create_task("first on new")
    assert hermes_lists(root) == ["default", "new"]
    assert titles(root / "kanban" / "boards" / "new" / "kanban.db") == ["first on new"]
    assert not (root / "kanban.db").exists()  # the default board was not touched
    with Store(board="new") as store:
        assert [t.title for t in store.list_tasks()] == ["first on new"]


def test_a_board_folder_with_a_database_but_no_metadata_opens(root):
    # A worker pinned to a board may create its kanban.db before anyone writes board.json.
    folder = root / "kanban" / "boards" / "lazy"
    folder.mkdir(parents=True)
    Store(folder / "kanban.db").close()
    with Store(board="lazy") as store:
        assert store.path == folder / "kanban.db"
    Store.create_board("lazy", name="Lazy")  # adds its board.json: now Hermes lists it
    assert hermes_lists(root) == ["default", "lazy"]
