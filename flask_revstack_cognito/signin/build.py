"""The sign-in feature's builder: its settings, its cookie codec and its routes, put together.

Kept apart from :mod:`.feature` and :mod:`.blueprint`, which it joins: the routes need the
feature, and the feature registers the routes it is given.
"""

from __future__ import annotations

from flask import Flask

from ..settings import CognitoSettings
from .blueprint import make_blueprint
from .cookies import RefreshCookieCodec
from .feature import SignInFeature
from .settings import SECRET_KEY, read_signin_settings


def build_signin(app: Flask, settings: CognitoSettings) -> SignInFeature | None:
    """The sign-in feature of ``app``, or ``None`` when ``COGNITO_DOMAIN`` is unset.

    :raises CognitoConfigError: for a wrong sign-in setting, or no ``SECRET_KEY``.
    """
    signin = read_signin_settings(app.config, settings)
    if signin is None:
        return None
    codec = RefreshCookieCodec(
        app.config[SECRET_KEY],
        fallbacks=app.config.get("SECRET_KEY_FALLBACKS") or (),
        associated=signin.refresh_cookie,
    )
    return SignInFeature(signin, settings, codec, make_blueprint)
