"""The test kit's load balancer: tokens as an ALB writes them, keys served by kid."""

from __future__ import annotations

import base64
import json

import requests
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from flask_revstack_cognito.testing import (
    DEFAULT_ALB_ARN,
    LocalLoadBalancer,
    LocalUserPool,
    alb_b64,
    public_pem,
)
from flask_revstack_cognito.tokens import b64url_decode


def decode(segment: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(segment))
    return decoded


def test_a_data_token_has_alb_s_header_and_the_pool_s_claims() -> None:
    pool = LocalUserPool()
    alb = LocalLoadBalancer(pool)
    head, payload, signature = alb.data_token(sub="user-1").split(".")
    header = decode(head)
    assert header["alg"] == "ES256"
    assert header["kid"] == alb.kid
    assert header["signer"] == DEFAULT_ALB_ARN
    assert header["client"] == pool.client_id
    assert header["iss"] == pool.issuer
    assert decode(payload)["sub"] == "user-1"
    assert len(base64.urlsafe_b64decode(signature)) == 64
    assert signature.endswith("==")  # 64 bytes always need padding


def test_the_kit_makes_its_own_pool_and_describes_itself() -> None:
    alb = LocalLoadBalancer()
    assert alb.pool.issuer.startswith("https://cognito-idp.")
    assert repr(alb) == f"<LocalLoadBalancer {DEFAULT_ALB_ARN}>"
    assert alb.config() == {"COGNITO_ALB_ARN": DEFAULT_ALB_ARN}
    assert alb.config(COGNITO_LEEWAY=5)["COGNITO_LEEWAY"] == 5


def test_headers_carry_the_data_token_the_access_token_and_the_identity() -> None:
    alb = LocalLoadBalancer()
    headers = alb.headers(sub="user-7")
    assert headers["X-Amzn-Oidc-Identity"] == "user-7"
    access_payload = headers["X-Amzn-Oidc-Accesstoken"].split(".")[1]
    assert json.loads(b64url_decode(access_payload))["sub"] == "user-7"
    assert headers["X-Amzn-Oidc-Data"].count(".") == 2


def test_keys_are_served_by_kid_and_rotation_keeps_the_old_ones() -> None:
    alb = LocalLoadBalancer()
    first = alb.kid
    with alb.serve() as server:
        assert alb.serve() is server
        assert alb.config()["COGNITO_ALB_KEY_URL"] == server.url
        second = alb.rotate_key()
        for kid in (first, second):
            answer = requests.get(f"{server.url}/{kid}", timeout=5)
            assert answer.status_code == 200
            assert answer.headers["Content-Type"] == "application/x-pem-file"
            assert load_pem_public_key(answer.content) is not None
        assert requests.get(f"{server.url}/nope", timeout=5).status_code == 404
        server.answer_html()
        html = requests.get(f"{server.url}/{first}", timeout=5)
        assert html.headers["Content-Type"] == "text/html"
        server.recover()
        assert requests.get(f"{server.url}/{first}", timeout=5).content == alb.pem(first)
        assert server.request_count == 5
    assert "COGNITO_ALB_KEY_URL" not in alb.config()
    assert alb.pem("nope") is None


def test_public_pem_takes_either_half() -> None:
    alb = LocalLoadBalancer()
    key = alb.signing_key
    assert public_pem(key) == public_pem(key.public_key())
    assert alb_b64(b"\x00", padding=False) == "AA"
    assert alb_b64(b"\x00") == "AA=="
