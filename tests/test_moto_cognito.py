"""End to end against moto's Cognito emulator: real tokens, real JWKS over loopback HTTP.

A moto server runs in a thread on 127.0.0.1 for the whole module. boto3 creates a user pool (with
a ``tenant`` custom attribute), app clients, a group and a user, then signs the user in with
``USER_PASSWORD_AUTH``. The tokens moto returns are verified by :class:`TokenVerifier` with its
default HTTP fetcher, which reads the pool's JWKS from moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
from moto.server import ThreadedMotoServer

from flask_revstack_cognito import (
    AudienceMismatchError,
    AuthContract,
    IssuerMismatchError,
    MalformedTokenError,
    TokenUseMismatchError,
    TokenVerifier,
    build_auth_contract,
)
from flask_revstack_cognito.jwks import HTTPFetcher

REGION = "us-east-1"
USERNAME = "alice"
PASSWORD = "Corr3ct-Horse-Battery!"
EMAIL = "alice@example.com"
MOTO_KEY_ID = "dummy"  # moto signs every pool's tokens with one key of this id

# Variables that could make boto3 or requests reach real AWS settings or a proxy.
_REMOVED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CA_BUNDLE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_COGNITO_IDP",
)


class CountingFetcher:
    """The default :class:`HTTPFetcher`, counting the URLs it really fetched."""

    def __init__(self) -> None:
        self._http = HTTPFetcher()
        self.urls: list[str] = []

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        body = self._http(url, timeout=timeout, max_bytes=max_bytes)
        self.urls.append(url)
        return body


class CognitoIdp:
    """A typed wrapper of the few boto3 ``cognito-idp`` calls the tests make (boto3 is untyped)."""

    def __init__(self, endpoint: str) -> None:
        self._client: Any = boto3.client(
            "cognito-idp",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def close(self) -> None:
        self._client.close()

    def create_user_pool(self, name: str) -> str:
        response = self._client.create_user_pool(
            PoolName=name,
            Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True}],
        )
        return str(response["UserPool"]["Id"])

    def delete_user_pool(self, pool_id: str) -> None:
        self._client.delete_user_pool(UserPoolId=pool_id)

    def create_app_client(self, pool_id: str, name: str) -> str:
        response = self._client.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName=name,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            # moto copies only the client's readable attributes into the ID token.
            ReadAttributes=["email", "email_verified", "custom:tenant"],
        )
        return str(response["UserPoolClient"]["ClientId"])

    def create_group(self, pool_id: str, group: str) -> None:
        self._client.create_group(UserPoolId=pool_id, GroupName=group)

    def create_user(self, pool_id: str, username: str, attributes: dict[str, str]) -> None:
        self._client.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[{"Name": name, "Value": value} for name, value in attributes.items()],
            MessageAction="SUPPRESS",
        )

    def set_permanent_password(self, pool_id: str, username: str, password: str) -> None:
        self._client.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )

    def add_user_to_group(self, pool_id: str, username: str, group: str) -> None:
        self._client.admin_add_user_to_group(
            UserPoolId=pool_id, Username=username, GroupName=group
        )

    def user_attributes(self, pool_id: str, username: str) -> dict[str, str]:
        response = self._client.admin_get_user(UserPoolId=pool_id, Username=username)
        return {str(item["Name"]): str(item["Value"]) for item in response["UserAttributes"]}

    def sign_in(self, client_id: str, username: str, password: str) -> dict[str, str]:
        """Sign in with ``USER_PASSWORD_AUTH``; returns the three tokens by response name."""
        response = self._client.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        result = response["AuthenticationResult"]
        return {name: str(result[name]) for name in ("IdToken", "AccessToken", "RefreshToken")}


@dataclass(frozen=True)
class MotoCognito:
    """What the module's moto Cognito holds, and the tokens of one sign-in."""

    endpoint: str
    pool_id: str
    client_id: str
    other_client_id: str  # a second app client of the same pool
    other_pool_id: str  # a second pool of the same moto
    sub: str  # the user's ``sub`` attribute, as admin_get_user reports it
    id_token: str
    access_token: str
    refresh_token: str

    def jwks_uri(self, pool_id: str) -> str:
        return f"{self.endpoint}/{pool_id}/.well-known/jwks.json"

    def contract(
        self, *, pool_id: str | None = None, client_id: str | None = None
    ) -> AuthContract:
        """The contract of the pool (moto's own by default), with its JWKS served by moto."""
        pool_id = pool_id or self.pool_id
        return build_auth_contract(
            "cognito",
            user_pool_id=pool_id,
            client_id=client_id or self.client_id,
            jwks_uri=self.jwks_uri(pool_id),
        )

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}"


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fake credentials; no real AWS config, credentials file, profile or proxy is read."""
    absent = tmp_path_factory.mktemp("aws") / "absent"
    with pytest.MonkeyPatch.context() as patch:
        for name in _REMOVED_ENV:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_CONFIG_FILE", str(absent))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(absent))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        patch.setenv("NO_PROXY", "127.0.0.1")
        patch.setenv("no_proxy", "127.0.0.1")
        yield


@pytest.fixture(scope="module")
def moto_endpoint(aws_env: None) -> Iterator[str]:
    """moto's server on a free loopback port (the OS picks it), stopped after the module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        assert host == "127.0.0.1"
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moto_cognito(moto_endpoint: str) -> Iterator[MotoCognito]:
    idp = CognitoIdp(moto_endpoint)
    pool_ids: list[str] = []
    try:
        pool_id = idp.create_user_pool("revstack-e2e")
        pool_ids.append(pool_id)
        other_pool_id = idp.create_user_pool("revstack-e2e-other")
        pool_ids.append(other_pool_id)
        client_id = idp.create_app_client(pool_id, "web")
        other_client_id = idp.create_app_client(pool_id, "mobile")
        idp.create_group(pool_id, "admins")
        idp.create_user(
            pool_id,
            USERNAME,
            {"email": EMAIL, "email_verified": "true", "custom:tenant": "acme"},
        )
        idp.set_permanent_password(pool_id, USERNAME, PASSWORD)
        idp.add_user_to_group(pool_id, USERNAME, "admins")
        tokens = idp.sign_in(client_id, USERNAME, PASSWORD)
        yield MotoCognito(
            endpoint=moto_endpoint,
            pool_id=pool_id,
            client_id=client_id,
            other_client_id=other_client_id,
            other_pool_id=other_pool_id,
            sub=idp.user_attributes(pool_id, USERNAME)["sub"],
            id_token=tokens["IdToken"],
            access_token=tokens["AccessToken"],
            refresh_token=tokens["RefreshToken"],
        )
    finally:
        for created in pool_ids:  # leave moto's in-process backend as it was
            idp.delete_user_pool(created)
        idp.close()


