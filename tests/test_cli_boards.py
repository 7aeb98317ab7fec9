"""``--board`` and ``boards``: the CLI over latest Hermes' several boards, as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kanban_widget import Store

ROOT = Path(__file__).resolve().parents[1]
ENV_VARS = ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME", "HERMES_KANBAN_BOARD")


@pytest.fixture
def home(tmp_path):
    """A kanban home with a default board holding one task."""
    root = tmp_path / "hermes"
    root.mkdir()
    with Store(root / "kanban.db") as store:
        store.create_task("on default")
    return root


def run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    environ.update(PYTHONPATH=str(ROOT), USER="proc", HERMES_KANBAN_HOME=str(home), **env)
    return subprocess.run([sys.executable, "-m", "kanban_widget.cli", *args], capture_output=True,
                          text=True, env=environ, timeout=60, cwd=home.parent)


def test_board_init_create_list_and_boards(home):
    made = run(home, "--board", "ops", "init")
    assert made.returncode == 0, made.stderr
    ops_db = home / "kanban" / "boards" / "ops" / "kanban.db"
    assert str(ops_db) in made.stdout
    assert json.loads((ops_db.parent / "board.json").read_text())["slug"] == "ops"

    assert run(home, "--board", "ops", "create", "on ops").returncode == 0
    listed = run(home, "--board", "ops", "list", "--json")
    assert [t["title"] for t in json.loads(listed.stdout)] == ["on ops"]
    assert [t["title"] for t in json.loads(run(home, "list", "--json").stdout)] == ["on default"]

    text = run(home, "boards")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("* default") and lines[1].startswith("  ops")
    assert str(ops_db) in lines[1]
    data = json.loads(run(home, "boards", "--json").stdout)
    assert [(b["slug"], b["current"], b["path"]) for b in data] == [
        ("default", True, str(home / "kanban.db")), ("ops", False, str(ops_db))]


def test_hermes_kanban_board_and_current_file_choose_the_board(home):
    assert run(home, "--board", "ops", "init").returncode == 0
    assert run(home, "--board", "ops", "create", "on ops").returncode == 0
    by_env = run(home, "list", "--json", HERMES_KANBAN_BOARD="ops")
    assert [t["title"] for t in json.loads(by_env.stdout)] == ["on ops"]
    (home / "kanban" / "current").write_text("ops\n")
    assert [t["title"] for t in json.loads(run(home, "list", "--json").stdout)] == ["on ops"]
    assert run(home, "boards").stdout.splitlines()[1].startswith("* ops")


def test_unknown_and_bad_boards_are_one_line_errors(home):
    unknown = run(home, "--board", "nope", "list")
    assert unknown.returncode == 1
    assert unknown.stderr.count("\n") == 1
    assert "no board 'nope'" in unknown.stderr and "default" in unknown.stderr
    assert "--board nope init" in unknown.stderr
    bad = run(home, "--board", "Not OK", "list")
    assert bad.returncode == 1 and "not a valid board name" in bad.stderr
    assert not (home / "kanban").exists()  # nothing was created


def test_db_and_board_together_is_a_usage_error(home, tmp_path):
    both = run(home, "--db", str(tmp_path / "x.db"), "--board", "ops", "list")
    assert both.returncode == 2 and "--db and --board" in both.stderr
    assert run(home, "--board", "ops", "boards").returncode == 2
