"""No two modules of the package import each other, directly or round a loop.

Static, read with ``ast``. At import time only module-level imports count (an import
inside a function runs later; one under ``if TYPE_CHECKING:`` never). Modules that
lean on each other through deferred imports are still tangled, so a second test
counts every import statement. A package's own ``__init__`` running first is not
counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import openai_bedrock

SRC = Path(openai_bedrock.__file__).parent
PACKAGE = "openai_bedrock"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(path): path for path in SRC.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If) and not _is_type_checking(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


def _every_import(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _imports(name: str, *, deferred: bool = False) -> set[str]:
    path = MODULES[name]
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    read = _every_import if deferred else _top_level_imports
    for node in read(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
            continue
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            # ``from . import _shapes`` imports a module, not a name.
            module = f"{source}.{alias.name}"
            targets.add(module if module in MODULES else source)
    # A package is imported (or being imported) before its modules: not an edge.
    ancestors = {name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)}
    return {t for t in targets if t in MODULES and t != name and t not in ancestors}


def _cycles(*, deferred: bool = False) -> list[list[str]]:
    graph = {name: _imports(name, deferred=deferred) for name in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def test_the_scan_sees_the_package_imports() -> None:
    assert f"{PACKAGE}._errors" in _imports(f"{PACKAGE}._settings")
    assert f"{PACKAGE}.testing._shapes" in _imports(f"{PACKAGE}.testing._emulator")


def test_no_import_cycle_among_the_package_modules() -> None:
    assert _cycles() == []


def test_no_import_cycle_even_through_deferred_imports() -> None:
    assert _cycles(deferred=True) == []
