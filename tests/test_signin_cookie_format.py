"""The refresh cookie's exact format: a browser keeps a cookie across upgrades of the app.

A value sealed by one release must open in the next one, so the key derivation (HKDF-SHA256,
its salt and info), the layout (``v1.`` and base64url of nonce, ciphertext and tag, without
padding) and the associated data (the cookie's name) are pinned here by known answers.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from flask_revstack_cognito.signin.cookies import RefreshCookieCodec, derive_key

#: derive_key("secret"): HKDF-SHA256, 32 bytes, salt b"flask-revstack-cognito", info
#: b"flask-revstack-cognito refresh-token cookie v1".
KEY_OF_SECRET = "ac830b61e9826c0e1e4f2f7f569dc6cb9148902f7ef3273f2ec5ef170aae387d"


def counting(size: int) -> bytes:
    """A fixed nonce (bytes 0, 1, 2, ...) in place of os.urandom: known answers."""
    return bytes(range(size))


def test_the_key_is_hkdf_sha256_of_the_secret_with_the_cookies_salt_and_info() -> None:
    assert derive_key("secret").hex() == KEY_OF_SECRET
    assert derive_key(b"secret").hex() == KEY_OF_SECRET
    hkdf = HKDF(
        algorithm=SHA256(),
        length=32,
        salt=b"flask-revstack-cognito",
        info=b"flask-revstack-cognito refresh-token cookie v1",
    )
    assert hkdf.derive(b"secret").hex() == KEY_OF_SECRET


@pytest.mark.parametrize(
    ("token", "sealed"),
    [
        ("", "v1.AAECAwQFBgcICQoLxS3G8NNECCarEDwBgP2Rcg"),
        ("a", "v1.AAECAwQFBgcICQoL8KNs_6DoCgMpSZf_bH-Xou8"),
        ("ab", "v1.AAECAwQFBgcICQoL8Ft4Id4Hz1WpnEtvTMsSVCnL"),
        ("abc", "v1.AAECAwQFBgcICQoL8FuoRLmn4jV-y3OUlClYON4CDw"),
        ("token-32", "v1.AAECAwQFBgcICQoL5VagARElX9Kj9q5p_pH43dFB2Nrmc5SX"),
        (
            "opaque-refresh-token",
            "v1.AAECAwQFBgcICQoL_kmqFQptQZIC4DQAGV7Sit2GK9SEXA_zAzMDc1ryZnGJ4NBA",
        ),
    ],
)
def test_a_seal_is_v1_and_unpadded_base64url_of_nonce_ciphertext_and_tag(
    token: str, sealed: str
) -> None:
    codec = RefreshCookieCodec("secret", random=counting)
    assert codec.seal(token) == sealed
    assert codec.open(sealed) == token
    assert RefreshCookieCodec("secret").open(sealed) == token
    nonce = counting(12)
    ciphertext_and_tag = AESGCM(bytes.fromhex(KEY_OF_SECRET)).encrypt(nonce, token.encode(), b"")
    body = base64.urlsafe_b64encode(nonce + ciphertext_and_tag).decode()
    assert sealed == "v1." + body.rstrip("=")


def test_the_cookie_name_is_the_associated_data() -> None:
    codec = RefreshCookieCodec("secret", associated="refresh_token", random=counting)
    sealed = codec.seal("opaque-refresh-token")
    assert sealed == "v1.AAECAwQFBgcICQoL_kmqFQptQZIC4DQAGV7Sit2GK9Q-2dXhU1GTjuB62mxTcaa4"
    assert codec.open(sealed) == "opaque-refresh-token"
    assert RefreshCookieCodec("secret").open(sealed) is None  # no associated data: refused


def test_a_codec_without_associated_data_opens_what_an_empty_name_sealed() -> None:
    sealed = RefreshCookieCodec("secret", associated="", random=counting).seal("t")
    assert RefreshCookieCodec("secret").open(sealed) == "t"
    assert RefreshCookieCodec("secret").seal("t") != sealed  # os.urandom by default


@pytest.mark.parametrize("length", range(0, 41))
def test_tokens_of_every_length_open_again(length: int) -> None:
    # Every remainder of the body's length modulo 4 (and 5): the padding added back is right.
    token = "r" * length
    codec = RefreshCookieCodec("secret", associated="refresh_token")
    assert codec.open(codec.seal(token)) == token


@pytest.mark.parametrize("length", range(0, 12))
def test_a_fallback_secret_opens_tokens_of_every_length(length: int) -> None:
    token = "r" * length
    old = RefreshCookieCodec(b"old", associated="refresh_token").seal(token)
    rotated = RefreshCookieCodec("new", fallbacks=[b"old", "older"], associated="refresh_token")
    assert rotated.open(old) == token
    older = RefreshCookieCodec("older", associated="refresh_token").seal(token)
    assert rotated.open(older) == token


def test_a_value_of_8192_characters_is_opened_and_a_longer_one_is_not() -> None:
    codec = RefreshCookieCodec("secret", random=counting)
    token = "r" * 6113
    sealed = codec.seal(token)
    assert len(sealed) == 8191
    # Padding beyond the body is ignored by the decoder; the value's length is the limit's.
    assert codec.open(sealed + "=") == token
    assert len(sealed + "=") == 8192
    assert codec.open(sealed + "==") is None


def test_a_value_with_a_dot_in_its_body_is_read_from_its_first_dot() -> None:
    codec = RefreshCookieCodec("secret", random=counting)
    sealed = codec.seal("ab")  # a body of 40 characters: no padding to add back
    # base64 decoding skips characters outside its alphabet: the version is what comes
    # before the first dot, whatever follows it.
    assert codec.open(sealed + ".") == "ab"
    assert codec.open("v1.." + sealed.removeprefix("v1.")) == "ab"
