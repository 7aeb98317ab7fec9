"""Opening the board in a browser: JupyterLab on the quickstart, or the live demo through Voila.

Both prepare a workspace folder (the notebooks, and a demo board if there is none; by default
in the user's data folder, see :func:`default_workspace`), start the server on 127.0.0.1 in a
session of its own, print the URL once the server answers (``lab`` first runs the quickstart
in its kernel, so the page opens on a live board), and on SIGINT, SIGTERM or SIGHUP stop the
server and everything it started, kernels included, whatever signal disposition they inherited.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

NOTEBOOKS = ("quickstart.ipynb", "triage.ipynb", "analytics.ipynb", "live_demo.ipynb")


class LaunchError(RuntimeError):
    """The server could not be started (a missing extra, a busy port, a crash at start)."""


def notebooks_dir() -> Path:
    """Where the bundled notebooks are: inside the installed package, or in the source tree."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / "quickstart.ipynb").exists():
            return candidate
    raise LaunchError("the example notebooks are missing from this installation; "
                      "reinstall kanban-widget")


def prepare_workspace(folder: Path, *, board: Optional[Path] = None, tasks: int = 300,
                      echo: Callable[[str], None] = print) -> Path:
    """Copy the notebooks into ``folder`` (keeping any the user edited) and return the board
    to open: ``board`` when given, else ``folder/demo.db``, written as a demo board if new."""
    folder.mkdir(parents=True, exist_ok=True)
    source = notebooks_dir()
    for name in NOTEBOOKS:
        if not (folder / name).exists() and (source / name).exists():
            shutil.copy2(source / name, folder / name)
    if board is not None:
        return board.absolute()
    board = folder / "demo.db"
    if not board.exists():
        from .demo import build_demo

        echo(f"Writing a demo board with {tasks} tasks to {board} ...")
        build_demo(board, tasks=tasks)
    return board


def require(module: str, extra: str = "lab") -> None:
    """Fail with the install command when an optional dependency is missing."""
    if importlib.util.find_spec(module) is None:
        raise LaunchError(f"{module} is not installed; install it with "
                          f"`pip install \"kanban-widget[{extra}]\"`")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_command(folder: Path, port: int, token: str, notebook: str = "quickstart.ipynb") -> list:
    """The JupyterLab command line that opens ``notebook`` in ``folder``."""
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
           f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}",
           # no news feed and no update check from a demo server (the pop-up is also disabled)
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; JupyterLab refuses without it
    return cmd


def voila_command(folder: Path, port: int, notebook: str = "live_demo.ipynb") -> list:
    """The Voila command line that serves ``notebook`` as a standalone page."""
    return [sys.executable, "-m", "voila", str(folder / notebook), "--no-browser",
            f"--port={port}", "--Voila.ip=127.0.0.1"]


