"""``HTTPFetcher``: the total deadline, size limit, redirects and dropped connections."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import FakeClock
from jwks_helpers import COOLDOWN, MAX_BYTES, OPTIONS, jwks_body, modulus, no_jitter, padded

from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.jwks import HTTPFetcher, JWKSCache, JWKSFetchError, JWKSOptions
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


Answer = Callable[[BaseHTTPRequestHandler, threading.Event], None]


class ScriptedServer:
    """A loopback HTTP server answering each GET with ``answer(handler, closing)``.

    ``closing`` is set when the server stops, so answers that wait end early; the serving
    thread and the handler threads are joined on exit.
    """

    def __init__(self, answer: Answer) -> None:
        closing = self.closing = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    answer(self, closing)
                except OSError:  # the client gave up
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = False  # server_close() joins the handler threads
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/pool/.well-known/jwks.json"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# -- HTTPFetcher details --------------------------------------------------------------------


def _trickle(pool: LocalUserPool) -> Answer:
    """Send a valid JWKS in six 16 KiB pieces, 0.15 s apart: each pause is shorter than the
    0.4 s socket timeout, but the whole body takes longer than the 0.4 s total deadline."""

    def answer(handler: BaseHTTPRequestHandler, closing: threading.Event) -> None:
        piece = 16384
        body = padded(jwks_body(pool), 6 * piece)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for start in range(0, len(body), piece):
            handler.wfile.write(body[start : start + piece])
            if closing.wait(0.15):
                return

    return answer


def test_http_fetcher_enforces_a_total_deadline(pool: LocalUserPool) -> None:
    with ScriptedServer(_trickle(pool)) as scripted, pytest.raises(JWKSFetchError):
        HTTPFetcher()(scripted.url, timeout=0.4, max_bytes=262144)


def _drip_headers(pool: LocalUserPool) -> Answer:
    """Send the status line and headers a byte every 0.05 s, then a valid JWKS: each byte
    comes well within the socket timeout, yet the whole answer takes over a second."""

    def answer(handler: BaseHTTPRequestHandler, closing: threading.Event) -> None:
        body = jwks_body(pool)
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        for byte in head:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            if closing.wait(0.05):
                return
        handler.wfile.write(body)
        handler.close_connection = True

    return answer


def test_a_server_dripping_its_headers_cannot_hold_the_caller_past_the_timeout(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """Each byte arrives within the socket timeout; the answer as a whole does not."""
    options = JWKSOptions(timeout=0.3, refresh_cooldown=COOLDOWN)
    with ScriptedServer(_drip_headers(pool)) as scripted:
        cache = JWKSCache(scripted.url, options, clock=clock)
        with pytest.raises(JWKSUnavailableError):
            cache.get_key(pool.kid)


def test_the_cache_stops_waiting_for_any_fetcher_at_the_timeout(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """Without the cache's own deadline this fetch would succeed, three seconds late."""
    release = threading.Event()

    def stalled(url: str, *, timeout: float, max_bytes: int) -> bytes:
        release.wait(3)
        return pool.fetcher(pool.jwks_uri, timeout=timeout, max_bytes=max_bytes)

    failures: list[Exception] = []
    options = JWKSOptions(timeout=0.2, refresh_cooldown=COOLDOWN)
    cache = JWKSCache(
        pool.jwks_uri, options, fetcher=stalled, clock=clock, on_fetch_failed=failures.append
    )
    try:
        with pytest.raises(JWKSUnavailableError):
            cache.get_key(pool.kid)
    finally:
        release.set()
    assert [str(failure) for failure in failures] == ["timed out after 0.2 s"]


def test_an_interrupted_fetch_leaves_no_flight_behind(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """A BaseException (Ctrl-C, a gevent timeout) propagates, and the next fetch still runs."""
    interrupted = [False]

    def interrupted_once(url: str, *, timeout: float, max_bytes: int) -> bytes:
        if not interrupted[0]:
            interrupted[0] = True
            raise KeyboardInterrupt
        return pool.fetcher(pool.jwks_uri, timeout=timeout, max_bytes=max_bytes)

    cache = JWKSCache(pool.jwks_uri, OPTIONS, fetcher=interrupted_once, clock=clock)
    with pytest.raises(KeyboardInterrupt):
        cache.get_key(pool.kid)
    clock.advance(COOLDOWN)
    assert modulus(cache.get_key(pool.kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == 2


def test_http_fetcher_does_not_follow_redirects(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    def redirect(handler: BaseHTTPRequestHandler, closing: threading.Event) -> None:
        handler.send_response(302)
        handler.send_header("Location", server.url)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    with ScriptedServer(redirect) as scripted:
        cache = JWKSCache(scripted.url, OPTIONS, clock=clock, jitter=no_jitter)
        with pytest.raises(JWKSUnavailableError):
            cache.get_key(pool.kid)
        with pytest.raises(JWKSFetchError, match="302"):
            HTTPFetcher()(scripted.url, timeout=1.0, max_bytes=MAX_BYTES)
    assert server.request_count == 0


def test_http_fetcher_reports_a_dropped_connection() -> None:
    def hang_up(handler: BaseHTTPRequestHandler, closing: threading.Event) -> None:
        handler.close_connection = True  # no status line at all

    with ScriptedServer(hang_up) as scripted, pytest.raises(JWKSFetchError):
        HTTPFetcher()(scripted.url, timeout=1.0, max_bytes=MAX_BYTES)


def test_http_fetcher_returns_the_body_and_asks_for_json(pool: LocalUserPool) -> None:
    accepts: list[str | None] = []

    def answer(handler: BaseHTTPRequestHandler, closing: threading.Event) -> None:
        accepts.append(handler.headers.get("Accept"))
        body = jwks_body(pool)
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    with ScriptedServer(answer) as scripted:
        body = HTTPFetcher()(scripted.url, timeout=1.0, max_bytes=MAX_BYTES)
    assert json.loads(body) == pool.jwks()
    assert accepts == ["application/json"]
