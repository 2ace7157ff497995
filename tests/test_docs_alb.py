"""The ALB page's tests run as documented, against the quickstart's app factory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docs_code import module_code


def test_the_documented_alb_tests_pass_against_the_documented_factory(tmp_path: Path) -> None:
    (tmp_path / "myapp.py").write_text(module_code("quickstart.rst", "myapp.py"))
    (tmp_path / "test_behind_alb.py").write_text(module_code("alb.rst", "test_behind_alb.py"))
    # The factory reads FLASK_* variables: the run must not see the developer's own.
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("FLASK_")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
