"""A JWKS body far over the size limit is refused as it streams in, not downloaded first.

The server here is real, on 127.0.0.1: it answers 200 with a 64 MiB body (no
``Content-Length``) and records whether it could write all of it. A client that stops reading
at the limit leaves most of it unsent; one that downloads the whole body first takes it all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from flask_revstack_cognito.jwks import HTTPFetcher, JWKSFetchError

pytestmark = pytest.mark.usefixtures("direct_loopback")

MAX_BYTES = 8192
PIECE = 65536
PIECES = 1024  # 64 MiB: far more than the socket buffers of both ends hold


@dataclass
class HugeAnswer:
    url: str = ""
    #: Set when the server stopped writing, with ``all_sent`` telling whether it finished.
    done: threading.Event = field(default_factory=threading.Event)
    all_sent: bool = False


@pytest.fixture
def huge() -> Iterator[HugeAnswer]:
    answer = HugeAnswer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                self.wfile.write(b'{"keys": [')
                for _ in range(PIECES):
                    self.wfile.write(b" " * PIECE)
                answer.all_sent = True
            except OSError:  # the client hung up
                pass
            finally:
                self.close_connection = True
                answer.done.set()

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = False  # server_close() joins the handler threads
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,))
    thread.start()
    answer.url = f"http://127.0.0.1:{httpd.server_address[1]}/pool/.well-known/jwks.json"
    try:
        yield answer
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_a_huge_body_is_refused_at_the_size_limit_without_reading_it_all(
    huge: HugeAnswer,
) -> None:
    with pytest.raises(JWKSFetchError) as caught:
        HTTPFetcher()(huge.url, timeout=10.0, max_bytes=MAX_BYTES)
    assert str(caught.value) == f"response larger than {MAX_BYTES} bytes"
    assert huge.done.wait(10)
    assert not huge.all_sent
