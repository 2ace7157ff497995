"""Where an app keeps its extension: the ``app.extensions`` key and the per-app state.

The extension writes here and the CLI and decorators read here, so neither of those imports
the extension module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from flask import Flask, current_app

from .pipeline import Authenticate, Exempt, Feature, RefusalResponse, Verify
from .session import AuthSession
from .settings import CognitoSettings
from .verifier import TokenVerifier

FeatureT = TypeVar("FeatureT", bound=Feature)

#: The key of ``app.extensions`` under which the extension registers itself.
EXTENSION_KEY = "revstack_cognito"


@dataclass(frozen=True)
class AppState:
    """What :class:`~flask_revstack_cognito.CognitoAuth` keeps for one app.

    :meta private:
    """

    settings: CognitoSettings
    verifier: TokenVerifier
    #: Bare-token verification: the verifier, then what features add (the revocation check).
    verify: Verify
    #: The request path: find the request's token and verify it (see :mod:`.pipeline`).
    authenticate: Authenticate
    #: Another answer than the error for a refused request (sign-in's redirect), or ``None``.
    refusal_response: RefusalResponse | None = None
    #: The enabled features (browser sign-in, ALB, revocation), in the order they wrap.
    features: tuple[Feature, ...] = ()
    #: Whether a request is a feature's own and needs no token (sign-in's routes), or ``None``.
    exempt: Exempt | None = None

    def feature(self, kind: type[FeatureT]) -> FeatureT | None:
        """The enabled feature of class ``kind``, or ``None``."""
        for feature in self.features:
            if isinstance(feature, kind):
                return feature
        return None


class RegisteredAuth(Protocol):
    """What the readers of ``app.extensions`` need of :class:`~flask_revstack_cognito.CognitoAuth`.

    :meta private:
    """

    def state(self, app: Flask | None = None) -> AppState:
        """The state kept for ``app``."""

    def validate(self, authorization: str | None, *, token_use: str | None = None) -> AuthSession:
        """Validate a raw ``Authorization`` value or a bare token."""


def get_extension(app: Flask | None = None) -> tuple[RegisteredAuth, AppState]:
    """The extension registered on ``app`` (the current app by default) and its state.

    :meta private:
    :raises RuntimeError: when no extension is registered on the app.
    """
    target: Any = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    extension = target.extensions.get(EXTENSION_KEY)
    # What isinstance() with a runtime-checkable protocol checks, at a tenth of its cost: this
    # runs on every protected request.
    if not (hasattr(extension, "state") and hasattr(extension, "validate")):
        raise RuntimeError(
            f"CognitoAuth is not registered on the app {target.name!r}: create it with "
            "CognitoAuth(app) or call auth.init_app(app) in your app factory."
        )
    registered = cast(RegisteredAuth, extension)
    return registered, registered.state(target)