def default_workspace() -> Path:
    """Where ``lab`` and ``serve`` keep their notebooks and demo board when no folder is given:
    ``kanban-widget/demo`` in the user's data folder (``$XDG_DATA_HOME``, else
    ``~/.local/share``; ``%LOCALAPPDATA%`` on Windows). Not the current folder, so running them
    from a git checkout leaves nothing untracked behind."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "kanban-widget" / "demo"


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP arrived while a launcher ran: stop everything it started."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextmanager
def stop_on_signals():
    """Raise :class:`Interrupted` on SIGINT, SIGTERM and SIGHUP while the block runs.

    Installed explicitly because the inherited disposition cannot be trusted: a shell that
    ignores SIGINT (a background job of a script, ``nohup``) hands SIG_IGN down, and Python then
    never raises KeyboardInterrupt. Handled (not ignored) signals also go back to their default
    in every program we start, as exec resets them, so the servers can be stopped the same way.
    """
    def handler(signum, frame):
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def run_server(cmd: list, url: str, probe: str, *, env: dict, echo: Callable[[str], None] = print,
               open_browser: bool = False, timeout: float = 90.0,
               when_ready: Optional[Callable[[], None]] = None) -> int:
    """Start ``cmd``, wait until ``probe`` answers, run ``when_ready``, print ``url``, then wait
    for a stop signal (or the server's own exit) and stop the server and everything it started.
    Returns the exit code for the CLI: 0 when stopped by a signal."""
    with stop_on_signals():
        proc = None
        try:
            # A session of its own: the terminal's Ctrl-C reaches only us, we stop the server's
            # whole group with SIGTERM (JupyterLab would otherwise ask "Shutdown this server?").
            proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _wait_until_answers(proc, probe, timeout)
            proc.stderr.close()  # nothing more to read; don't let a full pipe stall the server
            if when_ready is not None:
                when_ready()
            echo(f"Open {url}")
            echo("Press Ctrl-C to stop.")
            if open_browser:
                import webbrowser

                webbrowser.open(url)
            proc.wait()
            return proc.returncode or 0
        except KeyboardInterrupt:
            echo("Stopping the server ...")
            return 0
        finally:
            # A second Ctrl-C (or a SIGTERM from a supervisor) must not cut the shutdown short.
            for signum in STOP_SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
            if proc is not None:
                stop_tree(proc)


def _wait_until_answers(proc: subprocess.Popen, probe: str, timeout: float) -> None:
    """Poll ``probe`` until the server answers; fail with its stderr if it exits first."""
    import http.client

    parts = urllib.parse.urlsplit(probe)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = (proc.stderr.read() or b"").decode(errors="replace")[-2000:]
            raise LaunchError(f"the server exited at start (code {proc.returncode}):\n{tail}")
        try:
            # Any HTTP answer means the server is up (Voila redirects most paths).
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            try:
                conn.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
                conn.getresponse().read()
            finally:
                conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise LaunchError(f"the server did not answer within {timeout:.0f} s") from None
            time.sleep(0.3)


def stop_tree(proc: subprocess.Popen, grace: float = 15.0) -> None:
    """Stop ``proc``'s process group and every process it started, kernels included.

    Kernels run in sessions of their own (jupyter_client starts them so), out of reach of the
    group's signal: a JupyterLab that shuts down cleanly ends them, Voila may not. So the
    descendants are listed first and any still alive after the server are ended too.
    """
    try:
        import psutil  # a jupyter_server dependency, so present wherever a server runs

        descendants = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # no psutil, or the server already gone: nothing more to find
        psutil, descendants = None, []
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(grace)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(5)
    if psutil is None or not descendants:
        return
    _, alive = psutil.wait_procs(descendants, timeout=5)
    for end in (psutil.Process.terminate, psutil.Process.kill):  # politely, then not
        for process in alive:
            try:
                end(process)
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(alive, timeout=5)


# -- JupyterLab: the quickstart, already run --------------------------------------------------

#: JupyterLab's "get notified about official Jupyter news?" pop-up, off for the demo server.
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


def _api(base: str, token: str, path: str, body: Optional[dict] = None,
         method: Optional[str] = None) -> dict:
    """One call to the Jupyter server's REST API (POST with a JSON body, else GET)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method or ("GET" if body is None else "POST"),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as resp:
        return json.loads(resp.read() or b"null")


def run_in_server(base: str, token: str, folder: Path, name: str, *,
                  echo: Callable[[str], None] = print, timeout: float = 120.0) -> bool:
    """Run notebook ``name`` in a kernel of the server at ``base``, as Run All Cells would, and
    save its outputs. Returns True when every cell ran without an error.

    The kernel belongs to the notebook's session, so the page that opens the notebook next
    connects to it: the saved widget views come back to life from that kernel's live widgets,
    and the board is live without the user running anything.
    """
    import nbformat
    from jupyter_client import BlockingKernelClient
    from jupyter_core.paths import jupyter_runtime_dir

    path = folder / name
    nb = nbformat.read(path, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    session = _api(base, token, "/api/sessions",
                   {"path": name, "name": name, "type": "notebook", "kernel": {"name": kernel}})
    connection = Path(jupyter_runtime_dir()) / f"kernel-{session['kernel']['id']}.json"
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code:  # no stale outputs from an earlier run below a cell that fails
        cell.outputs, cell.execution_count = [], None
    ok = True
    try:
        _wait_for_kernel(client, timeout)
        for index, cell in enumerate(code):
            outputs: list = []
            reply = client.execute_interactive(cell.source, timeout=timeout, allow_stdin=False,
                                               output_hook=_collect(outputs))
            cell.outputs = outputs
            cell.execution_count = reply["content"].get("execution_count")
            cell.metadata["trusted"] = True  # we made these outputs, as a page's Run would
            if reply["content"]["status"] != "ok":
                error = reply["content"]
                echo(f"{name}: code cell {index + 1} raised {error.get('ename')}: "
                     f"{error.get('evalue')} (see the notebook)")
                ok = False
                break  # as Run All Cells does
    finally:
        client.stop_channels()
    # Saved through the server, which signs a notebook whose cells are all trusted: the page
    # shows a trusted notebook's outputs as they are (widget views included), those of an
    # untrusted one as plain text.
    _api(base, token, f"/api/contents/{urllib.parse.quote(name)}",
         {"type": "notebook", "format": "json", "content": nb}, method="PUT")
    return ok


def _wait_for_kernel(client, timeout: float) -> None:
    """Ask for kernel_info until the kernel replies. (``wait_for_ready`` gives up as soon as one
    heartbeat is late, which a kernel still importing on a busy machine can be.)"""
    import queue

    deadline = time.monotonic() + timeout
    while True:
        msg_id = client.kernel_info()
        try:
            while client.get_shell_msg(timeout=2)["parent_header"].get("msg_id") != msg_id:
                pass
            break
        except queue.Empty:
            if time.monotonic() > deadline:
                raise LaunchError(f"the kernel did not answer within {timeout:.0f} s") from None
    while True:  # drop the status messages of those requests
        try:
            client.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            return


def _collect(outputs: list) -> Callable[[dict], None]:
    """An iopub hook that keeps a cell's outputs the way the notebook stores them."""
    import nbformat

    clear_on_next = [False]

    def hook(msg: dict) -> None:
        kind = msg["header"]["msg_type"]
        if kind == "clear_output":
            if msg["content"].get("wait"):
                clear_on_next[0] = True
            else:
                outputs.clear()
        elif kind in ("stream", "display_data", "execute_result", "error"):
            if clear_on_next[0]:
                outputs.clear()
                clear_on_next[0] = False
            outputs.append(nbformat.v4.output_from_msg(msg))

    return hook


def lab(folder: Optional[Path] = None, *, board: Optional[Path] = None,
        port: Optional[int] = None, tasks: int = 300, open_browser: bool = True,
        echo: Callable[[str], None] = print) -> int:
    """Open JupyterLab on the quickstart notebook in ``folder`` (default:
    :func:`default_workspace`), on ``board`` or a demo board.

    On the demo board the quickstart is run in its kernel before the URL is printed, so the
    page opens on a live board with every output in place. On a board of the user's own
    (``board`` given) it is not: it adds example tasks, which the user should choose to add.
    """
    require("jupyterlab")
    run = board is None
    return _launch(folder, board, tasks, echo, lambda folder, board: _lab_server(
        folder, board, port, open_browser, run, echo))


def _lab_server(folder: Path, board: Path, port: Optional[int], open_browser: bool, run: bool,
                echo: Callable[[str], None]) -> int:
    port = port or free_port()
    token = secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    notebook = "quickstart.ipynb"
    # A config folder of our own, searched with the user's, that only turns the news pop-up off.
    config = Path(tempfile.mkdtemp(prefix="kanban-widget-lab-"))
    try:
        (config / "labconfig").mkdir()
        (config / "labconfig" / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {NEWS_PLUGIN: True}}))
        search = [str(config), *filter(None, os.environ.get("JUPYTER_CONFIG_PATH", "").split(
            os.pathsep))]
        env = {**os.environ, "KANBAN_DB": str(board), "JUPYTER_CONFIG_PATH": os.pathsep.join(search)}

        def run_quickstart() -> None:
            if not run:
                echo(f"Not running {notebook} on {board}: it adds example tasks. "
                     "Run it from the page (Run > Run All Cells) if you want them.")
                return
            echo(f"Running {notebook} ...")
            try:
                run_in_server(base, token, folder, notebook, echo=echo)
            except Exception as exc:  # the server still works: the user can run it by hand
                echo(f"Could not run {notebook} ({exc}); run it from the page: "
                     "Run > Run All Cells")

        return run_server(lab_command(folder, port, token, notebook),
                          f"{base}/lab/tree/{notebook}?token={token}",
                          f"{base}/api/status?token={token}", env=env, echo=echo,
                          open_browser=open_browser, when_ready=run_quickstart)
    finally:
        shutil.rmtree(config, ignore_errors=True)


