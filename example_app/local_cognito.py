"""An embedded local Cognito for the demo: moto's server on 127.0.0.1 with a ready pool.

Creates a user pool with a ``custom:tenant`` attribute, an app client that allows
``USER_PASSWORD_AUTH``, a resource server with an ``orders/read`` scope, an ``admins`` group and
two demo users. Nothing leaves the machine: moto answers on loopback only.

In front of moto, the test kit's stand-in of Cognito's managed login (the hosted UI) serves
``/oauth2/authorize``, ``/oauth2/token``, ``/logout``, ... on another loopback port
(:mod:`example_app.hosted_ui`): the app's browser sign-in goes there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
from moto.server import ThreadedMotoServer

from flask_revstack_cognito.testing import AppClient, LoopbackServer, ManagedLogin

from .hosted_ui import MotoSignInBackend

REGION = "us-east-1"

#: The scopes the demo's app client may ask for at the managed login.
OAUTH_SCOPES = ("openid", "email", "profile", "aws.cognito.signin.user.admin", "orders/read")


@dataclass(frozen=True)
class DemoUser:
    """A user the demo creates, with the password to sign in with."""

    username: str
    password: str
    email: str
    tenant: str
    groups: tuple[str, ...]


DEMO_USERS = (
    DemoUser("alice", "Demo-Passw0rd!", "alice@example.com", "acme", ("admins",)),
    DemoUser("bob", "Demo-Passw0rd!", "bob@example.com", "globex", ()),
)


class LocalCognito:
    """moto's Cognito on ``127.0.0.1``, with the demo pool, client, group and users.

    :param port: the port to listen on; ``0`` picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = ""
        self.user_pool_id = ""
        self.client_id = ""
        self._client: Any = None
        #: The app clients the managed login knows (:meth:`allow_app` registers the demo's).
        self.app_clients: dict[str, AppClient] = {}
        self.managed_login: ManagedLogin | None = None
        self._hosted_ui: LoopbackServer | None = None

    def start(self) -> LocalCognito:
        """Start moto and create the pool, the app client, the group and the users."""
        # moto needs credentials to be present, never real ones: it accepts anything.
        for name, value in {
            "AWS_ACCESS_KEY_ID": "demo",
            "AWS_SECRET_ACCESS_KEY": "demo",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            os.environ.setdefault(name, value)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self._client = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="demo",
            aws_secret_access_key="demo",
        )
        self._create_pool()
        self.managed_login = ManagedLogin(
            MotoSignInBackend(self._client),
            clients=self.app_clients,
            issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{self.user_pool_id}",
            jwks_uri=self.jwks_uri,
        )
        self._hosted_ui = LoopbackServer(self.managed_login).start()
        return self

    def stop(self) -> None:
        """Stop the managed login and moto; everything they held is gone."""
        if self._hosted_ui is not None:
            self._hosted_ui.stop()
        self._server.stop()

    @property
    def domain(self) -> str:
        """The managed login's base URL (``COGNITO_DOMAIN``): ``http://127.0.0.1:<port>``."""
        assert self._hosted_ui is not None, "start() first"
        return self._hosted_ui.base_url

    def allow_app(
        self,
        base_urls: Sequence[str],
        *,
        prefix: str = "/auth",
        signed_out_paths: Sequence[str] = ("",),
    ) -> AppClient:
        """Register the app's callback and sign-out URLs, as in the console's app client.

        :param base_urls: the app's roots (``http://127.0.0.1:5000/``): ``<root><prefix>/callback``
            becomes a callback URL.
        :param prefix: the app's ``COGNITO_AUTH_URL_PREFIX``.
        :param signed_out_paths: paths below each root registered as sign-out URLs.
        """
        roots = tuple(url if url.endswith("/") else f"{url}/" for url in base_urls)
        client = AppClient(
            self.client_id,
            callback_urls=tuple(f"{root}{prefix.strip('/')}/callback" for root in roots),
            logout_urls=tuple(f"{root}{path}" for root in roots for path in signed_out_paths),
            scopes=OAUTH_SCOPES,
        )
        self.app_clients[client.client_id] = client
        return client

    @property
    def jwks_uri(self) -> str:
        """Where moto serves the pool's keys."""
        return f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json"

    def flask_config(self) -> dict[str, Any]:
        """The settings that point the example app at this pool, and its users for the page."""
        return {
            "COGNITO_USER_POOL_ID": self.user_pool_id,
            "COGNITO_CLIENT_ID": self.client_id,
            "COGNITO_JWKS_URI": self.jwks_uri,
            "COGNITO_DOMAIN": self.domain,
            # Plain http on loopback: browsers other than Chromium drop Secure cookies there.
            "COGNITO_COOKIE_SECURE": False,
            "EXAMPLE_COGNITO_ENDPOINT": self.endpoint + "/",
            "EXAMPLE_DEMO_USERS": [asdict(user) for user in DEMO_USERS],
        }

    def sign_in(self, username: str, password: str) -> dict[str, str]:
        """Sign in with ``USER_PASSWORD_AUTH``; return the ``IdToken``, ``AccessToken``, ..."""
        result = self._client.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        tokens: dict[str, str] = result["AuthenticationResult"]
        return tokens

    def _create_pool(self) -> None:
        client = self._client
        pool = client.create_user_pool(
            PoolName="flask-revstack-cognito-demo",
            Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        )["UserPool"]
        self.user_pool_id = pool["Id"]
        client.create_resource_server(
            UserPoolId=self.user_pool_id,
            Identifier="orders",
            Name="Orders API",
            Scopes=[{"ScopeName": "read", "ScopeDescription": "Read orders"}],
        )
        self.client_id = client.create_user_pool_client(
            UserPoolId=self.user_pool_id,
            ClientName="demo-web",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            AllowedOAuthScopes=["orders/read", "aws.cognito.signin.user.admin"],
            ReadAttributes=["email", "email_verified", "custom:tenant"],
        )["UserPoolClient"]["ClientId"]
        client.create_group(UserPoolId=self.user_pool_id, GroupName="admins")
        for user in DEMO_USERS:
            client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=user.username,
                UserAttributes=[
                    {"Name": "email", "Value": user.email},
                    {"Name": "email_verified", "Value": "true"},
                    {"Name": "custom:tenant", "Value": user.tenant},
                ],
                MessageAction="SUPPRESS",
            )
            client.admin_set_user_password(
                UserPoolId=self.user_pool_id,
                Username=user.username,
                Password=user.password,
                Permanent=True,
            )
            for group in user.groups:
                client.admin_add_user_to_group(
                    UserPoolId=self.user_pool_id, Username=user.username, GroupName=group
                )
