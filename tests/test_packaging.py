"""The package a user installs: built from a copy of this tree, checked by twine, installed into
a new virtual environment, and used there by a small app with a token from the test kit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import flask_revstack_cognito

ROOT = Path(__file__).resolve().parent.parent
# What a clean clone does not have: the build must not depend on (or copy) any of it.
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "_build",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    ".coverage*",
)
APP = """
import json
import flask_revstack_cognito
from flask import Flask
from flask_revstack_cognito import CognitoAuth, current_cognito_user, login_required
from flask_revstack_cognito.testing import LocalUserPool

pool = LocalUserPool()
with pool.serve():
    app = Flask(__name__)
    app.config.update(pool.config())
    CognitoAuth(app)

    @app.get("/api/me")
    @login_required
    def me():
        return {"user": current_cognito_user.user_id}

    client = app.test_client()
    anonymous = client.get("/api/me")
    token = pool.id_token(sub="user-1")
    signed_in = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    print(json.dumps({
        "anonymous": [anonymous.status_code, anonymous.get_json()["code"]],
        "signed_in": [signed_in.status_code, signed_in.get_json()],
        "version": flask_revstack_cognito.__version__,
        "location": flask_revstack_cognito.__file__,
    }))
"""


def run(*command: str | Path, cwd: Path) -> str:
    """Run ``command`` without the caller's virtual environment leaking in; return its output."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    result = subprocess.run(  # noqa: S603 (this interpreter and the environment it builds)
        [str(part) for part in command],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` on a copy of the tree: the sdist, and the wheel built from it."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_IN_A_CLONE, symlinks=True)
    run(sys.executable, "-m", "build", "--outdir", work / "dist", source, cwd=work)
    return work / "dist"


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def test_twine_accepts_the_sdist_and_the_wheel(dist: Path) -> None:
    output = run(sys.executable, "-m", "twine", "check", "--strict", *dist.iterdir(), cwd=dist)
    assert output.count("PASSED") == 2, output


def test_the_sdist_has_the_license_the_changes_and_the_type_marker(dist: Path) -> None:
    version = flask_revstack_cognito.__version__
    sdist = only(dist, f"flask_revstack_cognito-{version}.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.partition("/")[2] for name in archive.getnames()}
    assert {"LICENSE", "CHANGES.rst", "README.md", "flask_revstack_cognito/py.typed"} <= names


def test_the_wheel_has_the_type_marker_and_no_tests(dist: Path) -> None:
    version = flask_revstack_cognito.__version__
    wheel = only(dist, f"flask_revstack_cognito-{version}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"flask_revstack_cognito-{version}.dist-info/METADATA").decode()
    assert "flask_revstack_cognito/py.typed" in names
    assert {name.split("/")[0] for name in names} == {
        "flask_revstack_cognito",
        f"flask_revstack_cognito-{version}.dist-info",
    }
    assert any(name.endswith("dist-info/licenses/LICENSE") for name in names)
    assert f"Version: {version}\n" in metadata
    assert 'Requires-Dist: asgiref>=3.2; extra == "async"' in metadata


def test_a_new_virtual_environment_runs_an_app_with_the_wheel(dist: Path, tmp_path: Path) -> None:
    wheel = only(dist, "*.whl")
    environment = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", environment, cwd=tmp_path)
    python = environment / "bin" / "python"
    # This environment's pip installs into the new one: no pip bootstrap, the same cache.
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", wheel, cwd=tmp_path)
    (tmp_path / "app.py").write_text(APP)

    report = json.loads(run(python, "app.py", cwd=tmp_path))

    assert report["anonymous"] == [401, "MISSING_TOKEN"]
    assert report["signed_in"] == [200, {"user": "user-1"}]
    assert report["version"] == flask_revstack_cognito.__version__
    assert Path(report["location"]).is_relative_to(environment)
