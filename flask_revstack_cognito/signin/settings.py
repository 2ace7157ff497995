"""The browser sign-in settings (SPEC section 11), read and validated once at ``init_app``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import config as keys
from ..config import config_value, read_choice, read_optional_str, read_str_list
from ..errors import CognitoConfigError
from ..hosts import is_loopback_host
from ..settings import CognitoSettings

#: The Flask setting browser sign-in needs: it signs the session (state, nonce, PKCE verifier)
#: and is the root of the refresh cookie's encryption key.
SECRET_KEY = "SECRET_KEY"

#: Seconds the refresh cookie is kept: Cognito's default refresh-token validity (30 days). A
#: refresh token Cognito no longer accepts makes the refresh fail, which clears the cookies.
REFRESH_COOKIE_MAX_AGE = 30 * 24 * 3600

_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
# RFC 6265 cookie-name: an RFC 7230 token.
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PREFIX = re.compile(r"(/[A-Za-z0-9\-._~%!$&'()*+,;=:@]+)*")


@dataclass(frozen=True)
class SignInSettings:
    """What browser sign-in needs, validated: Cognito's domain, the app client, the cookies.

    :meta private:
    """

    #: The managed-login base URL, without a trailing slash.
    domain: str
    #: The app client signing users in: the first of ``COGNITO_CLIENT_ID``.
    client_id: str
    #: Its secret, for confidential clients.
    client_secret: str | None
    #: The scopes asked for, space-separated, ``openid`` among them.
    scope: str
    #: The blueprint's URL prefix (``""`` for the root).
    url_prefix: str
    #: The callback URL Cognito sends the browser to; ``None``: the callback route, external.
    redirect_uri: str | None
    #: Where Cognito sends the browser after sign-out; ``None``: the app's root, external.
    logout_redirect_uri: str | None
    #: The cookie of the ID token.
    id_cookie: str
    #: The cookie of the access token.
    access_cookie: str
    #: The cookie of the encrypted refresh token.
    refresh_cookie: str
    #: The cookies' ``Secure`` flag.
    cookie_secure: bool
    #: The cookies' ``SameSite`` flag: ``"Lax"``, ``"Strict"`` or ``"None"``.
    cookie_samesite: str
    #: Send refused browser navigations to sign-in instead of a 401.
    login_redirect: bool
    #: Seconds for one call to Cognito's token or revocation endpoint.
    timeout: float
    #: The domain is a loopback emulator: its ID tokens may lack ``nonce`` (moto's do).
    loopback: bool

    @property
    def authorize_url(self) -> str:
        """Cognito's authorization endpoint."""
        return f"{self.domain}/oauth2/authorize"

    @property
    def token_url(self) -> str:
        """Cognito's token endpoint."""
        return f"{self.domain}/oauth2/token"

    @property
    def revoke_url(self) -> str:
        """Cognito's revocation endpoint."""
        return f"{self.domain}/oauth2/revoke"

    @property
    def logout_url(self) -> str:
        """Cognito's sign-out endpoint."""
        return f"{self.domain}/logout"

    @property
    def cookie_names(self) -> tuple[str, str, str]:
        """The ID, access and refresh cookies."""
        return (self.id_cookie, self.access_cookie, self.refresh_cookie)


def read_signin_settings(
    config: Mapping[str, Any], settings: CognitoSettings
) -> SignInSettings | None:
    """Read the sign-in keys of ``config``; ``None`` when ``COGNITO_DOMAIN`` is unset.

    :param settings: the app's validated core settings (client ids, cookie name, timeout).
    :raises CognitoConfigError: naming the first key whose value is wrong, ``SECRET_KEY``
        included.
    """

    def value(key: str) -> Any:
        return config_value(config, key)

    domain = read_optional_str(keys.DOMAIN, value(keys.DOMAIN), example=_DOMAIN_EXAMPLE)
    if domain is None:
        return None
    domain, loopback = _read_domain(domain)
    secret = config.get(SECRET_KEY)
    if not secret or not isinstance(secret, (str, bytes)):
        raise CognitoConfigError(
            SECRET_KEY,
            "browser sign-in (COGNITO_DOMAIN) keeps its state in the Flask session and encrypts "
            "the refresh cookie with a key derived from SECRET_KEY: set it to a long random value",
            "secrets.token_hex(32)",
        )
    if "cookies" in settings.token_locations:
        # The core's cookie location is the ID cookie whatever the view needs: an access view
        # would read the ID token and refuse it. Sign-in reads the right cookie itself.
        raise CognitoConfigError(
            keys.TOKEN_LOCATION,
            "must not list 'cookies' with browser sign-in (COGNITO_DOMAIN): sign-in reads its "
            "cookies itself, after the header (the access cookie for a view needing an access "
            "token)",
            "'headers'",
        )
    client_ids = settings.contract.client_ids
    if not client_ids:
        raise CognitoConfigError(
            keys.CLIENT_ID,
            "browser sign-in (COGNITO_DOMAIN) needs the app client id that signs users in",
            "'1example23456789'",
        )
    secure = _read_bool(keys.COOKIE_SECURE, value(keys.COOKIE_SECURE))
    samesite = _SAMESITE[read_choice(keys.COOKIE_SAMESITE, value(keys.COOKIE_SAMESITE), _SAMESITE)]
    if samesite == "None" and not secure:
        raise CognitoConfigError(
            keys.COOKIE_SAMESITE,
            "SameSite=None requires COGNITO_COOKIE_SECURE = True (browsers drop the cookie)",
            "'Lax'",
        )
    return SignInSettings(
        domain=domain,
        client_id=client_ids[0],
        client_secret=read_optional_str(
            keys.CLIENT_SECRET, value(keys.CLIENT_SECRET), example="'the app client secret'"
        ),
        scope=_read_scopes(value(keys.SCOPES)),
        url_prefix=_read_prefix(value(keys.AUTH_URL_PREFIX)),
        redirect_uri=_read_url(keys.REDIRECT_URI, value(keys.REDIRECT_URI), "/auth/callback"),
        logout_redirect_uri=_read_url(
            keys.LOGOUT_REDIRECT_URI, value(keys.LOGOUT_REDIRECT_URI), "/"
        ),
        **_read_cookie_names(config, settings.cookie_name),
        cookie_secure=secure,
        cookie_samesite=samesite,
        login_redirect=_read_bool(keys.LOGIN_REDIRECT, value(keys.LOGIN_REDIRECT)),
        timeout=settings.jwks_options.timeout,
        loopback=loopback,
    )


