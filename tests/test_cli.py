"""``flask cognito config|jwks|verify`` (SPEC section 9), through Flask's CLI test runner."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from flask_revstack_cognito import CognitoAuth
from flask_revstack_cognito.cli import cognito_cli
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import LocalUserPool, b64url

CLIENT = "cliclient1234567890"


def make_app(pool: LocalUserPool, *, auth: CognitoAuth | None = None, **config: Any) -> Flask:
    app = Flask("cli_app")
    app.config.update(pool.config(**config))
    (auth or CognitoAuth()).init_app(app)
    return app


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    runner: FlaskCliRunner = app.test_cli_runner()
    return runner.invoke(args=["cognito", *args], input=input)


def tampered(token: str) -> str:
    """``token`` with its payload changed (``sub``) and the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(_b64decode(payload))
    claims["sub"] = "mallory"
    return f"{header}.{b64url(claims)}.{signature}"


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@pytest.fixture
def served_app(cognito_pool: LocalUserPool) -> Flask:
    """An app trusting ``cognito_pool`` (JWKS over loopback HTTP)."""
    return make_app(cognito_pool)


# -- flask cognito config -----------------------------------------------------------------------


def test_config_prints_the_contract_in_force(cognito_pool: LocalUserPool) -> None:
    app = make_app(
        cognito_pool,
        COGNITO_CLIENT_ID=[cognito_pool.client_id, CLIENT],
        COGNITO_TOKEN_USE="access",
        COGNITO_LEEWAY=5,
        COGNITO_JWKS_CACHE_TTL=600,
    )
    result = run(app, "config")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "provider:       cognito (RS256)" in lines
    assert f"issuer:         {cognito_pool.issuer}" in lines
    assert f"  jwks_uri:     {cognito_pool.jwks_uri}" in lines
    assert cognito_pool.jwks_uri.startswith("http://127.0.0.1:")
    assert f"client ids:     {cognito_pool.client_id}, {CLIENT}" in lines
    assert "token use:      access" in lines
    assert "user id claim:  sub" in lines
    assert "leeway:         5 s" in lines
    assert "token from:     header Authorization: Bearer <token>" in lines
    assert "jwks cache:     ttl 600 s, timeout 3 s, cooldown 10 s, max 262144 bytes" in lines


def test_config_lists_every_trusted_issuer_and_the_token_locations() -> None:
    pool = LocalUserPool(user_pool_id="us-east-1_Multi1")
    app = Flask("multi")
    app.config.update(
        COGNITO_USER_POOL_ID="us-east-1_Multi1,eu-west-1_Multi2",
        COGNITO_ISSUER_TYPE="both",
        COGNITO_TOKEN_LOCATION="headers,cookies",
        COGNITO_HEADER_TYPE="",
        COGNITO_HEADER_NAME="X-Id-Token",
        COGNITO_COOKIE_NAME="session_jwt",
    )
    CognitoAuth(app, fetcher=pool.fetcher)
    result = run(app, "config")

    assert result.exit_code == 0, result.output
    issuers = [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1",
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1",
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Multi2",
        "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Multi2",
    ]
    lines = result.output.splitlines()
    for issuer in issuers:
        assert f"issuer:         {issuer}" in lines
        assert f"  jwks_uri:     {issuer}/.well-known/jwks.json" in lines
    assert "client ids:     (not checked: COGNITO_CLIENT_ID is unset)" in lines
    assert "token use:      id" in lines
    assert "token from:     header X-Id-Token: <token>; cookie session_jwt" in lines


def test_config_names_init_app_when_the_extension_is_missing() -> None:
    app = Flask("bare")
    app.cli.add_command(cognito_cli)
    result = run(app, "config")
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    assert "init_app" in str(result.exception)


# -- flask cognito jwks -------------------------------------------------------------------------


def test_jwks_lists_the_keys_of_a_served_pool(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    server = cognito_pool.serve()
    result = run(served_app, "jwks")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        cognito_pool.issuer,
        f"  {cognito_pool.jwks_uri}",
        f"  kid {cognito_pool.kid}  RSA 2048 bits",
    ]
    assert result.stderr == ""
    assert server.request_count == 1


