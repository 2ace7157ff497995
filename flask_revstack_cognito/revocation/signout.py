"""Cognito's ``GlobalSignOut``: the public JSON API, called with the user's own access token.

No AWS credentials are needed: the access token is the authorisation. The endpoint is the
regional ``cognito-idp`` API of the token's issuer, or the origin of a local emulator.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import requests

from ..contract import AuthContract

TARGET = "AWSCognitoIdentityProviderService.GlobalSignOut"
CONTENT_TYPE = "application/x-amz-json-1.1"

_AWS_HOST = re.compile(
    r"(?:issuer-)?cognito-idp\.(?P<region>[a-z0-9-]+)\.(?P<domain>amazonaws\.com(?:\.cn)?)"
)


class GlobalSignOutError(Exception):
    """Cognito refused or did not answer ``GlobalSignOut``.

    The app's own denial (``auth.revoke``) was recorded before the call: the token's sign-in
    is refused by this app whatever Cognito answered.

    :param message: what happened (never the token).
    :param error_type: Cognito's error type, such as ``"NotAuthorizedException"``; ``None``
        when Cognito did not answer.
    """

    def __init__(self, message: str, *, error_type: str | None = None) -> None:
        #: Cognito's error type (``__type`` without its namespace), or ``None``.
        self.error_type: str | None = error_type
        super().__init__(message)


def cognito_endpoint(contract: AuthContract, issuer: str) -> str:
    """The Cognito API endpoint serving the pool of ``issuer``.

    An issuer on an AWS host (``cognito-idp.<region>.amazonaws.com``, the multi-Region
    ``issuer-cognito-idp`` form, China's ``.amazonaws.com.cn``) means its region's API,
    unless the pool's JWKS is served elsewhere: emulators (moto, LocalStack) keep AWS's
    issuer but serve the JWKS and the API at one origin, which is then used. An issuer on
    another host (``COGNITO_ISSUER`` of cognito-local) is that host's origin.

    :param issuer: the ``iss`` of a verified token.
    """
    jwks_uri = next(
        (trusted.jwks_uri for trusted in contract.trusted_issuers if trusted.issuer == issuer),
        contract.jwks_uri,
    )
    issuer_parts = urlsplit(issuer)
    aws = _AWS_HOST.fullmatch(issuer_parts.hostname or "")
    if aws is None:
        return f"{issuer_parts.scheme}://{issuer_parts.netloc}/"
    jwks_parts = urlsplit(jwks_uri)
    if _AWS_HOST.fullmatch(jwks_parts.hostname or "") is None:
        return f"{jwks_parts.scheme}://{jwks_parts.netloc}/"
    return f"https://cognito-idp.{aws['region']}.{aws['domain']}/"


def global_sign_out(
    access_token: str,
    *,
    endpoint: str,
    timeout: float,
    session: requests.Session | None = None,
) -> None:
    """Sign the access token's user out of every device at Cognito.

    Cognito then refuses the user's refresh tokens and, at its own APIs, its access tokens;
    the ID and access tokens already issued still verify elsewhere until they expire.

    :param endpoint: the Cognito API (:func:`cognito_endpoint`).
    :param timeout: seconds to connect and to wait for the answer.
    :raises GlobalSignOutError: when Cognito refused or did not answer.
    """
    post = session.post if session is not None else requests.post
    try:
        response = post(
            endpoint,
            data=json.dumps({"AccessToken": access_token}),
            headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET},
            timeout=timeout,
            allow_redirects=False,  # the token goes to the endpoint and nowhere else
        )
    except requests.RequestException as error:
        raise GlobalSignOutError(
            f"Cognito's GlobalSignOut did not answer: {type(error).__name__}"
        ) from None
    if response.status_code == 200:
        return
    # Cognito's own message is left out: an emulator (moto) puts the token in it.
    error_type = _cognito_error_type(response)
    raise GlobalSignOutError(
        f"Cognito refused GlobalSignOut (HTTP {response.status_code}"
        + (f", {error_type})" if error_type else ")"),
        error_type=error_type,
    )


def _cognito_error_type(response: requests.Response) -> str | None:
    """Cognito's error type (``__type`` without its namespace), when the body has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    error_type = body.get("__type") if isinstance(body, dict) else None
    return error_type.rsplit("#", 1)[-1] if isinstance(error_type, str) else None
