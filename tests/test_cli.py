"""The ``kanban-widget`` command line: every command, its JSON, its exit codes, its docs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kanban_widget import Store
from kanban_widget.cli import ICONS, cli

ROOT = Path(__file__).resolve().parents[1]
#: Keys of Hermes' CLI task JSON (reference §5.3); ours may add more, never fewer.
HERMES_TASK_KEYS = {
    "id", "title", "body", "assignee", "status", "priority", "tenant", "workspace_kind",
    "workspace_path", "created_by", "created_at", "started_at", "completed_at", "result",
}


@pytest.fixture
def runner():
    """A CliRunner that keeps stderr apart from stdout (click 8.1 needs asking; 8.2+ always)."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


@pytest.fixture
def db(tmp_path):
    """The path of a board file that does not exist yet."""
    return tmp_path / "board.db"


@pytest.fixture
def kw(runner, db, monkeypatch):
    """Run ``kanban-widget --db <db> ARGS...`` in-process; returns the click Result."""
    for var in ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("USER", "tester")

    def run(*args, expect: int | None = 0):
        result = runner.invoke(cli, ["--db", str(db), *map(str, args)], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.stdout, result.stderr)
        return result

    return run


@pytest.fixture
def board(kw, db):
    """An initialised board file; ``board.store()`` opens it (closed after the test)."""
    kw("init")
    opened = []

    class Board:
        path = db

        @staticmethod
        def store() -> Store:
            opened.append(Store(db))
            return opened[-1]

    yield Board
    for store in opened:
        store.close()


def created_id(result) -> str:
    return json.loads(result.stdout)["id"]