_DOMAIN_EXAMPLE = "'https://myapp.auth.us-east-1.amazoncognito.com'"


def _read_domain(domain: str) -> tuple[str, bool]:
    parts = _split(keys.DOMAIN, domain, _DOMAIN_EXAMPLE)
    loopback = is_loopback_host(parts.hostname)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise CognitoConfigError(
            keys.DOMAIN, f"expected an https:// URL, got {domain!r}", _DOMAIN_EXAMPLE
        )
    if parts.scheme == "http" and not loopback:
        raise CognitoConfigError(
            keys.DOMAIN,
            f"must be https:// (http:// only for a loopback emulator), got {domain!r}",
            _DOMAIN_EXAMPLE,
        )
    if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise CognitoConfigError(
            keys.DOMAIN,
            f"expected the domain alone, without a path, query or user, got {domain!r}",
            _DOMAIN_EXAMPLE,
        )
    return f"{parts.scheme}://{parts.netloc}", loopback


def _split(key: str, url: str, example: str) -> Any:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise CognitoConfigError(key, f"expected a URL, got {url!r}", example) from None
    return parts


def _read_url(key: str, value: object, path: str) -> str | None:
    example = f"'https://app.example.com{path}'"
    url = read_optional_str(key, value, example=example)
    if url is None:
        return None
    parts = _split(key, url, example)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
        raise CognitoConfigError(
            key, f"expected an absolute https:// URL without a fragment, got {url!r}", example
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise CognitoConfigError(
            key, f"must be https:// (http:// only for localhost), got {url!r}", example
        )
    return url


def _read_scopes(value: object) -> str:
    example = "'openid email profile'"
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    scopes = read_str_list(keys.SCOPES, value, example=example)
    if any(" " in scope for scope in scopes):
        raise CognitoConfigError(keys.SCOPES, "a scope cannot contain a space", example)
    if "openid" not in scopes:
        raise CognitoConfigError(
            keys.SCOPES,
            f"must contain 'openid' (sign-in needs the ID token), got {value!r}",
            example,
        )
    return " ".join(dict.fromkeys(scopes))


def _read_prefix(value: object) -> str:
    example = "'/auth'"
    prefix = read_optional_str(keys.AUTH_URL_PREFIX, value, example=example) or ""
    prefix = prefix.rstrip("/")
    if prefix and not _PREFIX.fullmatch(prefix):
        raise CognitoConfigError(
            keys.AUTH_URL_PREFIX,
            f"expected a path starting with '/', without '//', '?' or '#', got {value!r}",
            example,
        )
    return prefix


def _read_cookie_names(config: Mapping[str, Any], id_cookie: str) -> dict[str, str]:
    named = (
        ("id_cookie", keys.COOKIE_NAME, id_cookie, "'id_token'"),
        (
            "access_cookie",
            keys.ACCESS_COOKIE_NAME,
            config_value(config, keys.ACCESS_COOKIE_NAME),
            "'access_token'",
        ),
        (
            "refresh_cookie",
            keys.REFRESH_COOKIE_NAME,
            config_value(config, keys.REFRESH_COOKIE_NAME),
            "'refresh_token'",
        ),
    )
    taken = {config.get("SESSION_COOKIE_NAME", "session"): "the Flask session"}
    names: dict[str, str] = {}
    for field, key, value, example in named:
        name = read_optional_str(key, value, example=example)
        if name is None or not _COOKIE_NAME.fullmatch(name):
            raise CognitoConfigError(key, f"expected a cookie name, got {value!r}", example)
        if name in taken:
            raise CognitoConfigError(
                key,
                f"{name!r} is already the cookie of {taken[name]}: each needs its own",
                example,
            )
        taken[name] = key
        names[field] = name
    return names


def _read_bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise CognitoConfigError(key, f"expected True or False, got {value!r}", "True")