@pytest.fixture
def verifier(moto_cognito: MotoCognito) -> TokenVerifier:
    """A fresh verifier (empty caches) with the default HTTP fetcher."""
    return TokenVerifier(moto_cognito.contract())


def test_contract_keeps_the_aws_issuer_and_points_the_jwks_at_moto(
    moto_cognito: MotoCognito,
) -> None:
    contract = moto_cognito.contract()
    assert contract.issuer == moto_cognito.issuer
    assert contract.jwks_uri.startswith("http://127.0.0.1:")
    assert contract.jwks_uri == moto_cognito.jwks_uri(moto_cognito.pool_id)


def test_id_token_verifies(moto_cognito: MotoCognito, verifier: TokenVerifier) -> None:
    user = verifier.verify(moto_cognito.id_token)

    assert user.token_use == "id"
    assert user.user_id == moto_cognito.sub
    assert user.sub == moto_cognito.sub
    assert user.username == USERNAME
    assert user.email == EMAIL
    assert user.claims["email_verified"] == "true"  # moto sends a string ...
    assert user.email_verified is True  # ... read as a bool
    assert user.groups == ("admins",)
    assert user.custom["tenant"] == "acme"
    assert user.client_id == moto_cognito.client_id
    assert user.issuer == moto_cognito.issuer
    assert user.expires_at is not None
    assert user.expires_at > datetime.now(timezone.utc)


