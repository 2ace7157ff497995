"""Sign-in's own token checks, exactly: each refusal's whole message (the callback reports it),
``at_hash`` of any text, and the longest ``next`` kept."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MakeVerifier

from flask_revstack_cognito.signin.client import TokenResponse
from flask_revstack_cognito.signin.redirects import safe_next
from flask_revstack_cognito.signin.tokens import (
    SignInTokenError,
    access_token_hash,
    verify_token_response,
)
from flask_revstack_cognito.testing import LocalUserPool

OTHER_CLIENT = "otherclient0987654321"


def refusal(
    pool: LocalUserPool,
    make_verifier: MakeVerifier,
    *,
    id_claims: dict[str, Any] | None = None,
    access_claims: dict[str, Any] | None = None,
    with_id_token: bool = True,
) -> str:
    access_token = pool.access_token(**(access_claims or {}))
    id_token = pool.id_token(**{"nonce": "n-1", **(id_claims or {})}) if with_id_token else None
    verifier = make_verifier(client_id=[pool.client_id, OTHER_CLIENT], token_use="any")
    with pytest.raises(SignInTokenError) as caught:
        verify_token_response(
            TokenResponse(id_token, access_token, "refresh"),
            verifier.verify,
            client_id=pool.client_id,
            nonce="n-1",
            allow_missing_nonce=False,
        )
    return str(caught.value)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            {"with_id_token": False},
            "Cognito sent no ID token (is 'openid' among the scopes?)",
        ),
        (
            {"access_claims": {"client_id": OTHER_CLIENT}},
            "the tokens were issued to another app client",
        ),
        (
            {"access_claims": {"sub": "someone-else"}},
            "the ID and access tokens belong to different users",
        ),
        ({"id_claims": {"nonce": None}}, "the ID token carries no nonce"),
        ({"id_claims": {"nonce": "n-2"}}, "the ID token's nonce is not this sign-in's"),
        (
            {"id_claims": {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}},
            "the ID token's at_hash does not match the access token",
        ),
    ],
)
def test_each_refusal_says_it_whole(
    pool: LocalUserPool, make_verifier: MakeVerifier, case: dict[str, Any], message: str
) -> None:
    assert refusal(pool, make_verifier, **case) == message


def test_the_at_hash_of_a_text_outside_ascii_counts_each_such_character_as_a_question_mark() -> (
    None
):
    # The verifier refuses such a token before its at_hash is computed; the function itself
    # takes any text and never raises.
    assert access_token_hash("caf\u00e9") == access_token_hash("caf?")
    assert access_token_hash("\u00e9\u00e8") == access_token_hash("??")


def test_the_longest_next_is_kept_and_one_more_character_is_refused() -> None:
    longest = "/" + "a" * 2047
    assert safe_next(longest) == longest
    assert safe_next(longest + "a") == "/"
