"""An app client as the managed-login stand-in knows it (the console's app client settings)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SCOPES", "AppClient"]

#: Scopes an app client allows unless told otherwise (Cognito's standard scopes).
DEFAULT_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")


@dataclass(frozen=True)
class AppClient:
    """An app client as the managed login sees it.

    :param client_id: the app client id.
    :param callback_urls: the allowed callback URLs, matched exactly.
    :param logout_urls: the allowed sign-out URLs, matched exactly.
    :param client_secret: the client's secret; ``None`` for a public client.
    :param scopes: the OAuth scopes the client may ask for.
    :param oauth_flows: the allowed OAuth flows; without ``"code"``, sign-in is refused with
        ``unauthorized_client``.
    """

    client_id: str
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...] = ()
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    oauth_flows: tuple[str, ...] = ("code",)
