"""Runs the front end's own unit tests (vitest, in js/) as part of the one test command."""

import os
import shutil
import subprocess
from pathlib import Path

JS = Path(__file__).resolve().parent.parent / "js"


def test_vitest_suite_passes():
    assert shutil.which("npm"), "npm is needed for the front-end tests (install Node.js 20+)"
    assert (JS / "node_modules").is_dir(), "run `npm ci` in js/ first (.ci/run does)"
    proc = subprocess.run(["npm", "test", "--silent"], cwd=JS, capture_output=True, text=True,
                          timeout=240, env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"})
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    summary = output.split("Test Files")[-1]
    assert " passed" in summary and " failed" not in summary, output[-2000:]


def test_eslint_finds_nothing():
    """ESLint's recommended rules over js/src, js/test and the build script (js/eslint.config.mjs)."""
    assert shutil.which("npm"), "npm is needed for the front-end lint (install Node.js 20+)"
    proc = subprocess.run(["npm", "run", "lint", "--silent"], cwd=JS, capture_output=True,
                          text=True, timeout=240,
                          env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
