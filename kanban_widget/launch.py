"""Opening the board in a browser: JupyterLab on the quickstart, or the live demo through Voila.

Both prepare a workspace folder (the notebooks, and a demo board if there is none), start the
server on 127.0.0.1 in its own process group, print the URL once the server answers, and shut
it down cleanly on Ctrl-C.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
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
           f"--ServerApp.root_dir={folder}", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; JupyterLab refuses without it
    return cmd


def voila_command(folder: Path, port: int, notebook: str = "live_demo.ipynb") -> list:
    """The Voila command line that serves ``notebook`` as a standalone page."""
    return [sys.executable, "-m", "voila", str(folder / notebook), "--no-browser",
            f"--port={port}", "--Voila.ip=127.0.0.1"]


def run_server(cmd: list, url: str, probe: str, *, env: dict, echo: Callable[[str], None] = print,
               open_browser: bool = False, timeout: float = 90.0) -> int:
    """Start ``cmd``, wait until ``probe`` answers, print ``url``, then wait for Ctrl-C (or the
    server's own exit) and stop it cleanly. Returns the exit code for the CLI."""
    import http.client
    from urllib.parse import urlsplit

    # A session of its own, so the terminal's Ctrl-C reaches only us and we stop the server
    # with SIGTERM (JupyterLab would otherwise ask "Shutdown this Jupyter server?").
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                tail = (proc.stderr.read() or b"").decode(errors="replace")[-2000:]
                raise LaunchError(f"the server exited at start (code {proc.returncode}):\n{tail}")
            try:
                # Any HTTP answer means the server is up (Voila redirects most paths).
                parts = urlsplit(probe)
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
                try:
                    conn.request("GET", f"{parts.path}?{parts.query}" if parts.query else parts.path)
                    conn.getresponse().read()
                finally:
                    conn.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise LaunchError(f"the server did not answer within {timeout:.0f} s")
                time.sleep(0.3)
        echo(f"Open {url}")
        echo("Press Ctrl-C to stop.")
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        proc.stderr.close()  # nothing more to read; don't let a full pipe stall the server
        proc.wait()
        return proc.returncode or 0
    except KeyboardInterrupt:
        echo("Stopping the server ...")
        return 0
    finally:
        # A second Ctrl-C (or one forwarded by a wrapper) must not cut the shutdown short.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            _stop(proc)
        finally:
            signal.signal(signal.SIGINT, previous)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)


def lab(folder: Path, *, board: Optional[Path] = None, port: Optional[int] = None,
        tasks: int = 300, open_browser: bool = True,
        echo: Callable[[str], None] = print) -> int:
    """Open JupyterLab on the quickstart notebook in ``folder``, on ``board`` or a demo board."""
    require("jupyterlab")
    folder = folder.absolute()
    board = prepare_workspace(folder, board=board, tasks=tasks, echo=echo)
    port = port or free_port()
    token = secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KANBAN_DB": str(board)}
    return run_server(lab_command(folder, port, token), f"{base}/lab/tree/quickstart.ipynb?token={token}",
                      f"{base}/api/status?token={token}", env=env, echo=echo,
                      open_browser=open_browser)


def serve(folder: Path, *, board: Optional[Path] = None, port: Optional[int] = None,
        tasks: int = 300, open_browser: bool = False,
          echo: Callable[[str], None] = print) -> int:
    """Serve the live demo notebook as a standalone page through Voila, on ``board`` or a demo
    board."""
    require("voila")
    folder = folder.absolute()
    board = prepare_workspace(folder, board=board, tasks=tasks, echo=echo)
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KANBAN_DB": str(board)}
    return run_server(voila_command(folder, port), f"{base}/", f"{base}/api/kernelspecs",
                      env=env, echo=echo, open_browser=open_browser)
