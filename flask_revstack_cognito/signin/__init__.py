"""Browser sign-in with Cognito's managed login (SPEC section 11): a feature of its own.

Enabled by ``COGNITO_DOMAIN``. :func:`build_signin` is the feature builder ``init_app`` runs;
the verification core never imports this package.
"""

from __future__ import annotations

from .build import build_signin as build_signin
from .feature import SignInFeature as SignInFeature
from .feature import login_url as login_url
from .feature import template_user as template_user

__all__ = ["SignInFeature", "build_signin", "login_url", "template_user"]
