"""The JWKS key cache (SPEC section 6 and section 4 step 5), mostly against real loopback HTTP.

Keys are served by the test kit's :class:`JWKSServer` on 127.0.0.1 and fetched by the default
:class:`HTTPFetcher`; time is a :class:`FakeClock`, so TTL and cooldown rules need no sleeping.
Real sleeps are short and only there to make concurrent callers overlap or to slow a server.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from conftest import FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import ECKey, RSAKey

from flask_revstack_cognito import (
    JWKSUnavailableError,
    TokenVerifier,
    UnknownKeyError,
)
from flask_revstack_cognito.jwks import (
    HTTPFetcher,
    JWKSCache,
    JWKSFetchError,
    JWKSOptions,
    parse_jwks,
)
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

TTL = 100.0
COOLDOWN = 10.0
MAX_BYTES = 8192
#: Short limits for the fault tests: a fetch gives up after 0.3 s, a body over 8 KiB is refused.
OPTIONS = JWKSOptions(ttl=TTL, timeout=0.3, refresh_cooldown=COOLDOWN, max_bytes=MAX_BYTES)
THREADS = 16

T = TypeVar("T")


def no_jitter() -> float:
    return 0.0


def jwks_body(pool: LocalUserPool) -> bytes:
    return json.dumps(pool.jwks()).encode()


def padded(body: bytes, size: int) -> bytes:
    """``body`` followed by JSON whitespace up to exactly ``size`` bytes."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


def modulus(key: RSAKey) -> object:
    return key.as_dict(private=False)["n"]


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def run_together(task: Callable[[], T], count: int = THREADS) -> list[T | Exception]:
    """Run ``task`` in ``count`` threads released at once by a barrier; join them all."""
    barrier = threading.Barrier(count, timeout=5)
    outcomes: list[T | Exception] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            outcome: T | Exception = task()
        except Exception as error:
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == count
    return outcomes


class SlowDocument:
    """A JWKS document callable that answers after ``delay`` seconds, so callers overlap."""

    def __init__(self, pool: LocalUserPool, delay: float) -> None:
        self.pool = pool
        self.delay = delay

    def __call__(self) -> bytes:
        time.sleep(self.delay)
        return jwks_body(self.pool)


@contextmanager
def serving(document: Callable[[], bytes], pool: LocalUserPool) -> Iterator[JWKSServer]:
    """A :class:`JWKSServer` for ``document`` on loopback, stopped on exit."""
    with JWKSServer(document, pool.user_pool_id).start() as server:
        yield server


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


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _direct_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never go through a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def server(pool: LocalUserPool) -> Iterator[JWKSServer]:
    """The ``pool`` fixture's JWKS, served on loopback HTTP."""
    with pool.serve() as served:
        yield served


