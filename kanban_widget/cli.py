"""``kanban-widget``: the board from a shell, a thin click layer over :class:`Store`.

Every command opens the board file named by ``--db``, or the board named by ``--board`` (one of
latest Hermes' several boards, listed by ``boards``), or else the one the store's own
resolution finds (``$KANBAN_DB``, ``$HERMES_KANBAN_BOARD``, ``$HERMES_KANBAN_DB``, the kanban
home's ``current`` board, else its default board ``kanban.db``). Read commands open it read-only;
write commands say on stderr which file they changed. A :class:`KanbanError` becomes one line
on stderr (``kanban-widget: <message>``) and exit status 1; usage errors exit 2.

Adding a command: decorate it with ``@cli.command()``, take ``board: BoardOption`` through
``@pass_board``, and open the store with ``board.open()`` (reads) or ``board.open(write=True)``
(writes). Store errors raised inside are reported by :class:`KanbanGroup`, so commands never
catch them.
"""

from __future__ import annotations

import getpass
import json
import math
import os
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Optional

import click

from . import __version__
from .launch import LaunchError
from .protocol import MAX_INT, MIN_INT
from .store import STATUSES, KanbanError, Store, Task, list_boards
from .store.boardfile import check_openable, write_over
from .store.core import MAX_BUSY_TIMEOUT
from .store.settings import MAX_WIP_LIMIT

PROG = "kanban-widget"

#: The icon before each line of ``list``: Hermes' icons, plus ours for the statuses it lacks.
ICONS = {
    "triage": "◇", "todo": "◻", "scheduled": "◷", "ready": "▶", "running": "●",
    "blocked": "⊘", "review": "◎", "done": "✓", "archived": "—",
}

#: How many of a task's latest events ``show`` prints (``--json`` gives them all).
SHOW_EVENTS = 20


