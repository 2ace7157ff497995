"""A request's verification state belongs to the request, not to the app context's ``g``.

:func:`flask.copy_current_request_context` runs a function in another thread with the same
request but a new app context (a new ``g``): the user and the outcomes of the checks already
made must be seen there, and nothing verified or signalled twice. One request's state must never
reach another request, even when an app context pushed by hand spans both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, copy_current_request_context

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    TokenVerifier,
    current_cognito_user,
    decorators,
    login_required,
    token_verified,
    verification_failed,
    verify_request,
)
from flask_revstack_cognito.jwks import Fetcher
from flask_revstack_cognito.testing import LocalUserPool

JOIN_TIMEOUT = 30.0  # a safety net against a hung test, not a timing assertion


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


def run_copied(function: Callable[[], Any]) -> Any:
    """Run ``function`` in a real thread with the current request context copied."""
    results: list[Any] = []
    errors: list[BaseException] = []

    @copy_current_request_context
    def work() -> None:
        try:
            results.append(function())
        except BaseException as error:  # reported in the request's thread
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(JOIN_TIMEOUT)
    assert not thread.is_alive()
    if errors:
        raise errors[0]
    return results[0]


def describe_in_thread() -> dict[str, Any]:
    """What a copied context sees: the user, and what ``verify_request`` says again."""
    seen = current_cognito_user.user_id if current_cognito_user else None  # the proxy: read now
    try:
        again: object = verify_request()
    except CognitoAuthError as error:
        again = error.code
    return {
        "seen": seen,
        "again": again.user_id if isinstance(again, CognitoUser) else again,
    }


def make_app(pool: LocalUserPool, fetcher: Fetcher | None = None) -> Flask:
    app = Flask("request_state")
    app.config.update(pool.config())
    CognitoAuth(app, fetcher=fetcher or pool.fetcher)

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        return run_copied(describe_in_thread)  # type: ignore[no-any-return]

    @app.get("/checked-in-thread")
    def checked_in_thread() -> dict[str, Any]:
        # The first check of the request runs in the thread; the request sees its user after.
        in_thread = run_copied(describe_in_thread)
        user = current_cognito_user
        return {**in_thread, "after": user.user_id if user else None}

    return app


class Counted:
    """Counts the verifier's verifications and the two request signals of one app."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.verifications: list[str] = []
        self.verified: list[str] = []
        self.failed: list[str] = []
        original = TokenVerifier.verify

        def counting(
            verifier: TokenVerifier, token: str, *, token_use: str | None = None
        ) -> CognitoUser:
            self.verifications.append(token)
            return original(verifier, token, token_use=token_use)

        # Patched before the app is made: init_app takes the verifier's verify as it is then.
        monkeypatch.setattr(TokenVerifier, "verify", counting)

    def connect(self, app: Flask) -> None:
        """Count the request signals of ``app``."""

        def on_verified(sender: object, *, user: CognitoUser, **extra: object) -> None:
            self.verified.append(user.user_id)

        def on_failed(sender: object, *, error: CognitoAuthError, **extra: object) -> None:
            self.failed.append(error.code)

        self._receivers = (on_verified, on_failed)  # blinker holds receivers weakly
        token_verified.connect(on_verified, app)
        verification_failed.connect(on_failed, app)
        self._app = app

    def disconnect(self) -> None:
        token_verified.disconnect(self._receivers[0], self._app)
        verification_failed.disconnect(self._receivers[1], self._app)


@pytest.fixture
def counted_app(
    user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Flask, Counted]]:
    counted = Counted(monkeypatch)
    app = make_app(user_pool)
    counted.connect(app)
    yield app, counted
    counted.disconnect()


def test_a_copied_context_sees_the_user_without_verifying_again(
    counted_app: tuple[Flask, Counted], user_pool: LocalUserPool
) -> None:
    app, counted = counted_app
    token = user_pool.id_token(sub="threaded-user")
    response = app.test_client().get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == {"seen": "threaded-user", "again": "threaded-user"}
    assert counted.verifications == [token]
    assert counted.verified == ["threaded-user"]
    assert counted.failed == []