def error_line(result) -> str:
    """The single stderr line of a failed command, without the program prefix."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kanban-widget: "), lines[0]
    return lines[0][len("kanban-widget: "):]


# -- init ------------------------------------------------------------------------------------


def test_init_creates_the_board_and_names_it(kw, db):
    result = kw("init")
    assert result.stdout.strip() == f"Initialized kanban board at {db}"
    assert db.exists()
    with Store(db) as store:
        assert store.list_tasks() == []


def test_init_on_an_existing_board_keeps_it(kw, board):
    kw("create", "Keep me")
    result = kw("init")
    assert result.stdout.startswith("Opened existing kanban board at")
    assert [t.title for t in board.store().list_tasks()] == ["Keep me"]


def test_init_refuses_a_file_that_is_not_a_board(kw, db):
    db.write_text("not a database\n")
    result = kw("init", expect=1)
    assert "not a SQLite file" in error_line(result)
    assert db.read_text() == "not a database\n"


def test_board_defaults_to_kanban_db_from_the_environment(runner, tmp_path, monkeypatch):
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("KANBAN_DB", str(target))
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0
    assert str(target) in result.stdout
    assert target.exists()


# -- create ----------------------------------------------------------------------------------


def test_create_prints_the_id_and_status(kw, board):
    result = kw("create", "Write the spec")
    match = re.fullmatch(r"Created (t_[0-9a-f]{8}) \(ready\)\n", result.stdout)
    assert match, result.stdout
    assert board.store().get_task(match.group(1)).title == "Write the spec"


def test_create_json_has_hermes_task_keys_and_every_field(kw, board):
    parent = created_id(kw("create", "Parent", "--json"))
    other = created_id(kw("create", "Other parent", "--json"))
    result = kw("create", "Child", "--body", "**md**", "--assignee", "alice", "--tenant", "acme",
                "--priority", "3", "--parent", parent, "--parent", other, "--json")
    task = json.loads(result.stdout)
    assert HERMES_TASK_KEYS <= set(task)
    assert (task["title"], task["body"], task["assignee"], task["tenant"], task["priority"]) == (
        "Child", "**md**", "alice", "acme", 3)
    assert task["status"] == "todo"  # its parents are not done
    assert task["created_by"] == "tester"  # from $USER
    assert sorted(board.store().parents_of(task["id"])) == sorted([parent, other])


def test_create_triage(kw, board):
    task = json.loads(kw("create", "An idea", "--triage", "--json").stdout)
    assert task["status"] == "triage"


@pytest.mark.parametrize("args, message", [
    (["   "], "title is required"),
    (["Orphan", "--parent", "t_00000000"], "unknown parent task(s): t_00000000"),
])
def test_create_refusals_are_one_line_and_exit_1(kw, board, args, message):
    result = kw("create", *args, expect=1)
    assert message in error_line(result)
    assert result.stdout == ""
    assert board.store().list_tasks() == []


# -- list ------------------------------------------------------------------------------------


def test_list_prints_hermes_lines_highest_priority_first(kw, board):
    low = created_id(kw("create", "Low", "--assignee", "bob", "--json"))
    high = created_id(kw("create", "High", "--priority", "5", "--tenant", "acme", "--json"))
    lines = kw("list").stdout.splitlines()
    assert lines == [
        f"▶ {high}  ready     {'-':<20} [acme]  High",
        f"▶ {low}  ready     {'bob':<20}  Low",
    ]


def test_list_icons_cover_every_status(kw, board):
    store = board.store()
    ids = {status: store.create_task(f"In {status}") for status in ICONS}
    for status, task_id in ids.items():
        store.move_task(task_id, status)  # every task starts ready, so every move is allowed
    out = kw("list", "--archived").stdout
    for status, task_id in ids.items():
        assert f"{ICONS[status]} {task_id}  {status:<8}" in out


def test_list_filters(kw, board):
    store = board.store()
    a = store.create_task("A", assignee="alice", tenant="acme")
    b = store.create_task("B", assignee="bob", tenant="globex")
    c = store.create_task("C", assignee="alice", tenant="globex")
    store.move_task(c, "archived")
    store.move_task(b, "blocked", reason="waiting")

    def ids(*args):
        return {t["id"] for t in json.loads(kw("list", "--json", *args).stdout)}

    assert ids() == {a, b}
    assert ids("--archived") == {a, b, c}
    assert ids("--status", "blocked") == {b}
    assert ids("--status", "archived") == {c}
    assert ids("--assignee", "alice") == {a}
    assert ids("--tenant", "globex") == {b}
    assert ids("--tenant", "globex", "--archived") == {b, c}


def test_list_json_is_a_list_of_tasks(kw, board):
    kw("create", "One")
    tasks = json.loads(kw("list", "--json").stdout)
    assert len(tasks) == 1 and HERMES_TASK_KEYS <= set(tasks[0])


def test_list_of_nothing(kw, board):
    assert kw("list").stdout == "(no matching tasks)\n"
    assert json.loads(kw("list", "--json").stdout) == []


def test_list_never_writes(kw, board, db):
    """Hermes' list promotes tasks first (a write); ours leaves the board exactly as it was."""
    store = board.store()
    parent = store.create_task("Parent")
    child = store.create_task("Child", parents=[parent])
    store.close()
    with sqlite3.connect(db) as raw:  # parent done behind the store's back: child stays todo
        raw.execute("UPDATE tasks SET status = 'done' WHERE id = ?", (parent,))
    raw.close()
    before = dump(db)
    result = kw("list")
    assert f"◻ {child}  todo" in result.stdout
    assert "kanban-widget: board" not in result.stderr  # reads do not announce a write
    assert dump(db) == before


def test_reads_need_an_existing_board_and_create_none(kw, db):
    for args in (["list"], ["show", "t_00000000"]):
        result = kw(*args, expect=1)
        assert "kanban-widget init" in error_line(result)
    assert not db.exists()


def test_list_rejects_an_unknown_status_as_usage(kw, board):
    result = kw("list", "--status", "doing", expect=2)
    assert "doing" in result.stderr


# -- show ------------------------------------------------------------------------------------


