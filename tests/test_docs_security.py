"""The Security model page names real tests: each file exists and defines the tests named."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "security.rst").read_text()

# ``tests/test_x.py`` optionally followed by (``test_a``, ``test_b``) over several lines.
REFERENCE = re.compile(r"``(tests/[\w/]+\.py)``(?:\s*\(((?:\s*``\w+``,?)+)\))?")


def test_every_test_file_and_test_named_by_the_security_page_exists() -> None:
    references = REFERENCE.findall(PAGE)
    assert len(references) >= 20
    for path, names in references:
        source = (ROOT / path).read_text()
        for name in re.findall(r"``(\w+)``", names):
            assert re.search(rf"^(?:async )?def {name}\(", source, re.M), f"{path}: {name}"
