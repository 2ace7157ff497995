"""The sign-in cookies: the refresh token sealed with AES-GCM, and setting and clearing all three.

The ID and access tokens are signed by Cognito and verified on every request, so their cookies
hold them as they are. The refresh token is opaque to the app and worth more (it mints new
tokens for 30 days): its cookie holds it encrypted and authenticated with AES-256-GCM under a key
derived from ``SECRET_KEY`` with HKDF, so a stolen cookie jar without the app's secret cannot be
replayed at Cognito, and a changed cookie is refused rather than sent.
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from werkzeug.http import dump_cookie
from werkzeug.wrappers import Response

from .settings import REFRESH_COOKIE_MAX_AGE, SignInSettings

# The version prefix lets a later format be told apart; the HKDF info binds the key to this use.
_VERSION = "v1"
_HKDF_INFO = b"flask-revstack-cognito refresh-token cookie v1"
_HKDF_SALT = b"flask-revstack-cognito"
_NONCE_BYTES = 12
# A sealed Cognito refresh token is about 2.4 kB; a cookie cannot hold more than about 4 kB.
_MAX_SEALED = 8192

#: The largest ``Set-Cookie`` value set (werkzeug's limit): browsers keep 4096 bytes per cookie.
MAX_COOKIE_BYTES = 4093


def derive_key(secret: str | bytes) -> bytes:
    """The 256-bit AES key of the refresh cookie, derived from a Flask ``SECRET_KEY``."""
    material = secret.encode() if isinstance(secret, str) else secret
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO)
    return hkdf.derive(material)


class RefreshCookieCodec:
    """Seal a refresh token for its cookie, and open what a browser sends back.

    :param secret: the app's ``SECRET_KEY``; new cookies are sealed with it.
    :param fallbacks: older secrets (Flask's ``SECRET_KEY_FALLBACKS``): cookies sealed with
        them still open, so rotating the secret does not sign everyone out.
    :param associated: bound to every sealed value (the cookie's name): a value sealed for one
        cookie does not open as another.
    """

    def __init__(
        self,
        secret: str | bytes,
        *,
        fallbacks: Iterable[str | bytes] = (),
        associated: str = "",
        random: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self._sealer = AESGCM(derive_key(secret))
        self._openers = (self._sealer, *(AESGCM(derive_key(old)) for old in fallbacks))
        self._associated = associated.encode()
        self._random = random

    def __repr__(self) -> str:
        return "<RefreshCookieCodec>"

    def seal(self, refresh_token: str) -> str:
        """The cookie value of ``refresh_token``: ``v1.`` and base64url(nonce, ciphertext, tag)."""
        nonce = self._random(_NONCE_BYTES)
        sealed = self._sealer.encrypt(nonce, refresh_token.encode(), self._associated)
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def open(self, value: str | None) -> str | None:
        """The refresh token in a cookie value; ``None`` for a missing, changed or foreign one."""
        if not value or len(value) > _MAX_SEALED:
            return None
        version, _, body = value.partition(".")
        if version != _VERSION:
            return None
        try:
            data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            return None
        nonce, sealed = data[:_NONCE_BYTES], data[_NONCE_BYTES:]
        if len(nonce) != _NONCE_BYTES:
            return None
        for opener in self._openers:
            try:
                plain = opener.decrypt(nonce, sealed, self._associated)
            except InvalidTag:
                continue
            try:
                return plain.decode()
            except UnicodeDecodeError:  # sealed by this key, so never; refuse all the same
                return None
        return None


@dataclass(frozen=True)
class CookieTokens:
    """The tokens to put in the cookies, with their expiry (seconds since the epoch)."""

    id_token: str
    id_expires_at: float
    access_token: str
    access_expires_at: float
    #: The refresh token, or ``None`` to leave the refresh cookie as it is (a refresh without
    #: rotation).
    refresh_token: str | None


class CookieTooLarge(Exception):
    """A token does not fit in a browser cookie (an ID token with many groups or attributes).

    :param name: the cookie's name.
    :param size: the size of its ``Set-Cookie`` value, in bytes.
    """

    def __init__(self, name: str, size: int) -> None:
        #: The cookie that does not fit.
        self.name = name
        #: The size of its ``Set-Cookie`` value, in bytes.
        self.size = size
        super().__init__(
            f"the {name} cookie would be {size} bytes; browsers keep at most {MAX_COOKIE_BYTES}"
        )


def set_cookies(
    response: Response,
    tokens: CookieTokens,
    settings: SignInSettings,
    codec: RefreshCookieCodec,
    *,
    now: Callable[[], float] = time.time,
) -> None:
    """Put the tokens in their cookies: HttpOnly, Path ``/``, Secure and SameSite as configured.

    The ID and access cookies live until their token expires; the refresh cookie lives
    :data:`~.settings.REFRESH_COOKIE_MAX_AGE` seconds. Nothing is set when one does not fit.

    :raises CookieTooLarge: when a cookie would exceed :data:`MAX_COOKIE_BYTES` (a browser
        would drop it without a word, and the user would never be signed in).
    """
    current = now()
    cookies = [
        (settings.id_cookie, tokens.id_token, tokens.id_expires_at - current),
        (settings.access_cookie, tokens.access_token, tokens.access_expires_at - current),
    ]
    if tokens.refresh_token is not None:
        sealed = codec.seal(tokens.refresh_token)
        cookies.append((settings.refresh_cookie, sealed, REFRESH_COOKIE_MAX_AGE))
    headers = [_dump(settings, name, value, max_age) for name, value, max_age in cookies]
    for (name, _, _), header in zip(cookies, headers, strict=True):
        if len(header) > MAX_COOKIE_BYTES:
            raise CookieTooLarge(name, len(header))
    for header in headers:
        response.headers.add("Set-Cookie", header)


def clear_cookies(response: Response, settings: SignInSettings) -> None:
    """Expire the three cookies (with the flags they were set with, so browsers match them)."""
    for name in settings.cookie_names:
        response.delete_cookie(
            name,
            path="/",
            secure=settings.cookie_secure,
            httponly=True,
            samesite=settings.cookie_samesite,
        )


def _dump(settings: SignInSettings, name: str, value: str, max_age: float) -> str:
    return dump_cookie(
        name,
        value,
        max_age=max(0, int(max_age)),
        path="/",
        secure=settings.cookie_secure,
        httponly=True,
        samesite=settings.cookie_samesite,
        max_size=0,  # checked by the caller, with an error instead of a warning
    )
