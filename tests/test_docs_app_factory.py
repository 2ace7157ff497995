"""The quickstart's app factory and the testing page's tests run as documented, together."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from docs_code import code_blocks, module_code


def test_the_blocks_are_found() -> None:
    factory, views = code_blocks("quickstart.rst", "myapp.py")
    assert "def create_app(test_config=None):" in factory
    assert 'api = Blueprint("api", __name__)' in views
    assert "create_app({" in module_code("testing.rst", "test_myapp.py")


def test_the_documented_tests_pass_against_the_documented_factory(tmp_path: Path) -> None:
    (tmp_path / "myapp.py").write_text(module_code("quickstart.rst", "myapp.py"))
    (tmp_path / "test_myapp.py").write_text(module_code("testing.rst", "test_myapp.py"))
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
