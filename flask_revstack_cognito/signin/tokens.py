"""Verifying the tokens Cognito's token endpoint hands over, before any cookie is set.

Each token goes through the app's own verification (SPEC section 4, with whatever features add
to it, such as the revocation check); then what only sign-in knows is checked: both tokens were
issued to the sign-in app client, for the same user, the ID token carries the ``nonce`` of this
browser's sign-in, and its ``at_hash`` (when present) matches the access token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from ..pipeline import Verify
from ..user import CognitoUser
from .client import TokenResponse
from .cookies import CookieTokens


class SignInTokenError(Exception):
    """The tokens of a sign-in or refresh failed a check of sign-in's own; the message says which.

    :meta private:
    """


@dataclass(frozen=True)
class VerifiedTokens:
    """The verified users of a token response, and the tokens for the cookies."""

    id_user: CognitoUser
    access_user: CognitoUser
    cookies: CookieTokens


def verify_token_response(
    tokens: TokenResponse,
    verify: Verify,
    *,
    client_id: str,
    nonce: str | None,
    allow_missing_nonce: bool,
) -> VerifiedTokens:
    """Verify the ID and access tokens of a code exchange (``nonce`` given) or a refresh.

    :param client_id: the app client that signed the user in.
    :param nonce: the nonce of the sign-in; ``None`` for a refresh (Cognito's refreshed ID
        tokens carry none).
    :param allow_missing_nonce: accept an ID token without ``nonce`` (a loopback emulator whose
        tokens cannot carry one); an ID token with another nonce is refused all the same.
    :raises CognitoAuthError: a token failed the app's verification.
    :raises SignInTokenError: a check of sign-in's own failed.
    """
    if tokens.id_token is None:
        raise SignInTokenError("Cognito sent no ID token (is 'openid' among the scopes?)")
    id_user = verify(tokens.id_token, token_use="id")
    access_user = verify(tokens.access_token, token_use="access")
    if id_user.client_id != client_id or access_user.client_id != client_id:
        raise SignInTokenError("the tokens were issued to another app client")
    if id_user.sub != access_user.sub:
        raise SignInTokenError("the ID and access tokens belong to different users")
    if nonce is not None:
        _check_nonce(id_user, nonce, allow_missing=allow_missing_nonce)
    at_hash = id_user.claims.get("at_hash")
    if at_hash is not None and not hmac.compare_digest(
        str(at_hash), access_token_hash(tokens.access_token)
    ):
        raise SignInTokenError("the ID token's at_hash does not match the access token")
    return VerifiedTokens(
        id_user,
        access_user,
        CookieTokens(
            id_token=tokens.id_token,
            id_expires_at=_expiry(id_user),
            access_token=tokens.access_token,
            access_expires_at=_expiry(access_user),
            refresh_token=tokens.refresh_token,
        ),
    )


def access_token_hash(access_token: str) -> str:
    """OpenID Connect's ``at_hash`` of an access token: the left half of its SHA-256."""
    digest = hashlib.sha256(access_token.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def _check_nonce(id_user: CognitoUser, nonce: str, *, allow_missing: bool) -> None:
    sent = id_user.claims.get("nonce")
    if sent is None:
        if not allow_missing:
            raise SignInTokenError("the ID token carries no nonce")
        return
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), nonce.encode()):
        raise SignInTokenError("the ID token's nonce is not this sign-in's")


def _expiry(user: CognitoUser) -> float:
    # The verifier refuses a token without exp, so a verified user always has one.
    expires_at = user.expires_at
    assert expires_at is not None
    return expires_at.timestamp()