def test_show_json_has_task_links_comments_and_events(kw, board):
    parent = created_id(kw("create", "Parent", "--json"))
    task = created_id(kw("create", "Task", "--parent", parent, "--json"))
    child = created_id(kw("create", "Child", "--parent", task, "--json"))
    kw("comment", task, "first", "look", "--author", "carol")
    shown = json.loads(kw("show", task, "--json").stdout)
    assert set(shown) == {"task", "parents", "children", "comments", "events"}
    assert shown["task"]["id"] == task and HERMES_TASK_KEYS <= set(shown["task"])
    assert (shown["parents"], shown["children"]) == ([parent], [child])
    assert [(c["author"], c["body"]) for c in shown["comments"]] == [("carol", "first look")]
    assert [e["kind"] for e in shown["events"]] == ["created", "commented"]
    assert shown["events"][0]["payload"]["parents"] == [parent]
    assert {"kind", "payload", "created_at"} <= set(shown["events"][0])


def test_show_text(kw, board):
    parent = created_id(kw("create", "Parent", "--json"))
    task = created_id(kw("create", "Task", "--body", "line one\nline two", "--assignee", "alice",
                         "--tenant", "acme", "--parent", parent, "--json"))
    kw("comment", task, "hello")
    out = kw("show", task).stdout
    assert out.startswith(f"{task}  Task\n")
    for fragment in ("status:    todo", "assignee:  alice", "tenant:    acme", "Parents:",
                     f"▶ {parent}  ready     Parent", "Body:",
                     "  line two", "Comments (1):", "tester (", "): hello", "Events (2):",
                     "created", "commented"):
        assert fragment in out, fragment


def test_show_unknown_task(kw, board):
    result = kw("show", "t_deadbeef", expect=1)
    assert "no task 't_deadbeef'" in error_line(result)


# -- move ------------------------------------------------------------------------------------


def test_move_done_with_result_promotes_children(kw, board):
    parent = created_id(kw("create", "Parent", "--json"))
    child = created_id(kw("create", "Child", "--parent", parent, "--json"))
    result = kw("move", parent, "done", "--result", "spec.md")
    assert result.stdout == f"Moved {parent} from ready to done\n"
    store = board.store()
    assert store.get_task(parent).result == "spec.md"
    assert store.get_task(child).status == "ready"


