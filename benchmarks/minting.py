"""Realistic Cognito ID tokens, all distinct, minted in process or in worker processes.

Every token has the claims a Cognito ID token carries (``sub``, ``cognito:username``, email,
``origin_jti``, ``event_id``, ``jti``, times, groups, custom attributes), each with its own ids,
so no cache can confuse two of them. Signing is an RSA private operation of about a millisecond,
so the 100,000 tokens of the memory measurement are signed by worker processes.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from joserfc.jwk import RSAKey

from flask_revstack_cognito.testing import LocalUserPool, encode_token

_CHUNK = 2000
_worker_key: RSAKey | None = None


def claims_template(pool: LocalUserPool) -> dict[str, Any]:
    """The claims shared by every bench token; :func:`vary` gives each its own ids."""
    return pool.claims(
        "id", groups=["admins", "staff"], custom={"tenant": "acme", "plan": "enterprise"}
    )


def vary(template: Mapping[str, Any], number: int) -> dict[str, Any]:
    """``template`` with fresh ids and a user of its own: token ``number`` of a run."""
    claims = dict(template)
    claims.update(
        {
            "sub": str(uuid.uuid4()),
            "cognito:username": f"user{number:06d}",
            "email": f"user{number:06d}@example.com",
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "jti": str(uuid.uuid4()),
        }
    )
    return claims


def _mint(
    header: Mapping[str, Any], template: Mapping[str, Any], key: RSAKey, numbers: Iterable[int]
) -> list[str]:
    return [encode_token(header, vary(template, number), key) for number in numbers]


def mint(pool: LocalUserPool, count: int, *, first: int = 0) -> list[str]:
    """``count`` distinct tokens signed by ``pool``'s current key, in this process."""
    header = {"kid": pool.kid, "alg": "RS256"}
    return _mint(header, claims_template(pool), pool.signing_key, range(first, first + count))


def _load_key(private_jwk: dict[str, Any]) -> None:
    global _worker_key
    _worker_key = RSAKey.import_key(private_jwk)


def _mint_chunk(
    header: dict[str, Any], template: dict[str, Any], start: int, stop: int
) -> list[bytes]:
    assert _worker_key is not None, "the worker's initializer loads the key"
    return [
        token.encode("ascii") for token in _mint(header, template, _worker_key, range(start, stop))
    ]


def mint_in_workers(pool: LocalUserPool, count: int, *, workers: int = 2) -> list[bytes]:
    """``count`` distinct tokens, signed in ``workers`` processes, as ASCII bytes.

    Bytes, so that a measurement can make each token's ``str`` (as a request would) while it
    traces memory.
    """
    header = {"kid": pool.kid, "alg": "RS256"}
    template = claims_template(pool)
    bounds = [(start, min(start + _CHUNK, count)) for start in range(0, count, _CHUNK)]
    context = multiprocessing.get_context("spawn")  # fork is unsafe: the JWKS server is a thread
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_load_key,
        initargs=(pool.signing_key.as_dict(private=True),),
    ) as executor:
        chunks = executor.map(
            _mint_chunk,
            [header] * len(bounds),
            [template] * len(bounds),
            [start for start, _ in bounds],
            [stop for _, stop in bounds],
        )
        return [token for chunk in chunks for token in chunk]
