"""The JWKS key cache: a pool's public keys, fetched rarely, shared by every request.

Flask-free and thread-safe. The clock, the jitter and the HTTP fetcher are arguments, so tests
drive time and faults without sleeping. The rules are SPEC section 6:

- keys are fetched on first need (or by :meth:`JWKSCache.refresh`) and trusted for the TTL,
  shortened by up to 10% of jitter; while a refresh runs, other requests keep the held keys;
- an unknown ``kid`` triggers one refetch, then none until the cooldown has passed; the
  cooldown runs from the last fetch an unknown ``kid`` caused (the refetch, or a first-use or
  TTL fetch that lacked the caller's ``kid``), so a fetch for another reason never delays the
  first unknown ``kid`` after it;
- concurrent callers that must wait share one fetch (single flight);
- a failed fetch (no answer, not a JWKS, or no usable key in it) keeps the held keys
  (stale-if-error), and no fetch of any kind starts until the cooldown has passed since it; a
  caller fails with :class:`~flask_revstack_cognito.errors.JWKSUnavailableError` only when no
  keys are held.
"""

from __future__ import annotations

import binascii
import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import requests
from joserfc.jwk import RSAKey

from .cooldown import Cooldown
from .deadline import deadline_session
from .errors import JWKSUnavailableError, UnknownKeyError
from .flight import Flight
from .tokens import b64url_decode

logger = logging.getLogger("flask_revstack_cognito")

#: Smallest RSA modulus accepted, in bits.
MIN_RSA_BITS = 2048
_TTL_JITTER = 0.1


