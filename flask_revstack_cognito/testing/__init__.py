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

While serving, the pool also answers Cognito's managed-login endpoints (:class:`ManagedLogin`)
for the users added with :meth:`LocalUserPool.add_user` and the clients registered with
:meth:`LocalUserPool.register_client`; :func:`browser_sign_in` fills in its form.
:class:`LocalLoadBalancer` stands in for an Application Load Balancer in front of the app.

Every name is importable from here; the modules beside this one each hold one part. Nothing
outside this subpackage imports it: the runtime never loads the test kit.
"""

from __future__ import annotations

from .alb import (
    DEFAULT_ALB_ARN,
    AlbKeyServer,
    LocalLoadBalancer,
    alb_b64,
    encode_alb_token,
    public_pem,
)
from .browser import SignInFailed, browser_sign_in
from .jwks_server import JWKSServer
from .loopback import LoopbackServer
from .managed_login import (
    CODE_LIFETIME,
    DEFAULT_SCOPES,
    SESSION_COOKIE,
    AppClient,
    ManagedLogin,
)
from .managed_login_backend import (
    AccessDenied,
    Grant,
    InvalidAccessToken,
    InvalidGrant,
    SignIn,
    SignInBackend,
    SignInRefused,
    TokenSet,
)
from .managed_login_local import LocalPoolBackend, LocalUser
from .pool import LocalUserPool
from .signing import b64url, encode_token

__all__ = [
    "CODE_LIFETIME",
    "DEFAULT_ALB_ARN",
    "DEFAULT_SCOPES",
    "SESSION_COOKIE",
    "AccessDenied",
    "AlbKeyServer",
    "AppClient",
    "Grant",
    "InvalidAccessToken",
    "InvalidGrant",
    "JWKSServer",
    "LocalLoadBalancer",
    "LocalPoolBackend",
    "LocalUser",
    "LocalUserPool",
    "LoopbackServer",
    "ManagedLogin",
    "SignIn",
    "SignInBackend",
    "SignInFailed",
    "SignInRefused",
    "TokenSet",
    "alb_b64",
    "b64url",
    "browser_sign_in",
    "encode_alb_token",
    "encode_token",
    "public_pem",
]
