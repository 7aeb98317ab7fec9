"""`kanban-widget lab` and `serve`: a real server starts, its URL is printed, Ctrl-C stops it."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from kanban_widget import Store
from kanban_widget.cli import cli

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "kanban_widget.cli"]


def _start(args, tmp_path, env=None):
    proc = subprocess.Popen(CLI + args, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Open http"):
            return proc, line.split()[1], lines
    proc.kill()
    raise AssertionError(f"no URL printed: {''.join(lines)}")


def _stop_with_ctrl_c(proc, port):
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, out
    assert "Stopping the server" in out and "Aborted" not in out
    with socket.socket() as sock:  # nothing listens any more
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_lab_opens_the_quickstart_on_a_demo_board_and_stops_on_ctrl_c(tmp_path):
    proc, url, _ = _start(["lab", "--no-browser", "--tasks", "40", "ws"], tmp_path)
    assert "/lab/tree/quickstart.ipynb?token=" in url
    base, token = url.split("/lab/")[0], url.split("token=")[1]
    with urllib.request.urlopen(f"{base}/api/contents/quickstart.ipynb?token={token}",
                                timeout=10) as resp:
        assert resp.status == 200
    with Store(tmp_path / "ws" / "demo.db", read_only=True) as store:
        assert len(store.list_tasks(include_archived=True)) == 40
    assert {p.name for p in (tmp_path / "ws").glob("*.ipynb")} == {
        "quickstart.ipynb", "triage.ipynb", "analytics.ipynb", "live_demo.ipynb"}
    _stop_with_ctrl_c(proc, int(base.rsplit(":", 1)[1]))


def test_serve_shows_the_live_demo_through_voila(tmp_path):
    board = tmp_path / "mine.db"
    with Store(board) as store:
        store.create_task("Served by Voila", assignee="agent-1")
    proc, url, _ = _start(["--db", str(board), "serve", "ws"], tmp_path,
                          env={"KANBAN_DEMO_SECONDS": "2"})
    with urllib.request.urlopen(url, timeout=120) as resp:  # Voila runs the notebook here
        page = resp.read().decode()
    assert resp.status == 200
    assert "application/vnd.jupyter.widget-view+json" in page
    assert not (tmp_path / "ws" / "demo.db").exists()  # --db was used, no demo written
    _stop_with_ctrl_c(proc, int(url.rstrip("/").rsplit(":", 1)[1]))


def test_lab_without_jupyterlab_names_the_install_command(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    result = CliRunner().invoke(cli, ["lab", "--no-browser", str(tmp_path / "ws")])
    assert result.exit_code == 1
    assert 'pip install "kanban-widget[lab]"' in result.output
    assert len(result.output.strip().splitlines()) == 1
