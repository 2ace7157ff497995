"""``auth.sign_out_everywhere`` against moto's Cognito server: the app's denial and Cognito's.

moto runs in a thread on 127.0.0.1 for the module. The tokens are moto's (one sign-in with
``USER_PASSWORD_AUTH``); the app reads moto's JWKS over loopback HTTP and calls moto's
``GlobalSignOut`` with ``requests`` (no AWS credentials), after which moto's ``GetUser``
refuses the access token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
import botocore.exceptions  # type: ignore[import-untyped]
import pytest
from conftest import closed_port_url
from flask import Flask
from moto.server import ThreadedMotoServer
from redis_helpers import auth_of, bearer, make_host
from test_moto_cognito import _REMOVED_ENV, EMAIL, PASSWORD, REGION, USERNAME, CognitoIdp

from flask_revstack_cognito import build_auth_contract
from flask_revstack_cognito.revocation import GlobalSignOutError
from flask_revstack_cognito.revocation.signout import cognito_endpoint
from flask_revstack_cognito.testing import LocalUserPool


@dataclass(frozen=True)
class Moto:
    endpoint: str
    pool_id: str
    client_id: str
    idp: CognitoIdp
    cognito: Any  # the untyped boto3 client, for GetUser

    def sign_in(self) -> dict[str, str]:
        return self.idp.sign_in(self.client_id, USERNAME, PASSWORD)

    def app(self, **config: Any) -> Flask:
        pool = LocalUserPool(user_pool_id=self.pool_id, client_id=self.client_id)
        jwks_uri = f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json"
        return make_host(pool, "memory", COGNITO_JWKS_URI=jwks_uri, **config)


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with pytest.MonkeyPatch.context() as patch:
        for name in _REMOVED_ENV:
            patch.delenv(name, raising=False)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            patch.setenv(name, "testing")
        patch.setenv("NO_PROXY", "127.0.0.1")
        patch.setenv("no_proxy", "127.0.0.1")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        idp = CognitoIdp(endpoint)
        pool_id = idp.create_user_pool("revstack-sign-out")
        try:
            client_id = idp.create_app_client(pool_id, "web")
            idp.create_user(pool_id, USERNAME, {"email": EMAIL, "email_verified": "true"})
            idp.set_permanent_password(pool_id, USERNAME, PASSWORD)
            cognito = boto3.client(
                "cognito-idp",
                region_name=REGION,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            yield Moto(endpoint, pool_id, client_id, idp, cognito)
            cognito.close()
        finally:
            idp.delete_user_pool(pool_id)
            idp.close()
            server.stop()


def moto_refuses(moto: Moto, access_token: str) -> str | None:
    """moto's error code for ``GetUser`` with the token, ``None`` when it answers."""
    try:
        moto.cognito.get_user(AccessToken=access_token)
    except botocore.exceptions.ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


def test_sign_out_everywhere_denies_the_sign_in_here_and_at_cognito(moto: Moto) -> None:
    app = moto.app()
    tokens = moto.sign_in()
    other_sign_in = moto.sign_in()
    client = app.test_client()
    assert client.get("/me", headers=bearer(tokens["IdToken"])).status_code == 200
    assert moto_refuses(moto, tokens["AccessToken"]) is None

    with app.app_context():
        user = auth_of(app).sign_out_everywhere(tokens["AccessToken"])

    assert user.username == USERNAME
    assert moto_refuses(moto, tokens["AccessToken"]) == "NotAuthorizedException"
    # The ID token of that sign-in shares its origin_jti: refused here too.
    assert client.get("/me", headers=bearer(tokens["IdToken"])).get_json()["code"] == (
        "TOKEN_REVOKED"
    )
    # GlobalSignOut ends the user's other sign-ins at Cognito; here, they verify until expiry.
    assert client.get("/me", headers=bearer(other_sign_in["IdToken"])).status_code == 200


def test_a_refusal_by_cognito_is_an_error_that_never_shows_the_token(moto: Moto) -> None:
    app = moto.app()
    access_token = moto.sign_in()["AccessToken"]
    with app.app_context():
        auth_of(app).sign_out_everywhere(access_token)
        # moto's NotAuthorizedException message is the token itself: it is left out.
        with pytest.raises(GlobalSignOutError) as refused:
            auth_of(app).sign_out_everywhere(access_token)

    assert refused.value.error_type == "NotAuthorizedException"
    assert str(refused.value) == "Cognito refused GlobalSignOut (HTTP 400, NotAuthorizedException)"
    assert access_token not in repr(refused.value.args)


def test_cognito_out_of_reach_is_an_error_after_the_denial_here(moto: Moto) -> None:
    app = moto.app(COGNITO_JWKS_TIMEOUT=0.5)
    tokens = moto.sign_in()
    unreachable = closed_port_url().split("/pool/", 1)[0] + "/"
    with app.app_context(), pytest.raises(GlobalSignOutError, match="did not answer") as failed:
        auth_of(app).sign_out_everywhere(tokens["AccessToken"], endpoint=unreachable)

    assert failed.value.error_type is None
    assert app.test_client().get("/me", headers=bearer(tokens["IdToken"])).status_code == 401
    assert moto_refuses(moto, tokens["AccessToken"]) is None  # Cognito was not reached


def test_an_answer_that_is_not_cognito_json_has_no_error_type(moto: Moto) -> None:
    app = moto.app()
    tokens = moto.sign_in()
    not_cognito = f"{moto.endpoint}/{moto.pool_id}/.well-known/jwks.json/nothing-here"
    with app.app_context(), pytest.raises(GlobalSignOutError) as failed:
        auth_of(app).sign_out_everywhere(tokens["AccessToken"], endpoint=not_cognito)
    assert failed.value.error_type is None
    assert str(failed.value).startswith("Cognito refused GlobalSignOut (HTTP ")


def test_an_id_token_cannot_sign_out_everywhere(moto: Moto) -> None:
    app = moto.app()
    tokens = moto.sign_in()
    with app.app_context(), pytest.raises(Exception, match="expected an access token"):
        auth_of(app).sign_out_everywhere(tokens["IdToken"])
    assert moto_refuses(moto, tokens["AccessToken"]) is None


@pytest.mark.parametrize(
    ("pool_id", "overrides", "endpoint"),
    [
        ("eu-west-1_Abc123", {}, "https://cognito-idp.eu-west-1.amazonaws.com/"),
        (
            "eu-west-1_Abc123",
            {"issuer_type": "updated"},
            "https://cognito-idp.eu-west-1.amazonaws.com/",
        ),
        ("cn-north-1_Abc123", {}, "https://cognito-idp.cn-north-1.amazonaws.com.cn/"),
        (
            "us-east-1_Abc123",
            {"jwks_uri": "http://127.0.0.1:5000/us-east-1_Abc123/.well-known/jwks.json"},
            "http://127.0.0.1:5000/",
        ),
        (
            "us-east-1_Abc123",
            {"issuer": "http://localhost:9229/us-east-1_Abc123"},
            "http://localhost:9229/",
        ),
    ],
    ids=["aws", "multi-region-issuer", "china", "moto-jwks", "cognito-local-issuer"],
)
def test_the_endpoint_follows_the_issuer_and_its_jwks(
    pool_id: str, overrides: dict[str, Any], endpoint: str
) -> None:
    contract = build_auth_contract("cognito", user_pool_id=pool_id, **overrides)
    assert cognito_endpoint(contract, contract.issuer) == endpoint