def test_access_token_verifies_when_access_is_required(
    moto_cognito: MotoCognito, verifier: TokenVerifier
) -> None:
    user = verifier.verify(moto_cognito.access_token, token_use="access")

    assert user.token_use == "access"
    assert user.user_id == moto_cognito.sub
    assert "aws.cognito.signin.user.admin" in user.scopes
    assert user.username == USERNAME
    assert user.client_id == moto_cognito.client_id
    assert user.groups == ("admins",)
    assert user.issuer == moto_cognito.issuer


def test_access_token_is_refused_where_an_id_token_is_required(
    moto_cognito: MotoCognito, verifier: TokenVerifier
) -> None:
    assert verifier.contract.token_use == "id"

    with pytest.raises(TokenUseMismatchError) as refused:
        verifier.verify(moto_cognito.access_token)

    assert refused.value.code == "TOKEN_USE_MISMATCH"
    assert refused.value.message == "expected an ID token, got an access token"


def test_id_token_is_refused_where_an_access_token_is_required(
    moto_cognito: MotoCognito, verifier: TokenVerifier
) -> None:
    with pytest.raises(TokenUseMismatchError) as refused:
        verifier.verify(moto_cognito.id_token, token_use="access")

    assert refused.value.code == "TOKEN_USE_MISMATCH"
    assert refused.value.message == "expected an access token, got an ID token"


def test_refresh_token_is_refused_as_malformed(
    moto_cognito: MotoCognito, verifier: TokenVerifier
) -> None:
    with pytest.raises(MalformedTokenError) as refused:
        verifier.verify(moto_cognito.refresh_token, token_use="any")

    assert refused.value.code == "INVALID_FORMAT"
    # Refused on its structure, before any key was looked up.
    assert verifier.key_sources[moto_cognito.issuer].fetch_count == 0


def test_tokens_of_another_app_client_are_refused(moto_cognito: MotoCognito) -> None:
    verifier = TokenVerifier(moto_cognito.contract(client_id=moto_cognito.other_client_id))

    with pytest.raises(AudienceMismatchError) as refused_id:
        verifier.verify(moto_cognito.id_token)
    with pytest.raises(AudienceMismatchError) as refused_access:
        verifier.verify(moto_cognito.access_token, token_use="access")

    assert refused_id.value.code == "AUDIENCE_MISMATCH"
    assert refused_access.value.code == "AUDIENCE_MISMATCH"


def test_tokens_of_another_pool_are_refused(moto_cognito: MotoCognito) -> None:
    contract = moto_cognito.contract(pool_id=moto_cognito.other_pool_id)
    verifier = TokenVerifier(contract)

    # moto signs every pool with one key: the signature passes, the issuer check decides.
    with pytest.raises(IssuerMismatchError) as refused:
        verifier.verify(moto_cognito.id_token)

    assert refused.value.code == "ISSUER_MISMATCH"
    assert contract.issuer != moto_cognito.issuer
    assert verifier.key_sources[contract.issuer].key_ids == (MOTO_KEY_ID,)


def test_jwks_is_fetched_once_over_http_for_many_verifications(
    moto_cognito: MotoCognito,
) -> None:
    # No token cache: every verification looks its signing key up in the JWKS cache.
    http = CountingFetcher()
    verifier = TokenVerifier(moto_cognito.contract(), fetcher=http, token_cache_size=0)

    for _ in range(3):
        assert verifier.verify(moto_cognito.id_token).user_id == moto_cognito.sub
        access = verifier.verify(moto_cognito.access_token, token_use="access")
        assert access.user_id == moto_cognito.sub

    key_source = verifier.key_sources[moto_cognito.issuer]
    assert key_source.fetch_count == 1
    assert http.urls == [moto_cognito.jwks_uri(moto_cognito.pool_id)]
    assert key_source.key_ids == (MOTO_KEY_ID,)


def test_prefetch_returns_moto_key_id(moto_cognito: MotoCognito, verifier: TokenVerifier) -> None:
    assert verifier.prefetch() == {moto_cognito.issuer: (MOTO_KEY_ID,)}
    assert verifier.key_sources[moto_cognito.issuer].fetch_count == 1
