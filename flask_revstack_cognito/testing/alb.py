"""A local stand-in for an Application Load Balancer, for testing apps that sit behind one.

:class:`LocalLoadBalancer` makes an EC P-256 key with a UUID ``kid``, mints ``x-amzn-oidc-data``
tokens as an ALB does (ES256, ``signer``/``client``/``iss``/``exp`` in the header, ``=`` padding
on every segment), and serves its public keys as PEM files by ``kid`` on loopback HTTP with
:meth:`LocalLoadBalancer.serve`, like ``https://public-keys.auth.elb.<region>.amazonaws.com``.

.. code-block:: python

    from flask_revstack_cognito.testing import LocalLoadBalancer, LocalUserPool

    pool = LocalUserPool()
    alb = LocalLoadBalancer(pool)
    with pool.serve(), alb.serve():
        app = create_app({**pool.config(), **alb.config()})
        headers = {"X-Amzn-Oidc-Data": alb.data_token(sub="user-1")}
        assert app.test_client().get("/api/me", headers=headers).status_code == 200
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from werkzeug.wrappers import Response

from .loopback import LoopbackServer
from .pool import LocalUserPool

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = [
    "DEFAULT_ALB_ARN",
    "AlbKeyServer",
    "LocalLoadBalancer",
    "alb_b64",
    "encode_alb_token",
    "public_pem",
]

#: The ARN of the test load balancer (its account and id are made up).
DEFAULT_ALB_ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
    "loadbalancer/app/test-alb/0123456789abcdef"
)
_REMOVE = None


def alb_b64(data: bytes | Mapping[str, Any], *, padding: bool = True) -> str:
    """base64url *with* ``=`` padding, as an ALB writes it; a mapping is JSON-encoded first.

    :param padding: ``False`` leaves the padding out, as JWTs usually do.
    """
    if isinstance(data, Mapping):
        data = json.dumps(data, separators=(",", ":")).encode()
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if padding else text.rstrip("=")


def encode_alb_token(
    header: Mapping[str, Any],
    claims: Mapping[str, Any],
    key: ec.EllipticCurvePrivateKey,
    *,
    padding: bool = True,
) -> str:
    """Sign ``claims`` under ``header`` with ``key`` (ES256), with ALB's padding, as given.

    The signature is JOSE's raw ``r || s`` (32 bytes each) over the segments as written.

    :param padding: ``False`` writes the segments without padding.
    """
    signing_input = f"{alb_b64(header, padding=padding)}.{alb_b64(claims, padding=padding)}"
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(SHA256()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{signing_input}.{alb_b64(signature, padding=padding)}"


def public_pem(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The PEM file of a key's public half, as the ALB key endpoint serves it."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


class LocalLoadBalancer:
    """A fake Application Load Balancer: its signing keys, its data tokens, its key endpoint.

    :param pool: the user pool behind it: the tokens' ``iss`` and ``client`` are the pool's.
    :param arn: the load balancer's ARN (the ``signer``).
    :param clock: seconds since the epoch used for ``exp``.
    """

    def __init__(
        self,
        pool: LocalUserPool | None = None,
        *,
        arn: str = DEFAULT_ALB_ARN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.pool = pool or LocalUserPool()
        self.arn = arn
        self.clock = clock
        self._keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.kid = self.rotate_key()
        self._server: AlbKeyServer | None = None

    def __repr__(self) -> str:
        return f"<LocalLoadBalancer {self.arn}>"

    @property
    def signing_key(self) -> ec.EllipticCurvePrivateKey:
        """The private key new tokens are signed with (the one of :attr:`kid`)."""
        return self._keys[self.kid]

    def rotate_key(self) -> str:
        """Sign with a new key from now on (the old ones stay published); return its ``kid``."""
        kid = str(uuid.uuid4())
        self._keys[kid] = ec.generate_private_key(ec.SECP256R1())
        self.kid = kid
        return kid

    def pem(self, kid: str) -> bytes | None:
        """The PEM public key published for ``kid``, or ``None``."""
        key = self._keys.get(kid)
        return None if key is None else public_pem(key)

    # -- tokens ---------------------------------------------------------------------------

    def header(self, **overrides: Any) -> dict[str, Any]:
        """The header of a fresh data token; ``None`` removes a member."""
        header: dict[str, Any] = {
            "typ": "JWT",
            "kid": self.kid,
            "alg": "ES256",
            "iss": self.pool.issuer,
            "client": self.pool.client_id,
            "signer": self.arn,
            "exp": int(self.clock()) + 120,
        }
        header.update(overrides)
        return {name: value for name, value in header.items() if value is not _REMOVE}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """The user claims of a fresh data token (the pool's user info); ``None`` removes one."""
        claims: dict[str, Any] = {
            "sub": "a1b2c3d4-0000-4000-8000-00000000cafe",
            "email_verified": "true",
            "email": "jane@example.com",
            "username": "jane",
            "exp": int(self.clock()) + 120,
            "iss": self.pool.issuer,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not _REMOVE}

    def data_token(
        self,
        *,
        header: Mapping[str, Any] | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
        expires_in: float | None = None,
        padding: bool = True,
        **claims: Any,
    ) -> str:
        """Mint an ``x-amzn-oidc-data`` value, padded and signed as an ALB does.

        :param header: header members to add or replace (``signer``, ``client``, ``kid``,
            ``alg``...); ``None`` removes one.
        :param key: sign with this key instead of :attr:`signing_key` (the ``kid`` stays).
        :param expires_in: seconds until ``exp`` (header and payload); negative: expired.
        :param padding: ``False`` writes the segments without ALB's ``=`` padding.
        :param claims: user claims to add or replace; ``None`` removes one.
        """
        if expires_in is not None:
            exp = int(self.clock() + expires_in)
            header = {"exp": exp, **(header or {})}
            claims = {"exp": exp, **claims}
        return encode_alb_token(
            self.header(**(header or {})),
            self.claims(**claims),
            key or self.signing_key,
            padding=padding,
        )

    def headers(self, *, access_token: str | None = None, **claims: Any) -> dict[str, str]:
        """The ``X-Amzn-Oidc-*`` headers of a request the ALB authenticated.

        :param access_token: the pool's access token; a fresh one of :attr:`pool` by default.
        :param claims: overrides of :meth:`data_token`'s claims.
        """
        data = self.data_token(**claims)
        subject = str(self.claims(**claims).get("sub", ""))
        return {
            "X-Amzn-Oidc-Data": data,
            "X-Amzn-Oidc-Accesstoken": access_token or self.pool.access_token(sub=subject),
            "X-Amzn-Oidc-Identity": subject,
        }

    # -- configuration and serving --------------------------------------------------------

    def config(self, **overrides: Any) -> dict[str, Any]:
        """``COGNITO_ALB_ARN`` (and, while serving, ``COGNITO_ALB_KEY_URL``) for this ALB.

        :param overrides: ``COGNITO_*`` keys to add or replace.
        """
        settings: dict[str, Any] = {"COGNITO_ALB_ARN": self.arn}
        if self._server is not None:
            settings["COGNITO_ALB_KEY_URL"] = self._server.url
        settings.update(overrides)
        return settings

    def serve(self) -> AlbKeyServer:
        """Serve the public keys on ``127.0.0.1`` (a free port) until :meth:`AlbKeyServer.stop`."""
        if self._server is None:
            self._server = AlbKeyServer(self.pem)
            self._server.start()
            self._server.on_stop = self._forget_server
        return self._server

    def _forget_server(self) -> None:
        self._server = None


class AlbKeyServer(LoopbackServer):
    """An ALB key endpoint on loopback HTTP: ``GET /<kid>`` answers the PEM file, or 404.

    Faults as for :class:`~flask_revstack_cognito.testing.JWKSServer`
    (:meth:`fail_with`, :meth:`recover`), plus :meth:`answer_html`.

    :param pem: returns the PEM file of a ``kid``, or ``None`` for a 404.
    """

    def __init__(self, pem: Callable[[str], bytes | None]) -> None:
        super().__init__(self._route)
        self._pem = pem
        self._html = False
        #: The paths requested so far, in order.
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        """The key URL (``http://127.0.0.1:<port>``): a key is at ``<url>/<kid>``."""
        return self.base_url

    def start(self) -> AlbKeyServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        super().start()
        return self

    def __enter__(self) -> AlbKeyServer:
        return self

    def answer_html(self) -> None:
        """Answer every request with ``200`` and an HTML page (a captive portal, a proxy)."""
        with self._lock:
            self._html = True

    def recover(self) -> None:
        """Serve the keys again after :meth:`fail_with` or :meth:`answer_html`."""
        super().recover()
        with self._lock:
            self._html = False

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            self.paths.append(environ.get("PATH_INFO", ""))
        return super()._serve(environ, start_response)

    def _route(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            html = self._html
        if html:
            response = Response(_CAPTIVE_PORTAL, 200, content_type="text/html")
        else:
            pem = self._pem(environ.get("PATH_INFO", "").removeprefix("/"))
            if pem is None:
                response = Response(b"not found", 404, content_type="text/plain")
            else:
                response = Response(pem, 200, content_type="application/x-pem-file")
        return response(environ, start_response)


_CAPTIVE_PORTAL = b"<!doctype html><html><body>Sign in to the Wi-Fi</body></html>"
