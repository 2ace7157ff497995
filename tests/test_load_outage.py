"""The short load and outage test: gunicorn, the example app, and a JWKS server killed mid-run.

``make load`` runs the long version (``benchmarks/load_outage.py``, 60 s) and prints its table;
this one runs for about 15 s in ``make test``. See that module for what runs and why each
request's expected answer holds in every phase.
"""

from __future__ import annotations

from benchmarks.load_outage import PHASES, WORKERS, run


def test_gunicorn_under_mixed_load_survives_a_jwks_outage() -> None:
    result = run(seconds=15, clients=6)
    print(result.table())  # shown with pytest -s, and with the failure report

    assert result.problems() == []
    assert len(result.workers) == WORKERS
    rows = {row.name: row for row in result.rows()}
    for phase in PHASES:
        assert rows[phase].requests > 0
        assert rows[phase].server_errors == 0
        assert rows[phase].wrong == 0
    # The outage was real: no worker got keys then, each tried; each fetched again afterwards.
    assert sum(rows["during outage"].served) == 0
    assert all(rows["during outage"].failed)
    assert all(rows["after restore"].served)
    # Every kind of request was sent and answered as expected.
    assert {o.case for o in result.outcomes} >= {
        "valid",
        "expired",
        "forged signature",
        "malformed",
        "missing",
        "unknown kid",
        "other audience",
        "wrong group",
    }
