"""A real JupyterLab for end-to-end tests and benchmarks: isolated, on 127.0.0.1, torn down.

``LabServer`` starts ``jupyter lab`` with throwaway config/data/runtime/settings folders, a
random port and token, and settings that keep the page quiet (no news toast, no autosave, every
cell in the DOM). ``open_notebook`` writes a notebook, opens it in a Playwright page, runs all
cells and waits for the kernel to go idle. Used by ``tests/e2e/test_lab.py`` and
``bench/bench_sync.py``.

``LabServer(root, app="notebook")`` starts Jupyter Notebook 7 instead, the same way (its lab-style
options live on ``JupyterNotebookApp``); ``open_notebook`` then drives Notebook 7's page
(``/notebooks/<name>``, Run → Run All Cells). Used by ``tests/e2e/test_notebook7.py``.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat

SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# app -> (module run with ``python -m``, the traitlets class its lab-style options live on)
APPS = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """One JupyterLab server rooted at ``root`` (a folder the notebooks are written into); with
    ``app="notebook"``, one Jupyter Notebook 7 server."""

    def __init__(self, root: Path, env: dict | None = None, settings: dict | None = None,
                 app: str = "lab"):
        if app not in APPS:
            raise ValueError(f"app must be one of {sorted(APPS)}, not {app!r}")
        self.app = app
        self.root = Path(root)
        self.settings = {**SETTINGS, **(settings or {})}
        self.tmp = Path(tempfile.mkdtemp(prefix="kanban-lab-"))
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, **(env or {}),
                        JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
                        JUPYTER_DATA_DIR=str(self.tmp / "data"),
                        JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
                        IPYTHONDIR=str(self.tmp / "ipython"))
        # The kernel must find the venv's jupyter data (anywidget's labextension lives there).
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> "LabServer":
        for rel, data in self.settings.items():
            path = self.tmp / "settings" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data))
        module, cls = APPS[self.app]
        cmd = [sys.executable, "-m", module, "--no-browser", f"--port={self.port}",
               "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               f"--{cls}.user_settings_dir={self.tmp / 'settings'}",
               f"--{cls}.workspaces_dir={self.tmp / 'workspaces'}"]
        if self.app == "lab":  # Notebook 7 has neither option (nor a news feed)
            cmd += ["--LabApp.news_url=None",
                    "--LabApp.check_for_updates_class="
                    "jupyterlab.handlers.announcements.NeverCheckForUpdate"]
        else:  # window.jupyterapp: the only way to tell "kernel connected" from "no kernel yet"
            cmd.append("--JupyterNotebookApp.expose_app_in_browser=True")
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        return self._launch(cmd, f"jupyter {self.app}", "/api/status", timeout)

    def _launch(self, cmd: list[str], name: str, health: str, timeout: float):
        """Start ``cmd`` in a session of its own, logging to ``server.log``, and wait until
        ``health`` answers (failing at once if the process exits)."""
        self.log = open(self.tmp / "server.log", "w")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.root, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({self.proc.returncode}): "
                                   f"{(self.tmp / 'server.log').read_text()[-3000:]}")
            try:
                if self.http(health)[0] == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within {timeout} s")
            time.sleep(0.2)

    def http(self, path: str, method: str = "GET", timeout: float = 2.0):
        req = urllib.request.Request(self.base + path, method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()

    def stop(self) -> None:
        if self.proc is None:
            return
        import psutil  # a jupyter_server dependency

        # Kernels run in sessions of their own: remember them to end any the shutdown misses.
        try:
            kernels = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            kernels = []
        try:
            self.http("/api/shutdown", method="POST")
        except OSError:
            pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        _, alive = psutil.wait_procs(kernels, timeout=10)
        for process in alive:
            process.kill()
        self.log.close()
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "LabServer":
        try:
            return self.start()
        except BaseException:  # a server that never answered is still a process to end
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- driving a notebook ----------------------------------------------------------------------

    def write_notebook(self, name: str, cells: list[str]) -> str:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        nbformat.write(nb, self.root / name)
        return name

    def open_notebook(self, page, name: str, n_cells: int, timeout: float = 90_000) -> None:
        """Open ``name`` in ``page``, run all cells, and wait until every one ran and the kernel
        is idle."""
        if self.app == "notebook":
            return self._open_in_notebook7(page, name, n_cells, timeout)
        page.goto(f"{self.base}/lab/tree/{name}?reset&token={self.token}",
                  wait_until="domcontentloaded", timeout=timeout)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout)
        wait_kernel_idle(page, timeout)
        _run_all_cells(page)
        wait_prompts_numbered(page, n_cells, timeout)
        wait_kernel_idle(page, timeout)

    def run_cell(self, page, index: int, source: str | None = None, timeout: float = 30_000) -> None:
        """Re-run cell ``index`` in place (Ctrl+Enter), optionally after replacing its source."""
        cell = page.locator(".jp-CodeCell").nth(index)
        editor = cell.locator(".jp-InputArea-editor")
        editor.click()
        if source is not None:
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(source)
        page.keyboard.press("Control+Enter")
        if self.app == "notebook":
            wait_kernel_idle_notebook7(page, timeout)
        else:
            wait_kernel_idle(page, timeout)

    def _open_in_notebook7(self, page, name: str, n_cells: int, timeout: float) -> None:
        # Notebook 7 shows one document per page, at /notebooks/<path>, with no status bar.
        page.goto(f"{self.base}/notebooks/{urllib.parse.quote(name)}?token={self.token}",
                  wait_until="domcontentloaded", timeout=timeout)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout)
        # Run All before the page holds a kernel would ask which kernel to use: wait for it.
        wait_kernel_idle_notebook7(page, timeout)
        _run_all_cells(page)
        wait_prompts_numbered(page, n_cells, timeout)
        wait_kernel_idle_notebook7(page, timeout)


def _run_all_cells(page) -> None:
    """Run → Run All Cells from the menu bar (the same in JupyterLab and Notebook 7)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def wait_prompts_numbered(page, n_cells: int, timeout: float = 60_000) -> None:
    """Wait until there are ``n_cells`` code cells and each shows an execution count."""
    page.wait_for_function(
        "n => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];"
        " return p.length === n && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }",
        arg=n_cells, timeout=timeout)


