"""The ALB key cache: the load balancer's public keys, one PEM file per ``kid``. Flask-free.

An Application Load Balancer publishes each signing key as a PEM file at ``<key url>/<kid>``.
The rules follow the pool's JWKS cache (SPEC sections 6 and 12), with what differs for keys
fetched one by one:

- a key is fetched on first need, once per ``kid``, and kept in a small LRU (a key never
  changes under its ``kid``, so it has no TTL);
- one fetch at a time: callers that need a key while a fetch runs wait for it (single flight),
  then fetch theirs if it is still missing;
- a fetch that finds no key starts the cooldown of ``COGNITO_JWKS_REFRESH_COOLDOWN`` seconds,
  during which no ``kid`` that is not held is fetched: a flood of random ``kid``\\ s costs at most
  one fetch per cooldown. A fetch that finds its key starts nothing, so a load balancer's new
  key verifies at once;
- ``404`` (and ``403``, S3's answer for a missing file) means the key does not exist:
  ``UNKNOWN_KEY``; no answer, another status, or a body that is not a PEM EC P-256 public key
  (an HTML page, an RSA key, another curve) is a failed fetch: ``NETWORK_ERROR`` (503).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from .cooldown import Cooldown
from .errors import CognitoAuthError, JWKSUnavailableError, UnknownKeyError
from .flight import Flight
from .jwks import Fetcher, HTTPFetcher, JWKSFetchError

logger = logging.getLogger("flask_revstack_cognito")

_T = TypeVar("_T")

#: Keys held per key URL; a load balancer signs with one key at a time.
ALB_KEY_CACHE_SIZE = 16
#: Largest key file accepted, in bytes (a P-256 public key in PEM is under 200).
ALB_KEY_MAX_BYTES = 8192
# The statuses of a key URL that has no file for the kid (S3 answers 403 for a missing file).
_NOT_FOUND = frozenset({403, 404})


class PEMFetcher(HTTPFetcher):
    """The :class:`~flask_revstack_cognito.jwks.HTTPFetcher`, asking for a PEM file."""

    accept = "application/x-pem-file, text/plain;q=0.9"


def load_es256_key(body: bytes) -> EllipticCurvePublicKey:
    """The EC P-256 public key of a PEM file.

    :raises JWKSFetchError: when ``body`` is not a PEM public key, or not an EC P-256 one.
    """
    try:
        key = load_pem_public_key(body)
    except (ValueError, TypeError):  # not PEM, or PEM of something unsupported
        raise JWKSFetchError("the answer is not a PEM public key") from None
    if not isinstance(key, EllipticCurvePublicKey) or not isinstance(key.curve, SECP256R1):
        raise JWKSFetchError("the answer is not an EC P-256 public key")
    return key


class AlbKeyCache:
    """The public keys published at one ALB key URL, fetched by ``kid``.

    :param key_url: the base URL; a key is at ``<key_url>/<kid>``.
    :param timeout: seconds one fetch may take in all.
    :param cooldown: seconds without fetches for unknown ``kid``\\ s after a fetch found none.
    :param fetcher: fetches a key file; a :class:`PEMFetcher` by default.
    :param clock: monotonic seconds.
    :param on_fetched: called with the ``kid`` after each fetch that found its key.
    :param on_fetch_failed: called with the exception after each failed fetch.
    """

    def __init__(
        self,
        key_url: str,
        *,
        timeout: float = 3.0,
        cooldown: float = 10,
        fetcher: Fetcher | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_fetched: Callable[[str], None] | None = None,
        on_fetch_failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self.key_url = key_url.rstrip("/")
        self.timeout = timeout
        self._fetcher: Fetcher = fetcher or PEMFetcher()
        self._on_fetched = on_fetched
        self._on_fetch_failed = on_fetch_failed
        self._lock = threading.Lock()
        self._keys: OrderedDict[str, EllipticCurvePublicKey] = OrderedDict()
        self._flight: Flight | None = None
        self._after_miss = Cooldown(cooldown, clock=clock)
        # What a kid that is not held gets during the cooldown: the last miss's answer.
        self._miss_was_unknown = True
        #: Number of fetches attempted so far (for diagnostics and tests).
        self.fetch_count = 0

    def __repr__(self) -> str:
        return f"<AlbKeyCache {self.key_url} ({len(self._keys)} keys)>"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys held now."""
        return tuple(self._keys)

    def get_key(self, kid: str) -> EllipticCurvePublicKey:
        """Return the key ``kid``, fetching it when it is not held and the rules allow.

        ``kid`` must already be checked (a UUID): it becomes a path segment of the URL.

        :raises UnknownKeyError: the key URL has no key ``kid`` (or a fetch for another
            unknown ``kid`` started the cooldown).
        :raises JWKSUnavailableError: the key could not be fetched.
        """
        key = self._keys.get(kid)
        if key is not None:
            with self._lock, suppress(KeyError):  # evicted meanwhile: nothing to keep fresh
                self._keys.move_to_end(kid)
            return key
        while True:
            with self._lock:
                key = self._keys.get(kid)
                if key is not None:
                    return key
                flight = self._flight
                if flight is None:
                    if self._after_miss.active:
                        raise self._refusal(self._miss_was_unknown)
                    flight = self._flight = Flight()
                    self.fetch_count += 1
                    break
            # Another kid's fetch (or this one's) runs: wait for it, then look again.
            if not flight.wait(self.timeout):
                raise JWKSUnavailableError()
        return self._fetch(kid, flight)

    def _fetch(self, kid: str, flight: Flight) -> EllipticCurvePublicKey:
        key: EllipticCurvePublicKey | None = None
        error: Exception | None = None
        unknown = False
        try:
            try:
                body = self._fetcher(
                    f"{self.key_url}/{kid}", timeout=self.timeout, max_bytes=ALB_KEY_MAX_BYTES
                )
                key = load_es256_key(body)
            except Exception as failure:  # a custom fetcher may raise anything: a failed fetch
                error = failure
        finally:  # even on KeyboardInterrupt: never leave a flight behind
            with self._lock:
                if key is not None:
                    self._keys[kid] = key
                    while len(self._keys) > ALB_KEY_CACHE_SIZE:
                        self._keys.popitem(last=False)
                else:
                    unknown = isinstance(error, JWKSFetchError) and error.status in _NOT_FOUND
                    self._miss_was_unknown = unknown
                    self._after_miss.start()
                self._flight = None
            flight.finish()
        if key is None:
            self._notify_failure(kid, error, unknown)
            raise self._refusal(unknown)
        self._notify(self._on_fetched, kid)
        return key

    def _notify_failure(self, kid: str, error: Exception | None, unknown: bool) -> None:
        if unknown:
            logger.info("ALB key %r not found at %s", kid, self.key_url)
            return
        failure = error or JWKSFetchError("the fetch was interrupted")
        logger.warning("ALB key fetch from %s failed: %s", self.key_url, failure)
        self._notify(self._on_fetch_failed, failure)

    def _notify(self, listener: Callable[[_T], None] | None, value: _T) -> None:
        if listener is None:
            return
        try:
            listener(value)
        except Exception:  # a failing listener must not fail the request
            logger.exception("an ALB key listener raised")

    def _refusal(self, unknown: bool) -> CognitoAuthError:
        if unknown:
            return UnknownKeyError("signing key not found at the load balancer's key URL")
        retry_after = math.ceil(max(1.0, self._after_miss.remaining))
        return JWKSUnavailableError(retry_after=retry_after)
