"""The package's modules import each other without a circle (STYLE.md: the house's floors).

Modules are named by their dotted path inside the package (``testing.pool``; a subpackage is its
``__init__``, ``testing``), so the subpackages (signin, revocation, testing) are checked too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flask_revstack_cognito"
NAME = PACKAGE.name


def module_name(path: Path) -> str:
    """``testing/pool.py`` -> ``testing.pool``; ``testing/__init__.py`` -> ``testing``."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name: str) -> bool:
    """Whether ``name`` (dotted, inside the package) is a module or subpackage."""
    path = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def resolve(name: str) -> str:
    """The module or subpackage ``name`` belongs to (``testing.pool.X`` -> ``testing.pool``)."""
    while name and not is_module(name):
        name = name.rpartition(".")[0]
    return name


def imports_of(path: Path) -> set[str]:
    """The package's modules ``path`` imports, at module level or inside functions."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".") if package else []
            base = base[: len(base) - (node.level - 1)]
            parent = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                found.add(resolve(parent))
            else:
                found.update(resolve(f"{parent}.{alias.name}".lstrip(".")) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(NAME):
            found.add(resolve((node.module or "").removeprefix(NAME).lstrip(".")))
        elif isinstance(node, ast.Import):
            found.update(
                resolve(alias.name.removeprefix(NAME).lstrip("."))
                for alias in node.names
                if alias.name.startswith(NAME)
            )
    found.discard(here)
    return found


# No circle is known: none may appear.
KNOWN_CIRCLE_EDGES: set[tuple[str, str]] = set()


def graph() -> dict[str, set[str]]:
    """Every module of the package but the top-level ``__init__`` (it re-exports the API)."""
    return {
        module_name(path): imports_of(path)
        for path in PACKAGE.rglob("*.py")
        if path != PACKAGE / "__init__.py"
    }


def test_the_graph_sees_the_subpackages() -> None:
    edges = graph()
    assert {"signin", "revocation", "testing", "testing.pool"} <= edges.keys()
    assert "testing.pool" in edges["testing"]
    assert {"contract", "testing.jwks_server"} <= edges["testing.pool"]


def test_no_module_imports_itself_back() -> None:
    edges = graph()
    for module, target in KNOWN_CIRCLE_EDGES:
        edges[module].discard(target)
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


def in_test_kit(module: str) -> bool:
    return module == "testing" or module.startswith("testing.")


def test_the_runtime_never_imports_the_test_kit() -> None:
    # The pytest plugin is the kit's fixture; pytest loads it, an app never does.
    runtime = {
        module: targets
        for module, targets in graph().items()
        if not in_test_kit(module) and module != "pytest_plugin"
    }
    assert {
        module: sorted(filter(in_test_kit, targets)) for module, targets in runtime.items()
    } == {module: [] for module in runtime}


def test_importing_the_extension_loads_no_test_kit_module() -> None:
    script = (
        f"import sys, {NAME}, {NAME}.signin, {NAME}.revocation; "
        f"print(sorted(m for m in sys.modules if m.startswith('{NAME}.testing')))"
    )
    loaded = subprocess.run(  # noqa: S603 (our own interpreter, a fixed script)
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_the_cli_reads_the_app_state_not_the_extension() -> None:
    assert "extension" not in imports_of(PACKAGE / "cli.py")
    assert "appstate" in imports_of(PACKAGE / "cli.py")
    assert "cli" in imports_of(PACKAGE / "extension.py")