def test_a_check_made_in_a_copied_context_is_the_request_s(
    counted_app: tuple[Flask, Counted], user_pool: LocalUserPool
) -> None:
    app, counted = counted_app
    token = user_pool.id_token(sub="checked-in-thread")
    response = app.test_client().get(
        "/checked-in-thread", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.get_json() == {
        "seen": None,  # before the check
        "again": "checked-in-thread",
        "after": "checked-in-thread",
    }
    assert counted.verifications == [token]
    assert counted.verified == ["checked-in-thread"]


def test_a_copied_context_sees_a_refusal_and_it_is_signalled_once(
    counted_app: tuple[Flask, Counted], user_pool: LocalUserPool
) -> None:
    app, counted = counted_app
    expired = user_pool.id_token(expires_in=-60)
    client = app.test_client()
    response = client.get("/checked-in-thread", headers={"Authorization": f"Bearer {expired}"})
    assert response.get_json() == {"seen": None, "again": "TOKEN_EXPIRED", "after": None}
    assert counted.verifications == [expired]
    assert counted.failed == ["TOKEN_EXPIRED"]
    assert counted.verified == []


def test_copied_contexts_in_a_pushed_app_context_keep_requests_apart(
    counted_app: tuple[Flask, Counted], user_pool: LocalUserPool
) -> None:
    """One app context (and one ``g``) around three requests, each with a thread."""
    app, counted = counted_app
    client = app.test_client()
    alice = user_pool.id_token(sub="alice")
    with app.app_context():
        first = client.get("/checked-in-thread", headers={"Authorization": f"Bearer {alice}"})
        second = client.get("/checked-in-thread")
        third = client.get("/me", headers={"Authorization": "Bearer garbage"})
    assert first.get_json() == {"seen": None, "again": "alice", "after": "alice"}
    assert second.get_json() == {"seen": None, "again": "MISSING_TOKEN", "after": None}
    assert third.status_code == 401
    assert third.get_json()["code"] == "INVALID_FORMAT"
    assert counted.verified == ["alice"]
    assert counted.failed == ["MISSING_TOKEN", "INVALID_FORMAT"]


def test_the_state_is_dropped_with_the_request(app_and_pool: tuple[Flask, LocalUserPool]) -> None:
    app, pool = app_and_pool
    token = pool.id_token(sub="short-lived")
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        assert verify_request() is not None
        assert current_cognito_user
    with app.app_context():
        assert not current_cognito_user
    with app.test_request_context("/", headers={"Authorization": f"Bearer {token}"}):
        assert not current_cognito_user  # a new request has checked nothing yet


@pytest.fixture
def app_and_pool(user_pool: LocalUserPool) -> tuple[Flask, LocalUserPool]:
    return make_app(user_pool), user_pool


class _WatchedLock:
    """The request state's lock, telling when a second thread has to wait for it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.contended = threading.Event()

    def __enter__(self) -> _WatchedLock:
        if not self._lock.acquire(blocking=False):  # another thread holds it: this one waits
            self.contended.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()


def test_a_thread_of_the_request_waits_for_the_verification_in_progress(
    user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the request's thread verifies (here: fetching the keys), a copied context that
    checks the same request waits for that outcome instead of verifying a second time."""
    locks: list[_WatchedLock] = []

    class WatchedState(decorators._RequestState):
        def __init__(self) -> None:
            super().__init__()
            self.lock = _WatchedLock()  # type: ignore[assignment]
            locks.append(self.lock)  # type: ignore[arg-type]

    monkeypatch.setattr(decorators, "_RequestState", WatchedState)
    copied_started = threading.Event()
    copied: list[threading.Thread] = []

    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        # Runs inside the request thread's verification: hold it until the copied context is
        # waiting for the same request's outcome.
        copied_started.set()
        assert locks[0].contended.wait(JOIN_TIMEOUT), "the copied context never waited"
        return user_pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)

    counted = Counted(monkeypatch)
    app = make_app(user_pool, fetcher=fetch)
    counted.connect(app)
    answers: list[object] = []

    @app.get("/overlap")
    def overlap() -> dict[str, Any]:
        @copy_current_request_context
        def work() -> None:
            copied_started.wait(JOIN_TIMEOUT)
            user = verify_request()
            answers.append(user.user_id if user else None)

        thread = threading.Thread(target=work)
        copied.append(thread)
        thread.start()
        user = verify_request()
        thread.join(JOIN_TIMEOUT)
        assert not thread.is_alive()
        return {"user": user.user_id if user else None}

    token = user_pool.id_token(sub="overlap-user")
    try:
        response = app.test_client().get("/overlap", headers={"Authorization": f"Bearer {token}"})
    finally:
        counted.disconnect()
    assert response.get_json() == {"user": "overlap-user"}
    assert answers == ["overlap-user"]
    assert counted.verifications == [token]
    assert counted.verified == ["overlap-user"]


def test_each_required_token_use_has_its_own_outcome(
    counted_app: tuple[Flask, Counted], user_pool: LocalUserPool
) -> None:
    """An ID token passes ``token_use="any"``; an ``"access"`` check of the same request must
    still refuse it, not reuse the first outcome."""
    app, counted = counted_app

    @app.get("/any-then-access")
    @login_required(token_use="any")
    def any_then_access() -> dict[str, Any]:
        verify_request(token_use="access")
        return {"user": "should not be reached"}

    token = user_pool.id_token()
    response = app.test_client().get(
        "/any-then-access", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "TOKEN_USE_MISMATCH",
        "message": "expected an access token, got an ID token",
    }
    assert counted.verifications == [token, token]
    assert counted.failed == ["TOKEN_USE_MISMATCH"]
