"""Requests authenticated by an Application Load Balancer (SPEC section 12): the feature.

Enabled by ``COGNITO_ALB_ARN``. A request that carries ``x-amzn-oidc-data`` is judged by it
for views needing an ID token (or any token): the data token is verified
(:mod:`.alb_tokens`, keys from :mod:`.alb_keys`) and its user has ``token_use`` ``"alb"``. A
view needing an access token verifies ``x-amzn-oidc-accesstoken`` with the pool's JWKS, like a
bearer token, so groups and scopes work. A request without these headers takes the plain path
(``Authorization``, cookies).

The ALB headers come first: behind an ALB that authenticates, they are what the load balancer
vouches for, and a request that carries a bad one is refused rather than judged by another
header or a sign-in cookie. An app without ``COGNITO_ALB_ARN`` never reads them. The ALB makes
them from its session cookie, so like a cookie they are ignored on a cross-site request that may
change state (SPEC section 4): such a request takes the plain path.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request

from . import config as keys
from .alb_keys import AlbKeyCache
from .alb_tokens import AlbTokenVerifier
from .config import config_value, read_optional_str, read_str_list
from .errors import CognitoConfigError
from .hosts import is_loopback_host
from .locate import is_cross_site_unsafe
from .pipeline import Authenticate, Feature, Verify
from .settings import CognitoSettings
from .signals import jwks_fetch_failed, jwks_refreshed
from .user import CognitoUser

#: The header holding the ALB's signed user claims.
DATA_HEADER = "X-Amzn-Oidc-Data"
#: The header holding the pool's access token, as the ALB passes it on.
ACCESS_TOKEN_HEADER = "X-Amzn-Oidc-Accesstoken"
_DATA_KEY = "HTTP_X_AMZN_OIDC_DATA"
_ACCESS_TOKEN_KEY = "HTTP_X_AMZN_OIDC_ACCESSTOKEN"

_ARN_EXAMPLE = (
    "'arn:aws:elasticloadbalancing:us-east-1:123456789012:"
    "loadbalancer/app/my-alb/50dc6c495c0c9188'"
)
_KEY_URL_EXAMPLE = "'https://public-keys.auth.elb.us-east-1.amazonaws.com'"
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}", re.ASCII)
# An Application Load Balancer's name (1 to 32 characters, no hyphen at either end) and id.
_ALB_RESOURCE = re.compile(
    r"loadbalancer/app/[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?/[0-9a-f]{16}", re.ASCII
)
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)


@dataclass(frozen=True)
class LoadBalancer:
    """One load balancer allowed as ``signer``, and where its keys are published."""

    #: The ARN, exactly as the ``signer`` header carries it.
    arn: str
    #: The AWS partition: ``aws``, ``aws-cn`` or ``aws-us-gov``.
    partition: str
    #: The region, from the ARN.
    region: str
    #: The base URL of its public keys (a key is at ``<key_url>/<kid>``).
    key_url: str


def default_key_url(partition: str, region: str) -> str | None:
    """The URL where AWS publishes the ALB keys of ``region``; ``None`` when AWS names none.

    GovCloud (US) serves them from S3; the commercial regions from ``public-keys.auth.elb``.
    """
    if partition == "aws-us-gov":
        return f"https://s3-{region}.amazonaws.com/aws-elb-public-keys-prod-{region}"
    if partition == "aws":
        return f"https://public-keys.auth.elb.{region}.amazonaws.com"
    return None


def read_load_balancers(config: Mapping[str, Any]) -> tuple[LoadBalancer, ...]:
    """Read ``COGNITO_ALB_ARN`` and ``COGNITO_ALB_KEY_URL``; empty when no ARN is set.

    :raises CognitoConfigError: naming the key whose value is wrong.
    """
    arns = read_str_list(keys.ALB_ARN, config_value(config, keys.ALB_ARN), example=_ARN_EXAMPLE)
    key_url = read_optional_str(
        keys.ALB_KEY_URL, config_value(config, keys.ALB_KEY_URL), example=_KEY_URL_EXAMPLE
    )
    if not arns:
        return ()
    if key_url is not None:
        key_url = _check_key_url(key_url)
    balancers = []
    for arn in dict.fromkeys(arns):
        partition, region = _parse_arn(arn)
        url = key_url or default_key_url(partition, region)
        if url is None:
            raise CognitoConfigError(
                keys.ALB_KEY_URL,
                f"is required for a load balancer in the {partition} partition: AWS documents "
                "no default key URL there",
                "'https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn'",
            )
        balancers.append(LoadBalancer(arn, partition, region, url))
    return tuple(balancers)


def _parse_arn(arn: str) -> tuple[str, str]:
    """The partition and region of an Application Load Balancer ARN.

    :raises CognitoConfigError: naming ``COGNITO_ALB_ARN`` and what is wrong.
    """
    parts = arn.split(":", 5)

    def refuse(problem: str) -> CognitoConfigError:
        return CognitoConfigError(keys.ALB_ARN, f"{arn!r} {problem}", _ARN_EXAMPLE)

    if len(parts) != 6 or parts[0] != "arn":
        raise refuse("is not an ARN (arn:<partition>:elasticloadbalancing:<region>:...)")
    _, partition, service, region, account, resource = parts
    if partition not in _PARTITIONS:
        raise refuse(f"has the partition {partition!r}: expected one of {', '.join(_PARTITIONS)}")
    if service != "elasticloadbalancing":
        raise refuse(f"is the ARN of another service ({service!r}), not of a load balancer")
    if not _REGION.fullmatch(region):
        raise refuse(f"has no AWS region ({region!r})")
    if (partition == "aws-us-gov") != region.startswith("us-gov-") or (
        partition == "aws-cn"
    ) != region.startswith("cn-"):
        raise refuse(f"names the region {region!r}, which is not in the {partition} partition")
    if not _ACCOUNT.fullmatch(account):
        raise refuse(f"has no 12-digit account id ({account!r})")
    if not _ALB_RESOURCE.fullmatch(resource):
        raise refuse("is not an Application Load Balancer (loadbalancer/app/<name>/<id>)")
    return partition, region


def _check_key_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # such as an unclosed IPv6 bracket
        parts, host = None, None
    if parts is None or not host or parts.query or parts.fragment:
        raise CognitoConfigError(keys.ALB_KEY_URL, f"{url!r} is not a URL", _KEY_URL_EXAMPLE)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback_host(host)):
        raise CognitoConfigError(
            keys.ALB_KEY_URL,
            f"{url!r} must be https:// (http:// only for a loopback test server)",
            _KEY_URL_EXAMPLE,
        )
    return url.rstrip("/")


class AlbFeature(Feature):
    """Authenticate requests by the headers of an Application Load Balancer.

    :param verifier: verifies the ``x-amzn-oidc-data`` tokens.
    :param load_balancers: the load balancers allowed as ``signer``.

    :meta private:
    """

    def __init__(self, verifier: AlbTokenVerifier, load_balancers: tuple[LoadBalancer, ...]):
        self.verifier = verifier
        self.load_balancers = load_balancers

    def __repr__(self) -> str:
        return f"<AlbFeature {[balancer.arn for balancer in self.load_balancers]!r}>"

    def wrap_authenticate(self, authenticate: Authenticate, verify: Verify) -> Authenticate:
        """Judge a request by its ALB headers when it has them, else by the plain path."""
        verify_data = self.verifier.verify

        def alb_authenticate(request: Request, token_use: str) -> CognitoUser:
            if is_cross_site_unsafe(request):
                # The ALB makes its headers from its session cookie: a browser's ambient
                # credentials, which no cross-site POST may use (SPEC section 4).
                return authenticate(request, token_use)
            environ = request.environ
            if token_use == "access":
                access_token = _header(environ, _ACCESS_TOKEN_KEY)
                if access_token is not None:
                    return verify(access_token, token_use="access")
            else:
                data = _header(environ, _DATA_KEY)
                if data is not None:
                    return verify_data(data)
            return authenticate(request, token_use)

        return alb_authenticate


def _header(environ: Mapping[str, Any], key: str) -> str | None:
    value = environ.get(key)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def build_alb_feature(app: Flask, settings: CognitoSettings) -> AlbFeature | None:
    """The ALB feature of ``app``, or ``None`` when ``COGNITO_ALB_ARN`` is not set.

    :raises CognitoConfigError: naming the key whose value is wrong.
    """
    load_balancers = read_load_balancers(app.config)
    if not load_balancers:
        return None
    app_ref = weakref.ref(app)  # the caches must not keep the app alive
    options = settings.jwks_options
    caches: dict[str, AlbKeyCache] = {}
    for url in dict.fromkeys(balancer.key_url for balancer in load_balancers):

        def fetched(kid: str, url: str = url) -> None:
            sender = app_ref()
            if sender is not None:
                jwks_refreshed.send(sender, issuer=url, key_ids=(kid,))

        def failed(error: Exception, url: str = url) -> None:
            sender = app_ref()
            if sender is not None:
                jwks_fetch_failed.send(sender, issuer=url, error=error)

        caches[url] = AlbKeyCache(
            url,
            timeout=options.timeout,
            cooldown=options.refresh_cooldown,
            on_fetched=fetched,
            on_fetch_failed=failed,
        )
    contract = settings.contract
    verifier = AlbTokenVerifier(
        {balancer.arn: caches[balancer.key_url] for balancer in load_balancers},
        issuers=contract.issuers,
        client_ids=contract.client_ids,
        leeway=contract.leeway,
        user_id_claim=contract.user_id_claim,
        cache_size=settings.token_cache_size,
    )
    return AlbFeature(verifier, load_balancers)