def test_jwks_lists_every_key_after_a_rotation(cognito_pool: LocalUserPool) -> None:
    old = cognito_pool.kid
    new = cognito_pool.rotate_key()
    app = make_app(cognito_pool)
    result = run(app, "jwks")
    assert result.exit_code == 0, result.output
    assert f"  kid {old}  RSA 2048 bits" in result.stdout.splitlines()
    assert f"  kid {new}  RSA 2048 bits" in result.stdout.splitlines()


def test_jwks_exits_1_with_network_error_when_the_server_fails(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    cognito_pool.serve().fail_with(500)
    result = run(served_app, "jwks")

    assert result.exit_code == 1
    assert cognito_pool.issuer in result.stdout
    assert "NETWORK_ERROR: keys could not be fetched" in result.stderr
    assert "NETWORK_ERROR" in result.output
    assert "kid " not in result.output


def test_jwks_reports_a_jwks_without_usable_keys_as_a_failed_fetch() -> None:
    pool = LocalUserPool()

    def empty(url: str, *, timeout: float, max_bytes: int) -> bytes:
        return b'{"keys": [{"kty": "EC", "kid": "ec1"}]}'

    app = make_app(pool, auth=CognitoAuth(fetcher=empty))
    result = run(app, "jwks")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == ["  NETWORK_ERROR: keys could not be fetched"]


def test_jwks_goes_on_with_the_other_issuers_after_a_failure() -> None:
    pool = LocalUserPool(user_pool_id="us-east-1_Multi1")
    other_issuer = "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1"

    def fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        if url.startswith(other_issuer):
            raise JWKSFetchError("HTTP status 503")
        return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)

    app = make_app(pool, auth=CognitoAuth(fetcher=fetcher), COGNITO_ISSUER_TYPE="both")
    result = run(app, "jwks")

    assert result.exit_code == 1
    assert f"  kid {pool.kid}  RSA 2048 bits" in result.stdout.splitlines()
    assert other_issuer in result.stdout
    assert result.stderr.splitlines() == ["  NETWORK_ERROR: keys could not be fetched"]


# -- flask cognito verify -----------------------------------------------------------------------


def test_verify_prints_the_claims_as_json(cognito_pool: LocalUserPool, served_app: Flask) -> None:
    token = cognito_pool.id_token(sub="cli-user", groups=["admins"])
    result = run(served_app, "verify", token)

    assert result.exit_code == 0, result.output
    claims = json.loads(result.stdout)
    assert isinstance(claims, dict)
    assert claims["sub"] == "cli-user"
    assert claims["token_use"] == "id"
    assert claims["iss"] == cognito_pool.issuer
    assert claims["aud"] == cognito_pool.client_id
    assert claims["cognito:groups"] == ["admins"]
    assert result.stderr == ""


