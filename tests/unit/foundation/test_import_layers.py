"""Modules import downwards only: no import cycle among the project's modules, and a
function-level import of a project module says why it is local (a comment on its
line or the line above), since such imports are how cycles hide.

Read from the source with `ast` (nothing is imported), so a cycle is found even
when a function-level import keeps it from failing at load time. Run this file
as a script to see the findings.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROJECT_PACKAGES = ("flows", "phonelists", "dialer_site", "campaigns", "providers", "sandbox")


@dataclass(frozen=True)
class LocalImport:
    module: str
    line: int
    target: str


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PROJECT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement loads (`from a import b` may load a.b)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    return [source, *(f"{source}.{alias.name}" for alias in node.names)]


def resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The deepest project module that `name` is, or is in (a.b.func -> a.b)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def walk_imports(tree: ast.Module):
    """(import node, whether it is inside a function) for each import that runs;
    imports only for the type checker are skipped."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, local = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and is_type_checking(child):
                stack.extend((other, local) for other in child.orelse)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield child, local
            else:
                inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                stack.append((child, inner))


def import_graph() -> tuple[dict[str, set[str]], list[LocalImport]]:
    """(module -> the project modules it imports, function-level project imports
    that carry no comment)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    unexplained = []
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node, local in walk_imports(ast.parse(source, filename=str(path))):
            names = imported_names(node, name, path.name == "__init__.py")
            targets = {resolve(imported, modules) for imported in names} - {None, name}
            # `from pkg import module` also imports pkg itself; only the module counts.
            targets -= {t for t in targets if any(o.startswith(f"{t}.") for o in targets)}
            graph[name] |= targets
            if local and targets and not _has_comment(lines, node.lineno):
                unexplained.append(LocalImport(name, node.lineno, ", ".join(sorted(targets))))
    return graph, unexplained


def _has_comment(lines: list[str], line: int) -> bool:
    here, above = lines[line - 1], lines[line - 2] if line > 1 else ""
    return "#" in here or above.strip().startswith("#")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for node in sorted(graph):
            if node not in index:
                visit(node)
    finally:
        sys.setrecursionlimit(limit)
    return found


def package_of(module: str) -> str:
    return module.partition(".")[0]


def findings(packages: tuple[str, ...]) -> list[str]:
    graph, unexplained = import_graph()
    messages = [
        "import cycle: " + " <-> ".join(component)
        for component in cycles(graph)
        if any(package_of(member) in packages for member in component)
    ]
    messages += [
        f"{found.module}:{found.line} imports {found.target} inside a function "
        "without a comment saying why"
        for found in unexplained
        if package_of(found.module) in packages
    ]
    return messages


def test_checked_packages_import_downwards_only():
    assert findings(PROJECT_PACKAGES) == []


SAMPLE = """\
import os


def f():
    from . import b

    # imported here: the app registry is not ready at module load
    from . import c
    if TYPE_CHECKING:
        from . import d
"""


def test_the_checker_sees_cycles_and_unexplained_local_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    found = [(node.lineno, local) for node, local in walk_imports(ast.parse(SAMPLE))]
    assert sorted(found) == [(1, False), (5, True), (8, True)]
    lines = SAMPLE.splitlines()
    assert [_has_comment(lines, line) for line in (5, 8)] == [False, True]
    modules = {"p": ROOT, "p.a": ROOT, "p.b": ROOT}
    node = ast.parse("from . import b").body[0]
    assert {resolve(n, modules) for n in imported_names(node, "p.a", False)} == {"p", "p.b"}


if __name__ == "__main__":
    for message in findings(PROJECT_PACKAGES):
        print(message)
