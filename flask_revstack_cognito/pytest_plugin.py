"""The pytest plugin of Flask-Revstack-Cognito: the ``cognito_pool`` fixture.

Installed packages register it automatically (the ``pytest11`` entry point), so any test can
ask for ``cognito_pool``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import LocalUserPool


@pytest.fixture
def cognito_pool() -> Iterator[LocalUserPool]:
    """A :class:`~flask_revstack_cognito.testing.LocalUserPool` serving its JWKS on loopback.

    ``app.config.update(cognito_pool.config())`` points an app at it; mint tokens with
    ``cognito_pool.id_token(...)`` and ``cognito_pool.access_token(...)``.
    """
    pool = LocalUserPool()
    with pool.serve():
        yield pool
