"""``python -m benchmarks --quick`` runs end to end and prints every row (no timing is judged)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks.stages import REFERENCE, STAGES

ROOT = Path(__file__).resolve().parent.parent

#: Rows this package must fill with a time.
OURS = (
    "(a) L: cryptography RSA-2048",
    "(b) auth.verify, distinct tokens (cold)",
    "    TokenVerifier.verify, distinct tokens",
    "(c) auth.verify, verified-token cache hit",
    "(e) GET /open",
    "    GET /protected, repeated token",
    "    GET /protected, distinct tokens",
    "    floor: GET /floor/rsa, RSA check only, distinct",
    "    floor: GET /floor/stdlib, stdlib decoding + RSA only, distinct",
    "    floor: GET /floor/parse, parse + RSA only, distinct",
    "    GET /protected + Redis revocation check, repeated token",
)
#: Rows of peers, which may be absent from the dev environment.
PEERS = (
    "(d) joserfc jwt.decode",
    "    Authlib authlib.jose",
    "    PyJWT jwt.decode",
    "    cognitojwt.decode",
    "    flask-cognito cognito_auth_required",
)
TIMED = re.compile(r"\s\d[\d,]*\.\d us\s")


def _line(output: str, start: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(start)]
    assert len(lines) == 1, f"one row starting {start!r} expected in:\n{output}"
    return lines[0]


def test_quick_run_prints_every_row_and_the_targets() -> None:
    command = [sys.executable, "-m", "benchmarks", "--quick", "--rounds", "1", "--batch", "3"]
    command += ["--requests", "16", "--threads", "4", "--memory-tokens", "12", "--profile"]
    command += ["--stages"]
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )

    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    for start in OURS:
        assert TIMED.search(_line(output, start) + " "), start
    for start in PEERS:
        row = _line(output, start)
        assert TIMED.search(row + " ") or "not installed" in row, row
    cost = _line(output, "(h) Redis revocation check, added per request")
    assert re.search(r" [+-][\d,]+\.\d us .* x repeated \(.* us; 200 interleaved pairs\)$", cost)
    assert re.search(r"\d+ \(all 200\)", _line(output, "(f) JWKS fetches, 16 requests"))
    assert " KiB" in _line(output, "(g) memory held after 12 distinct tokens")
    targets = output.split("targets (issue 8)", 1)[1]
    for what in ("cold auth.verify", "repeated token", "distinct tokens", "JWKS", "memory"):
        assert re.search(rf"{what}.*\s(pass|miss|n/a)$", targets, re.MULTILINE), what
    assert "machine:" in output
    assert "profile of cold auth.verify over 3 distinct tokens" in output
    stages = output.split("cold verification step by step over 3 distinct tokens", 1)[1]
    assert re.search(r" \d+\.\d\d x L$", _line(stages, f"  {REFERENCE}"))
    for step in STAGES:
        row = _line(stages, f"  {step}")
        assert re.search(r" \d+\.\d\d x L  \([+-]\d+\.\d\d x L\)$", row), row
