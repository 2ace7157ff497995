"""What every measurement shares: one pool, its loopback JWKS server, and the same tokens."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey, RSAPublicNumbers
from joserfc.jwk import RSAKey

from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

from .minting import mint


def _b64url_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def _b64url_bytes(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def public_key(jwks: dict[str, Any], kid: str) -> RSAPublicKey:
    """The public key ``kid`` of a JWKS document, built from its numbers (as a verifier would)."""
    jwk = next(key for key in jwks["keys"] if key["kid"] == kid)
    return RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"])).public_key()


def signing_inputs(tokens: list[str]) -> list[tuple[bytes, bytes]]:
    """``(signing input, signature)`` of each token, decoded in advance: what L verifies."""
    pairs = []
    for token in tokens:
        signing_input, signature = token.rsplit(".", 1)
        pairs.append((signing_input.encode("ascii"), _b64url_bytes(signature)))
    return pairs


@dataclass
class World:
    """A pool with two published keys (as Cognito publishes), served on 127.0.0.1.

    :ivar tokens: one batch of distinct ID tokens; every timed case goes through all of them.
    :ivar warmup: a token outside the batch, verified by each fresh app before it is timed.
    :ivar repeated: the token of the repeated-token route, outside the batch.
    :ivar forged: a token with the right ``kid`` and claims, signed by another key.
    """

    pool: LocalUserPool
    server: JWKSServer
    tokens: list[str]
    warmup: str
    repeated: str
    forged: str

    @classmethod
    def create(cls, batch: int) -> World:
        """Make the pool and its keys, start serving the JWKS, mint ``batch + 2`` tokens."""
        pool = LocalUserPool()
        pool.rotate_key(keep_old=True)  # Cognito's JWKS holds two keys
        server = pool.serve()
        tokens = mint(pool, batch + 2)
        impostor = RSAKey.generate_key(
            2048, parameters={"kid": pool.kid, "alg": "RS256", "use": "sig"}, private=True
        )
        forged = pool.id_token(key=impostor)
        return cls(pool, server, tokens[2:], tokens[0], tokens[1], forged)

    def stop(self) -> None:
        """Stop the JWKS server."""
        self.server.stop()

    @property
    def jwks(self) -> dict[str, Any]:
        """The public JWKS document, as served."""
        return self.pool.jwks()

    def jwks_bytes(self) -> bytes:
        """The JWKS as the loopback server sends it."""
        return json.dumps(self.jwks).encode()

    def config(self, **overrides: Any) -> dict[str, Any]:
        """``COGNITO_*`` settings trusting the pool, keys from the loopback server."""
        return self.pool.config(**overrides)

    def public_key(self) -> RSAPublicKey:
        """The signing key's public half, built from the published JWKS (as a verifier would)."""
        return public_key(self.jwks, self.pool.kid)

    def signing_inputs(self) -> list[tuple[bytes, bytes]]:
        """``(signing input, signature)`` of every batch token: what L verifies."""
        return signing_inputs(self.tokens)

    def snapshot(self) -> Snapshot:
        """The public part of this world, for a process that must not make keys or mint."""
        settings = self.config()
        settings.pop("COGNITO_JWKS_URI", None)  # the loading process serves the JWKS itself
        pool = self.pool
        return Snapshot(
            self.jwks,
            pool.user_pool_id,
            pool.region,
            pool.kid,
            settings,
            self.tokens,
            self.warmup,
            self.repeated,
        )


@dataclass(frozen=True)
class Snapshot:
    """A world written down for another process: its JWKS, settings and tokens, no private key.

    Loading one makes no key and mints no token, so two processes that load the same snapshot
    do the same work before they measure: what :mod:`benchmarks.cachegrind` relies on to count
    a request's instructions as the difference between two runs.
    """

    jwks: dict[str, Any]
    pool_id: str
    region: str
    #: The key id that signed the tokens.
    kid: str
    #: ``COGNITO_*`` settings trusting the pool, without ``COGNITO_JWKS_URI``.
    settings: dict[str, Any]
    tokens: list[str]
    warmup: str
    repeated: str

    def save(self, path: Path) -> None:
        """Write the snapshot to ``path`` as JSON."""
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        """Read a snapshot :meth:`save` wrote."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def jwks_bytes(self) -> bytes:
        """The JWKS as :class:`World`'s loopback server sends it."""
        return json.dumps(self.jwks).encode()

    def public_key(self) -> RSAPublicKey:
        """The public key that signed the tokens."""
        return public_key(self.jwks, self.kid)
