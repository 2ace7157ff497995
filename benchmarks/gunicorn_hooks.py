"""gunicorn settings for the load and outage test (``benchmarks/load_outage.py``).

Loaded with ``--config python:benchmarks.gunicorn_hooks``. Two hooks, both in each worker:

- ``post_fork`` tags the worker's ``FLASK_COGNITO_JWKS_URI`` with ``?worker=<pid>`` before the
  example app is built, so the JWKS server's request log says which worker fetched;
- ``post_worker_init`` prefetches the keys (what a deployment does at start-up: see
  docs/deployment.rst), and routes the package's warnings and errors to stderr with the time and
  the worker's pid, so the test counts failed fetches and unexpected errors per worker.
"""

from __future__ import annotations

import logging
import os
from typing import Any

#: The example app logs every refused request at WARNING: under load that is only noise.
_QUIET_LOGGERS = ("example_app",)


def post_fork(server: Any, worker: Any) -> None:
    """Tag this worker's JWKS URL with its pid."""
    uri = os.environ["FLASK_COGNITO_JWKS_URI"]
    os.environ["FLASK_COGNITO_JWKS_URI"] = f"{uri}?worker={os.getpid()}"


def post_worker_init(worker: Any) -> None:
    """Log the package's warnings with time and pid, then fetch the keys before serving."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(created).3f %(process)d %(levelname)s %(name)s %(message)s")
    )
    package_logger = logging.getLogger("flask_revstack_cognito")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.WARNING)
    package_logger.propagate = False
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)

    from example_app import auth

    try:
        with worker.wsgi.app_context():
            auth.prefetch()
    except Exception:  # the load test sees the missing fetch and fails with its own message
        package_logger.exception("prefetch failed in worker %d", os.getpid())
