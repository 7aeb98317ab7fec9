"""The store's modules keep to the rules of its design (``store/store.py``'s docstring):
each concept is a class holding the store, none reaches into another module's or object's
private names, and the modules import one another without a cycle, hidden or not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kanban_widget.store
from kanban_widget.store import Store

STORE = Path(kanban_widget.store.__file__).parent
MODULES = sorted(STORE.glob("*.py"))


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def store_module_of(node: ast.ImportFrom, alias: str = "") -> str | None:
    """The store module an import names (``"tasks"`` for ``from .tasks import ...`` or
    ``from kanban_widget.store.tasks import ...``; the alias itself for ``from . import
    schema``), or None for an import from elsewhere."""
    if node.level == 1:
        return node.module.split(".")[0] if node.module else alias
    prefix = "kanban_widget.store."
    if node.level == 0 and (node.module or "").startswith(prefix):
        return node.module[len(prefix):].split(".")[0]
    return None


def private_imports(tree: ast.Module) -> list[str]:
    """``from .other import _name`` and the like: another store module's private names."""
    return [f"line {node.lineno}: from {'.' * node.level}{node.module or ''} import {a.name}"
            for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for a in node.names
            if a.name.startswith("_") and store_module_of(node, a.name) is not None]


def private_reaches(tree: ast.Module) -> list[str]:
    """``thing._name`` where ``thing`` is not ``self`` or ``cls``: another object's (or
    module's) private attribute."""
    return [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))]


def runtime_imports(tree: ast.Module) -> set[str]:
    """The store modules this one imports, at its top or inside its functions (``if
    TYPE_CHECKING:`` blocks run only for type checkers and are left out)."""
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom):
                found.update(m for a in inner.names if (m := store_module_of(inner, a.name)))
    return found


#: Store modules that need numpy, imported on demand so that ``import kanban_widget.store``
#: stays standard library: the one exception to "no imports inside functions".
ON_DEMAND = {"history"}


def function_level_imports(tree: ast.Module) -> list[str]:
    """Imports of store modules inside functions: how a cycle is usually hidden."""
    return [f"line {inner.lineno}: {ast.unparse(inner)}"
            for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for inner in ast.walk(node)
            if isinstance(inner, ast.ImportFrom)
            and store_module_of(inner) not in (None, *ON_DEMAND)]


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` as a path of module names, or [] when there is none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(name: str) -> list[str]:
        state[name] = "open"
        path.append(name)
        for other in sorted(graph.get(name, ())):
            if state.get(other) == "open":
                return path[path.index(other):] + [other]
            if other not in state and (found := visit(other)):
                return found
        state[name] = "done"
        path.pop()
        return []

    for name in sorted(graph):
        if name not in state and (found := visit(name)):
            return found
    return []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_another_modules_private_names(path):
    assert private_imports(parsed(path)) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_reaches_into_another_objects_private_names(path):
    assert private_reaches(parsed(path)) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_module_imports_store_modules_inside_functions(path):
    assert function_level_imports(parsed(path)) == []


def test_the_store_modules_import_one_another_without_a_cycle():
    graph = {path.stem: runtime_imports(parsed(path)) for path in MODULES}
    assert graph["store"] >= {"tasks", "moves", "links", "claims", "snapshot", "transitions"}
    assert cycle_in(graph) == []


def test_the_checks_catch_what_they_forbid():
    """Each rule, shown a module that breaks it, says so."""
    bad = ast.parse(
        "from .tasks import _clean_title\n"
        "from kanban_widget.store.claims import _claim\n"
        "from . import _columns\n"
        "def f(store):\n"
        "    from .boards import list_boards\n"
        "    return store._conn, self._ok\n")
    assert len(private_imports(bad)) == 3
    assert private_reaches(bad) == ["line 6: store._conn"]
    assert function_level_imports(bad) == ["line 5: from .boards import list_boards"]
    assert runtime_imports(bad) == {"tasks", "claims", "_columns", "boards"}
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) == []


def test_store_is_one_class_that_holds_its_nouns(fresh_store):
    """No mixins: Store's behaviour comes from the objects it holds, each holding it back."""
    assert Store.__mro__ == (Store, object)
    for noun in ("tasks", "moves", "links", "comments", "events", "claims", "snapshots",
                 "bulk_changes"):
        assert getattr(fresh_store, noun).store is fresh_store, noun
