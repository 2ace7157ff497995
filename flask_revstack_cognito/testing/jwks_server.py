"""A JWKS endpoint on loopback HTTP, optionally beside the managed-login stand-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

from .loopback import LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .managed_login import ManagedLogin

__all__ = ["JWKSServer"]


class JWKSServer(LoopbackServer):
    """A JWKS endpoint on loopback HTTP in a background thread, with fault injection.

    With ``managed_login``, the same server also answers Cognito's managed-login endpoints
    (:class:`~flask_revstack_cognito.testing.ManagedLogin`).

    :param document: returns the body to serve.
    :param pool_id: the path is ``/<pool_id>/.well-known/jwks.json``, as moto serves it.
    :param managed_login: the managed-login endpoints to serve beside the JWKS.
    """

    def __init__(
        self,
        document: Callable[[], bytes],
        pool_id: str = "pool",
        *,
        managed_login: ManagedLogin | None = None,
    ) -> None:
        super().__init__(self._route)
        self._document = document
        self.path = f"/{pool_id}/.well-known/jwks.json"
        self.managed_login = managed_login

    @property
    def url(self) -> str:
        """The JWKS URL (``http://127.0.0.1:<port>/<pool_id>/.well-known/jwks.json``)."""
        if self._httpd is None:
            raise RuntimeError("the JWKS server is not running; call start() first")
        return f"{self.base_url}{self.path}"

    def fail_with(
        self, status: int = 500, body: bytes = b"", *, delay: float = 0.0, path: str | None = None
    ) -> None:
        """Answer every request (or only those for ``path``, e.g. ``"/oauth2/token"``) with
        ``status`` and ``body`` after ``delay`` seconds."""
        super().fail_with(status, body, delay=delay, path=path)

    def recover(self) -> None:
        """Serve the JWKS (and the managed login) again after :meth:`fail_with`."""
        super().recover()

    def start(self) -> JWKSServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        super().start()
        return self

    def __enter__(self) -> JWKSServer:
        return self

    def _route(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.path:
            response = Response(self._document(), 200, content_type="application/json")
        elif self.managed_login is not None and self.managed_login.handles(path):
            return self.managed_login(environ, start_response)
        else:
            response = Response(b"not found", 404, content_type="application/json")
        return response(environ, start_response)
