"""Time claims (SPEC section 4 step 7): ``exp``, ``nbf``, ``iat`` and the leeway."""

from __future__ import annotations

import pytest
from conftest import FakeClock, MakeVerifier
from verification_helpers import now, refused, without

from flask_revstack_cognito import TokenExpiredError, TokenNotYetValidError, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool

# -- step 7: time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(0, id="exp-equals-now"),
        pytest.param(-1, id="one-second-ago"),
        pytest.param(-0.5, id="half-a-second-ago"),
        pytest.param(-86_400, id="a-day-ago"),
        pytest.param(-now(FakeClock()), id="epoch"),
    ],
)
def test_expired(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, offset: float
) -> None:
    error = refused(
        verifier, pool.id_token(exp=clock() + offset), TokenExpiredError, "TOKEN_EXPIRED"
    )
    assert error.message == "token expired"


@pytest.mark.parametrize(
    "offset", [pytest.param(1, id="one-second-left"), pytest.param(0.5, id="half-a-second-left")]
)
def test_just_before_expiry_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, offset: float
) -> None:
    assert verifier.verify(pool.id_token(exp=clock() + offset)).sub is not None


def test_exp_missing_is_expired(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    error = refused(verifier, without(pool, "exp"), TokenExpiredError, "TOKEN_EXPIRED")
    assert error.message == "token has no expiry"


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        pytest.param(-4, True, id="exp-4s-ago-accepted"),
        pytest.param(-4.5, True, id="exp-4.5s-ago-accepted"),
        pytest.param(-5, False, id="exp-5s-ago-rejected"),
        pytest.param(-6, False, id="exp-6s-ago-rejected"),
    ],
)
def test_expiry_leeway(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    clock: FakeClock,
    offset: float,
    accepted: bool,
) -> None:
    verifier = make_verifier(leeway=5)
    token = pool.id_token(exp=clock() + offset)
    if accepted:
        assert verifier.verify(token).sub is not None
    else:
        refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


def test_expiry_follows_the_clock(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    token = pool.id_token(expires_in=60)
    clock.advance(59)
    verifier.verify(token)
    clock.advance(1)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize(
    ("leeway", "offset", "accepted"),
    [
        pytest.param(0, 0, True, id="now"),
        pytest.param(0, -100, True, id="past"),
        pytest.param(0, 0.5, False, id="half-a-second-ahead"),
        pytest.param(0, 1, False, id="one-second-ahead"),
        pytest.param(0, 3600, False, id="an-hour-ahead"),
        pytest.param(5, 5, True, id="leeway-5-at-5s"),
        pytest.param(5, 4, True, id="leeway-5-at-4s"),
        pytest.param(5, 6, False, id="leeway-5-at-6s"),
    ],
)
def test_not_yet_valid(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    clock: FakeClock,
    claim: str,
    leeway: float,
    offset: float,
    accepted: bool,
) -> None:
    verifier = make_verifier(leeway=leeway)
    token = pool.id_token(claims={claim: clock() + offset})
    if accepted:
        assert verifier.verify(token).sub is not None
    else:
        error = refused(verifier, token, TokenNotYetValidError, "TOKEN_NOT_YET_VALID")
        assert error.message == "token not valid yet"


def test_nbf_and_iat_are_optional(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    assert verifier.verify(without(pool, "iat")).sub is not None