# Characters a terminal may act on rather than show: C0 controls, DEL and C1 controls (ESC
# starts clipboard writes, screen clears, title changes...). _CONTROLS_IN_TEXT spares the tab
# and newline of multi-line text such as a body.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What json.dumps(ensure_ascii=False) leaves raw in its output: DEL and C1 (it escapes C0).
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` made safe to print on a terminal: every control character shown as ``\\xNN``
    (``\\x1b`` for ESC), so stored text can show what it holds but never drive the terminal.

    With ``multiline``, tabs and newlines are kept (for a task's body, result, comments).
    """
    pattern = _CONTROLS_IN_TEXT if multiline else _CONTROLS
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def say(text: object, *, err: bool = False) -> None:
    """Print one line of human output with its control characters escaped (see printable)."""
    click.echo(printable(text), err=err)


class CommandError(click.ClickException):
    """A failure reported as one line on stderr, ``kanban-widget: <message>``, exit status 1."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))

    def show(self, file=None) -> None:
        # The message may quote stored text (a title in a refusal, say): escape it like output.
        click.echo(printable(f"{PROG}: {self.format_message()}"), file=file or sys.stderr)


class Seconds(click.ParamType):
    """A duration in seconds: a finite number from 0 to ``maximum`` (``nan`` and ``inf``
    parse as floats, but SQLite would quietly turn them into no waiting at all)."""

    name = "seconds"

    def __init__(self, maximum: float):
        self.maximum = maximum

    def convert(self, value, param, ctx) -> float:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or not 0 <= seconds <= self.maximum:
            self.fail(f"{value!r} is not a number of seconds from 0 to {self.maximum:g}",
                      param, ctx)
        return seconds


class KanbanGroup(click.Group):
    """A command group that reports the store's errors as :class:`CommandError`.

    ``one_line_errors`` lists the exception classes reported that way; a command whose own
    module has a named error (a launcher's, say) adds it: ``cli.one_line_errors += (E,)``.
    """

    one_line_errors: tuple = (KanbanError, LaunchError)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Python hands over argument bytes that are not UTF-8 as lone surrogates; SQLite cannot
        # store them and the terminal cannot print them, so refuse them here, as usage errors.
        for position, arg in enumerate(args, start=1):
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                raw = os.fsencode(arg)
                shown = repr(raw[:40]) + ("…" if len(raw) > 40 else "")
                raise click.UsageError(
                    f"argument {position} ({shown}) is not valid UTF-8 text; give text in UTF-8 "
                    "(check the terminal's or the calling script's encoding)", ctx) from None
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
        except self.one_line_errors as exc:
            raise CommandError(str(exc)) from None
        except sqlite3.Error as exc:
            raise CommandError(f"database error: {exc}") from None
        except UnicodeError as exc:
            # Not from the arguments (checked above): a board path from the environment, say.
            raise CommandError(f"text that is not valid UTF-8 ({exc.reason}); use UTF-8 names "
                               "and text") from None
        if isinstance(ctx.obj, BoardOption) and ctx.obj.written:
            # Said after success, so a failing command still prints exactly one line.
            say(f"{PROG}: board {ctx.obj.written}", err=True)
        return result


class BoardOption:
    """The board a command works on: the ``--db`` path or the ``--board`` slug, resolved like
    :class:`Store` does."""

    def __init__(self, db: Optional[Path], busy_timeout: float = 10.0,
                 board: Optional[str] = None):
        self.db = db
        self.board = board
        self.busy_timeout = busy_timeout
        #: The file a write command opened, announced on stderr when the command succeeds.
        self.written: Optional[Path] = None
        self._stores: list[Store] = []

    @property
    def path(self) -> Path:
        """The board file this invocation works on (it may not exist yet); an unknown
        ``--board`` raises BoardNotFound."""
        return self.resolve()

    def resolve(self, *, create: bool = False) -> Path:
        """The board file; with ``create``, a ``--board`` that does not exist yet is no error."""
        return Store.resolve_path(self.db, board=self.board, create=create)

    def open(self, *, write: bool = False, create: bool = False) -> Store:
        """Open the board; it is closed when the command ends.

        Reads open it read-only and need an existing board. Writes need one too unless
        ``create`` (which makes a ``--board`` with the ``board.json`` Hermes lists it by); a
        write command that succeeds says on stderr which file it worked on.
        """
        path = self.resolve(create=create)
        # A FIFO, a dangling link or a directory is named for what it is, not "no board".
        exists = check_openable(path, read_only=False)
        if not create and not exists:
            raise CommandError(f"there is no board at {path}; create one with `{PROG} init`")
        if create and self.board is not None:
            Store.create_board(self.board)
        store = Store(path, read_only=not write, busy_timeout=self.busy_timeout)
        self._stores.append(store)
        if write:
            self.written = store.path
        return store

    def close(self) -> None:
        while self._stores:
            self._stores.pop().close()


pass_board = click.make_pass_decorator(BoardOption)


def json_option(func):
    """``--json``: print machine-readable output instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(func)


def emit_json(data) -> None:
    """Print ``data`` as JSON. json.dumps escapes C0 controls; DEL and C1 controls are escaped
    here as ``\\u00XX`` too, so no stored text reaches the terminal raw and the JSON decodes to
    exactly the stored values."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    click.echo(_RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


@click.group(cls=KanbanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Board file (default: $KANBAN_DB, the board $HERMES_KANBAN_BOARD names, "
    "$HERMES_KANBAN_DB, the kanban home's current board, else its kanban.db; the home is "
    "$HERMES_KANBAN_HOME, ~/.hermes if it holds a board, else the current folder).",
)
@click.option("--board", "board_slug", metavar="SLUG", default=None,
              help="One of latest Hermes' boards, by slug (see `boards`); not with --db.")
@click.option("--busy-timeout", type=Seconds(MAX_BUSY_TIMEOUT), default=10.0, show_default=True,
              metavar="SECONDS", help="How long a write waits for another writer's lock.")
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, db: Optional[Path], busy_timeout: float,
        board_slug: Optional[str]) -> None:
    """A live Kanban board over a Hermes-compatible SQLite task store."""
    if db is not None and board_slug is not None:
        raise click.UsageError("--db and --board both name the board: give one of them (--db a "
                               "file, --board one of the boards `boards` lists)", ctx)
    board = BoardOption(db, busy_timeout, board_slug)
    ctx.obj = board
    ctx.call_on_close(board.close)


# -- init and demo ----------------------------------------------------------------------------


@cli.command()
@pass_board
def init(board: BoardOption) -> None:
    """Create the board file (or update an existing board's schema); with --board, a new
    board of the kanban home that latest Hermes lists."""
    path = board.resolve(create=True)
    existed = path.exists() and path.stat().st_size > 0
    store = board.open(write=True, create=True)
    board.written = None  # the line below names the file already
    verb = "Opened existing" if existed else "Initialized"
    say(f"{verb} kanban board at {store.path}")


@cli.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tasks", default=300, show_default=True, type=click.IntRange(1, 1_000_000),
              help="How many tasks to write.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--weeks", default=6, show_default=True, type=click.IntRange(1, 520),
              help="How many weeks of history to write, ending now.")
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@pass_board
def demo(board: BoardOption, path: Optional[Path], tasks: int, seed: int, weeks: int,
         force: bool) -> None:
    """Write a demo board with weeks of history to PATH.

    PATH defaults to the --db board. The board is deterministic for a seed (given the same
    end time) and ends now: some triage, plenty of todo and ready work, a few running and
    blocked tasks, many done.
    """
    from .demo import build_demo

    target = (path.expanduser() if path else board.path).absolute()
    if target.exists() and not force:
        raise CommandError(f"{target} exists; pass --force to replace it")
    if target.exists() and is_hermes_board(target):
        raise CommandError(f"{target} is where Hermes keeps its board; the demo will not replace "
                           f"it: name another file, `{PROG} demo PATH`")
    started = time.perf_counter()
    # Built beside the target, then written over it through SQLite: a board or an agent that
    # has the target open sees one commit instead of losing its file (and WAL) under it.
    scratch = target.with_name(f".{target.name}.demo-{os.getpid()}")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)  # our own leftovers, never opened
    try:
        with DemoProgress(tasks) as progress:
            build_demo(scratch if target.exists() else target, tasks=tasks, seed=seed,
                       weeks=weeks, progress=progress)
        if scratch.exists():
            write_over(target, scratch)
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    with Store(target, read_only=True) as store:
        n_tasks = len(store.list_tasks(include_archived=True))
        n_events = store.board().cursor
    say(f"Wrote a demo board of {n_tasks} tasks and {n_events} events to {target} "
        f"in {time.perf_counter() - started:.1f} s")


class DemoProgress:
    """Progress of a demo build on stderr: a bar on a terminal, else a count every tenth."""

    def __init__(self, total: int):
        self.total, self.done, self.shown = total, 0, 0
        self.bar = None
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="Writing demo tasks",
                                         file=sys.stderr, show_pos=True)

    def __enter__(self):
        if self.bar:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.__exit__(*exc)

    def __call__(self, count: int, total: int) -> None:
        if self.bar:
            self.bar.update(count - self.done)
        elif count == total or count - self.shown >= max(1, total // 10):
            say(f"{PROG}: wrote {count}/{total} demo tasks", err=True)
            self.shown = count
        self.done = count


# -- tasks ------------------------------------------------------------------------------------


@cli.command()
@click.argument("title")
@click.option("--body", help="Description (markdown).")
@click.option("--assignee", help="Who works on it (a profile or person).")
@click.option("--tenant", help="Tenant (project or customer) it belongs to.")
@click.option("--priority", type=click.IntRange(MIN_INT, MAX_INT), default=0, show_default=True,
              help="Higher runs first (a 64-bit whole number).")
@click.option("--parent", "parents", multiple=True, metavar="ID",
              help="A task this one waits for (repeat for several).")
@click.option("--triage", is_flag=True, help="Start in triage instead of todo/ready.")
@click.option("--created-by", default=None, help="Author (default: $USER).")
@json_option
@pass_board
def create(board: BoardOption, title: str, body, assignee, tenant, priority: int, parents,
           triage: bool, created_by, as_json: bool) -> None:
    """Create a task titled TITLE and print its id."""
    store = board.open(write=True)
    task_id = store.create_task(
        title, body=body, assignee=assignee, tenant=tenant, priority=priority,
        parents=list(parents), triage=triage, created_by=created_by or default_author())
    task = store.get_task(task_id)
    if as_json:
        emit_json(task_json(task))
    else:
        say(f"Created {task.id} ({task.status})")


@cli.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only tasks in this status.")
@click.option("--assignee", help="Only tasks of this assignee.")
@click.option("--tenant", help="Only tasks of this tenant.")
@click.option("--archived", is_flag=True, help="Include archived tasks.")
@json_option
@pass_board
def list_(board: BoardOption, status, assignee, tenant, archived: bool, as_json: bool) -> None:
    """List tasks, highest priority first.

    A read: unlike Hermes' list, nothing is promoted or written.
    """
    store = board.open()
    tasks = store.list_tasks(status=status, assignee=assignee, tenant=tenant,
                             include_archived=archived)
    if as_json:
        emit_json([task_json(t) for t in tasks])
        return
    if not tasks:
        say("(no matching tasks)")
    for task in tasks:
        say(list_line(task))


@cli.command()
@click.argument("task_id", metavar="ID")
@json_option
@pass_board
def show(board: BoardOption, task_id: str, as_json: bool) -> None:
    """Show a task with its links, comments and history."""
    detail = board.open().task_detail(task_id)
    task, comments, events = detail.task, detail.comments, detail.events
    if as_json:
        emit_json({
            "task": task_json(task),
            "parents": [t.id for t in detail.parents],
            "children": [t.id for t in detail.children],
            "comments": [c.to_dict() for c in comments],
            "events": [e.to_dict() for e in events],
        })
        return
    say(f"{task.id}  {task.title}")
    fields = [("status", task.status), ("assignee", task.assignee), ("tenant", task.tenant),
              ("priority", task.priority), ("created", when(task.created_at)),
              ("started", when(task.started_at)), ("completed", when(task.completed_at)),
              ("claim", f"{task.claim_lock} until {when(task.claim_expires)}"
               if task.claim_lock else None)]
    for name, value in fields:
        if value not in (None, ""):
            say(f"  {name + ':':<11}{value}")
    for label, linked in (("parents", detail.parents), ("children", detail.children)):
        if linked:
            click.echo(f"\n{label.capitalize()}:")
            for t in linked:
                say(f"  {ICONS.get(t.status, '·')} {t.id}  {t.status:<8}  {t.title}")
    for label, text in (("Body", task.body), ("Result", task.result)):
        if text:
            click.echo(f"\n{label}:\n" + indented(text, "  "))
    if comments:
        click.echo(f"\nComments ({len(comments)}):")
        for c in comments:
            first, *more = c.body.splitlines() or [""]
            click.echo(printable(f"  {c.author} ({when(c.created_at)}): ")
                       + printable(first, multiline=True))
            if more:
                click.echo(indented("\n".join(more), "    "))
    if events:
        shown = events[-SHOW_EVENTS:]
        more = f", last {len(shown)}" if len(shown) < len(events) else ""
        click.echo(f"\nEvents ({len(events)}{more}):")
        for e in shown:
            payload = json.dumps(e.payload, ensure_ascii=False) if e.payload else ""
            say(f"  {when(e.created_at)}  {e.kind:<12} {payload}".rstrip())


@cli.command()
@click.argument("task_id", metavar="ID")
@click.argument("status", type=click.Choice(STATUSES), metavar="STATUS")
@click.option("--reason", help="Why it is blocked (with STATUS blocked).")
@click.option("--result", help="What came of it (with STATUS done).")
@json_option
@pass_board
def move(board: BoardOption, task_id: str, status: str, reason, result, as_json: bool) -> None:
    """Move task ID to STATUS, as a drag on the board does.

    STATUS is one of triage, todo, scheduled, ready, running, blocked, review, done,
    archived. Ready needs every parent done; running claims the task for this process.
    """
    store = board.open(write=True)
    before = store.get_task(task_id)
    task = store.move_task(task_id, status, reason=reason, result=result)
    if as_json:
        emit_json(task_json(task))
    elif before is not None and before.status == task.status:
        say(f"{task.id} is already {task.status}")
    else:
        say(f"Moved {task.id} from {before.status} to {task.status}")


@cli.command()
@click.argument("task_ids", metavar="ID...", nargs=-1, required=True)
@click.option("--to", "status", type=click.Choice(STATUSES), metavar="STATUS",
              help="Move them to STATUS, as a drag on the board does.")
@click.option("--assignee", metavar="NAME", help='Assign them to NAME ("" unassigns).')
@click.option("--priority", type=click.IntRange(MIN_INT, MAX_INT), default=None,
              help="Set their priority (a 64-bit whole number).")
@click.option("--archive", is_flag=True, help="Archive them.")
@json_option
@pass_board
def bulk(board: BoardOption, task_ids: tuple, status, assignee, priority, archive: bool,
         as_json: bool) -> None:
    """Apply one change to every task ID, in one transaction (what the board's bulk bar does).

    Give --to STATUS or --archive, and/or --assignee and --priority. Each task is changed, or
    refused and left as it was (an unknown id, a parent not done...), and listed either way;
    when any was refused the command ends with one error line and exit status 1.
    """
    if status is None and assignee is None and priority is None and not archive:
        raise click.UsageError("say what to change: --to STATUS, --assignee NAME, --priority N "
                               "or --archive")
    if status is not None and archive:
        raise click.UsageError("--to and --archive both move the tasks: give one of them")
    edits = {name: value for name, value in (("assignee", assignee), ("priority", priority))
             if value is not None}
    store = board.open(write=True)
    results = store.bulk(task_ids, status=status, archive=archive, **edits)
    if as_json:
        emit_json([{**r.to_dict(), "task": task_json(r.task) if r.ok else None}
                   for r in results])
    else:
        for r in results:
            say(list_line(r.task) if r.ok else f"✗ {r.task_id}  refused: {r.error}")
    refused = sum(not r.ok for r in results)
    if refused:
        raise CommandError(f"{refused} of {len(results)} tasks refused and left as they were; "
                           f"the others were changed in {store.path}")


@cli.command()
@click.argument("task_id", metavar="ID")
@click.argument("text", nargs=-1, required=True)
@click.option("--author", default=None, help="Who is commenting (default: $USER).")
@json_option
@pass_board
def comment(board: BoardOption, task_id: str, text, author, as_json: bool) -> None:
    """Add a comment to task ID (the words of TEXT, joined)."""
    store = board.open(write=True)
    author = author or default_author()
    comment_id = store.add_comment(task_id, author, " ".join(text))
    if as_json:
        emit_json({"id": comment_id, "task_id": task_id, "author": author})
    else:
        say(f"Commented on {task_id} as {author} (comment {comment_id})")


@cli.command()
@click.argument("parent_id", metavar="PARENT")
@click.argument("child_id", metavar="CHILD")
@json_option
@pass_board
def link(board: BoardOption, parent_id: str, child_id: str, as_json: bool) -> None:
    """Make CHILD wait for PARENT (no self-links or cycles)."""
    store = board.open(write=True)
    added = store.link_tasks(parent_id, child_id)
    child = store.get_task(child_id)
    if as_json:
        emit_json({"parent": parent_id, "child": child_id, "linked": added,
                   "child_status": child.status})
    elif added:
        say(f"Linked {parent_id} -> {child_id} ({child_id} is {child.status})")
    else:
        say(f"{parent_id} -> {child_id} was already linked")


@cli.command()
@click.argument("parent_id", metavar="PARENT")
@click.argument("child_id", metavar="CHILD")
@json_option
@pass_board
def unlink(board: BoardOption, parent_id: str, child_id: str, as_json: bool) -> None:
    """Stop CHILD waiting for PARENT."""
    store = board.open(write=True)
    if not store.unlink_tasks(parent_id, child_id):
        raise CommandError(f"no link {parent_id} -> {child_id}")
    child = store.get_task(child_id)
    if as_json:
        emit_json({"parent": parent_id, "child": child_id, "unlinked": True,
                   "child_status": child.status})
    else:
        say(f"Unlinked {parent_id} -> {child_id} ({child_id} is {child.status})")


# -- formatting -------------------------------------------------------------------------------


def default_author() -> str:
    """``$USER`` (or the login name), else ``user``."""
    name = os.environ.get("USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no passwd entry in a bare container: fall back quietly
            name = ""
    return name or "user"


def is_hermes_board(path: Path) -> bool:
    """True for a file Hermes itself would open (``$HERMES_KANBAN_DB``, or any board of
    ``$HERMES_KANBAN_HOME`` or ``~/.hermes``)."""
    places = []
    if os.environ.get("HERMES_KANBAN_DB", "").strip():
        places.append(Path(os.environ["HERMES_KANBAN_DB"].strip()))
    homes = [Path.home() / ".hermes"]
    if os.environ.get("HERMES_KANBAN_HOME", "").strip():
        homes.append(Path(os.environ["HERMES_KANBAN_HOME"].strip()))
    places += [b.path for home in homes for b in list_boards(home)]
    resolved = path.expanduser().resolve()
    return any(resolved == p.expanduser().resolve() for p in places)


@cli.command()
@json_option
@pass_board
def boards(board: BoardOption, as_json: bool) -> None:
    """List the kanban home's boards, as latest Hermes does (* marks the current one).

    The home is $HERMES_KANBAN_HOME, else ~/.hermes if it holds a board, else the current
    folder. Open one with --board SLUG; create one with `--board SLUG init`.
    """
    if board.db is not None or board.board is not None:
        raise click.UsageError("`boards` lists every board of the kanban home; drop --db and "
                               "--board (use --board with the other commands)")
    found = list_boards()
    if as_json:
        emit_json([b.to_dict() for b in found])
        return
    slugs, names = (max(len(b.slug) for b in found), max(len(b.name) for b in found))
    for b in found:
        say(f"{'*' if b.current else ' '} {b.slug:<{slugs}}  {b.name:<{names}}  {b.path}")


# -- serving the board over HTTP -------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs --token.")
@click.option("--port", type=click.IntRange(0, 65535), default=9120, show_default=True,
              help="Port to listen on (0: a free one).")
@click.option("--board", "api_board", metavar="SLUG", default=None,
              help="The board served when a request names none (same as the global --board).")
@click.option("--token", envvar="KANBAN_TOKEN", default=None,
              help="The token every request must carry (default: $KANBAN_TOKEN, else a new one, "
              "printed).")
@pass_board
def api(board: BoardOption, host: str, port: int, api_board, token) -> None:
    """Serve the board over HTTP the way Hermes' dashboard does, under /api/plugins/kanban/,
    each of the kanban home's boards with ?board=SLUG. Every request needs the token. Needs
    the server extra. Ctrl-C stops it."""
    try:
        from .server.run import StartError, serve
    except ImportError as exc:
        raise CommandError(f'`api` needs the server extra: pip install "kanban-widget[server]" '
                           f"({exc})") from None
    if api_board and board.db:
        raise click.UsageError("--board and --db both name the board: give one of them")
    try:
        serve(db=board.db, board=api_board or board.board, host=host, port=port, token=token,
              echo=say)
    except StartError as exc:
        raise CommandError(str(exc)) from None


@cli.command()
@click.argument("status", required=False)
@click.argument("limit", required=False, type=click.IntRange(0, MAX_WIP_LIMIT))
@click.option("--clear", is_flag=True,
              help="Remove STATUS's limit (every limit when no STATUS is given).")
@json_option
@pass_board
def wip(board: BoardOption, status: Optional[str], limit: Optional[int], clear: bool,
        as_json: bool) -> None:
    """Show or set soft WIP limits: `wip` lists them, `wip running 5` sets one,
    `wip running --clear` removes one, `wip --clear` removes all.

    Limits are soft (nothing refuses a move past them); open boards show them in the column
    header as `n / limit` within a second or two. They are stored in the board file's own
    kanban_widget_settings table, which Hermes ignores.
    """
    if limit is not None and clear:
        raise click.UsageError("give a LIMIT or --clear, not both")
    if status is not None and limit is None and not clear:
        raise click.UsageError(f"give {status}'s limit (`wip {status} 5`) or --clear to remove it")
    if status is None and not clear:
        limits = board.open().wip_limits()
    elif status is None:
        limits = board.open(write=True).set_wip_limits({})
    else:
        limits = board.open(write=True).set_wip_limits({status: limit}, replace=False)
    if as_json:
        emit_json({"wip_limits": limits})
        return
    if not limits:
        say("no WIP limits set")
    for name, value in sorted(limits.items()):
        say(f"{name:<10} {value}")


# -- opening the board in a browser ----------------------------------------------------------

def _launch_options(func):
    func = click.option("--no-browser", is_flag=True,
                        help="Print the URL without opening a browser.")(func)
    func = click.option("--tasks", default=300, show_default=True, type=click.IntRange(1, 100_000),
                        help="Size of the demo board written when FOLDER has none.")(func)
    func = click.option("--port", type=click.IntRange(1, 65535), default=None,
                        help="Port on 127.0.0.1 (default: a free one).")(func)
    func = click.argument("folder", required=False, default=None,
                          type=click.Path(file_okay=False, path_type=Path))(func)
    return func


@cli.command()
@_launch_options
@click.pass_context
def lab(ctx: click.Context, folder: Optional[Path], port: Optional[int], tasks: int,
        no_browser: bool) -> None:
    """Open JupyterLab on the quickstart notebook, already run, showing a live demo board.

    FOLDER (default: kanban-widget/demo in your data folder, ~/.local/share) receives the
    example notebooks and, unless --db names a board, a demo board demo.db. Needs the lab
    extra: pip install "kanban-widget[lab]". Prints the URL; Ctrl-C (or SIGTERM) stops the
    server and its kernels.
    """
    from .launch import lab as run_lab

    board = ctx.obj.path if ctx.obj.db or ctx.obj.board else None
    ctx.exit(run_lab(folder, board=board, port=port, tasks=tasks, open_browser=not no_browser,
                     echo=click.echo))


@cli.command()
@_launch_options
@click.pass_context
def serve(ctx: click.Context, folder: Optional[Path], port: Optional[int], tasks: int,
          no_browser: bool) -> None:
    """Serve the live demo (agents working a board) as a standalone page through Voila.

    FOLDER (default: kanban-widget/demo in your data folder, ~/.local/share) receives the
    notebooks and, unless --db names a board, a demo board. Needs the lab extra. Prints the
    URL; Ctrl-C (or SIGTERM) stops the server and its kernels.
    """
    from .launch import serve as run_serve

    board = ctx.obj.path if ctx.obj.db or ctx.obj.board else None
    ctx.exit(run_serve(folder, board=board, port=port, tasks=tasks, open_browser=not no_browser,
                       echo=click.echo))


def task_json(task: Task) -> dict:
    """A task as the CLI prints it in JSON: every column, Hermes' keys included."""
    return task.to_dict()


def list_line(task: Task) -> str:
    """``<icon> <id>  <status>  <assignee>[ [tenant]]  <title>``, Hermes' list line."""
    tenant = f" [{task.tenant}]" if task.tenant else ""
    return (f"{ICONS.get(task.status, '·')} {task.id}  {task.status:<8}  "
            f"{task.assignee or '-':<20}{tenant}  {task.title}")


def indented(text: str, prefix: str) -> str:
    """Multi-line stored text for a terminal: each line indented, tabs and line breaks kept,
    every other control character escaped (see printable)."""
    return "\n".join(prefix + printable(line, multiline=True) for line in text.splitlines())


def when(ts: Optional[int]) -> Optional[str]:
    """A Unix time as ``YYYY-MM-DD HH:MM`` UTC, or None."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts))


def main(argv: Optional[list[str]] = None) -> None:
    """The ``kanban-widget`` console script."""
    cli.main(args=argv, prog_name=PROG)


if __name__ == "__main__":
    main()
