"""The code is lint-clean: ruff's pyflakes and pycodestyle error rules (pyproject.toml) pass
over the package, the tests, the benches and the scripts."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                           "kanban_widget", "tests", "bench", "scripts", "js/hatch_build.py"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
