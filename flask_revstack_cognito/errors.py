"""Exceptions: one base for every verification failure, one for bad configuration.

Every :class:`CognitoAuthError` carries a stable machine-readable :attr:`~CognitoAuthError.code`
(the codes of SPEC section 5), the HTTP :attr:`~CognitoAuthError.status` a web app should answer
with, and a short :attr:`~CognitoAuthError.message` that is safe to show to the client: it never
contains the token and never more than the reason it was refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Literal


class CognitoAuthError(Exception):
    """Base class of every token verification failure.

    Catch this class to handle all of them; its subclasses say which check failed.

    :param message: the client-safe reason; the class's default message when omitted.
    """

    #: Stable, machine-readable error code, such as ``"TOKEN_EXPIRED"``.
    code: str = "UNKNOWN_ERROR"
    #: HTTP status a web app should answer with.
    status: int = 401
    #: Default client-safe message of the class.
    default_message: str = "an unexpected failure"

    def __init__(self, message: str | None = None) -> None:
        #: The client-safe reason the token was refused.
        self.message: str = message or self.default_message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class MissingTokenError(CognitoAuthError):
    """No token was found where the configuration says to look."""

    code = "MISSING_TOKEN"
    default_message = "missing bearer token"


class MalformedTokenError(CognitoAuthError):
    """The token is not a well-formed JWT with the claim types Cognito uses."""

    code = "INVALID_FORMAT"
    default_message = "malformed token"


class UnsupportedAlgorithmError(CognitoAuthError):
    """The token's ``alg`` header is anything but ``RS256``."""

    code = "UNSUPPORTED_ALGORITHM"
    default_message = "only RS256 is accepted"


class UnknownKeyError(CognitoAuthError):
    """The token's ``kid`` is not among the usable keys of the pool's JWKS."""

    code = "UNKNOWN_KEY"
    default_message = "signing key not found in the pool's JWKS"


class InvalidSignatureError(CognitoAuthError):
    """The RS256 signature does not verify with the pool's key."""

    code = "INVALID_SIGNATURE"
    default_message = "Invalid signature"


class TokenExpiredError(CognitoAuthError):
    """The token's ``exp`` has passed (beyond the configured leeway)."""

    code = "TOKEN_EXPIRED"
    default_message = "token expired"


class TokenNotYetValidError(CognitoAuthError):
    """The token's ``nbf`` or ``iat`` lies in the future (beyond the configured leeway)."""

    code = "TOKEN_NOT_YET_VALID"
    default_message = "token not valid yet"


class IssuerMismatchError(CognitoAuthError):
    """The token's ``iss`` is not a trusted user pool issuer."""

    code = "ISSUER_MISMATCH"
    default_message = "Issuer mismatch"


class TokenUseMismatchError(CognitoAuthError):
    """The token is not of the required type (``token_use`` of ``id`` or ``access``).

    :param expected: the token use that was required (``"id"``, ``"access"`` or ``"any"``).
    :param actual: the token's ``token_use`` claim, ``None`` when absent.
    """

    code = "TOKEN_USE_MISMATCH"
    default_message = "wrong token type"

    _NAMES: ClassVar[Mapping[str, str]] = {
        "id": "an ID token",
        "access": "an access token",
        "any": "an ID or access token",
    }

    def __init__(self, expected: str, actual: object) -> None:
        #: The token use that was required.
        self.expected: str = expected
        #: The token's ``token_use`` claim (``None`` when absent).
        self.actual: object = actual
        if actual in ("id", "access"):
            got = self._NAMES[str(actual)]
        elif actual is None:
            got = "a token without token_use"
        else:
            got = "a token with an unknown token_use"
        super().__init__(f"expected {self._NAMES.get(expected, expected)}, got {got}")


class AudienceMismatchError(CognitoAuthError):
    """The token was issued to an app client that is not configured."""

    code = "AUDIENCE_MISMATCH"
    default_message = "Audience validation failed"


class MissingClaimError(CognitoAuthError):
    """A claim the configuration relies on (the user id claim) is absent.

    :param claim: the name of the missing claim.
    """

    code = "MISSING_CLAIM"
    default_message = "claim not found in token"

    def __init__(self, claim: str) -> None:
        #: Name of the missing claim.
        self.claim: str = claim
        super().__init__(f"claim not found in token: {claim}")


class InsufficientScopeError(CognitoAuthError):
    """A verified user lacks a group or scope the view requires (HTTP 403).

    The message says which kind of requirement failed (``"lacks a required group"`` or
    ``"lacks a required scope"``) but never names a group: group names are the app's own
    authorization structure. The required scopes are public (RFC 6750 lists them in
    ``WWW-Authenticate``); the groups stay in :attr:`required_groups` for the app's handlers.

    :param groups: the groups the view requires (empty when it requires none).
    :param scopes: the OAuth scopes the view requires (empty when it requires none).
    :param missing: the requirement that failed, ``"group"`` or ``"scope"``; ``None`` when
        not known, which keeps the message that names neither.
    """

    code = "INSUFFICIENT_SCOPE"
    status = 403
    default_message = "lacks a required group or scope"

    def __init__(
        self,
        *,
        groups: Sequence[str] = (),
        scopes: Sequence[str] = (),
        missing: Literal["group", "scope"] | None = None,
    ) -> None:
        #: Groups the view requires.
        self.required_groups: tuple[str, ...] = tuple(groups)
        #: Scopes the view requires.
        self.required_scopes: tuple[str, ...] = tuple(scopes)
        #: The requirement that failed: ``"group"``, ``"scope"``, or ``None`` when not known.
        self.missing: Literal["group", "scope"] | None = missing
        super().__init__(f"lacks a required {missing}" if missing else None)


class JWKSUnavailableError(CognitoAuthError):
    """The pool's keys could not be fetched and none are held (HTTP 503).

    Not the client's fault: a web app answers 503 with ``Retry-After``.

    :param message: the client-safe reason.
    :param retry_after: seconds after which a new fetch may be attempted.
    """

    code = "NETWORK_ERROR"
    status = 503
    default_message = "keys could not be fetched"

    def __init__(self, message: str | None = None, *, retry_after: int = 10) -> None:
        #: Seconds after which the keys may be fetched again.
        self.retry_after: int = retry_after
        super().__init__(message)


class TokenRevokedError(CognitoAuthError):
    """The token belongs to a sign-in that was revoked (``auth.revoke``, sign-out)."""

    code = "TOKEN_REVOKED"
    default_message = "token revoked"


class CognitoConfigError(ValueError):
    """A configuration value is missing or wrong; raised at start-up, never per request.

    :param key: the configuration key, such as ``"COGNITO_USER_POOL_ID"``.
    :param problem: what is wrong with the value.
    :param example: an example of a right value.
    """

    def __init__(self, key: str, problem: str, example: str | None = None) -> None:
        #: The configuration key at fault.
        self.key: str = key
        #: What is wrong with its value.
        self.problem: str = problem
        #: An example of a right value.
        self.example: str | None = example
        message = f"{key}: {problem}"
        if example:
            message += f" (for example {example})"
        super().__init__(message)
