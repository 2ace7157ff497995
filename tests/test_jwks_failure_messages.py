"""What a failed JWKS fetch says: the message of each fault, as the log and the listener get it.

An operator reads ``JWKS fetch from <url> failed: <reason>`` in the log (and a
``jwks_fetch_failed`` receiver gets the error): each fault names itself.
"""

from __future__ import annotations

import json
import logging

import pytest
from conftest import FakeClock
from jwks_helpers import MAX_BYTES, padded, recording_cache

from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")

NOT_A_JWKS = "response is not a JWKS (a JSON object with a 'keys' list)"

#: A served fault (status, body, delay in seconds) and the reason it is given.
FAULTS: dict[str, tuple[int, bytes, float, str]] = {
    "timeout": (200, b"{}", 1.0, "timed out after 0.3 s"),
    "http-500": (500, b"", 0.0, "HTTP status 500"),
    "http-404": (404, b"{}", 0.0, "HTTP status 404"),
    "html-body": (200, b"<!DOCTYPE html><html></html>", 0.0, "response is not JSON"),
    "json-list": (200, b"[]", 0.0, NOT_A_JWKS),
    "keys-not-a-list": (200, b'{"keys": {}}', 0.0, NOT_A_JWKS),
    "oversize-body": (
        200,
        padded(b"{}", MAX_BYTES + 1),
        0.0,
        f"response larger than {MAX_BYTES} bytes",
    ),
    "no-usable-key": (
        200,
        json.dumps({"keys": [{"kid": "x"}]}).encode(),
        0.0,
        "the JWKS holds no usable key",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_fetch_names_its_fault(
    fault: str, server: JWKSServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    status, body, delay, reason = FAULTS[fault]
    server.fail_with(status, body, delay=delay)
    cache, _, failures = recording_cache(server.url, clock)
    with (
        caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"),
        pytest.raises(JWKSUnavailableError),
    ):
        cache.get_key("any")
    assert [str(error) for error in failures] == [reason]
    assert [record.getMessage() for record in caplog.records] == [
        f"JWKS fetch from {server.url} failed: {reason}"
    ]


def test_a_refused_connection_names_the_error_type(
    refused_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    cache, _, failures = recording_cache(refused_url, clock)
    with (
        caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"),
        pytest.raises(JWKSUnavailableError),
    ):
        cache.get_key("any")
    assert len(failures) == 1
    assert str(failures[0]).startswith("ConnectionError: ")
    assert caplog.records[0].getMessage().startswith(f"JWKS fetch from {refused_url} failed: ")


def test_a_served_jwks_is_no_fault(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock)
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        cache.get_key(pool.kid)
    assert (refreshes, failures, caplog.records) == ([(pool.kid,)], [], [])