@pytest.fixture
def refused_url() -> str:
    """A loopback URL on a port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/pool/.well-known/jwks.json"


@pytest.fixture(scope="module")
def rsa_jwks() -> list[dict[str, Any]]:
    """Three public 2048-bit RSA JWKs, with kids ``k1``, ``k2``, ``k3`` and no use/alg."""
    keys = [RSAKey.generate_key(2048, parameters={"kid": f"k{i}"}) for i in (1, 2, 3)]
    return [dict(key.as_dict(private=False)) for key in keys]


# -- single flight and cold start -----------------------------------------------------------


def test_cold_start_under_concurrency_makes_exactly_one_fetch(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    with serving(SlowDocument(pool, 0.2), pool) as server:
        cache = JWKSCache(server.url, clock=clock, jitter=no_jitter)

        outcomes = run_together(lambda: cache.get_key(pool.kid))

        assert server.request_count == 1
        assert cache.fetch_count == 1
    keys = [outcome for outcome in outcomes if isinstance(outcome, RSAKey)]
    assert len(keys) == THREADS, outcomes
    assert {modulus(key) for key in keys} == {modulus(pool.signing_key)}


def test_failing_cold_start_under_concurrency_shares_one_failed_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(500, delay=0.2)
    cache = JWKSCache(server.url, clock=clock, jitter=no_jitter)

    outcomes = run_together(lambda: cache.get_key(pool.kid))

    assert server.request_count == 1
    assert cache.fetch_count == 1
    assert all(isinstance(outcome, JWKSUnavailableError) for outcome in outcomes), outcomes


def test_concurrent_misses_after_rotation_share_one_refetch(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    with serving(SlowDocument(pool, 0.2), pool) as server:
        cache = JWKSCache(
            server.url,
            JWKSOptions(ttl=TTL, refresh_cooldown=COOLDOWN),
            clock=clock,
            jitter=no_jitter,
        )
        cache.get_key(pool.kid)
        new_kid = pool.rotate_key()
        clock.advance(COOLDOWN)

        outcomes = run_together(lambda: cache.get_key(new_kid))

        assert server.request_count == 2
        assert cache.fetch_count == 2
    assert all(isinstance(outcome, RSAKey) for outcome in outcomes), outcomes


def test_requests_keep_the_held_keys_while_a_refresh_runs(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """Only the caller that starts the TTL refresh waits for it; the others do not."""
    entered, release = threading.Event(), threading.Event()
    released_in_time: list[bool] = []
    gated = False

    def document() -> bytes:
        if gated:
            entered.set()
            released_in_time.append(release.wait(timeout=5))
        return jwks_body(pool)

    with serving(document, pool) as server:
        cache = JWKSCache(server.url, JWKSOptions(ttl=TTL), clock=clock, jitter=no_jitter)
        held = cache.get_key(pool.kid)
        gated = True
        clock.advance(TTL)
        refresher = threading.Thread(target=cache.get_key, args=(pool.kid,))
        refresher.start()
        try:
            assert entered.wait(timeout=5)
            assert cache.get_key(pool.kid) is held  # answered while the refresh is blocked
        finally:
            release.set()
            refresher.join(timeout=5)
        assert not refresher.is_alive()
        assert released_in_time == [True]
        assert cache.fetch_count == 2
        assert server.request_count == 2


# -- unknown kids, TTL, rotation ------------------------------------------------------------


def test_unknown_kid_flood_costs_at_most_one_fetch_per_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    def flood() -> None:
        for _ in range(50):
            with pytest.raises(UnknownKeyError) as caught:
                cache.get_key(secrets.token_urlsafe(16))
            assert caught.value.code == "UNKNOWN_KEY"
            assert caught.value.status == 401
        assert cache.get_key(pool.kid) is not None  # the real key keeps working

    flood()  # cold: the first miss fetches, then the cooldown holds
    assert cache.fetch_count == server.request_count == 1
    clock.advance(COOLDOWN)
    flood()
    assert cache.fetch_count == server.request_count == 2
    clock.advance(COOLDOWN - 1)
    flood()
    assert cache.fetch_count == server.request_count == 2
    clock.advance(1)
    flood()
    assert cache.fetch_count == server.request_count == 3


@pytest.mark.parametrize(
    ("jitter", "effective_ttl"),
    [(0.0, TTL), (0.5, TTL * 0.95), (1.0, TTL * 0.9)],
    ids=["no-jitter", "half-jitter", "full-jitter-10-percent"],
)
def test_ttl_expiry_refetches_exactly_once(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, jitter: float, effective_ttl: float
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=lambda: jitter)
    old_kid = pool.kid
    cache.get_key(old_kid)
    new_kid = pool.rotate_key(keep_old=True)  # only a refetch can reveal the new key

    clock.advance(effective_ttl - 1)
    cache.get_key(old_kid)  # still trusted: no refetch
    assert cache.fetch_count == server.request_count == 1
    assert not cache.holds(new_kid)

    clock.advance(1)
    cache.get_key(old_kid)  # a held kid: only the TTL can cause this fetch
    assert cache.fetch_count == server.request_count == 2
    assert cache.holds(new_kid)

    clock.advance(effective_ttl - 1)
    cache.get_key(new_kid)
    assert cache.fetch_count == server.request_count == 2


@pytest.mark.parametrize("keep_old", [True, False], ids=["keep-old", "drop-old"])
def test_rotated_key_found_after_one_refetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, keep_old: bool
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    old_kid = pool.kid
    old_modulus = modulus(pool.signing_key)
    cache.get_key(old_kid)
    new_kid = pool.rotate_key(keep_old=keep_old)

    with pytest.raises(UnknownKeyError):  # the cooldown of the first fetch still runs
        cache.get_key(new_kid)
    assert cache.fetch_count == 1

    clock.advance(COOLDOWN)
    assert modulus(cache.get_key(new_kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == server.request_count == 2

    if keep_old:
        assert modulus(cache.get_key(old_kid)) == old_modulus
        assert cache.key_ids == (old_kid, new_kid)
    else:
        assert not cache.holds(old_kid)
        with pytest.raises(UnknownKeyError):
            cache.get_key(old_kid)
        assert cache.key_ids == (new_kid,)
    assert cache.fetch_count == server.request_count == 2


# -- faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One way the JWKS endpoint fails. Served bodies hold the pool's *current* JWKS where
    possible, so a cache that ignored the fault would load the rotated keys and be caught."""

    name: str
    status: int = 200
    body: Callable[[LocalUserPool], bytes] = jwks_body
    delay: float = 0.0
    refused: bool = False

    def inject(self, pool: LocalUserPool, server: JWKSServer, cache: JWKSCache, url: str) -> None:
        if self.refused:
            cache.jwks_uri = url
        else:
            server.fail_with(self.status, self.body(pool), delay=self.delay)

    def repair(self, server: JWKSServer, cache: JWKSCache) -> None:
        if self.refused:
            cache.jwks_uri = server.url
        else:
            server.recover()

    @property
    def requests(self) -> int:
        """HTTP requests the server receives per failed fetch."""
        return 0 if self.refused else 1


