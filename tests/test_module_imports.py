"""The package's modules import each other without a circle (STYLE.md: the house's floors)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flask_revstack_cognito"


def imports_of(path: Path) -> set[str]:
    """The sibling modules ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    return {
        path.stem: imports_of(path) for path in PACKAGE.glob("*.py") if path.stem != "__init__"
    }


def test_no_module_imports_itself_back() -> None:
    edges = graph()
    circles = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(edges.get(module, ())):
            if target in trail:
                circles.append([*trail[trail.index(target) :], target])
            else:
                visit(target, [*trail, target])

    for module in sorted(edges):
        visit(module, [module])
    assert circles == []


def test_the_cli_reads_the_app_state_not_the_extension() -> None:
    assert "extension" not in imports_of(PACKAGE / "cli.py")
    assert "appstate" in imports_of(PACKAGE / "cli.py")
    assert "cli" in imports_of(PACKAGE / "extension.py")
