"""Code blocks of the docs, for tests that run them as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def run_documented_tests(directory: Path, modules: dict[str, tuple[str, str]]) -> str:
    """Write each module (file name -> (page, caption)) into ``directory``, run pytest there.

    The run sees no ``FLASK_*`` variable of the developer's own: the documented factories read
    them. Fails the calling test with pytest's output when the run fails.

    :returns: pytest's output.
    """
    for name, (page, caption) in modules.items():
        (directory / name).write_text(module_code(page, caption))
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("FLASK_")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout
