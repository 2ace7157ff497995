"""A module's private names stay its own: what two modules share has a public name."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flask_revstack_cognito"


def private_imports(source: str) -> list[str]:
    """The ``_``-prefixed names ``source`` imports from its package (``from .x import _y``)."""
    return [
        f"{'.' * node.level}{node.module or ''}.{alias.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.level
        for alias in node.names
        if alias.name.startswith("_")
    ]


def test_the_check_finds_a_private_import() -> None:
    # The ALB parser once took the pool parser's helpers this way.
    source = "from .tokens import MAX_TOKEN_LENGTH, _decode_object\nfrom json import _x\n"
    assert private_imports(source) == [".tokens._decode_object"]


def test_no_module_imports_a_private_name_of_another() -> None:
    found = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if (names := private_imports(path.read_text()))
    }
    assert found == {}