class JWKSFetchError(Exception):
    """The JWKS could not be fetched, or the response was not a JWKS document.

    :param message: what went wrong.
    :param status: the HTTP status of an answer other than ``200``; ``None`` otherwise.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        #: The HTTP status of an answer other than ``200``, or ``None``.
        self.status = status


class Fetcher(Protocol):
    """Fetches a JWKS document: ``fetcher(url, timeout=..., max_bytes=...) -> body``.

    Raise :class:`JWKSFetchError` (or any exception) on failure.
    """

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes: ...


@dataclass(frozen=True)
class JWKSOptions:
    """How a :class:`JWKSCache` fetches and keeps keys (the ``COGNITO_JWKS_*`` settings)."""

    #: Seconds a fetched JWKS is trusted before a refresh.
    ttl: float = 3600
    #: Seconds one fetch may take in all.
    timeout: float = 3.0
    #: Minimum seconds between refetches caused by unknown ``kid``\\ s, and after a failed fetch.
    refresh_cooldown: float = 10
    #: Largest JWKS response accepted, in bytes.
    max_bytes: int = 262144


class HTTPFetcher:
    """The default :class:`Fetcher`: ``requests`` with a timeout and a size limit.

    Only a ``200`` answer is accepted; redirects are not followed. The whole exchange is bounded
    by ``timeout``, not only each read: when it passes, the connection's socket is shut down, so
    a server that sends its headers or body a byte at a time holds neither the thread nor the
    socket any longer. :class:`JWKSCache` also stops waiting for any fetcher then.
    """

    #: The ``Accept`` header sent (the ALB key fetcher asks for a PEM file instead).
    accept = "application/json"

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        timed_out = f"timed out after {timeout:g} s"
        with deadline_session(timeout) as (session, deadline):
            try:
                body = _read_body(
                    session, url, timeout=timeout, max_bytes=max_bytes, accept=self.accept
                )
            except requests.RequestException as error:
                # requests' own read timeout and the deadline end the same wait; on a busy
                # machine either may come first, and both are the same time-out.
                if deadline.expired or isinstance(error, requests.Timeout):
                    raise JWKSFetchError(timed_out) from error
                raise JWKSFetchError(f"{type(error).__name__}: {error}") from error
            # Cut short by the deadline, an answer can still look complete (no Content-Length).
            if deadline.expired:
                raise JWKSFetchError(timed_out)
            return body


def _read_body(
    session: requests.Session, url: str, *, timeout: float, max_bytes: int, accept: str
) -> bytes:
    with session.get(
        url,
        timeout=timeout,
        stream=True,
        allow_redirects=False,
        headers={"Accept": accept},
    ) as response:
        if response.status_code != 200:
            status = response.status_code
            raise JWKSFetchError(f"HTTP status {status}", status=status)
        body = bytearray()
        for chunk in response.iter_content(chunk_size=4096):
            body += chunk
            if len(body) > max_bytes:
                raise JWKSFetchError(f"response larger than {max_bytes} bytes")
        return bytes(body)


def parse_jwks(body: bytes) -> dict[str, RSAKey]:
    """Parse a JWKS document and keep only the keys Cognito may sign with.

    A key is kept when it is ``kty`` RSA with a non-empty ``kid``, ``use`` absent or ``sig``,
    ``alg`` absent or ``RS256``, and a modulus of at least 2048 bits. Other or malformed keys
    are skipped (logged at INFO); of two keys with one ``kid`` the first is kept.

    :raises JWKSFetchError: when the document is not a JSON object with a ``keys`` list.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # deep nesting exhausts the parser's recursion
        raise JWKSFetchError("response is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JWKSFetchError("response is not a JWKS (a JSON object with a 'keys' list)")
    keys: dict[str, RSAKey] = {}
    for entry in document["keys"]:
        key_id, key_or_reason = _usable_key(entry)
        if isinstance(key_or_reason, str):
            logger.info("JWKS key %r skipped: %s", key_id, key_or_reason)
        elif key_id in keys:
            logger.info("JWKS key %r skipped: duplicate kid", key_id)
        else:
            keys[key_id] = key_or_reason
    return keys


def _usable_key(entry: object) -> tuple[str, RSAKey | str]:
    if not isinstance(entry, dict):
        return "", "not a JSON object"
    key_id = entry.get("kid")
    if not isinstance(key_id, str) or not key_id:
        return "", "kid must be a non-empty string"
    if entry.get("kty") != "RSA":
        return key_id, f"kty {entry.get('kty')!r} is not RSA"
    if entry.get("use", "sig") != "sig":
        return key_id, f"use {entry.get('use')!r} is not sig"
    if entry.get("alg", "RS256") != "RS256":
        return key_id, f"alg {entry.get('alg')!r} is not RS256"
    modulus, exponent = entry.get("n"), entry.get("e")
    if not isinstance(modulus, str) or not isinstance(exponent, str):
        return key_id, "n and e must be strings"
    # The size is checked before the import: joserfc warns about small keys as it imports them.
    bits = _modulus_bits(modulus)
    if bits < MIN_RSA_BITS:
        return key_id, f"modulus of {bits} bits is below {MIN_RSA_BITS}"
    try:
        key = RSAKey.import_key({"kty": "RSA", "n": modulus, "e": exponent})
    except Exception as error:  # joserfc and cryptography raise many types for bad numbers
        return key_id, f"not a valid RSA public key ({type(error).__name__})"
    return key_id, key


def _modulus_bits(modulus: str) -> int:
    """The bit length of a base64url-encoded modulus; 0 when it is not base64url."""
    try:
        raw = b64url_decode(modulus)
    except (binascii.Error, ValueError):
        return 0
    return int.from_bytes(raw, "big").bit_length()


class JWKSCache:
    """The keys of one JWKS URI, cached and refreshed by the rules of SPEC section 6.

    :param jwks_uri: where the keys are published.
    :param options: TTL, timeout, cooldown and size limit.
    :param fetcher: fetches the document; an :class:`HTTPFetcher` by default.
    :param clock: monotonic seconds; :func:`time.monotonic` by default.
    :param jitter: returns a float in ``[0, 1)``; scales the TTL's random shortening.
    :param on_refresh: called with the key ids after each successful fetch.
    :param on_fetch_failed: called with the exception after each failed fetch.
    """

    def __init__(
        self,
        jwks_uri: str,
        options: JWKSOptions | None = None,
        *,
        fetcher: Fetcher | None = None,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        on_refresh: Callable[[tuple[str, ...]], None] | None = None,
        on_fetch_failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self.jwks_uri = jwks_uri
        self.options = options or JWKSOptions()
        self._fetcher: Fetcher = fetcher or HTTPFetcher()
        self._clock = clock
        self._jitter = jitter
        self._on_refresh = on_refresh
        self._on_fetch_failed = on_fetch_failed
        self._lock = threading.Lock()
        self._keys: Mapping[str, RSAKey] | None = None
        self._expires_at = -math.inf
        # No fetch of any kind during the first; no refetch for an unknown kid during either.
        self._after_failure = Cooldown(self.options.refresh_cooldown, clock=clock)
        self._after_unknown_kid = Cooldown(self.options.refresh_cooldown, clock=clock)
        self._flight: Flight | None = None
        #: Number of fetches attempted so far (for diagnostics and tests).
        self.fetch_count = 0

    def __repr__(self) -> str:
        held = "no keys" if self._keys is None else f"{len(self._keys)} keys"
        return f"<JWKSCache {self.jwks_uri} ({held})>"

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of the keys held now (empty before the first successful fetch)."""
        keys = self._keys
        return tuple(keys) if keys is not None else ()

    def holds(self, kid: str) -> bool:
        """Whether the key ``kid`` is held now. Never fetches."""
        keys = self._keys
        return keys is not None and kid in keys

    def get_key(self, kid: str) -> RSAKey:
        """Return the key ``kid``, fetching the JWKS when the rules call for it.

        :raises UnknownKeyError: the JWKS was fetched but holds no usable key ``kid``.
        :raises JWKSUnavailableError: no keys are held and they could not be fetched.
        """
        keys = self._keys
        if keys is None:
            self._fetch(wait=True, unless=self._failed_recently, kid=kid)
            keys = self._keys
            if keys is None:
                raise self._unavailable()
        elif self._clock() >= self._expires_at:
            # Only one caller refreshes; the others keep verifying with the held keys.
            self._fetch(wait=False, unless=self._is_fresh, kid=kid)
            keys = self._keys if self._keys is not None else keys
        key = keys.get(kid)
        if key is None:
            self._fetch(wait=True, unless=self._unknown_kid_cooling_down, unknown_kid=True)
            key = (self._keys or {}).get(kid)
        if key is None:
            raise UnknownKeyError()
        return key

    def refresh(self) -> tuple[str, ...]:
        """Fetch the JWKS now, whatever the TTL and cooldown say (start-up prefetch).

        Such a fetch never delays the refetch for an unknown ``kid``.

        :returns: the ids of the keys held after the fetch.
        :raises JWKSUnavailableError: when the fetch failed.
        """
        if not self._fetch(wait=True):
            raise self._unavailable()
        return self.key_ids

    def _failed_recently(self) -> bool:
        return self._after_failure.active

    def _unknown_kid_cooling_down(self) -> bool:
        return self._after_unknown_kid.active or self._after_failure.active

    def _is_fresh(self) -> bool:
        return self._clock() < self._expires_at

    def _fetch(
        self,
        *,
        wait: bool,
        unless: Callable[[], bool] | None = None,
        kid: str | None = None,
        unknown_kid: bool = False,
    ) -> bool:
        """Run or join the one fetch in flight; return whether it succeeded.

        A fetch already in flight is joined (waited for only with ``wait``). Otherwise a new
        one starts, unless the ``unless`` condition holds, checked under the lock so that
        concurrent callers never start a second fetch; then nothing is fetched and the
        result is ``False``.

        :param kid: the key the caller needs: a fetch that does not find it counts as caused
            by an unknown ``kid`` and starts the cooldown.
        :param unknown_kid: the refetch for an unknown ``kid``: it starts the cooldown whatever
            it finds.
        """
        with self._lock:
            flight = self._flight
            if flight is None:
                if unless is not None and unless():
                    return False
                flight = self._flight = Flight()
                self.fetch_count += 1
                leading = True
            else:
                leading = False
        if not leading:
            if wait:
                flight.wait(self.options.timeout)
            return flight.succeeded
        keys: dict[str, RSAKey] | None = None
        try:
            try:
                fetched = parse_jwks(self._fetch_body())
                if not fetched:  # replacing good keys with none would refuse every token
                    raise JWKSFetchError("the JWKS holds no usable key")
                keys = fetched
            except Exception as error:  # a custom fetcher may raise anything: a failed fetch
                flight.error = error
        finally:  # even on KeyboardInterrupt or a gevent timeout: never leave a flight behind
            with self._lock:
                # The cooldowns run from the end of the fetch.
                now = self._clock()
                if unknown_kid or (kid is not None and keys is not None and kid not in keys):
                    self._after_unknown_kid.start(now)
                if keys is not None:
                    self._keys = keys
                    self._after_failure.reset()
                    ttl = self.options.ttl * (1 - _TTL_JITTER * self._jitter())
                    self._expires_at = now + ttl
                else:
                    # Stale-if-error: keep what is held, try again after the cooldown.
                    self._after_failure.start(now)
                    self._expires_at = now + self.options.refresh_cooldown
                    if flight.error is None:
                        flight.error = JWKSFetchError("the fetch was interrupted")
                self._flight = None
            flight.finish()
        self._notify(keys, flight.error)
        return flight.error is None

    def _fetch_body(self) -> bytes:
        """Call the fetcher in a worker thread and wait at most the timeout for it.

        A server that sends its headers or body a byte at a time cannot hold a request past
        the timeout: the worker is abandoned (a daemon thread, one per fetch at most).
        """
        outcome: list[bytes | BaseException] = []

        def fetch() -> None:
            try:
                outcome.append(
                    self._fetcher(
                        self.jwks_uri,
                        timeout=self.options.timeout,
                        max_bytes=self.options.max_bytes,
                    )
                )
            except BaseException as error:  # handed to the caller, not lost in the thread
                outcome.append(error)

        worker = threading.Thread(target=fetch, name="jwks-fetch", daemon=True)
        worker.start()
        worker.join(self.options.timeout)
        if not outcome:
            raise JWKSFetchError(f"timed out after {self.options.timeout:g} s")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _notify(self, keys: Mapping[str, RSAKey] | None, error: Exception | None) -> None:
        try:
            if error is not None:
                logger.warning("JWKS fetch from %s failed: %s", self.jwks_uri, error)
                if self._on_fetch_failed is not None:
                    self._on_fetch_failed(error)
            elif keys is not None and self._on_refresh is not None:
                self._on_refresh(tuple(keys))
        except Exception:  # a failing listener must not fail the request
            logger.exception("a JWKS listener raised")

    def _unavailable(self) -> JWKSUnavailableError:
        # What is left of the failure's cooldown, never below one second (nor -inf when a
        # caller gave up waiting for a first fetch that has not failed yet).
        retry_after = self._after_failure.remaining
        return JWKSUnavailableError(retry_after=math.ceil(max(1.0, retry_after)))
