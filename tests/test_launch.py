"""`kanban-widget lab` and `serve`: a real server starts, its URL is printed, and SIGINT or
SIGTERM stops it and everything it started, whatever SIGINT disposition the CLI inherited."""

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest
from click.testing import CliRunner

from kanban_widget import Store
from kanban_widget.cli import cli
from kanban_widget.launch import stop_tree
from tests.e2e.labserver import LaunchedCLI

pytestmark = pytest.mark.slow
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def launch(tmp_path):
    """Start ``kanban-widget ARGS`` like a user; everything it started is ended afterwards, even
    when the test fails half-way."""
    started = []

    def start(args, **kwargs):
        launched = LaunchedCLI(args, tmp_path, **kwargs)
        started.append(launched)
        launched.wait_url()
        return launched

    yield start
    for launched in started:
        launched.close()


def _stopped_cleanly(launched: LaunchedCLI, signum: int, kernels: int = 1) -> None:
    """Stop with ``signum``; the CLI exits 0 and no process of its tree is left or listening."""
    running = launched.processes()
    assert len(running) >= 2 + kernels, running  # the CLI, the server and its kernels
    out = launched.stop(signum)
    assert launched.proc.returncode == 0, out
    assert "Stopping the server" in out and "Aborted" not in out and "Traceback" not in out, out
    left = launched.processes()
    assert left == [], [(p.pid, p.name()) for p in left]
    with socket.socket() as sock:  # nothing listens any more
        assert sock.connect_ex(("127.0.0.1", launched.port)) != 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_lab_runs_the_quickstart_and_stops_everything(launch, tmp_path, signum):
    # Started with SIGINT ignored (a background job of a script): Ctrl-C must still stop it.
    xdg = tmp_path / "data"
    launched = launch(["lab", "--no-browser", "--tasks", "40"], env={"XDG_DATA_HOME": str(xdg)},
                      ignore_sigint=signum == signal.SIGINT)
    assert "/lab/tree/quickstart.ipynb?token=" in launched.url

    # The default workspace is in the user's data folder: the current folder stays clean.
    workspace = xdg / "kanban-widget" / "demo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert {p.name for p in workspace.glob("*.ipynb")} == {
        "quickstart.ipynb", "triage.ipynb", "analytics.ipynb", "live_demo.ipynb"}
    base, token = launched.url.split("/lab/")[0], launched.url.split("token=")[1]
    with urllib.request.urlopen(f"{base}/api/contents/quickstart.ipynb?token={token}",
                                timeout=10) as resp:
        assert resp.status == 200

    # The quickstart ran in the kernel of its session before the URL was printed.
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as resp:
        sessions = json.loads(resp.read())
    assert [s["path"] for s in sessions] == ["quickstart.ipynb"]
    saved = json.loads((workspace / "quickstart.ipynb").read_text())
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code)
    assert not any(o["output_type"] == "error" for c in code for o in c["outputs"])
    assert any(WIDGET_MIME in o.get("data", {}) for o in code[0]["outputs"])
    with Store(workspace / "demo.db", read_only=True) as store:
        titles = [t.title for t in store.list_tasks(include_archived=True)]
    assert len(titles) == 44 and "Build the landing page" in titles  # 40 + the quickstart's 4

    _stopped_cleanly(launched, signum)


def test_lab_on_the_users_own_board_adds_no_example_tasks(launch, tmp_path):
    board = tmp_path / "mine.db"
    with Store(board) as store:
        store.create_task("My only task")
    launched = launch(["--db", str(board), "lab", "--no-browser", "ws"])
    assert "Not running quickstart.ipynb" in "".join(launched.lines)
    base, token = launched.url.split("/lab/")[0], launched.url.split("token=")[1]
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as resp:
        assert json.loads(resp.read()) == []
    with Store(board, read_only=True) as store:
        assert [t.title for t in store.list_tasks(include_archived=True)] == ["My only task"]
    assert not (tmp_path / "ws" / "demo.db").exists()
    _stopped_cleanly(launched, signal.SIGTERM, kernels=0)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_shows_the_live_demo_and_stops_everything(launch, tmp_path, signum):
    board = tmp_path / "mine.db"
    with Store(board) as store:
        store.create_task("Served by Voila", assignee="agent-1")
    launched = launch(["--db", str(board), "serve", "--no-browser", "ws"],
                      env={"KANBAN_DEMO_SECONDS": "2"}, ignore_sigint=signum == signal.SIGINT)
    with urllib.request.urlopen(launched.url, timeout=120) as resp:  # Voila runs it here
        page = resp.read().decode()
    assert resp.status == 200
    assert WIDGET_MIME in page
    assert not (tmp_path / "ws" / "demo.db").exists()  # --db was used, no demo written
    _stopped_cleanly(launched, signum)


# A server that exits on SIGTERM without ending its kernel, which runs in a session of its own.
CARELESS_SERVER = r"""
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                          start_new_session=True)
print(kernel.pid, flush=True)
time.sleep(600)
"""


def test_stop_tree_ends_the_kernels_a_server_leaves_behind():
    import psutil

    proc = subprocess.Popen([sys.executable, "-c", CARELESS_SERVER], start_new_session=True,
                            stdout=subprocess.PIPE, text=True)
    kernel = None
    try:
        kernel = psutil.Process(int(proc.stdout.readline()))
        assert kernel.is_running() and kernel.ppid() == proc.pid
        stop_tree(proc)
        assert proc.returncode == 0  # the server itself obeyed SIGTERM
        gone, alive = psutil.wait_procs([kernel], timeout=10)
        assert alive == [], "the kernel outlived its server"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        if kernel is not None and kernel.is_running():
            kernel.kill()


def test_lab_without_jupyterlab_names_the_install_command(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    result = CliRunner().invoke(cli, ["lab", "--no-browser", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert 'pip install "kanban-widget[lab]"' in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["lab", "serve"])
def test_both_commands_open_a_browser_unless_told_not_to(command, monkeypatch, tmp_path):
    import kanban_widget.launch as launch_module

    calls = []
    monkeypatch.setattr(launch_module, command,
                        lambda folder, **kwargs: calls.append((folder, kwargs)) or 0)
    runner = CliRunner()
    assert runner.invoke(cli, [command]).exit_code == 0
    assert runner.invoke(cli, [command, "--no-browser", str(tmp_path)]).exit_code == 0
    assert [(folder, kw["open_browser"]) for folder, kw in calls] == [(None, True),
                                                                      (tmp_path, False)]
