"""A total deadline for one HTTP exchange made with ``requests``.

``requests`` bounds each socket operation, not the exchange: a server that sends a byte just
within each read timeout holds the caller, its thread and its socket for as long as it likes.
:func:`deadline_session` shuts down every socket its session opens once the deadline passes, so
a blocked read returns at once, the exchange fails and its thread ends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class SocketDeadline:
    """The sockets of one exchange, shut down together when :meth:`expire` is called."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        #: Whether the deadline has passed.
        self.expired = False

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down at the deadline, or at once when it has passed."""
        with self._lock:
            self._sockets.append(sock)
            expired = self.expired
        if expired:  # connected after the deadline (a slow DNS answer, a slow handshake)
            _shut_down(sock)

    def expire(self) -> None:
        """Shut down every socket watched so far and any watched later."""
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)


def _shut_down(sock: socket.socket) -> None:
    # shutdown(), unlike close(), wakes a thread blocked reading the socket on every platform.
    with suppress(OSError):  # already closed by the exchange itself
        sock.shutdown(socket.SHUT_RDWR)


class _ThisThread(threading.local):
    deadline: SocketDeadline


# The connections are made in the thread that runs the exchange; they find its deadline here.
_this_thread = _ThisThread()


class _WatchedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # connected, before any TLS handshake
        _this_thread.deadline.watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        # TLS wraps the socket in a new object and detaches the old one: watch the new one.
        _this_thread.deadline.watch(self.sock)


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }


@contextmanager
def deadline_session(timeout: float) -> Iterator[tuple[requests.Session, SocketDeadline]]:
    """A fresh session whose sockets are shut down ``timeout`` seconds from now.

    Use it in one thread only, and only inside the ``with`` block. Requests through a proxy
    are bounded by their socket timeouts only.

    :param timeout: seconds the whole exchange may take.
    :returns: the session, and its deadline (``expired`` tells a failure caused by it).
    """
    deadline = SocketDeadline()
    session = requests.Session()
    adapter = _WatchedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    timer = threading.Timer(timeout, deadline.expire)
    timer.name = "jwks-fetch-deadline"
    timer.daemon = True
    _this_thread.deadline = deadline
    timer.start()
    try:
        yield session, deadline
    finally:
        timer.cancel()
        session.close()
        del _this_thread.deadline
