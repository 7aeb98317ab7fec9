"""A real marimo server for end-to-end tests: isolated, on 127.0.0.1, torn down.

``MarimoServer(root, notebook, mode)`` runs ``marimo edit`` or ``marimo run`` on a notebook
file in ``root`` with a random port, no token, throwaway XDG folders (config, cache, state) and
no update check, in a process group of its own, so stopping it ends its kernels too. It is a
``LabServer`` for the parts they share (folders, port, start-up wait, ``with``).
``open(page)`` loads the notebook and, in edit mode, runs every cell the way a person does
(marimo's edit mode opens with the cells stale).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from labserver import LabServer

MODES = ("edit", "run")


class MarimoServer(LabServer):
    def __init__(self, root: Path, notebook: str, mode: str = "edit", env: dict | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        super().__init__(root, env=env)
        self.notebook, self.mode = notebook, mode
        self.env.update(MARIMO_SKIP_UPDATE_CHECK="1", XDG_CONFIG_HOME=str(self.tmp / "config"),
                        XDG_CACHE_HOME=str(self.tmp / "cache"),
                        XDG_STATE_HOME=str(self.tmp / "state"))

    def start(self, timeout: float = 60.0) -> "MarimoServer":
        cmd = [sys.executable, "-m", "marimo", "-y", self.mode, self.notebook, "--headless",
               "--no-token", "--host", "127.0.0.1", "-p", str(self.port), "--no-sandbox"]
        return self._launch(cmd, f"marimo {self.mode}", "/health", timeout)

    def stop(self) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            try:  # whatever of the group is still alive (a kernel slow to go)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
            self.log.close()
            self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def open(self, page, timeout: float = 60_000) -> None:
        """Load the notebook's page; in edit mode, run all cells with marimo's run button."""
        page.goto(f"{self.base}/", wait_until="domcontentloaded", timeout=timeout)
        if self.mode == "edit":
            # A click before the kernel is connected is ignored: wait for the footer's check.
            page.locator("[data-testid=backend-status] .lucide-circle-check").wait_for(
                timeout=timeout)
            page.locator("[data-testid=chrome-controls-bottom-right] "
                         "[data-testid=run-button]").click()
