"""Server-rendered pages signed in through Cognito's managed login (the browser sign-in).

- ``/web/``: the home page, with "Sign in with Cognito" (or who is signed in);
- ``/web/profile``: only for signed-in users: their claims, groups and tenant;
- ``/web/admin``: only for the ``admins`` group;
- sign-out is a form that POSTs to the sign-in blueprint's ``<prefix>/logout``.

A browser without a session that opens ``/web/profile`` is sent to sign in and comes back there.
Refusals on these pages are HTML pages; the API's answers stay JSON.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from flask_revstack_cognito import CognitoAuthError, current_cognito_user, login_required

#: Where the pages live; the single-page sign-in stays at ``/``.
PAGES_PREFIX = "/web"

pages = Blueprint("pages", __name__, url_prefix=PAGES_PREFIX)


@pages.context_processor
def _page_helpers() -> dict[str, object]:
    sign_in_enabled = bool(current_app.config.get("COGNITO_DOMAIN"))
    return {
        "sign_in_enabled": sign_in_enabled,
        # The sign-in blueprint's route, wherever COGNITO_AUTH_URL_PREFIX puts it.
        "sign_out_url": url_for("revstack_cognito_signin.logout") if sign_in_enabled else None,
    }


@pages.get("/")
@login_required(optional=True)
def home() -> ResponseReturnValue:
    """Who is signed in, or the way to sign in."""
    return render_template("web_home.html", user=current_cognito_user)


@pages.get("/profile")
@login_required
def profile() -> ResponseReturnValue:
    """The signed-in user's claims, groups and tenant."""
    user = current_cognito_user
    assert user is not None
    claims = sorted((name, _shown(value)) for name, value in user.claims.items())
    return render_template(
        "web_profile.html", user=user, claims=claims, tenant=user.custom.get("tenant")
    )


@pages.get("/admin")
@login_required(groups=["admins"])
def admin() -> ResponseReturnValue:
    """Only for the ``admins`` group."""
    return render_template("web_admin.html", user=current_cognito_user)


@pages.errorhandler(CognitoAuthError)
def _refused(error: CognitoAuthError) -> ResponseReturnValue:
    """A page saying what was refused, with the status the API would answer."""
    return render_template("web_refused.html", error=error), error.status


def _shown(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)
