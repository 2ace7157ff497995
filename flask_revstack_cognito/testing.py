"""A local stand-in for a Cognito user pool, for your own tests (and this project's).

:class:`LocalUserPool` makes an RSA key pair, mints ID and access tokens with the claims Cognito
puts in them (any of which you can override), and serves its JWKS: in process through
:attr:`LocalUserPool.fetcher`, or over loopback HTTP with :meth:`LocalUserPool.serve`.

>>> from flask_revstack_cognito.verifier import TokenVerifier
>>> pool = LocalUserPool()
>>> token = pool.id_token(sub="user-1", groups=["admins"], custom={"tenant": "acme"})
>>> verifier = TokenVerifier(pool.contract(), fetcher=pool.fetcher)
>>> verifier.verify(token).custom["tenant"]
'acme'

With pytest, the ``cognito_pool`` fixture gives a pool already serving its JWKS on loopback,
so ``app.config.update(cognito_pool.config())`` is all an app needs.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

from .contract import AuthContract, build_auth_contract
from .errors import CognitoConfigError
from .jwks import JWKSFetchError

__all__ = ["JWKSServer", "LocalUserPool", "b64url", "encode_token"]

_RS256 = JWSRegistry.algorithms["RS256"]
_REMOVE = None


def b64url(data: bytes | str | Mapping[str, Any]) -> str:
    """base64url without padding; a mapping is JSON-encoded first."""
    if isinstance(data, Mapping):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_token(header: Mapping[str, Any], claims: Mapping[str, Any], key: RSAKey) -> str:
    """Sign ``claims`` with ``key`` (RS256) under ``header``, exactly as given."""
    signing_input = f"{b64url(header)}.{b64url(claims)}"
    signature = _RS256.sign(signing_input.encode("ascii"), key)
    return f"{signing_input}.{b64url(signature)}"


class LocalUserPool:
    """A fake user pool: keys, realistic tokens, and its JWKS.

    :param region: the pool's region.
    :param user_pool_id: ``<region>_<id>``; a fixed test id by default.
    :param client_id: the app client the tokens are issued to.
    :param key_bits: size of the RSA key.
    :param clock: seconds since the epoch used for ``iat``/``exp``.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        user_pool_id: str | None = None,
        client_id: str = "testclient1234567890abcdef",
        key_bits: int = 2048,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.region = region
        self.user_pool_id = user_pool_id or f"{region}_LocalPool1"
        self.client_id = client_id
        self.clock = clock
        self._key_bits = key_bits
        self._keys: list[RSAKey] = [self._new_key()]
        self._server: JWKSServer | None = None
        #: How many times :attr:`fetcher` was called.
        self.fetch_count = 0

    def __repr__(self) -> str:
        return f"<LocalUserPool {self.user_pool_id}>"

    # -- identity -------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The pool's issuer, as real Cognito forms it."""
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_uri(self) -> str:
        """Where the JWKS is: the loopback server's URL while serving, else the AWS form."""
        if self._server is not None:
            return self._server.url
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def signing_key(self) -> RSAKey:
        """The private key new tokens are signed with."""
        return self._keys[-1]

    @property
    def kid(self) -> str:
        """The key id of :attr:`signing_key`."""
        return str(self.signing_key.kid)

    # -- keys -----------------------------------------------------------------------------

    def _new_key(self) -> RSAKey:
        kid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        key: RSAKey = RSAKey.generate_key(
            self._key_bits, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True
        )
        return key

    def rotate_key(self, *, keep_old: bool = True) -> str:
        """Add a new signing key (Cognito's key rotation); return its ``kid``.

        :param keep_old: keep publishing the previous keys, as Cognito does for a while.
        """
        key = self._new_key()
        self._keys = [*self._keys, key] if keep_old else [key]
        return str(key.kid)

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document, as Cognito serves it."""
        return {"keys": [key.as_dict(private=False) for key in self._keys]}

    def fetcher(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        """A :class:`~flask_revstack_cognito.jwks.Fetcher` answering with this pool's JWKS.

        :raises JWKSFetchError: for any URL but :attr:`jwks_uri`.
        """
        self.fetch_count += 1
        if url != self.jwks_uri:
            raise JWKSFetchError(f"HTTP status 404 for {url}")
        return json.dumps(self.jwks()).encode()

    # -- configuration --------------------------------------------------------------------

    def contract(self, **overrides: Any) -> AuthContract:
        """An :class:`~flask_revstack_cognito.AuthContract` trusting this pool.

        :param overrides: keyword arguments of :func:`~flask_revstack_cognito.build_auth_contract`.
        """
        arguments: dict[str, Any] = {
            "user_pool_id": self.user_pool_id,
            "client_id": self.client_id,
        }
        if self._server is not None:
            arguments["jwks_uri"] = self.jwks_uri
        arguments.update(overrides)
        return build_auth_contract("cognito", **arguments)

    def config(self, **overrides: Any) -> dict[str, Any]:
        """``COGNITO_*`` settings trusting this pool, for ``app.config.update(...)``.

        While serving, ``COGNITO_JWKS_URI`` points at the loopback server.

        :param overrides: ``COGNITO_*`` keys to add or replace.
        """
        settings: dict[str, Any] = {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
        }
        if self._server is not None:
            settings["COGNITO_JWKS_URI"] = self.jwks_uri
        for key in overrides:
            if not key.startswith("COGNITO_"):
                raise CognitoConfigError(key, "is not a COGNITO_* key")
        settings.update(overrides)
        return settings

    # -- tokens ---------------------------------------------------------------------------

    def claims(self, token_use: str = "id", **overrides: Any) -> dict[str, Any]:
        """The claims of a fresh token of ``token_use``, with :meth:`id_token`'s overrides."""
        now = int(self.clock())
        sub = overrides.pop("sub", "a1b2c3d4-0000-4000-8000-00000000cafe")
        username = overrides.pop("username", "jane")
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": self.issuer,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + int(overrides.pop("expires_in", 3600)),
            "jti": str(uuid.uuid4()),
        }
        if token_use == "access":
            claims["client_id"] = self.client_id
            claims["scope"] = "aws.cognito.signin.user.admin"
            claims["username"] = username
        else:
            claims["aud"] = self.client_id
            claims["cognito:username"] = username
            claims["email"] = overrides.pop("email", "jane@example.com")
            claims["email_verified"] = True
        if "scopes" in overrides:
            claims["scope"] = " ".join(overrides.pop("scopes"))
        groups: Iterable[str] | None = overrides.pop("groups", None)
        if groups is not None:
            claims["cognito:groups"] = list(groups)
        for name, value in dict(overrides.pop("custom", None) or {}).items():
            claims[f"custom:{name}"] = value
        claims.update(overrides.pop("claims", None) or {})
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not _REMOVE}

    def id_token(
        self,
        *,
        header: Mapping[str, Any] | None = None,
        key: RSAKey | None = None,
        **overrides: Any,
    ) -> str:
        """Mint an ID token.

        Overrides: ``sub``, ``username``, ``email``, ``groups`` (list), ``scopes`` (list),
        ``custom`` (mapping, names without ``custom:``), ``expires_in`` (seconds, negative for an
        expired token), ``claims`` (a mapping for names like ``cognito:username``), and any
        other claim as a keyword. ``None`` removes a claim.

        :param header: JOSE header members to add or replace (``None`` removes one).
        :param key: sign with this key instead of :attr:`signing_key`.
        """
        return self.sign(self.claims("id", **overrides), header=header, key=key)

    def access_token(
        self,
        *,
        header: Mapping[str, Any] | None = None,
        key: RSAKey | None = None,
        **overrides: Any,
    ) -> str:
        """Mint an access token; the overrides are those of :meth:`id_token`."""
        return self.sign(self.claims("access", **overrides), header=header, key=key)

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        header: Mapping[str, Any] | None = None,
        key: RSAKey | None = None,
    ) -> str:
        """Sign arbitrary ``claims`` (RS256) with the pool's current key, or ``key``."""
        signing_key = key or self.signing_key
        full_header: dict[str, Any] = {"kid": signing_key.kid, "alg": "RS256"}
        full_header.update(header or {})
        full_header = {name: value for name, value in full_header.items() if value is not _REMOVE}
        return encode_token(full_header, claims, signing_key)

    # -- serving ----------------------------------------------------------------------------

    def serve(self) -> JWKSServer:
        """Serve the JWKS on ``127.0.0.1`` (a free port) until :meth:`JWKSServer.stop`.

        Use as a context manager, or stop it yourself.
        """
        if self._server is None:
            self._server = JWKSServer(lambda: json.dumps(self.jwks()).encode(), self.user_pool_id)
            self._server.start()
            self._server.on_stop = self._forget_server
        return self._server

    def _forget_server(self) -> None:
        self._server = None