def serve(folder: Optional[Path] = None, *, board: Optional[Path] = None,
          port: Optional[int] = None, tasks: int = 300, open_browser: bool = True,
          echo: Callable[[str], None] = print) -> int:
    """Serve the live demo notebook as a standalone page through Voila, on ``board`` or a demo
    board, from ``folder`` (default: :func:`default_workspace`)."""
    require("voila")

    def start(folder: Path, board: Path) -> int:
        port_ = port or free_port()
        base = f"http://127.0.0.1:{port_}"
        env = {**os.environ, "KANBAN_DB": str(board)}
        return run_server(voila_command(folder, port_), f"{base}/", f"{base}/api/kernelspecs",
                          env=env, echo=echo, open_browser=open_browser)

    return _launch(folder, board, tasks, echo, start)


def _launch(folder: Optional[Path], board: Optional[Path], tasks: int,
            echo: Callable[[str], None], start: Callable[[Path, Path], int]) -> int:
    """Prepare the workspace and start a server in it; a stop signal at any point (writing the
    demo board takes a while) stops cleanly with status 0."""
    folder = (folder or default_workspace()).absolute()
    try:
        with stop_on_signals():
            board = prepare_workspace(folder, board=board, tasks=tasks, echo=echo)
            echo(f"Workspace: {folder}")
            return start(folder, board)
    except KeyboardInterrupt:
        echo("Stopped.")
        return 0