def test_verify_accepts_a_bearer_header_value(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    result = run(served_app, "verify", f"Bearer {cognito_pool.id_token(sub='hdr')}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sub"] == "hdr"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("expired", "TOKEN_EXPIRED: token expired"),
        ("tampered", "INVALID_SIGNATURE: Invalid signature"),
        ("access", "TOKEN_USE_MISMATCH: expected an ID token, got an access token"),
        ("audience", "AUDIENCE_MISMATCH: Audience validation failed"),
    ],
)
def test_verify_prints_the_code_and_message_and_exits_1(
    kind: str, expected: str, cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = {
        "expired": lambda: cognito_pool.id_token(expires_in=-3600),
        "tampered": lambda: tampered(cognito_pool.id_token(sub="alice")),
        "access": lambda: cognito_pool.access_token(),
        "audience": lambda: cognito_pool.id_token(aud="someoneelse"),
    }[kind]()
    result = run(served_app, "verify", token)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == expected
    assert result.stdout == ""
    # The token never appears in the output, nor any of its parts.
    for part in token.split("."):
        assert part not in result.output


def test_verify_with_token_use_access_accepts_an_access_token(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.access_token(sub="svc", scopes=["orders/read"])
    result = run(served_app, "verify", "--token-use", "access", token)

    assert result.exit_code == 0, result.output
    claims = json.loads(result.stdout)
    assert claims["sub"] == "svc"
    assert claims["token_use"] == "access"
    assert claims["scope"] == "orders/read"

    result = run(served_app, "verify", "--token-use", "any", token)
    assert result.exit_code == 0, result.output
    result = run(served_app, "verify", "--token-use", "id", token)
    assert result.exit_code == 1
    assert result.stderr.startswith("TOKEN_USE_MISMATCH: ")


def test_verify_refuses_an_unknown_token_use(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.id_token()
    result = run(served_app, "verify", "--token-use", "refresh", token)
    assert result.exit_code == 2
    assert token not in result.output


@pytest.mark.parametrize("template", ["{}", "{}\n", "  Bearer {}\n"])
def test_verify_reads_the_token_from_standard_input(
    template: str, cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.id_token(sub="stdin-user")
    result = run(served_app, "verify", "-", input=template.format(token))

    assert result.exit_code == 0, result.output
    claims = json.loads(result.stdout)
    assert claims["sub"] == "stdin-user"
    assert claims["token_use"] == "id"


def test_verify_from_standard_input_fails_without_echoing(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.id_token(expires_in=-60)
    result = run(served_app, "verify", "-", input=token)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "TOKEN_EXPIRED: token expired"
    assert token not in result.output

    result = run(served_app, "verify", "-", input="")
    assert result.exit_code == 1
    assert result.stderr == "MISSING_TOKEN: missing bearer token\n"


def test_verify_reports_network_error_when_the_keys_are_unreachable(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    cognito_pool.serve().fail_with(503)
    token = cognito_pool.id_token()
    result = run(served_app, "verify", token)
    assert result.exit_code == 1
    assert result.stderr == "NETWORK_ERROR: keys could not be fetched\n"
    assert token not in result.output


def test_verify_a_malformed_token(served_app: Flask) -> None:
    secret = "not-a-jwt-but-secret"
    result = run(served_app, "verify", secret)
    assert result.exit_code == 1
    assert result.stderr.startswith("INVALID_FORMAT: ")
    assert secret not in result.output


# -- flask cognito verify: why a token was refused ---------------------------------------------


def explanation(result: Result) -> dict[str, str]:
    """The labelled lines under the code line of a refusal."""
    lines = result.stderr.splitlines()[1:]
    assert all(line.startswith("  ") for line in lines), lines
    pairs = (line.strip().split(":", 1) for line in lines)
    return {label: value.strip() for label, value in pairs}


def assert_token_not_shown(result: Result, token: str) -> None:
    for part in token.split("."):
        assert part not in result.output


def test_a_token_of_another_pool_shows_its_issuer_and_the_trusted_ones(
    cognito_pool: LocalUserPool,
) -> None:
    other = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other9"
    app = make_app(cognito_pool)
    token = cognito_pool.id_token(iss=other)
    result = run(app, "verify", token)

    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "ISSUER_MISMATCH: Issuer mismatch"
    assert explanation(result) == {"token iss": other, "trusted issuer": cognito_pool.issuer}
    assert_token_not_shown(result, token)


def test_several_trusted_issuers_are_all_listed() -> None:
    pool = LocalUserPool(user_pool_id="us-east-1_Multi1")
    app = Flask("multi")
    app.config.update(COGNITO_USER_POOL_ID="us-east-1_Multi1", COGNITO_ISSUER_TYPE="both")
    CognitoAuth(app, fetcher=pool.fetcher)
    result = run(app, "verify", pool.id_token(iss="https://example.com/x"))

    assert result.stderr.splitlines()[1:] == [
        "  token iss:      https://example.com/x",
        "  trusted issuer: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1",
        "  trusted issuer: https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Multi1",
    ]


def test_an_id_token_of_another_client_shows_its_aud_and_the_client_ids(
    cognito_pool: LocalUserPool,
) -> None:
    app = make_app(cognito_pool, COGNITO_CLIENT_ID=[cognito_pool.client_id, CLIENT])
    token = cognito_pool.id_token(aud="someoneelse")
    result = run(app, "verify", token)

    assert result.stderr.splitlines()[0] == "AUDIENCE_MISMATCH: Audience validation failed"
    assert explanation(result) == {
        "token token_use": "id",
        "token aud": "someoneelse",
        "client ids": f"{cognito_pool.client_id}, {CLIENT}",
    }
    assert_token_not_shown(result, token)


def test_an_access_token_of_another_client_shows_its_client_id(
    cognito_pool: LocalUserPool,
) -> None:
    app = make_app(cognito_pool, COGNITO_TOKEN_USE="access")
    token = cognito_pool.access_token(client_id="otherclient")
    result = run(app, "verify", token)

    assert result.stderr.splitlines()[0] == "AUDIENCE_MISMATCH: Audience validation failed"
    assert explanation(result) == {
        "token token_use": "access",
        "token client_id": "otherclient",
        "client ids": cognito_pool.client_id,
    }


def test_a_token_of_the_wrong_type_shows_both_types(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.access_token()
    result = run(served_app, "verify", token)
    assert explanation(result) == {"token token_use": "access", "required token use": "id"}

    result = run(served_app, "verify", "--token-use", "access", cognito_pool.id_token())
    assert result.stderr.splitlines()[0] == (
        "TOKEN_USE_MISMATCH: expected an access token, got an ID token"
    )
    assert explanation(result) == {"token token_use": "id", "required token use": "access"}
    assert_token_not_shown(result, token)


def test_a_token_without_token_use_says_it_is_absent(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    result = run(served_app, "verify", cognito_pool.id_token(claims={"token_use": None}))
    assert explanation(result) == {"token token_use": "(absent)", "required token use": "id"}


def test_an_unknown_key_shows_the_kid_and_the_key_ids_held(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    held = cognito_pool.kid
    token = cognito_pool.id_token(header={"kid": "not-published"})
    result = run(served_app, "verify", token)

    assert result.stderr.splitlines()[0] == (
        "UNKNOWN_KEY: signing key not found in the pool's JWKS"
    )
    assert explanation(result) == {
        "token kid": "not-published",
        "key ids held": f"{held} (from {cognito_pool.issuer})",
    }
    assert_token_not_shown(result, token)


def test_an_expired_token_shows_its_expiry_and_now_in_utc(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    token = cognito_pool.id_token(expires_in=-3600)
    exp = json.loads(_b64decode(token.split(".")[1]))["exp"]
    before = time.time()
    result = run(served_app, "verify", token)
    after = time.time()

    assert result.stderr.splitlines()[0] == "TOKEN_EXPIRED: token expired"
    shown = explanation(result)
    assert shown["token exp"] == iso(exp)
    assert shown["now"] in {iso(before), iso(after)}
    assert_token_not_shown(result, token)


def test_the_leeway_is_shown_beside_now(cognito_pool: LocalUserPool) -> None:
    app = make_app(cognito_pool, COGNITO_LEEWAY=30)
    result = run(app, "verify", cognito_pool.id_token(expires_in=-3600))
    assert explanation(result)["now"].endswith("Z (leeway 30 s)")


def iso(timestamp: float) -> str:
    moment = datetime.fromtimestamp(int(timestamp), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_token_with_no_expiry_shows_it_absent(
    cognito_pool: LocalUserPool, served_app: Flask
) -> None:
    result = run(served_app, "verify", cognito_pool.id_token(exp=None))
    assert result.stderr.splitlines()[0] == "TOKEN_EXPIRED: token has no expiry"
    assert explanation(result)["token exp"] == "(absent)"


@pytest.mark.parametrize(
    "code", ["INVALID_SIGNATURE", "INVALID_FORMAT", "MISSING_TOKEN", "NETWORK_ERROR"]
)
def test_other_refusals_are_not_explained(code: str) -> None:
    from flask_revstack_cognito.explain import explain_refusal

    pool = LocalUserPool()
    lines = explain_refusal(
        code, pool.id_token(), pool.contract(), token_use="id", key_ids={}, now=0
    )
    assert lines == []
