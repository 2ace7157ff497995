"""How fast is a verification? Ratios against plain joserfc, measured in the same run.

    .venv/bin/python benchmarks/bench_verify.py        (or: make bench)

The baseline is what a hand-written verifier does per request with joserfc: decode and check
the RS256 signature with the key, then validate the claims. Machines here are noisy, so only
ratios are printed (each the best of several rounds), never an absolute time to compare with.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from joserfc import jwt
from joserfc.jwk import RSAKey
from joserfc.jwt import JWTClaimsRegistry

from flask_revstack_cognito import CognitoAuth, TokenVerifier, login_required
from flask_revstack_cognito.testing import LocalUserPool

ROUNDS = 5
CALLS = 2000


def ratio(function: Callable[[], object], baseline: Callable[[], object], calls: int) -> float:
    """Time per call of ``function`` over that of ``baseline``, best of ``ROUNDS`` rounds each.

    The rounds alternate, so that a slow moment of the machine falls on both sides.
    """
    best = {function: float("inf"), baseline: float("inf")}
    for _ in range(ROUNDS):
        for candidate in (baseline, function):
            start = time.perf_counter()
            for _ in range(calls):
                candidate()
            best[candidate] = min(best[candidate], time.perf_counter() - start)
    return best[function] / best[baseline]


def main() -> None:
    pool = LocalUserPool()
    token = pool.id_token(groups=["admins"], custom={"tenant": "acme"})
    public_key = RSAKey.import_key(pool.jwks()["keys"][0])
    registry = JWTClaimsRegistry(
        iss={"essential": True, "value": pool.issuer},
        aud={"essential": True, "value": pool.client_id},
        token_use={"essential": True, "value": "id"},
    )

    def joserfc_baseline() -> object:
        decoded = jwt.decode(token, public_key, algorithms=["RS256"])
        registry.validate(decoded.claims)
        return decoded.claims

    uncached = TokenVerifier(pool.contract(), fetcher=pool.fetcher, token_cache_size=0)
    cached = TokenVerifier(pool.contract(), fetcher=pool.fetcher)
    uncached.prefetch()
    cached.prefetch()

    app = Flask("bench")
    app.config.update(pool.config())
    CognitoAuth(app, fetcher=pool.fetcher)

    @app.get("/open")
    def open_view() -> str:
        return "ok"

    @app.get("/protected")
    @login_required(groups=["admins"])
    def protected_view() -> str:
        return "ok"

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/protected", headers=headers).status_code == 200

    results = {
        "TokenVerifier.verify, token cache off": lambda: uncached.verify(token),
        "TokenVerifier.verify, token cache hit": lambda: cached.verify(token),
    }
    print(f"baseline: joserfc decode + claims validation ({CALLS} calls, best of {ROUNDS})")
    for name, function in results.items():
        print(f"  {name:<40} {ratio(function, joserfc_baseline, CALLS):6.2f} x baseline")

    def open_request() -> object:
        return client.get("/open", headers=headers)  # the same header, unread

    def protected_request() -> object:
        return client.get("/protected", headers=headers)

    print("baseline: the same request to an open view through Flask's test client")
    request_ratio = ratio(protected_request, open_request, 500)
    print(f"  {'@login_required(groups=...) view':<40} {request_ratio:6.2f} x baseline")


if __name__ == "__main__":
    main()
