"""A WSGI application served on ``127.0.0.1`` in a background thread, with fault injection.

The test kit's :class:`~flask_revstack_cognito.testing.JWKSServer` is one; the demo serves its
managed-login stand-in with another.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["LoopbackServer"]


class _QuietHandler(WSGIRequestHandler):
    """No access log: tests and the demo keep their output to themselves."""

    def log(self, type: str, message: str, *args: Any) -> None:
        """Say nothing."""


class LoopbackServer:
    """Serve ``app`` on ``127.0.0.1`` (a free port) until :meth:`stop`.

    :param app: the WSGI application.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        #: Requests received so far.
        self.request_count = 0
        #: Requests received so far, by path (``server.path_counts["/oauth2/token"]``).
        self.path_counts: Counter[str] = Counter()
        self._faults: dict[str | None, tuple[int, bytes, float]] = {}
        self._lock = threading.Lock()
        self._httpd: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.on_stop: Callable[[], None] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``.

        :raises RuntimeError: the server is not running.
        """
        if self._httpd is None:
            raise RuntimeError("the server is not running; call start() first")
        return f"http://127.0.0.1:{self._httpd.server_port}"

    def fail_with(
        self, status: int = 500, body: bytes = b"", *, delay: float = 0.0, path: str | None = None
    ) -> None:
        """Answer every request (or only those for ``path``) with ``status`` and ``body``
        after ``delay`` seconds."""
        with self._lock:
            self._faults[path] = (status, body, delay)

    def recover(self) -> None:
        """Answer normally again after :meth:`fail_with`."""
        with self._lock:
            self._faults.clear()

    def start(self) -> LoopbackServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        self._httpd = make_server(
            "127.0.0.1", 0, self._serve, threaded=True, request_handler=_QuietHandler
        )
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self.on_stop is not None:
            self.on_stop()

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = Request(environ).path
        with self._lock:
            self.request_count += 1
            self.path_counts[path] += 1
            fault = self._faults.get(path, self._faults.get(None))
        if fault is None:
            return self.app(environ, start_response)
        status, body, delay = fault
        time.sleep(delay)
        response = Response(body, status, content_type="application/json")
        return response(environ, start_response)
