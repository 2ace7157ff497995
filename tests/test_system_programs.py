"""``make test`` installs the system programs its tests need, or says in one line how to.

``scripts/ensure-system-programs.sh`` runs with a ``PATH`` that holds only what it needs
(``bash``, ``env``, ``true``) and stand-ins for ``id``, ``sudo`` and ``apt-get`` that record
their calls, so the script's decisions are seen without installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "ensure-system-programs.sh"
#: The programs the tests need; each Debian package has the program's name.
PROGRAMS = ("chromium", "redis-server", "valgrind")
PACKAGES = " ".join(PROGRAMS)
INSTALL = f"env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq {PACKAGES}"

# Each stand-in appends its own name and arguments, one call a line, to $CALLS.
APT_GET = f"""#!{sys.executable}
import os, sys
from pathlib import Path
calls = Path(os.environ["CALLS"])
with calls.open("a") as log:
    log.write(" ".join(["apt-get", *sys.argv[1:]]) + "\\n")
if sys.argv[1] == "install":
    if os.environ.get("APT_FAILS") == "always" or (
        os.environ.get("APT_FAILS") == "until-update" and "apt-get update" not in calls.read_text()
    ):
        sys.exit(100)
    for package in [word for word in sys.argv[2:] if not word.startswith("-")]:
        program = Path(os.environ["STUB_BIN"], package)
        program.write_text("#!/bin/sh\\n")
        program.chmod(0o755)
"""
SUDO = f"""#!{sys.executable}
import os, sys
with open(os.environ["CALLS"], "a") as log:
    log.write(" ".join(["sudo", *sys.argv[1:]]) + "\\n")
assert sys.argv[1] == "-n", "sudo must never ask for a password"
if os.environ.get("SUDO") != "works":
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])
"""
ID = f"""#!{sys.executable}
import os
print(os.environ["STUB_UID"])
"""


def write_program(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.write_text(text)
    path.chmod(0o755)


def run(
    tmp_path: Path,
    *,
    uid: int,
    sudo: bool = False,
    present: tuple[str, ...] = (),
    **environ: str,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the script on a ``PATH`` holding only the ``present`` programs; return its calls."""
    stub_bin = tmp_path / "bin"
    stub_bin.mkdir()
    for tool in ("bash", "env", "true"):
        real = shutil.which(tool)
        assert real is not None
        (stub_bin / tool).symlink_to(real)
    write_program(stub_bin, "apt-get", APT_GET)
    write_program(stub_bin, "id", ID)
    if sudo:
        write_program(stub_bin, "sudo", SUDO)
    for program in present:
        write_program(stub_bin, program, "#!/bin/sh\n")
    calls = tmp_path / "calls"
    calls.touch()
    result = subprocess.run(  # noqa: S603 (the project's own script)
        [str(SCRIPT)],
        env={
            "PATH": str(stub_bin),
            "CALLS": str(calls),
            "STUB_BIN": str(stub_bin),
            "STUB_UID": str(uid),
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return result, calls.read_text().splitlines()


def test_nothing_happens_when_every_program_is_there(tmp_path: Path) -> None:
    result, calls = run(tmp_path, uid=0, present=PROGRAMS)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert calls == []


def test_root_installs_the_missing_programs_with_apt_get(tmp_path: Path) -> None:
    result, calls = run(tmp_path, uid=0)
    assert result.returncode == 0, result.stderr
    assert calls == [f"apt-get install -y -qq {PACKAGES}"]
    assert all((tmp_path / "bin" / program).exists() for program in PROGRAMS)


@pytest.mark.parametrize("missing", PROGRAMS)
def test_only_the_missing_program_is_installed(tmp_path: Path, missing: str) -> None:
    present = tuple(program for program in PROGRAMS if program != missing)
    result, calls = run(tmp_path, uid=0, present=present)
    assert result.returncode == 0, result.stderr
    assert calls == [f"apt-get install -y -qq {missing}"]


def test_root_updates_the_package_lists_when_the_install_fails(tmp_path: Path) -> None:
    result, calls = run(tmp_path, uid=0, APT_FAILS="until-update")
    assert result.returncode == 0, result.stderr
    assert calls == [
        f"apt-get install -y -qq {PACKAGES}",
        "apt-get update -qq",
        f"apt-get install -y -qq {PACKAGES}",
    ]


def test_a_user_installs_through_sudo_without_a_password(tmp_path: Path) -> None:
    result, calls = run(tmp_path, uid=1000, sudo=True, SUDO="works")
    assert result.returncode == 0, result.stderr
    assert calls == ["sudo -n true", f"sudo -n {INSTALL}", f"apt-get install -y -qq {PACKAGES}"]


@pytest.mark.parametrize("sudo", [False, True], ids=["no-sudo", "sudo-wants-a-password"])
def test_a_user_who_cannot_install_gets_one_line_with_the_command(
    tmp_path: Path, sudo: bool
) -> None:
    result, calls = run(tmp_path, uid=1000, sudo=sudo)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"run 'sudo apt-get install -y {PACKAGES}'" in result.stderr
    assert [call for call in calls if "apt-get" in call] == []


def test_root_whose_install_fails_gets_the_command_to_run(tmp_path: Path) -> None:
    result, calls = run(tmp_path, uid=0, APT_FAILS="always")
    assert result.returncode != 0
    assert calls == [
        f"apt-get install -y -qq {PACKAGES}",
        "apt-get update -qq",
        f"apt-get install -y -qq {PACKAGES}",
    ]
    assert result.stderr.splitlines()[-1] == (
        f"make test needs {PACKAGES}: run 'apt-get install -y {PACKAGES}', then 'make test' again."
    )


def test_make_test_runs_the_check_and_ci_only_calls_make_test() -> None:
    make = shutil.which("make")
    assert make is not None
    dry_run = subprocess.run(  # noqa: S603 (make, dry run)
        [make, "-n", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert "scripts/ensure-system-programs.sh" in dry_run.stdout
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ci[-1] == "make test"
    assert not any("apt-get" in line for line in ci)
