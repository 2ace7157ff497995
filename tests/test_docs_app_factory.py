"""The quickstart's app factory and the testing page's tests run as documented, together."""

from __future__ import annotations

from pathlib import Path

from docs_code import code_blocks, module_code, run_documented_tests


def test_the_blocks_are_found() -> None:
    factory, views = code_blocks("quickstart.rst", "myapp.py")
    assert "def create_app(test_config=None):" in factory
    assert 'api = Blueprint("api", __name__)' in views
    assert "create_app({" in module_code("testing.rst", "test_myapp.py")


def test_the_documented_tests_pass_against_the_documented_factory(tmp_path: Path) -> None:
    output = run_documented_tests(
        tmp_path,
        {
            "myapp.py": ("quickstart.rst", "myapp.py"),
            "test_myapp.py": ("testing.rst", "test_myapp.py"),
        },
    )
    assert "3 passed" in output
