"""Code blocks of the docs, for tests that run them as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"

_BLOCK = re.compile(
    r"^\.\. code-block:: python\n   :caption: (?P<caption>\S+)\n\n(?P<body>(?:(?: {4}.*)?\n)+)",
    re.MULTILINE,
)


def code_blocks(page: str, caption: str) -> list[str]:
    """The python code blocks of ``page`` with the ``:caption:`` ``caption``, in page order."""
    return [
        textwrap.dedent(match["body"]).strip() + "\n"
        for match in _BLOCK.finditer((DOCS / page).read_text())
        if match["caption"] == caption
    ]


def module_code(page: str, caption: str) -> str:
    """The blocks of ``page`` captioned ``caption``, joined into one module."""
    return "\n\n".join(code_blocks(page, caption))