def wait_kernel_idle_notebook7(page, timeout: float = 60_000) -> None:
    """Notebook 7: the page's kernel is connected and idle.

    Its execution indicator already reads "idle" before the kernel exists, so ask the app
    (exposed by ``expose_app_in_browser``) for the session's kernel instead.
    """
    page.wait_for_function(
        "() => { const k = window.jupyterapp?.shell?.currentWidget?.sessionContext?.session"
        "?.kernel; return !!k && k.connectionStatus === 'connected' && k.status === 'idle'; }",
        timeout=timeout)


def wait_kernel_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]"
        ".some(e => / \\| Idle$/.test(e.textContent))", timeout=timeout)


# -- what the real-Jupyter tests do to a board --------------------------------------------------

def drag_beside(page, card, column, steps: int = 15) -> None:
    """Press on ``card``, move sideways into ``column`` at the card's height, release.

    Columns can be taller than the window, so the drop aims beside the card rather than at
    the column's centre, which may be off screen.
    """
    card.scroll_into_view_if_needed()
    start, target = card.bounding_box(), column.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    to_x = target["x"] + target["width"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, steps + 1):
        page.mouse.move(x + (to_x - x) * i / steps, y)
    page.mouse.up()


def _create_task(path: str, title: str) -> None:
    from kanban_widget import Store

    with Store(path) as store:
        store.create_task(title, assignee="zed", priority=50)


def create_in_another_process(path, title: str = "Made by another process") -> None:
    """Commit a new top-priority task from a separate process, as an agent or the CLI would."""
    import multiprocessing

    proc = multiprocessing.get_context("spawn").Process(target=_create_task,
                                                        args=(str(path), title))
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0, f"the other process failed (exit code {proc.exitcode})"


def drag_to_todo_and_check(page, root, title: str, path) -> str:
    """Drag the ready card titled ``title`` to todo, wait for Python's reply to confirm it (a
    moved card is marked pending until then), and check the board file records the move.
    Returns the task's id."""
    card = root.locator('[data-column="ready"] [data-task-id]', has_text=title)
    task_id = card.get_attribute("data-task-id")
    drag_beside(page, card, root.locator('[data-column="todo"]'))
    root.locator(f'[data-column="todo"] [data-task-id="{task_id}"]:not(.kb-pending)').wait_for(
        timeout=15_000)
    wait_status(path, task_id, "todo")
    return task_id


