"""The demo stack: the example app on 127.0.0.1, with an embedded local Cognito when no pool
is configured. ``make demo`` runs it; the browser test starts the same stack."""

from __future__ import annotations

import os
import secrets
import socket
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from . import auth, create_app
from .local_cognito import DEMO_USERS, LocalCognito
from .pages import PAGES_PREFIX


class DemoStack:
    """The example app served in a background thread, and the local Cognito it may need.

    :param port: the app's port; when it is taken, a free one is used instead.
    :param environ: where ``FLASK_COGNITO_USER_POOL_ID`` is looked for (``os.environ``).
    """

    def __init__(self, port: int = 5000, environ: Mapping[str, str] | None = None) -> None:
        self.port = port
        self.environ = os.environ if environ is None else environ
        self.cognito: LocalCognito | None = None
        self.app: Flask | None = None
        #: Why ``port`` could not be used (``"Address already in use"``), or ``None``.
        self.port_refused: str | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.port}/"

    def start(self) -> DemoStack:
        """Start the local Cognito (unless a pool is configured), then the app."""
        # werkzeug's make_server exits the process when its port is taken, so the socket is
        # bound here, where a busy port can fall back to a free one, and handed over. Bound
        # first: the managed login must know the app's callback and sign-out URLs.
        with self._listen() as listening:
            port = listening.getsockname()[1]
            self.app = create_app(self._local_cognito(port))
            with self.app.app_context():
                auth.prefetch()  # fail now, not on the first request, if keys are unreachable
            self._server = make_server(
                "127.0.0.1", 0, self.app, threaded=True, fd=listening.fileno()
            )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def _local_cognito(self, port: int) -> dict[str, Any]:
        """Start the local Cognito unless a pool is configured; return the app's settings."""
        if self.environ.get("FLASK_COGNITO_USER_POOL_ID"):
            return {}
        self.cognito = LocalCognito().start()
        roots = [f"http://127.0.0.1:{port}/", f"http://localhost:{port}/"]
        self.cognito.allow_app(roots, signed_out_paths=("", PAGES_PREFIX.lstrip("/") + "/"))
        overrides = dict(self.cognito.flask_config())
        # After signing out, back to the server-rendered home page.
        overrides["COGNITO_LOGOUT_REDIRECT_URI"] = f"{roots[0]}{PAGES_PREFIX.lstrip('/')}/"
        if not self.environ.get("FLASK_SECRET_KEY"):
            # The browser sign-in keeps its state in the Flask session: a key per run.
            overrides["SECRET_KEY"] = secrets.token_hex(32)
        return overrides

    def _listen(self) -> socket.socket:
        """A socket listening on 127.0.0.1 at ``port``, or at a free port when it is taken."""
        listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listening.bind(("127.0.0.1", self.port))
        except OSError as error:
            self.port_refused = error.strerror or str(error)
            listening.bind(("127.0.0.1", 0))
        listening.listen(128)
        return listening

    def stop(self) -> None:
        """Stop the app and the local Cognito."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        if self.cognito is not None:
            self.cognito.stop()

    def banner(self) -> str:
        """What to tell the person who ran ``make demo``."""
        lines = ["", f"Flask-Revstack-Cognito demo: open {self.url}"]
        if self.port_refused:
            assert self._server is not None
            lines.append(
                f"Port {self.port} is not available ({self.port_refused}), so the demo is on"
                f" port {self._server.port} instead; set DEMO_PORT to choose another."
            )
        lines.append("")
        if self.cognito is not None:
            lines.append(f"Local Cognito (moto) on {self.cognito.endpoint}, no AWS account used.")
            lines.append(f"Its managed login (hosted UI stand-in) on {self.cognito.domain}")
            lines.append(f"Pages signed in through it: {self.url}web/")
            lines.append(
                f"User pool {self.cognito.user_pool_id}, app client {self.cognito.client_id}"
            )
            lines.append("Demo users:")
            for user in DEMO_USERS:
                groups = ", ".join(user.groups) or "no groups"
                lines.append(
                    f"  {user.username} / {user.password}  ({groups}; custom:tenant={user.tenant})"
                )
            first = DEMO_USERS[0]
            id_token = self.cognito.sign_in(first.username, first.password)["IdToken"]
            lines += [
                "",
                f"Try the API with a fresh ID token of {first.username} (valid for an hour):",
                f"  curl -H 'Authorization: Bearer {id_token}' {self.url}api/me",
            ]
        else:
            lines.append("Using the user pool configured by FLASK_COGNITO_* settings.")
        lines += ["", "Press Ctrl-C to stop."]
        return "\n".join(lines)
