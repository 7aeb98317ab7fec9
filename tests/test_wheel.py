"""The wheel carries the built front end and the notebooks, and works where there is no Node."""

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

CHECK = r'''
import json, sys
from kanban_widget import KanbanBoard, Store
path = sys.argv[1]
with Store(path) as store:
    store.create_task("Shipped in a wheel")
board = KanbanBoard(path)
bundle = board._repr_mimebundle_()
view = bundle[0] if isinstance(bundle, tuple) else bundle
state = board.get_state()
print(json.dumps({
    "view": "application/vnd.jupyter.widget-view+json" in view,
    "esm": len(state["_esm"]),
    "cards": [c["title"] for c in state["_board"]["cards"]],
}))
board.close()
'''


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir",
                    str(out), str(REPO)], check=True, capture_output=True, timeout=300)
    (found,) = out.glob("kanban_widget-*.whl")
    return found


def test_wheel_contains_the_bundle_and_the_notebooks(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kanban_widget/static/widget.js" in names
    assert "kanban_widget/static/widget.css" in names
    for notebook in ("quickstart", "triage", "analytics", "live_demo"):
        assert f"kanban_widget/notebooks/{notebook}.ipynb" in names
    assert not any(n.startswith(("tests/", "js/", "bench/")) for n in names)


def test_wheel_installs_and_shows_a_board_without_node(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # No Node anywhere on PATH: the installed package must not need it.
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if not (Path(p) / "node").exists() and not (Path(p) / "npm").exists())
    env = {**os.environ, "PATH": path, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True, env=env,
                   capture_output=True, timeout=600)
    result = subprocess.run([python, "-c", CHECK, str(tmp_path / "k.db")], env=env,
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["view"] is True
    assert shown["esm"] > 10_000  # the real bundle, not a stub
    assert shown["cards"] == ["Shipped in a wheel"]
    cli = subprocess.run([env_dir / "bin" / "kanban-widget", "--help"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and "demo" in cli.stdout
