"""A JWKS server that drips its answer cannot keep fetch threads or sockets alive (SPEC section 6).

``requests`` bounds each read, not the exchange: a byte every 0.2 s keeps each read within its
timeout. The fetch must end at its deadline with its socket closed, not when the server is done.
The server here is real, on 127.0.0.1; it counts its connections and sees each one closed.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeClock
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.jwks import HTTPFetcher, JWKSCache, JWKSFetchError, JWKSOptions

DRIP = 0.2
TIMEOUT = 0.3
FETCHES = 5
#: A safety net for a loaded machine, not a speed assertion: without the socket deadline the
#: threads live until the server has dripped its whole answer, far longer than this.
SETTLE = 30.0


class DrippingServer:
    """Answers every GET a byte every ``DRIP`` seconds: the headers, or only the body."""

    def __init__(self, phase: str, tls: ssl.SSLContext | None = None) -> None:
        self.phase = phase
        self.scheme = "https" if tls else "http"
        self.closing = threading.Event()
        self._lock = threading.Lock()
        #: Connections accepted, still being answered, and closed by the client.
        self.accepted = self.open = self.closed_by_client = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._count(accepted=1, open=1)
                try:
                    server._drip(self)
                except OSError:  # the client closed the connection
                    server._count(closed_by_client=1)
                    self.close_connection = True
                finally:
                    server._count(open=-1)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = False  # server_close() joins the handler threads
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,))

    @property
    def url(self) -> str:
        port = self._httpd.server_address[1]
        return f"{self.scheme}://127.0.0.1:{port}/pool/.well-known/jwks.json"

    def _count(self, **changes: int) -> None:
        with self._lock:
            for name, change in changes.items():
                setattr(self, name, getattr(self, name) + change)

    def _drip(self, handler: BaseHTTPRequestHandler) -> None:
        if self.phase == "headers":
            head = b"HTTP/1.1 200 OK\r\nX-Padding: "
            endless = b"x"
        else:
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            head += b"Content-Length: 100000\r\n\r\n"
            endless = b" "
        handler.wfile.write(head)
        handler.wfile.flush()
        while not self.closing.wait(DRIP):
            handler.wfile.write(endless)
            handler.wfile.flush()

    def __enter__(self) -> DrippingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(params=["body", "headers"])
def dripping(request: pytest.FixtureRequest) -> Iterator[DrippingServer]:
    with DrippingServer(request.param) as server:
        yield server


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def dripping_tls(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[DrippingServer]:
    """A dripping HTTPS server whose certificate ``requests`` trusts."""
    cert_file, key_file = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    with DrippingServer("body", context) as server:
        yield server


def new_fetch_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread not in before and thread.name.startswith("jwks-fetch")
    ]


def settles(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within :data:`SETTLE` seconds (polled)."""
    give_up = time.monotonic() + SETTLE
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.05)
    return True


def test_timed_out_fetches_leave_no_thread_and_no_open_socket(
    dripping: DrippingServer, clock: FakeClock
) -> None:
    before = set(threading.enumerate())
    failures: list[Exception] = []
    options = JWKSOptions(timeout=TIMEOUT, refresh_cooldown=0)
    cache = JWKSCache(dripping.url, options, clock=clock, on_fetch_failed=failures.append)

    for _ in range(FETCHES):
        with pytest.raises(JWKSUnavailableError):
            cache.get_key("kid")

    assert cache.fetch_count == FETCHES
    assert [str(failure) for failure in failures] == [f"timed out after {TIMEOUT:g} s"] * FETCHES
    assert settles(lambda: not new_fetch_threads(before)), new_fetch_threads(before)
    assert settles(lambda: dripping.open == 0)
    assert dripping.accepted == dripping.closed_by_client == FETCHES


def test_http_fetcher_gives_up_at_its_deadline_and_closes_the_connection(
    dripping: DrippingServer,
) -> None:
    """The fetcher on its own, without the cache's waiting side."""
    assert_fetch_times_out_and_closes(dripping)


def test_https_fetch_gives_up_at_its_deadline_and_closes_the_connection(
    dripping_tls: DrippingServer,
) -> None:
    """TLS wraps the socket in a new object: the deadline must close that one."""
    assert_fetch_times_out_and_closes(dripping_tls)


def assert_fetch_times_out_and_closes(dripping: DrippingServer) -> None:
    """Run in a thread only so that a regression fails here instead of hanging."""
    outcome: list[BaseException | bytes] = []

    def fetch() -> None:
        try:
            outcome.append(HTTPFetcher()(dripping.url, timeout=TIMEOUT, max_bytes=262144))
        except BaseException as error:
            outcome.append(error)

    fetcher = threading.Thread(target=fetch)
    fetcher.start()
    fetcher.join(SETTLE)
    assert not fetcher.is_alive()

    (error,) = outcome
    assert isinstance(error, JWKSFetchError)
    assert str(error) == f"timed out after {TIMEOUT:g} s"
    assert settles(lambda: dripping.open == 0)
    assert dripping.accepted == dripping.closed_by_client == 1