# -- `kanban-widget lab` / `serve` as a user starts them ----------------------------------------

class LaunchedCLI:
    """``kanban-widget <args>`` started as from a terminal, its URL read from its output.

    Every process it starts inherits a marker variable, so the test can find them all (kernels
    run in sessions of their own, and are reparented when their server dies) and prove that
    none is left, and ``close`` ends any that are, even after a failed test. With
    ``ignore_sigint`` it starts with SIGINT ignored, as a shell's background job does; otherwise
    with the default disposition, whatever the test runner's own is.
    """

    def __init__(self, args: list, cwd: Path, env: dict | None = None,
                 ignore_sigint: bool = False):
        self.marker = secrets.token_hex(8)
        self.jupyter = Path(tempfile.mkdtemp(prefix="kanban-cli-"))
        self.env = dict(os.environ, **(env or {}), PYTHONUNBUFFERED="1",
                        KANBAN_TEST_MARKER=self.marker,
                        # the user's Jupyter config, data and runtime stay untouched
                        JUPYTER_CONFIG_DIR=str(self.jupyter / "config"),
                        JUPYTER_DATA_DIR=str(self.jupyter / "data"),
                        JUPYTER_RUNTIME_DIR=str(self.jupyter / "runtime"),
                        IPYTHONDIR=str(self.jupyter / "ipython"))
        disposition = signal.SIG_IGN if ignore_sigint else signal.SIG_DFL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kanban_widget.cli", *args], cwd=cwd, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, disposition))
        self.lines: list[str] = []
        self.url = ""
        # A thread reads the output: select() on a buffered pipe misses lines already buffered.
        self._output: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._output.put(line)
        self._output.put(None)

    def _take(self, timeout: float) -> str | None:
        line = self._output.get(timeout=timeout)
        if line is not None:
            self.lines.append(line)
        return line

    def wait_url(self, timeout: float = 180.0) -> str:
        """Read the output until the ``Open <url>`` line; fail with the output if it never comes."""
        deadline = time.monotonic() + timeout
        try:
            while (line := self._take(max(0.0, deadline - time.monotonic()))) is not None:
                if line.startswith("Open http"):
                    self.url = line.split()[1]
                    return self.url
        except queue.Empty:
            pass
        raise AssertionError(f"no URL printed within {timeout:.0f} s: {''.join(self.lines)}")

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.url).port

    def processes(self) -> list:
        """Every live process carrying this launch's marker: the CLI, the server, kernels."""
        import psutil

        found = []
        for process in psutil.process_iter():
            try:
                if process.environ().get("KANBAN_TEST_MARKER") == self.marker:
                    found.append(process)
            except psutil.Error:  # gone, or a zombie
                pass
        return found

    def stop(self, signum: int, timeout: float = 60.0) -> str:
        """Send ``signum`` to the CLI alone (as the terminal's Ctrl-C or a supervisor's SIGTERM
        reaches it) and return the rest of its output once it exits."""
        self.proc.send_signal(signum)
        self.proc.wait(timeout)
        self._reader.join(10)
        while self._take(timeout=1) is not None:
            pass
        return "".join(self.lines)

    def close(self) -> None:
        """End whatever is left, the CLI's group and every marked process."""
        import psutil

        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        left = self.processes()
        for process in left:
            try:
                process.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(left, timeout=10)
        self._reader.join(10)
        self.proc.stdout.close()
        shutil.rmtree(self.jupyter, ignore_errors=True)

    def __enter__(self) -> "LaunchedCLI":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def wait_status(path, task_id: str, status: str, timeout: float = 15.0) -> None:
    """Wait until the store says ``task_id`` is in ``status``. The page moves a card as soon as
    it is dropped; the kernel commits the move a moment later, later still on a busy machine."""
    from kanban_widget import Store

    deadline = time.monotonic() + timeout
    while True:
        with Store(path, read_only=True) as store:
            now = store.get_task(task_id).status
        if now == status:
            return
        assert time.monotonic() < deadline, f"{task_id} is {now}, not {status}, after {timeout} s"
        time.sleep(0.1)
