"""A cached token remembers the token uses it passed the static claim checks for.

The time checks run on every call; the static ones (issuer, token use, client, user id) are
remembered per required token use only, so any other use is checked again, and the SPEC's order
(time first) still decides which error a cached token gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from conftest import FakeClock, MakeVerifier
from verification_helpers import CountingRS256, refused

from flask_revstack_cognito import (
    AudienceMismatchError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenUseMismatchError,
    TokenVerifier,
)
from flask_revstack_cognito.testing import LocalUserPool


def test_a_use_that_passed_does_not_let_another_use_pass(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    assert verifier.verify(token, token_use="id").user_id
    assert verifier.verify(token, token_use="any").user_id
    for _ in range(2):
        refused(verifier, token, TokenUseMismatchError, "TOKEN_USE_MISMATCH", token_use="access")
        assert verifier.verify(token, token_use="id").user_id
    assert counting.calls == 1  # every call after the first was a cache hit


def test_a_remembered_pass_still_expires(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    token = pool.id_token(expires_in=60)
    verifier.verify(token)
    verifier.verify(token)
    clock.advance(60)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")
    assert counting.calls == 1


def test_a_remembered_pass_honours_a_clock_set_back(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    clock.advance(-3600)  # iat is now an hour ahead, far beyond the leeway
    refused(verifier, token, TokenNotYetValidError, "TOKEN_NOT_YET_VALID")


def test_expiry_comes_before_the_token_use_on_a_cache_hit(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    token = pool.id_token(expires_in=60)
    verifier.verify(token, token_use="id")
    clock.advance(60)
    # Step 7 (time) comes before step 9 (token use), whatever was remembered.
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED", token_use="access")


def test_a_static_failure_is_not_remembered_as_a_pass(
    make_verifier: MakeVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    verifier = make_verifier(client_id="2example23456789abcdefghij")
    token = pool.id_token()
    for _ in range(3):
        refused(verifier, token, AudienceMismatchError, "AUDIENCE_MISMATCH")
    assert counting.calls == 1  # the signature verdict is cached, the refusal is not a pass


def test_the_static_checks_run_once_per_token_use(
    verifier: TokenVerifier, pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    uses: list[str] = []
    check_static = TokenVerifier._check_static

    def counted(self: TokenVerifier, claims: Mapping[str, Any], required_use: str) -> None:
        uses.append(required_use)
        check_static(self, claims, required_use)

    monkeypatch.setattr(TokenVerifier, "_check_static", counted)
    token = pool.id_token()
    for _ in range(3):
        verifier.verify(token, token_use="id")
        verifier.verify(token, token_use="any")
    assert uses == ["id", "any"]
