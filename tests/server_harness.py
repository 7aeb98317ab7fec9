"""A real ``kanban-widget api`` server for the server tests: a subprocess on a free loopback
port, over a real board file, with helpers to call it over HTTP and WebSocket."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

import httpx
from websockets.sync.client import connect

TOKEN = "test-token-0123456789abcdef"
API = "/api/plugins/kanban"


class Server:
    """One ``kanban-widget api`` process; ``url`` is its API root (no trailing slash)."""

    def __init__(self, args: list[str], env: Optional[dict] = None, token: str = TOKEN,
                 port: int = 0, program: Optional[list] = None):
        self.token = token
        self.proc = subprocess.Popen(  # program: another launcher of the CLI (a test's own)
            [*(program or [sys.executable, "-m", "kanban_widget.cli"]), *args, "api", "--port", str(port),
             "--token", token],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"the server did not start: {line!r} {self.proc.stderr.read()!r}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}{API}"
        self.http = httpx.Client(base_url=self.url, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                self.http.get("/config")
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def ws(self, path: str, **query) -> "connect":
        """A WebSocket to ``path`` with the token (unless ``token=None`` is given)."""
        query.setdefault("token", self.token)
        qs = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        return connect(f"ws://127.0.0.1:{self.port}{API}{path}?{qs}", open_timeout=30)

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


@contextlib.contextmanager
def serving(db: Path, *args: str) -> Iterator[Server]:
    """A server of the board file ``db`` (more CLI arguments in ``args``), stopped after."""
    running = Server(["--db", str(db), *args])
    try:
        yield running
    finally:
        running.stop()


def seeded_board(folder: Path, title: str = "Already there") -> Path:
    """A new board file in ``folder`` holding one task, ``title``."""
    from kanban_widget import Store

    path = folder / "kanban.db"
    with Store(path) as store:
        store.create_task(title)
    return path


def cli(db: Path, *args: str) -> str:
    """Run a ``kanban-widget --db DB ...`` command in another process; its stdout."""
    done = subprocess.run([sys.executable, "-m", "kanban_widget.cli", "--db", str(db), *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def next_message(ws, *, until, timeout: float = 30.0) -> dict:
    """The first message on ``ws`` for which ``until(message)`` holds (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "no such message arrived"
        message = json.loads(ws.recv(timeout=remaining))
        if until(message):
            return message
