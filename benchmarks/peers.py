"""Other verifiers, each set up the way its documentation shows, with its keys already held.

Each check means the same thing: RS256 signature by the key the token's ``kid`` names, expiry,
issuer, audience (the app client) and ``token_use`` "id", as far as the library can be told to.
cognitojwt checks only signature, expiry and client: that is its whole API.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .apps import optional_module
from .world import World

Verify = Callable[[str], object]


@dataclass(frozen=True)
class Peer:
    """A peer's verify function, or ``None`` with the reason (``not installed``)."""

    key: str
    label: str
    verify: Verify | None
    missing: str = ""


def _required(world: World) -> dict[str, dict[str, Any]]:
    pool = world.pool
    return {
        "iss": {"essential": True, "value": pool.issuer},
        "aud": {"essential": True, "value": pool.client_id},
        "exp": {"essential": True},
        "token_use": {"essential": True, "value": "id"},
    }


def joserfc_peer(world: World) -> Peer:
    """joserfc ``jwt.decode`` with a key set (the kid picks the key), then claims validation."""
    from joserfc import jwt
    from joserfc.jwk import KeySet
    from joserfc.jwt import JWTClaimsRegistry

    key_set = KeySet.import_key_set(world.jwks)  # type: ignore[arg-type]
    pool = world.pool
    registry = JWTClaimsRegistry(
        iss={"essential": True, "value": pool.issuer},
        aud={"essential": True, "value": pool.client_id},
        exp={"essential": True},
        token_use={"essential": True, "value": "id"},
    )

    def verify(token: str) -> object:
        decoded = jwt.decode(token, key_set, algorithms=["RS256"])
        registry.validate(decoded.claims)
        return decoded.claims

    return Peer("joserfc", "joserfc jwt.decode + JWTClaimsRegistry.validate", verify)


def authlib_peer(world: World) -> Peer:
    """Authlib's JOSE path (deprecated since Authlib 1.7 in favour of joserfc)."""
    label = "Authlib authlib.jose jwt.decode + claims.validate"
    deprecation = optional_module("authlib.deprecate")  # its import says "always" warn
    if deprecation is None:
        return Peer("authlib", label, None, "not installed")
    # authlib.jose warns, on import and on some calls, that it is deprecated: the bench knows.
    warnings.filterwarnings("ignore", category=deprecation.AuthlibDeprecationWarning)
    jose = optional_module("authlib.jose")
    if jose is None:
        return Peer("authlib", label, None, "not installed")
    key_set = jose.JsonWebKey.import_key_set(world.jwks)
    decoder = jose.JsonWebToken(["RS256"])
    options = _required(world)

    def verify(token: str) -> object:
        claims = decoder.decode(token, key_set, claims_options=options)
        claims.validate()
        return claims

    return Peer("authlib", label, verify)


def pyjwt_peer(world: World) -> Peer:
    """PyJWT as ``PyJWKClient`` uses it: the unverified header's kid picks the key."""
    label = "PyJWT jwt.decode (PyJWKSet, kid lookup)"
    pyjwt = optional_module("jwt")
    if pyjwt is None or not hasattr(pyjwt, "PyJWKSet"):
        return Peer("pyjwt", label, None, "not installed")
    key_set = pyjwt.PyJWKSet.from_dict(world.jwks)
    pool = world.pool

    def verify(token: str) -> object:
        key = key_set[pyjwt.get_unverified_header(token)["kid"]]
        claims: dict[str, Any] = pyjwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=pool.client_id,
            issuer=pool.issuer,
            options={"require": ["exp", "iss", "aud", "token_use"]},
        )
        if claims["token_use"] != "id":
            raise ValueError("not an ID token")
        return claims

    return Peer("pyjwt", label, verify)


def cognitojwt_peer(world: World) -> Peer:
    """cognitojwt ``decode``; its keys come from the loopback server (see ``apps``)."""
    label = "cognitojwt.decode (keys from loopback)"
    cognitojwt = optional_module("cognitojwt")
    if cognitojwt is None or not hasattr(cognitojwt, "decode"):
        return Peer("cognitojwt", label, None, "not installed")
    pool = world.pool

    def verify(token: str) -> object:
        return cognitojwt.decode(token, pool.region, pool.user_pool_id, pool.client_id)

    return Peer("cognitojwt", label, verify)


def check(verify: Verify, good: str, forged: str) -> None:
    """Refuse to time a verifier that rejects a good token or accepts a forged one.

    :raises RuntimeError: saying which.
    """
    verify(good)
    try:
        verify(forged)
    except Exception:
        return
    raise RuntimeError("accepted a token signed by another key")
