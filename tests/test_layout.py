"""The package's import graph: arrows point one way, and the core never reaches up to the faces."""

from __future__ import annotations

import ast
from pathlib import Path

import textdistill_lab

ROOT = Path(textdistill_lab.__file__).parent
FACES = ("textdistill_lab.cli", "textdistill_lab.widgets", "textdistill_lab.report", "textdistill_lab.demo",
         "textdistill_lab.reproduce", "textdistill_lab.__main__")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere in its file (inside functions too)."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join([*base, *([node.module] if node.module else [])])
                for alias in node.names:
                    hit = next((t for t in (f"{target}.{alias.name}", target) if t in files), None)
                    if hit:
                        graph[name].add(hit)
            elif isinstance(node, ast.Import):
                graph[name] |= {alias.name for alias in node.names if alias.name in files}
    return graph


def test_no_import_circles():
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join([*path[path.index(module):], module]))
        if module in done:
            return
        for target in sorted(graph[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_core_never_imports_the_package_root_or_a_face():
    graph = import_graph()
    core = [m for m in graph if m != "textdistill_lab" and not m.startswith(FACES)]
    wrong = {m: sorted(t for t in graph[m] if t == "textdistill_lab" or t.startswith(FACES)) for m in core}
    assert not {m: t for m, t in wrong.items() if t}
