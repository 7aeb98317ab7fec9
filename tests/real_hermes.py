"""The real Hermes Agent, as its users run it: ``hermes kanban ...`` and ``hermes dashboard``.

The compatibility tests in ``tests/store`` build Hermes boards from the reference's tables; the
tests that use this module let Hermes itself write and serve the board instead. Each version in
:data:`VERSIONS` is installed from PyPI into a virtual environment of its own under
``.hermes-agent/`` (never into the test venv: Hermes pins exact versions of some thirty
libraries) on first use; ``.ci/run`` installs them up front. Each :class:`Hermes` has its own
``HERMES_HOME`` (and ``HOME``), so nothing touches the user's ``~/.hermes``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
#: The Hermes releases tested: the oldest on PyPI with the Kanban board, and the newest.
VERSIONS = ("0.13.0", "0.19.0")
VENVS = ROOT / ".hermes-agent"


def installed(version: str) -> Path:
    """The ``bin`` folder of a venv holding ``hermes-agent==version``, installed if need be
    (about 20 s and 230 MB each, from the package registry)."""
    venv = VENVS / version
    bin_dir = venv / "bin"
    if (bin_dir / "hermes").exists():
        return bin_dir
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    done = subprocess.run(
        [str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check",
         f"hermes-agent=={version}"], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not install hermes-agent=={version} into {venv} (the tests "
                           f"of tests/real_hermes.py need the package registry):\n{done.stderr}")
    return bin_dir


class Dashboard(NamedTuple):
    """A running ``hermes dashboard``: its kanban API and the session token it guards it with."""

    url: str
    token: str


class Hermes:
    """One Hermes install and one ``HERMES_HOME``; the default board is ``self.db``."""

    def __init__(self, version: str, home: Path):
        self.version = version
        self.bin = installed(version)
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.db = home / "kanban.db"
        self.env = {**os.environ, "HERMES_HOME": str(home), "HOME": str(home),
                    "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}

    def kanban(self, *args: str) -> str:
        """Run ``hermes kanban ARGS`` and return what it printed; a failure raises with its
        output."""
        done = subprocess.run([str(self.bin / "hermes"), "kanban", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"hermes {self.version} kanban {' '.join(args)} failed "
                                 f"({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def create(self, title: str, *options: str) -> str:
        """``hermes kanban create --json``: the new task's id."""
        return json.loads(self.kanban("create", title, *options, "--json"))["id"]

    def statuses(self) -> dict[str, str]:
        """Every task's status as Hermes lists it (archived ones too)."""
        return {t["id"]: t["status"] for t in json.loads(self.kanban("list", "--archived",
                                                                     "--json"))}

    def show(self, task_id: str) -> dict:
        """``hermes kanban show ID --json``: the task with its comments and events."""
        return json.loads(self.kanban("show", task_id, "--json"))

    def run_timed(self, commands: list[list[str]], *, start: int,
                  step: int = 60) -> tuple[list[str], list[tuple[int, dict]]]:
        """Run ``hermes kanban`` commands at ``start``, ``start + step``, ... (Hermes' clock set
        by ``tests/hermes_driver.py``); returns the ids created and, after each command, its
        time and every task's status as Hermes holds it. An argument ``{n}`` is the n-th task
        created."""
        done = subprocess.run(
            [str(self.bin / "python"), str(Path(__file__).with_name("hermes_driver.py"))],
            input=json.dumps({"start": start, "step": step, "commands": commands}),
            env=self.env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise AssertionError(f"hermes {self.version}: {done.stderr[-3000:]}")
        out = json.loads(done.stdout[done.stdout.index('{"ids"'):])
        return out["ids"], [(t, statuses) for t, statuses in out["moments"]]

    @contextlib.contextmanager
    def dashboard(self) -> Iterator[Dashboard]:
        """Run ``hermes dashboard`` on a free loopback port until the block ends (0.19.0 on;
        older releases need the ``[web]`` extra). The session token is the one its own web page
        is given (``window.__HERMES_SESSION_TOKEN__``)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = self.home / "dashboard.log"
        with open(log, "wb") as out:  # a text log of ours, not a board file
            process = subprocess.Popen(
                [str(self.bin / "hermes"), "dashboard", "--port", str(port), "--host",
                 "127.0.0.1", "--skip-build", "--no-open", "--isolated"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(base + "/", timeout=5) as answer:
                        page = answer.read().decode("utf-8")
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("hermes dashboard did not start:\n"
                                           + log.read_text(errors="replace")) from None
                    time.sleep(0.2)
            token = re.search(r'__HERMES_SESSION_TOKEN__\s*=\s*"([^"]+)"', page).group(1)
            yield Dashboard(base + "/api/plugins/kanban", token)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