FAULTS = [
    Fault("connection-refused", refused=True),
    Fault("timeout", delay=1.0),
    Fault("http-500", status=500),
    Fault("http-404", status=404),
    Fault("html-body", body=lambda _: b"<!DOCTYPE html><html><body>Bad gateway</body></html>"),
    Fault("invalid-json", body=lambda pool: jwks_body(pool)[:-2]),
    Fault("json-list", body=lambda pool: json.dumps([pool.jwks()]).encode()),
    Fault("object-without-keys", body=lambda pool: json.dumps(pool.jwks()["keys"][0]).encode()),
    Fault(
        "keys-not-a-list",
        body=lambda pool: json.dumps({"keys": {pool.kid: pool.jwks()["keys"][-1]}}).encode(),
    ),
    Fault("oversize-body", body=lambda pool: padded(jwks_body(pool), MAX_BYTES + 1)),
]


def recording_cache(
    url: str, clock: FakeClock
) -> tuple[JWKSCache, list[tuple[str, ...]], list[Exception]]:
    """A cache on the fake clock, with the key ids of each refresh and each fetch failure."""
    refreshes: list[tuple[str, ...]] = []
    failures: list[Exception] = []
    cache = JWKSCache(
        url,
        OPTIONS,
        clock=clock,
        jitter=no_jitter,
        on_refresh=refreshes.append,
        on_fetch_failed=failures.append,
    )
    return cache, refreshes, failures


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_fault_without_held_keys_is_network_error(
    fault: Fault, server: JWKSServer, pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock)
    fault.inject(pool, server, cache, refused_url)

    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)

    error = caught.value
    assert (error.code, error.status) == ("NETWORK_ERROR", 503)
    assert error.retry_after >= 1
    assert cache.fetch_count == 1
    assert server.request_count == fault.requests
    assert len(failures) == 1
    assert isinstance(failures[0], JWKSFetchError)
    assert refreshes == []
    assert not cache.key_ids
    assert not cache.holds(pool.kid)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_fault_with_held_keys_serves_stale_keys_until_recovery(
    fault: Fault, server: JWKSServer, pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock)
    old_kid = pool.kid
    held = cache.get_key(old_kid)
    assert refreshes == [(old_kid,)]
    new_kid = pool.rotate_key(keep_old=False)
    fault.inject(pool, server, cache, refused_url)

    clock.advance(TTL)
    assert cache.get_key(old_kid) is held  # stale-if-error
    assert cache.fetch_count == 2
    assert server.request_count == 1 + fault.requests
    assert len(failures) == 1
    assert isinstance(failures[0], JWKSFetchError)
    with pytest.raises(UnknownKeyError):  # keys are held: a missing kid is 401, not 503
        cache.get_key(new_kid)

    clock.advance(COOLDOWN - 1)  # the failed fetch is not retried within the cooldown
    assert cache.get_key(old_kid) is held
    assert cache.fetch_count == 2
    clock.advance(1)
    assert cache.get_key(old_kid) is held
    assert cache.fetch_count == 3
    assert len(failures) == 2

    fault.repair(server, cache)
    clock.advance(COOLDOWN)
    assert modulus(cache.get_key(new_kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == 4
    assert refreshes == [(old_kid,), (new_kid,)]
    assert not cache.holds(old_kid)
    assert len(failures) == 2


def test_failed_cold_fetch_is_retried_only_after_the_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(500)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)  # no listeners

    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 10
    clock.advance(3)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 7  # the time left of the cooldown
    clock.advance(2.5)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 5  # 4.5 s, rounded up
    assert cache.fetch_count == server.request_count == 1

    clock.advance(4.5)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)
    assert cache.fetch_count == server.request_count == 2

    server.recover()
    clock.advance(COOLDOWN - 1)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)
    assert cache.fetch_count == 2
    clock.advance(1)
    assert modulus(cache.get_key(pool.kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == server.request_count == 3


def test_the_cooldown_runs_from_the_end_of_a_slow_fetch(clock: FakeClock) -> None:
    """A failing fetch that takes longer than the cooldown is not retried back to back."""
    calls: list[float] = []

    def slow_and_failing(url: str, *, timeout: float, max_bytes: int) -> bytes:
        calls.append(clock.now)
        clock.advance(COOLDOWN + 5)
        raise JWKSFetchError("timed out")

    cache = JWKSCache(
        "https://example.invalid/jwks.json", OPTIONS, fetcher=slow_and_failing, clock=clock
    )
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key("kid")
    assert caught.value.retry_after == COOLDOWN
    clock.advance(COOLDOWN - 1)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key("kid")
    assert caught.value.retry_after == 1
    assert len(calls) == 1
    clock.advance(1)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key("kid")
    assert len(calls) == 2


def test_body_of_exactly_max_bytes_is_accepted(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(200, padded(jwks_body(pool), MAX_BYTES))
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    assert cache.refresh() == (pool.kid,)


def test_fetch_failure_is_logged_as_warning(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_with(503)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    with (
        caplog.at_level(logging.INFO, logger="flask_revstack_cognito"),
        pytest.raises(JWKSUnavailableError),
    ):
        cache.get_key(pool.kid)

    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    assert warnings_logged[0].name == "flask_revstack_cognito"
    assert server.url in warnings_logged[0].getMessage()
    assert "503" in warnings_logged[0].getMessage()


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


# -- holds, key_ids, refresh, listeners -----------------------------------------------------


def test_holds_and_key_ids_never_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    assert not cache.key_ids
    assert not cache.holds(pool.kid)
    assert "no keys" in repr(cache)
    assert server.request_count == 0

    cache.get_key(pool.kid)
    assert cache.key_ids == (pool.kid,)
    assert cache.holds(pool.kid)
    assert not cache.holds("another-kid")
    assert "1 keys" in repr(cache)
    assert server.url in repr(cache)

    clock.advance(TTL * 2)  # expired keys are still reported; nothing is fetched
    assert cache.holds(pool.kid)
    assert cache.key_ids == (pool.kid,)
    assert cache.fetch_count == server.request_count == 1


def test_refresh_fetches_regardless_of_ttl_and_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    refreshes: list[tuple[str, ...]] = []
    cache = JWKSCache(
        server.url, OPTIONS, clock=clock, jitter=no_jitter, on_refresh=refreshes.append
    )
    first_kid = pool.kid
    assert cache.refresh() == (first_kid,)
    second_kid = pool.rotate_key()
    assert cache.refresh() == (first_kid, second_kid)  # fresh and within the cooldown
    assert cache.fetch_count == server.request_count == 2
    assert refreshes == [(first_kid,), (first_kid, second_kid)]


def test_refresh_raises_when_the_fetch_fails_and_keeps_held_keys(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    server.fail_with(500)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.refresh()
    assert caught.value.code == "NETWORK_ERROR"
    assert not cache.key_ids

    server.recover()
    assert cache.refresh() == (pool.kid,)
    server.fail_with(500)
    with pytest.raises(JWKSUnavailableError):
        cache.refresh()
    assert cache.holds(pool.kid)
    assert cache.get_key(pool.kid) is not None
    assert cache.fetch_count == server.request_count == 3


def test_raising_listeners_do_not_break_get_key(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_: object) -> None:
        raise RuntimeError("listener bug")

    cache = JWKSCache(
        server.url,
        OPTIONS,
        clock=clock,
        jitter=no_jitter,
        on_refresh=explode,
        on_fetch_failed=explode,
    )
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        key = cache.get_key(pool.kid)  # on_refresh raised
        server.fail_with(500)
        clock.advance(TTL)
        assert cache.get_key(pool.kid) is key  # on_fetch_failed raised

    assert cache.fetch_count == 2
    listener_errors = [r for r in caplog.records if "listener raised" in r.getMessage()]
    assert len(listener_errors) == 2
    assert all(r.exc_info is not None for r in listener_errors)


def test_raising_failure_listener_still_gives_network_error(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    def explode(_: Exception) -> None:
        raise RuntimeError("listener bug")

    server.fail_with(500)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter, on_fetch_failed=explode)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)


def test_custom_fetcher_raising_any_exception_is_a_failed_fetch(clock: FakeClock) -> None:
    def broken(url: str, *, timeout: float, max_bytes: int) -> bytes:
        raise KeyError(url)

    failures: list[Exception] = []
    cache = JWKSCache(
        "https://example.invalid/jwks.json",
        fetcher=broken,
        clock=clock,
        on_fetch_failed=failures.append,
    )
    with pytest.raises(JWKSUnavailableError):
        cache.get_key("kid")
    assert [type(failure) for failure in failures] == [KeyError]


# -- parse_jwks -----------------------------------------------------------------------------


def _small_rsa_jwk() -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    public = private.public_key().public_numbers()
    return {"kty": "RSA", "kid": "small", "n": b64url_uint(public.n), "e": b64url_uint(public.e)}


def _ec_jwk() -> dict[str, Any]:
    return dict(ECKey.generate_key("P-256", parameters={"kid": "ec"}).as_dict(private=False))


def _without(jwk: dict[str, Any], member: str, **changes: Any) -> dict[str, Any]:
    return {name: value for name, value in jwk.items() if name != member} | changes


#: Entries parse_jwks must skip, each built from a valid 2048-bit public JWK.
BAD_ENTRIES: dict[str, Callable[[dict[str, Any]], object]] = {
    "ec-key": lambda good: _ec_jwk(),
    "use-enc": lambda good: {**good, "kid": "enc", "use": "enc"},
    "use-null": lambda good: {**good, "kid": "use-null", "use": None},
    "alg-RS512": lambda good: {**good, "kid": "rs512", "alg": "RS512"},
    "alg-none": lambda good: {**good, "kid": "none", "alg": "none"},
    "rsa-1024": lambda good: _small_rsa_jwk(),
    "kty-missing": lambda good: _without(good, "kty", kid="no-kty"),
    "kid-missing": lambda good: _without(good, "kid"),
    "kid-empty": lambda good: {**good, "kid": ""},
    "kid-not-a-string": lambda good: {**good, "kid": 7},
    "n-missing": lambda good: _without(good, "n", kid="no-n"),
    "n-not-base64url": lambda good: {**good, "kid": "n64", "n": "!!not base64!!"},
    "n-not-a-string": lambda good: {**good, "kid": "n-int", "n": 12345},
    "e-zero": lambda good: {**good, "kid": "e-zero", "e": "AA"},
    "e-empty": lambda good: {**good, "kid": "e-empty", "e": ""},
    "string-entry": lambda good: "not a key",
    "number-entry": lambda good: 42,
    "null-entry": lambda good: None,
    "list-entry": lambda good: [good],
}


@pytest.mark.parametrize("bad", list(BAD_ENTRIES))
def test_parse_jwks_skips_a_bad_entry_and_keeps_the_good_ones(
    bad: str, rsa_jwks: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = rsa_jwks[0], {**rsa_jwks[1], "use": "sig", "alg": "RS256"}
    entry = BAD_ENTRIES[bad](rsa_jwks[2])
    document = json.dumps({"keys": [first, entry, second]}).encode()

    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        keys = parse_jwks(document)

    assert list(keys) == ["k1", "k2"]
    assert modulus(keys["k1"]) == first["n"]
    assert modulus(keys["k2"]) == second["n"]
    assert any("skipped" in record.getMessage() for record in caplog.records)


def test_parse_jwks_keeps_the_first_of_duplicate_kids(rsa_jwks: list[dict[str, Any]]) -> None:
    first, impostor = rsa_jwks[0], {**rsa_jwks[1], "kid": rsa_jwks[0]["kid"]}
    keys = parse_jwks(json.dumps({"keys": [first, impostor, rsa_jwks[2]]}).encode())

    assert list(keys) == ["k1", "k3"]
    assert modulus(keys["k1"]) == first["n"]


def test_parse_jwks_accepts_an_empty_key_list() -> None:
    assert parse_jwks(b'{"keys": []}') == {}


@pytest.mark.parametrize(
    ("bits", "kept"), [(1024, False), (2047, False), (2048, True), (4096, True)], ids=str
)
def test_parse_jwks_requires_a_modulus_of_at_least_2048_bits(
    bits: int, kept: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The modulus is measured before the import, so small keys raise no SecurityWarning
    (warnings are errors here), and an odd number of the right length stands in for n."""
    entry = {"kty": "RSA", "kid": "sized", "n": b64url_uint((1 << (bits - 1)) + 1), "e": "AQAB"}
    with caplog.at_level(logging.INFO, "flask_revstack_cognito"):
        keys = parse_jwks(json.dumps({"keys": [entry]}).encode())

    assert ("sized" in keys) is kept
    if not kept:
        assert any(f"modulus of {bits} bits" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>Service Unavailable</html>",
        b'{"keys": [',
        b"\x80\x81 not utf-8",
        b"[]",
        b"null",
        b'"keys"',
        b"{}",
        b'{"keys": null}',
        b'{"keys": {}}',
        b'{"keys": "k1"}',
    ],
)
def test_parse_jwks_refuses_what_is_not_a_jwks(body: bytes) -> None:
    with pytest.raises(JWKSFetchError):
        parse_jwks(body)


def test_parse_jwks_refuses_deeply_nested_json_as_not_a_jwks() -> None:
    """A hostile or broken endpoint can send 100 KB of ``[`` (well under ``max_bytes``)."""
    with pytest.raises(JWKSFetchError):
        parse_jwks(b"[" * 100_000)


# -- through the verifier (SPEC section 4 step 5) -------------------------------------------


def test_verifier_unknown_kid_in_a_fetched_jwks_is_unknown_key_401(
    cognito_pool: LocalUserPool,
) -> None:
    verifier = TokenVerifier(cognito_pool.contract())
    foreign = LocalUserPool()

    for token in (
        cognito_pool.id_token(header={"kid": "not-in-the-jwks"}),
        cognito_pool.id_token(key=foreign.signing_key),
    ):
        with pytest.raises(UnknownKeyError) as caught:
            verifier.verify(token)
        assert (caught.value.code, caught.value.status) == ("UNKNOWN_KEY", 401)

    assert verifier.verify(cognito_pool.id_token(sub="u-1")).user_id == "u-1"
    (source,) = verifier.key_sources.values()
    assert source.fetch_count == 1


def test_verifier_unknown_kid_with_the_in_process_fetcher_is_unknown_key(
    make_verifier: Callable[..., TokenVerifier], pool: LocalUserPool
) -> None:
    verifier = make_verifier()
    with pytest.raises(UnknownKeyError):
        verifier.verify(pool.id_token(header={"kid": "not-in-the-jwks"}))
    assert pool.fetch_count == 1


def test_verifier_unreachable_jwks_without_keys_is_network_error_503(
    pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    verifier = TokenVerifier(pool.contract(jwks_uri=refused_url), clock=clock, jitter=no_jitter)

    for token in (pool.id_token(), pool.id_token(header={"kid": "not-in-the-jwks"})):
        with pytest.raises(JWKSUnavailableError) as caught:
            verifier.verify(token)
        assert (caught.value.code, caught.value.status) == ("NETWORK_ERROR", 503)
        assert caught.value.retry_after >= 1


def test_verifier_follows_rotation_and_drops_tokens_of_removed_keys(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    verifier = TokenVerifier(pool.contract(), jwks_options=OPTIONS, clock=clock, jitter=no_jitter)
    old_token = pool.id_token(sub="old")
    assert verifier.verify(old_token).user_id == "old"

    pool.rotate_key(keep_old=False)
    new_token = pool.id_token(sub="new")
    with pytest.raises(UnknownKeyError):  # within the cooldown of the first fetch
        verifier.verify(new_token)

    clock.advance(COOLDOWN)
    assert verifier.verify(new_token).user_id == "new"
    assert server.request_count == 2
    with pytest.raises(UnknownKeyError):  # its cached verification left with its key
        verifier.verify(old_token)
    assert server.request_count == 2