def test_move_blocked_records_the_reason(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    moved = json.loads(kw("move", task, "blocked", "--reason", "needs keys", "--json").stdout)
    assert moved["status"] == "blocked"
    events = board.store().list_events(task)
    assert (events[-1].kind, events[-1].payload) == ("blocked", {"reason": "needs keys"})


def test_move_to_the_same_status_is_a_no_op(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    assert kw("move", task, "ready").stdout == f"{task} is already ready\n"


def test_move_ready_under_an_open_parent_names_it(kw, board):
    parent = created_id(kw("create", "The parent", "--json"))
    child = created_id(kw("create", "Child", "--parent", parent, "--json"))
    kw("move", child, "triage")
    message = error_line(kw("move", child, "ready", expect=1))
    assert parent in message and "The parent" in message
    assert board.store().get_task(child).status == "triage"


def test_move_to_an_unknown_status_is_a_usage_error(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    result = kw("move", task, "doing", expect=2)
    assert "Usage:" in result.stderr


# -- bulk ------------------------------------------------------------------------------------


def test_bulk_moves_every_task_in_one_command(kw, board, db):
    parent = created_id(kw("create", "Parent", "--json"))
    child = created_id(kw("create", "Child", "--parent", parent, "--json"))
    other = created_id(kw("create", "Other", "--json"))
    result = kw("bulk", parent, other, "--to", "done")
    assert [line.split()[:3] for line in result.stdout.splitlines()] == [
        [ICONS["done"], parent, "done"], [ICONS["done"], other, "done"]]
    assert result.stderr == f"kanban-widget: board {db}\n"
    assert board.store().get_task(child).status == "ready"


def test_bulk_lists_refusals_changes_the_rest_and_exits_1(kw, board):
    parent = created_id(kw("create", "The parent", "--json"))
    child = created_id(kw("create", "Child", "--parent", parent, "--json"))
    kw("move", child, "triage")
    free = created_id(kw("create", "Free", "--json"))
    kw("move", free, "triage")
    result = kw("bulk", child, free, "t_missing", "--to", "ready", expect=1)
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"✗ {child}  refused: ") and "The parent" in lines[0]
    assert lines[1].split()[:3] == [ICONS["ready"], free, "ready"]
    assert lines[2].startswith("✗ t_missing  refused: ")
    assert error_line(result).startswith("2 of 3 tasks refused and left as they were")
    store = board.store()
    assert (store.get_task(child).status, store.get_task(free).status) == ("triage", "ready")


def test_bulk_json_gives_each_result_with_the_task(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    result = kw("bulk", task, "t_missing", "--priority", "5", "--assignee", "Ann", "--json",
                expect=1)
    done, missing = json.loads(result.stdout)
    assert (done["task_id"], done["ok"], done["task"]["priority"], done["task"]["assignee"]) == (
        task, True, 5, "ann")
    assert HERMES_TASK_KEYS <= set(done["task"]) and "error" not in done
    assert (missing["task_id"], missing["ok"], missing["task"]) == ("t_missing", False, None)
    assert "t_missing" in missing["error"]


def test_bulk_unassigns_with_an_empty_name_and_archives(kw, board):
    task = created_id(kw("create", "Task", "--assignee", "ann", "--json"))
    kw("bulk", task, "--assignee", "")
    assert board.store().get_task(task).assignee is None
    kw("bulk", task, "--archive")
    assert board.store().get_task(task).status == "archived"


@pytest.mark.parametrize("args, message", [
    ([], "say what to change"),
    (["--to", "done", "--archive"], "give one of them"),
    (["--to", "doing"], "'doing' is not one of"),
    (["--priority", "high"], "'high' is not a valid integer"),
])
def test_bulk_usage_errors_change_nothing(kw, board, args, message):
    task = created_id(kw("create", "Task", "--json"))
    before = dump(board.path)
    result = kw("bulk", task, *args, expect=2)
    assert message in result.stderr and "Usage:" in result.stderr
    assert dump(board.path) == before


def test_bulk_needs_at_least_one_id(kw, board):
    assert "Missing argument 'ID...'" in kw("bulk", "--to", "done", expect=2).stderr


# -- comment ---------------------------------------------------------------------------------


def test_comment_joins_words_and_defaults_the_author_to_user(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    result = kw("comment", task, "looks", "good", "to", "me")
    assert result.stdout.startswith(f"Commented on {task} as tester")
    out = json.loads(kw("comment", task, "ok", "--author", "dana", "--json").stdout)
    assert out["task_id"] == task and out["author"] == "dana" and isinstance(out["id"], int)
    assert [(c.author, c.body) for c in board.store().list_comments(task)] == [
        ("tester", "looks good to me"), ("dana", "ok")]


def test_comment_on_an_unknown_task(kw, board):
    assert "no task" in error_line(kw("comment", "t_00000001", "hi", expect=1))


def test_comment_needs_text(kw, board):
    task = created_id(kw("create", "Task", "--json"))
    kw("comment", task, expect=2)


# -- link / unlink ---------------------------------------------------------------------------


def test_link_demotes_a_ready_child_and_unlink_restores_it(kw, board):
    parent = created_id(kw("create", "Parent", "--json"))
    child = created_id(kw("create", "Child", "--json"))
    assert kw("link", parent, child).stdout == f"Linked {parent} -> {child} ({child} is todo)\n"
    assert kw("link", parent, child).stdout == f"{parent} -> {child} was already linked\n"
    assert kw("unlink", parent, child).stdout == (
        f"Unlinked {parent} -> {child} ({child} is ready)\n")
    assert board.store().parents_of(child) == []


@pytest.mark.parametrize("case, message", [
    ("self", "cannot depend on itself"),
    ("cycle", "would create a cycle"),
    ("unknown", "unknown task(s): t_00000000"),
])
def test_link_refusals(kw, board, case, message):
    a = created_id(kw("create", "A", "--json"))
    b = created_id(kw("create", "B", "--parent", a, "--json"))
    args = {"self": (a, a), "cycle": (b, a), "unknown": ("t_00000000", a)}[case]
    assert message in error_line(kw("link", *args, expect=1))


def test_link_and_unlink_json(kw, board):
    a = created_id(kw("create", "A", "--json"))
    b = created_id(kw("create", "B", "--json"))
    assert json.loads(kw("link", a, b, "--json").stdout) == {
        "parent": a, "child": b, "linked": True, "child_status": "todo"}
    assert json.loads(kw("link", a, b, "--json").stdout)["linked"] is False
    assert json.loads(kw("unlink", a, b, "--json").stdout) == {
        "parent": a, "child": b, "unlinked": True, "child_status": "ready"}


def test_unlink_of_a_missing_link_fails(kw, board):
    a = created_id(kw("create", "A", "--json"))
    b = created_id(kw("create", "B", "--json"))
    assert error_line(kw("unlink", a, b, expect=1)) == f"no link {a} -> {b}"


# -- demo ------------------------------------------------------------------------------------


def test_demo_writes_a_board_and_refuses_to_overwrite(kw, tmp_path):
    target = tmp_path / "demo.db"
    result = kw("demo", target, "--tasks", "40", "--seed", "3")
    assert "Wrote a demo board of 40 tasks" in result.stdout and str(target) in result.stdout
    progress = result.stderr.splitlines()
    assert progress[-1] == "kanban-widget: wrote 40/40 demo tasks" and len(progress) >= 5
    with Store(target, read_only=True) as store:
        assert len(store.list_tasks(include_archived=True)) == 40
    result = kw("demo", target, "--tasks", "10", expect=1)
    assert "--force" in error_line(result)
    kw("demo", target, "--tasks", "10", "--force")
    with Store(target, read_only=True) as store:
        assert len(store.list_tasks(include_archived=True)) == 10


def test_demo_defaults_to_the_db_board(kw, db):
    kw("demo", "--tasks", "5")
    with Store(db, read_only=True) as store:
        assert len(store.list_tasks(include_archived=True)) == 5


def test_demo_never_replaces_the_hermes_board(kw, tmp_path, monkeypatch):
    hermes_board = tmp_path / "hermes" / "kanban.db"
    hermes_board.parent.mkdir()
    with Store(hermes_board) as store:
        store.create_task("Real work")
    monkeypatch.setenv("HERMES_KANBAN_DB", str(hermes_board))
    result = kw("demo", hermes_board, "--force", expect=1)
    assert "where Hermes keeps its board" in error_line(result)
    with Store(hermes_board, read_only=True) as store:
        assert [t.title for t in store.list_tasks()] == ["Real work"]


def test_demo_rejects_a_bad_size(kw, tmp_path):
    kw("demo", tmp_path / "x.db", "--tasks", "0", expect=2)


# -- errors, usage, stderr -------------------------------------------------------------------


def test_write_commands_say_which_board_they_changed(kw, board, db):
    result = kw("create", "Task")
    assert result.stderr == f"kanban-widget: board {db}\n"


@pytest.mark.parametrize("args", [
    ["show", "t_00000000"], ["move", "t_00000000", "done"], ["comment", "t_00000000", "x"],
    ["link", "t_00000000", "t_00000001"], ["create", "x", "--parent", "t_00000000"],
])
def test_store_errors_are_one_line_and_exit_1(kw, board, args):
    result = kw(*args, expect=1)
    error_line(result)
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("args", [
    ["nonsense"], ["create"], ["move", "t_x"], ["create", "x", "--priority", "high"],
    ["list", "--bogus"], ["--db"],
])
def test_usage_errors_exit_2(kw, board, args):
    result = kw(*args, expect=2)
    assert result.stderr


def test_a_locked_board_is_reported_as_busy(runner, board, db):
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(cli, ["--db", str(db), "--busy-timeout", "0.1", "create", "x"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "locked" in error_line(result)


def test_commands_added_later_get_the_same_error_reporting(kw, board, monkeypatch):
    import click

    class LaunchFailed(RuntimeError):
        pass

    @click.command("boom")
    def boom():
        raise LaunchFailed("port 8888 is busy\ntry another")

    monkeypatch.setitem(cli.commands, "boom", boom)
    monkeypatch.setattr(cli, "one_line_errors", cli.one_line_errors + (LaunchFailed,))
    assert error_line(kw("boom", expect=1)) == "port 8888 is busy try another"


# -- the real program ------------------------------------------------------------------------


def run_program(*args, db: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "USER": "proc"}
    for var in ("KANBAN_DB", "HERMES_KANBAN_DB", "HERMES_KANBAN_HOME"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "kanban_widget.cli", "--db", str(db), *args],
                          capture_output=True, text=True, env=env, timeout=60, cwd=db.parent)


def test_as_a_real_process(tmp_path):
    db = tmp_path / "proc.db"
    done = run_program("init", db=db)
    assert done.returncode == 0 and str(db) in done.stdout
    made = run_program("create", "From a shell", "--assignee", "ops", "--json", db=db)
    assert made.returncode == 0 and made.stderr == f"kanban-widget: board {db}\n"
    task = json.loads(made.stdout)
    listed = run_program("list", "--json", db=db)
    assert [t["id"] for t in json.loads(listed.stdout)] == [task["id"]]
    assert run_program("list", db=db).stdout.startswith(f"▶ {task['id']}  ready     ops")
    failed = run_program("move", "t_00000000", "done", db=db)
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1 and failed.stderr.startswith("kanban-widget: no task")
    usage = run_program("move", task["id"], "doing", db=db)
    assert usage.returncode == 2


# -- bad input and hostile stored text (issue #10 item 9) -------------------------------------

#: Every character a terminal may act on, except the newline and tab of multi-line text.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize("args, names", [
    pytest.param(["create", "x", "--priority", str(2 ** 63)], "'--priority'", id="priority-2**63"),
    pytest.param(["create", "x", "--priority", str(-(2 ** 63) - 1)], "'--priority'",
                 id="priority-below"),
    pytest.param(["create", b"\xff\xfe not utf-8"], "argument 4 (b'\\xff\\xfe not utf-8') is "
                 "not valid UTF-8", id="title-bytes"),
    pytest.param(["comment", "t_1", b"caf\xe9"], "not valid UTF-8", id="comment-bytes"),
    pytest.param(["--busy-timeout", "nan", "list"], "'nan' is not a number of seconds",
                 id="busy-nan"),
    pytest.param(["--busy-timeout", "inf", "list"], "'inf' is not a number of seconds",
                 id="busy-inf"),
    pytest.param(["--busy-timeout", "-1", "list"], "'-1' is not a number of seconds",
                 id="busy-negative"),
    pytest.param(["--busy-timeout", "1e9", "list"], "from 0 to 86400", id="busy-huge"),
])
def test_bad_input_is_a_usage_error_never_a_traceback(tmp_path, args, names):
    db = tmp_path / "board.db"
    assert run_program("init", db=db).returncode == 0
    before = dump(db)
    done = run_program(*args, db=db)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and names in errors[0], done.stderr
    assert dump(db) == before


def test_priorities_at_the_64_bit_limits_are_stored(tmp_path):
    db = tmp_path / "board.db"
    run_program("init", db=db)
    for priority in (2 ** 63 - 1, -(2 ** 63)):
        made = run_program("create", "edge", "--priority", str(priority), "--json", db=db)
        assert made.returncode == 0 and json.loads(made.stdout)["priority"] == priority


HOSTILE = {
    "title": "clip \x1b]52;c;ZWNobyBwd25lZA==\x07 clear \x1b[2J\x1b[H csi \x9b2J del \x7f\r!",
    "body": "line one \x1b]0;pwned\x07\n\tindented line \x1b[31mred\x1b[0m \x90dcs\x9c",
    "assignee": "mallory\x1b[8m",
    "tenant": "acme\x08\x08\x08\x08evil",
}


@pytest.fixture
def hostile(tmp_path):
    """A board whose task, comment and parent hold terminal control sequences."""
    db = tmp_path / "board.db"
    with Store(db) as store:
        parent = store.create_task("parent \x1b[2J", body="\x1b[H")
        task = store.create_task(HOSTILE["title"], body=HOSTILE["body"], parents=[parent],
                                 assignee=HOSTILE["assignee"], tenant=HOSTILE["tenant"])
        store.add_comment(task, "eve\x1b[5m", "see \x1b]8;;http://x\x07link\x1b]8;;\x07\nbye")
    return db, task


@pytest.mark.parametrize("command", [["list"], ["show", None], ["list", "--archived"]])
def test_stored_control_sequences_never_reach_the_terminal(hostile, command):
    db, task = hostile
    done = run_program(*[task if a is None else a for a in command], db=db)
    assert done.returncode == 0, done.stderr
    assert not TERMINAL_CONTROLS.search(done.stdout), repr(done.stdout)
    # Shown, escaped, so the reader still sees what the text holds.
    assert "clip \\x1b]52;c;ZWNobyBwd25lZA==\\x07 clear \\x1b[2J" in done.stdout
    assert "csi \\x9b2J del \\x7f\\x0d!" in done.stdout
    if command[0] == "show":
        assert "  line one \\x1b]0;pwned\\x07\n  \tindented line" in done.stdout  # \n, \t kept
        assert "eve\\x1b[5m" in done.stdout and "\\x1b]8;;http://x\\x07link" in done.stdout
        assert "parent \\x1b[2J" in done.stdout


@pytest.mark.parametrize("command", [["list", "--json"], ["show", None, "--json"]])
def test_json_output_is_exact_and_holds_no_raw_control_characters(hostile, command):
    db, task = hostile
    done = run_program(*[task if a is None else a for a in command], db=db)
    assert done.returncode == 0, done.stderr
    assert not TERMINAL_CONTROLS.search(done.stdout), repr(done.stdout)
    data = json.loads(done.stdout)
    got = next(t for t in data if t["id"] == task) if command[0] == "list" else data["task"]
    assert {key: got[key] for key in HOSTILE} == HOSTILE


def test_an_error_quoting_stored_text_escapes_it(hostile):
    db, task = hostile
    with Store(db) as store:
        parent = store.parents_of(task)[0]
        store.move_task(task, "todo")
    done = run_program("move", task, "ready", db=db)
    assert done.returncode == 1 and parent in done.stderr
    assert not TERMINAL_CONTROLS.search(done.stderr), repr(done.stderr)


def test_printable_escapes_every_control_but_keeps_lines_when_asked():
    from kanban_widget.cli import printable

    assert printable("a\x1bb\x9bc\x00\x7f") == "a\\x1bb\\x9bc\\x00\\x7f"
    assert printable("a\tb\nc") == "a\\x09b\\x0ac"
    assert printable("a\tb\nc\x1b", multiline=True) == "a\tb\nc\\x1b"
    assert printable("é → ✓") == "é → ✓"


# -- docs ------------------------------------------------------------------------------------


def test_help_lists_every_command(runner):
    out = runner.invoke(cli, ["--help"]).stdout
    for name in cli.commands:
        assert re.search(rf"^  {re.escape(name)}\b", out, re.M), name


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in sorted(cli.commands) if f"kanban-widget {name}" not in readme]
    mentions = ", ".join(f"kanban-widget {name}" for name in missing)
    assert not missing, f"README.md does not mention: {mentions}"


# -- helpers ---------------------------------------------------------------------------------


def dump(path: Path) -> str:
    """A digest of every row of the board's tables, to compare before and after."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = []
        for table in ("tasks", "task_links", "task_comments", "task_events"):
            rows += [table, *map(repr, conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2"))]
    conn.close()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()
