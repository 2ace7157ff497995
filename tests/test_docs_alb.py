"""The ALB page's tests run as documented, against the quickstart's app factory."""

from __future__ import annotations

from pathlib import Path

from docs_code import run_documented_tests


def test_the_documented_alb_tests_pass_against_the_documented_factory(tmp_path: Path) -> None:
    output = run_documented_tests(
        tmp_path,
        {
            "myapp.py": ("quickstart.rst", "myapp.py"),
            "test_behind_alb.py": ("alb.rst", "test_behind_alb.py"),
        },
    )
    assert "3 passed" in output