class JWKSServer:
    """A JWKS endpoint on loopback HTTP in a background thread, with fault injection.

    :param document: returns the body to serve.
    :param pool_id: the path is ``/<pool_id>/.well-known/jwks.json``, as moto serves it.
    """

    def __init__(self, document: Callable[[], bytes], pool_id: str = "pool") -> None:
        self._document = document
        self.path = f"/{pool_id}/.well-known/jwks.json"
        #: Requests received so far.
        self.request_count = 0
        self._fault: tuple[int, bytes, float] | None = None
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.on_stop: Callable[[], None] | None = None

    @property
    def url(self) -> str:
        """The JWKS URL (``http://127.0.0.1:<port>/<pool_id>/.well-known/jwks.json``)."""
        if self._httpd is None:
            raise RuntimeError("the JWKS server is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def fail_with(self, status: int = 500, body: bytes = b"", *, delay: float = 0.0) -> None:
        """Answer every request with ``status`` and ``body`` after ``delay`` seconds."""
        with self._lock:
            self._fault = (status, body, delay)

    def recover(self) -> None:
        """Serve the JWKS again after :meth:`fail_with`."""
        with self._lock:
            self._fault = None

    def start(self) -> JWKSServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self.on_stop is not None:
            self.on_stop()

    def __enter__(self) -> JWKSServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.request_count += 1
            fault = self._fault
        if fault is not None:
            status, body, delay = fault
            time.sleep(delay)
        elif handler.path != self.path:
            status, body = 404, b"not found"
        else:
            status, body = 200, self._document()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            handler.wfile.write(body)
