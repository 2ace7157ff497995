"""The timed rows (a) to (e): L, this package cold and cached, the peers, the Flask routes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from contextlib import suppress

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from flask import Flask, request
from flask.testing import FlaskClient

from flask_revstack_cognito import TokenVerifier
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.config import DEFAULTS
from flask_revstack_cognito.tokens import parse_token

from .apps import flask_cognito_app, optional_module, warm_app
from .harness import Body, Case
from .peers import Peer, check
from .world import World, signing_inputs

#: Keys of the rows the targets compare.
LIMIT, COLD, COLD_VERIFIER, HIT = "limit", "cold", "cold-verifier", "hit"
OPEN, REPEATED, DISTINCT, FLASK_COGNITO = "open", "repeated", "distinct", "flask-cognito"
#: Reference routes that are no verifier: the floor under any verifier's distinct-token route.
FLOOR_RSA, FLOOR_PARSE, FLOOR_STDLIB = "floor-rsa", "floor-parse", "floor-stdlib"
#: Each floor route's path and what it does.
FLOOR_ROUTES = {
    FLOOR_RSA: ("/floor/rsa", "RSA check only"),
    FLOOR_STDLIB: ("/floor/stdlib", "stdlib decoding + RSA only"),
    FLOOR_PARSE: ("/floor/parse", "parse + RSA only"),
}
REVOKED_REDIS = "revocation-redis"


def _failing(error: Exception) -> Callable[[], Body]:
    def setup() -> Body:
        raise error

    return setup


def limit_case(world: World) -> Case:
    """(a) L: ``cryptography``'s RSA PKCS#1 v1.5 SHA-256 verify of the batch's signing inputs."""
    public_key = world.public_key()
    pairs = world.signing_inputs()
    padding, digest = PKCS1v15(), SHA256()
    message, signature = pairs[0]
    public_key.verify(signature, message, padding, digest)
    with suppress(InvalidSignature):
        public_key.verify(signature[::-1], message, padding, digest)
        raise RuntimeError("L accepted a reversed signature")

    def setup() -> Body:
        def body() -> None:
            for message, signature in pairs:
                public_key.verify(signature, message, padding, digest)

        return body

    label = "L: cryptography RSA-2048 PKCS#1 v1.5 SHA-256 verify"
    return Case(LIMIT, label, setup, len(pairs))


def cold_cases(world: World) -> list[Case]:
    """(b) distinct tokens through a fresh verifier each round (keys held, token cache empty)."""
    config, tokens = world.config(), world.tokens
    checked_app, checked_auth = warm_app(config, world.warmup)

    def verify_once(token: str) -> object:
        with checked_app.app_context():
            return checked_auth.verify(token)

    check(verify_once, world.repeated, world.forged)

    def app_setup() -> Body:
        app, auth = warm_app(config, world.warmup)

        def body() -> None:
            with app.app_context():
                for token in tokens:
                    auth.verify(token)

        return body

    def verifier_setup() -> Body:
        verifier = TokenVerifier(world.pool.contract())  # keys over HTTP from the loopback
        verifier.prefetch()
        verifier.verify(world.warmup)

        def body() -> None:
            for token in tokens:
                verifier.verify(token)

        return body

    return [
        Case(COLD, "auth.verify, distinct tokens (cold)", app_setup, len(tokens)),
        Case(COLD_VERIFIER, "TokenVerifier.verify, distinct tokens", verifier_setup, len(tokens)),
    ]


def hit_case(world: World) -> Case:
    """(c) the same tokens again: every call is a verified-token cache hit."""
    config = world.config()
    size = int(config.get(keys.TOKEN_CACHE_SIZE, DEFAULTS[keys.TOKEN_CACHE_SIZE]))
    tokens = world.tokens[:size]

    def setup() -> Body:
        app, auth = warm_app(config, world.warmup)
        with app.app_context():
            for token in tokens:
                auth.verify(token)

        def body() -> None:
            with app.app_context():
                for token in tokens:
                    auth.verify(token)

        return body

    return Case(HIT, "auth.verify, verified-token cache hit", setup, len(tokens))


def peer_case(world: World, peer: Peer) -> Case:
    """(d) a peer on the same batch."""
    verify, tokens = peer.verify, world.tokens
    if verify is None:
        return Case(peer.key, peer.label, _failing(RuntimeError()), len(tokens), peer.missing)
    try:
        check(verify, world.warmup, world.forged)
    except Exception as error:
        return Case(peer.key, peer.label, _failing(error), len(tokens))

    def setup() -> Body:
        def body() -> None:
            for token in tokens:
                verify(token)

        return body

    return Case(peer.key, peer.label, setup, len(tokens))


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}


def get_each(client: FlaskClient, path: str, headers: list[dict[str, str]]) -> Body:
    """A body that GETs ``path`` once with each of ``headers``; every answer must be 200."""

    def body() -> None:
        for header in headers:
            if client.get(path, headers=header).status_code != 200:
                raise RuntimeError(f"GET {path} was refused")

    return body


def _check_route(app: Flask, good: dict[str, str], forged: dict[str, str]) -> None:
    client = app.test_client()
    statuses = [client.get("/protected", headers=h).status_code for h in ({}, forged, good)]
    if statuses != [401, 401, 200]:
        raise RuntimeError(f"protected route answered {statuses} for none, forged, good")


def route_cases(world: World) -> list[Case]:
    """(e) Flask test-client GETs on the same app shape; a fresh app each round."""
    config = world.config()

    distinct = [bearer(token) for token in world.tokens]
    repeated = [bearer(world.repeated)] * len(distinct)
    forged, warmup = bearer(world.forged), bearer(world.warmup)
    _check_route(warm_app(config, world.warmup)[0], warmup, forged)

    def route(path: str, warm_token: str, headers: list[dict[str, str]]) -> Callable[[], Body]:
        def setup() -> Body:
            client = warm_app(config, warm_token)[0].test_client()
            client.get(path, headers=bearer(warm_token))
            return get_each(client, path, headers)

        return setup

    calls = len(distinct)
    cases = [
        Case(
            OPEN, "GET /open (same header, unread)", route("/open", world.warmup, repeated), calls
        ),
        Case(
            REPEATED,
            "GET /protected, repeated token",
            route("/protected", world.repeated, repeated),
            calls,
        ),
        Case(
            DISTINCT,
            "GET /protected, distinct tokens",
            route("/protected", world.warmup, distinct),
            calls,
        ),
    ]
    cases += floor_cases(world, distinct)
    label = "flask-cognito cognito_auth_required, distinct"
    module = optional_module("flask_cognito")
    if module is None:
        missing = Case(FLASK_COGNITO, label, _failing(RuntimeError()), calls, "not installed")
        cases.append(missing)
        return cases
    pool = world.pool

    def flask_cognito_setup() -> Body:
        app = flask_cognito_app(module, pool.region, pool.user_pool_id, pool.client_id)
        client = app.test_client()
        client.get("/protected", headers=warmup)
        return get_each(client, "/protected", distinct)

    try:
        _check_route(
            flask_cognito_app(module, pool.region, pool.user_pool_id, pool.client_id),
            warmup,
            forged,
        )
    except Exception as error:
        cases.append(Case(FLASK_COGNITO, label, _failing(error), calls))
    else:
        cases.append(Case(FLASK_COGNITO, label, flask_cognito_setup, calls))
    return cases


def floor_label(key: str) -> str:
    """The row text of the floor route ``key``: its path and what it does."""
    path, what = FLOOR_ROUTES[key]
    return f"floor: GET {path}, {what}"


def floor_app(public_key: RSAPublicKey, tokens: list[str]) -> Flask:
    """Three routes that are no verifier: what any verifier's distinct-token route costs at least.

    ``/floor/rsa`` checks its token's RSA signature, decoded in advance (L inside a request);
    ``/floor/stdlib`` decodes the token with the standard library alone (``str.split``,
    ``base64.urlsafe_b64decode``, ``json.loads``: no check of any kind) and checks the
    signature: what a Python verifier that checked nothing would cost; ``/floor/parse`` parses
    the token (this package's :func:`parse_token`) and checks the signature, and nothing else:
    no key look-up, no claim check, no user, no cache.

    :param public_key: the key that signed ``tokens``.
    :param tokens: the tokens ``/floor/rsa`` knows the decoded signing inputs of.
    """
    padding, digest = PKCS1v15(), SHA256()
    decoded = dict(zip(tokens, signing_inputs(tokens), strict=True))
    app = Flask("bench-floor")

    def bearer_token() -> str:
        return request.headers["Authorization"][len("Bearer ") :]

    @app.get("/floor/rsa")
    def rsa_only() -> str:
        message, signature = decoded[bearer_token()]
        public_key.verify(signature, message, padding, digest)
        return "ok"

    @app.get("/floor/stdlib")
    def stdlib_and_rsa() -> str:
        message, signature = stdlib_decode(bearer_token())
        public_key.verify(signature, message, padding, digest)
        return "ok"

    @app.get("/floor/parse")
    def parse_and_rsa() -> str:
        parsed = parse_token(bearer_token())
        public_key.verify(parsed.signature, parsed.signing_input, padding, digest)
        return "ok"

    return app


def stdlib_decode(token: str) -> tuple[bytes, bytes]:
    """A token's signing input and signature, its JSON decoded, by the standard library alone.

    No check of any kind (segments, alphabet, types, duplicate names): what a Python verifier
    that checked nothing would do before its RSA check (the header included, which this
    package's parser decodes once per distinct header).
    """
    header, payload, signature = token.split(".")
    json.loads(_b64url(header))
    json.loads(_b64url(payload))
    return f"{header}.{payload}".encode(), _b64url(signature)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def floor_cases(world: World, distinct: list[dict[str, str]]) -> list[Case]:
    """(e) the floor routes of :func:`floor_app` on the distinct tokens; a fresh app each round."""

    def route(path: str) -> Callable[[], Body]:
        def setup() -> Body:
            client = floor_app(world.public_key(), world.tokens).test_client()
            client.get(path, headers=distinct[0])
            return get_each(client, path, distinct)

        return setup

    return [
        Case(key, f"{floor_label(key)}, distinct", route(FLOOR_ROUTES[key][0]), len(distinct))
        for key in FLOOR_ROUTES
    ]


def revocation_case(world: World, redis_url: str | None, missing: str = "") -> Case:
    """(e) the repeated-token route again, with the Redis revocation store: its cost per request.

    Every request is a verified-token cache hit, as in the repeated-token row, plus one
    ``EXISTS`` round trip to a ``redis-server`` on 127.0.0.1; the difference is the check's cost.

    :param redis_url: the server's URL, ``None`` when it could not be started (``missing`` says).
    """
    label = "GET /protected + Redis revocation check, repeated token"
    calls = len(world.tokens)
    if redis_url is None:
        return Case(REVOKED_REDIS, label, _failing(RuntimeError()), calls, missing)
    config = world.config(COGNITO_REVOCATION_STORE=redis_url)
    header = bearer(world.repeated)
    revoked_app = warm_app(config, world.warmup)[0]
    revoked = world.pool.id_token()
    with revoked_app.app_context():
        revoked_app.extensions["revstack_cognito"].revoke(revoked)
    _check_route(revoked_app, header, bearer(revoked))

    def setup() -> Body:
        client = warm_app(config, world.repeated)[0].test_client()
        client.get("/protected", headers=header)  # connects to Redis, fills the token cache
        return get_each(client, "/protected", [header] * calls)

    return Case(REVOKED_REDIS, label, setup, calls)
