"""The example app: every feature of Flask-Revstack-Cognito in one small API and a sign-in page.

- ``/``: a page that signs in against the pool from the browser and calls the API;
- ``/api/me``: the ID token's user (id, email, groups, custom attributes);
- ``/api/admin``: only for the ``admins`` group (403 otherwise);
- ``/api/orders``: an access token with the orders scope;
- ``/api/public``: anyone, with the user when a token is sent;
- ``/web/...``: server-rendered pages signed in through Cognito's managed login
  (:mod:`example_app.pages`).

Configuration comes from the environment (``FLASK_COGNITO_USER_POOL_ID``, ...). Run it with
``make demo``, which starts a local Cognito when no pool is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, send_from_directory
from flask.typing import ResponseReturnValue

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    current_cognito_user,
    login_required,
    verification_failed,
)
from flask_revstack_cognito.hosts import is_loopback_host
from flask_revstack_cognito.responses import error_response

from .pages import pages

#: The scope ``/api/orders`` requires. Tokens from ``USER_PASSWORD_AUTH`` carry
#: ``aws.cognito.signin.user.admin``; set ``FLASK_EXAMPLE_ORDERS_SCOPE=orders/read`` when your
#: front end gets access tokens through the hosted UI with that scope.
DEFAULT_ORDERS_SCOPE = "aws.cognito.signin.user.admin"

auth = CognitoAuth()
logger = logging.getLogger("example_app")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the example app; ``config`` overrides what the environment says."""
    app = Flask(__name__)
    app.config["EXAMPLE_ORDERS_SCOPE"] = DEFAULT_ORDERS_SCOPE
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    auth.init_app(app)
    verification_failed.connect(_log_failure, app)
    app.register_error_handler(CognitoAuthError, _auth_error)
    _add_routes(app)
    app.register_blueprint(pages)
    return app


def _log_failure(sender: Flask, error: CognitoAuthError, **extra: Any) -> None:
    logger.warning("auth failed: %s (%s)", error.code, error.message)


def _auth_error(error: CognitoAuthError) -> ResponseReturnValue:
    """The default JSON answer and headers, plus the HTTP status in the body for the page."""
    response = error_response(error, realm="example-app")
    response.set_data(
        current_app.json.dumps(
            {"code": error.code, "message": error.message, "status": error.status}
        )
    )
    return response


def _user_summary(user: CognitoUser) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "groups": list(user.groups),
        "scopes": list(user.scopes),
        "custom": dict(user.custom),
        "token_use": user.token_use,
        "expires_at": user.expires_at.isoformat() if user.expires_at else None,
    }


def _demo_users(endpoint: str, configured: Sequence[Mapping[str, Any]] | None) -> list[Any]:
    """The users to list on the page: those of a local pool, never a real pool's."""
    if not configured or not is_loopback_host(urlsplit(endpoint).hostname):
        return []
    return list(configured)


def _add_routes(app: Flask) -> None:
    orders_scope = str(app.config["EXAMPLE_ORDERS_SCOPE"])

    @app.get("/")
    def sign_in_page() -> str:
        contract = auth.contract
        pool_region = contract.user_pool_ids[0].partition("_")[0]
        endpoint = app.config.get("EXAMPLE_COGNITO_ENDPOINT") or (
            f"https://cognito-idp.{pool_region}.amazonaws.com/"
        )
        return render_template(
            "index.html",
            cognito_endpoint=endpoint,
            local_pool=is_loopback_host(urlsplit(endpoint).hostname),
            demo_users=_demo_users(endpoint, app.config.get("EXAMPLE_DEMO_USERS")),
            client_id=contract.audience or "",
            user_pool_id=contract.user_pool_ids[0],
            region=pool_region,
        )

    @app.get("/favicon.ico")
    def favicon() -> ResponseReturnValue:
        assert app.static_folder is not None
        return send_from_directory(
            app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
        )

    @app.get("/api/me")
    @login_required
    def me() -> ResponseReturnValue:
        assert current_cognito_user
        return jsonify(_user_summary(current_cognito_user))

    @app.get("/api/admin")
    @login_required(groups=["admins"])
    def admin() -> ResponseReturnValue:
        assert current_cognito_user
        return jsonify(message=f"welcome, admin {current_cognito_user.username}")

    @app.get("/api/orders")
    @login_required(token_use="access", scopes=[orders_scope])
    def orders() -> ResponseReturnValue:
        assert current_cognito_user
        return jsonify(
            owner=current_cognito_user.user_id,
            scopes=list(current_cognito_user.scopes),
            orders=[{"id": 1, "item": "tea"}, {"id": 2, "item": "biscuits"}],
        )

    @app.get("/api/public")
    @login_required(optional=True)
    async def public() -> ResponseReturnValue:
        if current_cognito_user:
            return jsonify(message=f"hello, {current_cognito_user.username}")
        return jsonify(message="hello, stranger")
