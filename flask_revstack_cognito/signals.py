"""Blinker signals, sent with the Flask app as sender.

Connect a receiver to log, count or alert::

    from flask_revstack_cognito import verification_failed

    @verification_failed.connect_via(app)
    def log_failure(sender, error, **extra):
        app.logger.info("auth failed: %s", error.code)
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent once per request, when its first check passed (token and requirements); a later
#: check of the same request may still refuse it.
#: Sender: the app. Keyword arguments: ``user`` (:class:`~flask_revstack_cognito.CognitoUser`).
token_verified = _signals.signal("token-verified")

#: Sent once per failed request, before the error response is made.
#: Sender: the app. Keyword arguments: ``error``
#: (:class:`~flask_revstack_cognito.CognitoAuthError`).
verification_failed = _signals.signal("verification-failed")

#: Sent after a pool's JWKS was fetched.
#: Sender: the app. Keyword arguments: ``issuer`` (str), ``key_ids`` (tuple of str).
jwks_refreshed = _signals.signal("jwks-refreshed")

#: Sent after a JWKS fetch failed (held keys, if any, stay in use).
#: Sender: the app. Keyword arguments: ``issuer`` (str), ``error`` (Exception).
jwks_fetch_failed = _signals.signal("jwks-fetch-failed")

#: Sent after a browser signed in through the managed login and got its cookies.
#: Sender: the app. Keyword arguments: ``user`` (:class:`~flask_revstack_cognito.CognitoUser`).
user_signed_in = _signals.signal("user-signed-in")

#: Sent after a browser signed out (cookies cleared, refresh token revoked).
#: Sender: the app. Keyword arguments: ``user`` (the signed-out
#: :class:`~flask_revstack_cognito.CognitoUser`, or ``None`` when its token no longer verified).
user_signed_out = _signals.signal("user-signed-out")

#: Sent after an expired cookie token was refreshed with the refresh token.
#: Sender: the app. Keyword arguments: ``user`` (the user of the new tokens).
tokens_refreshed = _signals.signal("tokens-refreshed")

#: Sent after ``auth.revoke`` denied a sign-in's tokens.
#: Sender: the app. Keyword arguments: ``user`` (the :class:`~flask_revstack_cognito.CognitoUser`
#: of the revoked token).
token_revoked = _signals.signal("token-revoked")
