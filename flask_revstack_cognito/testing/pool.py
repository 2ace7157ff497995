"""The local user pool: an RSA key pair, Cognito-shaped tokens, and its JWKS.

:class:`LocalUserPool` mints ID and access tokens with the claims Cognito puts in them (any of
which you can override), and serves its JWKS: in process through :attr:`LocalUserPool.fetcher`,
or over loopback HTTP with :meth:`LocalUserPool.serve`, beside Cognito's managed-login endpoints
(:class:`~flask_revstack_cognito.testing.ManagedLogin`) for the users added with
:meth:`LocalUserPool.add_user` and the clients registered with
:meth:`LocalUserPool.register_client`.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from joserfc.jwk import RSAKey

from ..contract import AuthContract, build_auth_contract
from ..errors import CognitoConfigError
from ..jwks import JWKSFetchError
from .jwks_server import JWKSServer
from .managed_login import DEFAULT_SCOPES, AppClient, ManagedLogin
from .managed_login_local import LocalPoolBackend, LocalUser
from .signing import encode_token

__all__ = ["LocalUserPool"]

_REMOVE = None


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
        #: The users who can sign in at the managed login, by username (:meth:`add_user`).
        self.users: dict[str, LocalUser] = {}
        #: The app clients the managed login knows, by id (:meth:`register_client`).
        self.clients: dict[str, AppClient] = {}
        #: Cognito's managed-login endpoints for this pool, served by :meth:`serve`.
        self.managed_login = ManagedLogin(
            LocalPoolBackend(self), clients=self.clients, issuer=self.issuer, clock=clock
        )

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

        While serving, ``COGNITO_JWKS_URI`` points at the loopback server; once the pool's
        :attr:`client_id` is registered (:meth:`register_client`), ``COGNITO_DOMAIN`` names the
        served managed login too (and ``COGNITO_CLIENT_SECRET`` the client's secret, if any).

        :param overrides: ``COGNITO_*`` keys to add or replace.
        """
        settings: dict[str, Any] = {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
        }
        if self._server is not None:
            settings["COGNITO_JWKS_URI"] = self.jwks_uri
            client = self.clients.get(self.client_id)
            if client is not None:
                settings["COGNITO_DOMAIN"] = self.domain
                if client.client_secret is not None:
                    settings["COGNITO_CLIENT_SECRET"] = client.client_secret
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

    # -- managed login --------------------------------------------------------------------

    @property
    def domain(self) -> str:
        """The managed login's base URL while serving (``COGNITO_DOMAIN``).

        :raises RuntimeError: the pool is not serving.
        """
        if self._server is None:
            raise RuntimeError("the pool is not serving; call serve() first")
        return self._server.base_url

    def add_user(
        self,
        username: str,
        password: str,
        *,
        email: str | None = None,
        email_verified: bool = True,
        groups: Sequence[str] = (),
        custom: Mapping[str, str] | None = None,
        sub: str | None = None,
        enabled: bool = True,
        access_denied: str | None = None,
    ) -> LocalUser:
        """Add (or replace) a user who can sign in at the managed login.

        >>> pool = LocalUserPool()
        >>> admin = pool.add_user("admin", "Passw0rd!", groups=["admins"], custom={"tenant": "a"})
        >>> admin.groups
        ('admins',)

        :param username: ``cognito:username``.
        :param password: what the sign-in form accepts.
        :param email: ``email`` in the ID token; ``<username>@example.com`` by default.
        :param email_verified: ``email_verified`` in the ID token.
        :param groups: ``cognito:groups``.
        :param custom: custom attributes, names without ``custom:``.
        :param sub: the user's ``sub``; a new UUID by default.
        :param enabled: ``False`` refuses the user at the form ("User is disabled.").
        :param access_denied: refuse the sign-in after the form: the browser goes back to the app
            with ``error=access_denied`` and this description.
        """
        user = LocalUser(
            username=username,
            password=password,
            sub=sub or str(uuid.uuid4()),
            email=email if email is not None else f"{username}@example.com",
            email_verified=email_verified,
            groups=tuple(groups),
            custom=dict(custom or {}),
            enabled=enabled,
            access_denied=access_denied,
        )
        self.users[username] = user
        return user

    def register_client(
        self,
        *,
        callback_urls: Sequence[str],
        logout_urls: Sequence[str] = (),
        client_id: str | None = None,
        client_secret: str | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        oauth_flows: Sequence[str] = ("code",),
    ) -> AppClient:
        """Register an app client with the managed login (the console's app client settings).

        :param callback_urls: the allowed callback URLs (exact matches only).
        :param logout_urls: the allowed sign-out URLs (exact matches only).
        :param client_id: the client's id; the pool's :attr:`client_id` by default.
        :param client_secret: a secret makes it a confidential client (HTTP Basic or
            ``client_secret`` in the body at the token endpoint).
        :param scopes: the OAuth scopes the client may ask for.
        :param oauth_flows: without ``"code"``, sign-in is refused with ``unauthorized_client``.
        """
        client = AppClient(
            client_id=client_id or self.client_id,
            callback_urls=tuple(callback_urls),
            logout_urls=tuple(logout_urls),
            client_secret=client_secret,
            scopes=tuple(scopes),
            oauth_flows=tuple(oauth_flows),
        )
        self.clients[client.client_id] = client
        return client

    # -- serving ----------------------------------------------------------------------------

    def serve(self) -> JWKSServer:
        """Serve the JWKS and the managed login on ``127.0.0.1`` (a free port) until
        :meth:`JWKSServer.stop`.

        Use as a context manager, or stop it yourself.
        """
        if self._server is None:
            self._server = JWKSServer(
                lambda: json.dumps(self.jwks()).encode(),
                self.user_pool_id,
                managed_login=self.managed_login,
            )
            self._server.start()
            self._server.on_stop = self._forget_server
        return self._server

    def _forget_server(self) -> None:
        self._server = None
