"""A JWKS server in a process of its own, so that the load test can kill it and start it again.

    python -m benchmarks.jwks_process PORT DOCUMENT LOG

Serves the file ``DOCUMENT`` at any path ending in ``/.well-known/jwks.json`` on
``127.0.0.1:PORT`` until killed, and appends a line ``<epoch seconds> <worker>`` to ``LOG`` for
each request, ``<worker>`` being the ``worker`` query parameter (``-`` when absent). Standard
library only, so that it starts at once.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


def serve(port: int, document: Path, log: Path) -> None:
    """Serve ``document`` on ``port`` and log each request to ``log``, until killed."""
    body = document.read_bytes()
    log_file = log.open("a", buffering=1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            worker = re.search(r"(?:^|&)worker=(\d+)", url.query)
            with lock:
                log_file.write(f"{time.time():.3f} {worker.group(1) if worker else '-'}\n")
            found = url.path.endswith("/.well-known/jwks.json")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """The request log above is the only one."""

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    port, document, log = sys.argv[1:4]
    serve(int(port), Path(document), Path(log))
