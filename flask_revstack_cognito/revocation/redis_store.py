"""A deny-list in Redis, shared by every worker of every host: one key per denied id.

The ``redis`` client library is an optional extra (``pip install flask-revstack-cognito[redis]``)
and is imported only when a Redis store is made.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .store import RevocationStoreError

if TYPE_CHECKING:
    import redis

#: The prefix of every key the store writes, so that apps and other data can share one Redis.
DEFAULT_KEY_PREFIX = "flask-revstack-cognito:revoked:"
#: The query parameter of a store URL that sets the key prefix (removed before Redis sees it).
KEY_PREFIX_PARAMETER = "key_prefix"
#: What to run when the client library is missing.
INSTALL_HINT = "pip install flask-revstack-cognito[redis]"


def _redis() -> Any:
    try:
        import redis
    except ImportError:
        raise ImportError(
            f"a Redis revocation store needs the redis client library: {INSTALL_HINT}"
        ) from None
    return redis


class RedisRevocationStore:
    """Denied ids as Redis keys that expire by themselves: a ``redis://`` or ``rediss://`` URL.

    A denial is ``SET <prefix><id> 1 PX <ms until it ends>`` (one pipelined round trip for
    every id); a request's question is one ``EXISTS`` over the token's ids. A Redis that
    cannot answer raises :class:`~.store.RevocationStoreError`; the client reconnects by itself
    on the next call once Redis is back.

    :param client: a :class:`redis.Redis` client (build it with :meth:`from_url`).
    :param key_prefix: prepended to every denied id.
    :param clock: seconds since the epoch, to turn a moment into a time to live.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        errors = _redis().RedisError
        self.client = client
        self.key_prefix = key_prefix
        self._clock = clock
        self._errors: tuple[type[Exception], ...] = (errors, OSError)

    def __repr__(self) -> str:
        # Never the URL: it may hold a password.
        return f"<RedisRevocationStore key_prefix={self.key_prefix!r}>"

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 1.0, key_prefix: str | None = None
    ) -> RedisRevocationStore:
        """A store on the Redis of ``url``; nothing is connected until the first call.

        ``?key_prefix=myapp:revoked:`` in the URL sets the key prefix (the argument wins);
        other query parameters are the client library's own (``?socket_timeout=0.5``).

        :param timeout: seconds to connect and to wait for an answer, unless the URL says.
        :raises ImportError: when the ``redis`` library is not installed.
        :raises ValueError: when the URL is not a valid ``redis://`` or ``rediss://`` URL.
        """
        library = _redis()
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss"):
            raise ValueError("expected a redis:// or rediss:// URL")
        query = parse_qsl(parts.query, keep_blank_values=True)
        prefixes = [value for name, value in query if name == KEY_PREFIX_PARAMETER]
        query = [(name, value) for name, value in query if name != KEY_PREFIX_PARAMETER]
        if key_prefix is None:
            key_prefix = prefixes[-1] if prefixes else DEFAULT_KEY_PREFIX
        # The library's default retries three times with backoff (seconds per request while
        # Redis is down). Here: one immediate retry on a broken connection (a connection that
        # died while idle), none on a timeout, which would double the wait.
        retry = library.retry.Retry(
            library.backoff.NoBackoff(), 1, supported_errors=(library.ConnectionError,)
        )
        client = library.Redis.from_url(
            urlunsplit(parts._replace(query=urlencode(query))),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=retry,
        )
        pool = client.connection_pool
        try:  # build one connection object (it connects later) so a bad option fails now
            pool.connection_class(**pool.connection_kwargs)
        except TypeError as error:
            raise ValueError(f"an option of the URL is not known: {error}") from None
        return cls(client, key_prefix=key_prefix)

    def revoke(self, keys: Sequence[str], until: float) -> None:
        """Deny ``keys`` until ``until``, one Redis key each, expiring by itself.

        :raises RevocationStoreError: when Redis could not record it.
        """
        milliseconds = math.ceil((until - self._clock()) * 1000)
        if milliseconds <= 0 or not keys:
            return
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(self.key_prefix + key, b"1", px=milliseconds)
                pipe.execute()
        except self._errors as error:
            raise RevocationStoreError(f"Redis could not record the revocation: {error}") from None

    def is_revoked(self, keys: Sequence[str]) -> bool:
        """Whether an id of ``keys`` is denied: one ``EXISTS`` round trip.

        :raises RevocationStoreError: when Redis cannot answer.
        """
        if not keys:
            return False
        prefix = self.key_prefix
        try:
            found = self.client.exists(*[prefix + key for key in keys])
        except self._errors as error:
            raise RevocationStoreError(f"Redis could not answer: {error}") from None
        return bool(found)
