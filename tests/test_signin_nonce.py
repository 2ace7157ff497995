"""An ID token without ``nonce``: refused, unless Cognito is a loopback emulator (moto's tokens
cannot carry one, and the demo signs in with them)."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from signin_helpers import set_cookie_headers, sign_in

from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.testing import Grant, LocalPoolBackend, LocalUserPool, SignIn


class NoNonceBackend(LocalPoolBackend):
    """Mints ID tokens without ``nonce``, as a backend on moto's ``InitiateAuth`` does."""

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        return super().sign_in(username, password, dataclasses.replace(grant, nonce=None))


@pytest.fixture
def no_nonce(signin_pool: LocalUserPool) -> LocalUserPool:
    signin_pool.managed_login.backend = NoNonceBackend(signin_pool)
    return signin_pool


def test_a_loopback_emulator_may_leave_the_nonce_out(
    client: FlaskClient, no_nonce: LocalUserPool
) -> None:
    response = sign_in(client)
    assert response.status_code == 302
    assert "id_token" in set_cookie_headers(response)


def test_cognito_itself_may_not(
    client: FlaskClient, no_nonce: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    feature = get_extension(client.application)[1].feature(SignInFeature)
    assert feature is not None
    assert feature.settings.loopback
    # The same stand-in, taken for a domain on the network.
    monkeypatch.setattr(feature, "settings", dataclasses.replace(feature.settings, loopback=False))
    response = sign_in(client)
    assert response.status_code == 401
    assert "the ID token carries no nonce" in response.text
    assert set(set_cookie_headers(response)) <= {"session"}
