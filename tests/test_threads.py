"""No state leaks between requests, threads or apps (SPEC sections 2 and 7).

Threads share one app (and its verifier, key cache and token cache) and interleave verified
requests of distinct users with refused ones. Every response must name the user of the token
it was sent with, every refusal its own code, and the signals must be sent once per request:
``token_verified`` for each verified request, ``verification_failed`` for each refused one.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, Response, g

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    current_cognito_user,
    login_required,
    token_verified,
    verification_failed,
)
from flask_revstack_cognito.testing import LocalUserPool

THREADS = 8
REQUESTS_PER_THREAD = 25
USERS_PER_THREAD = 3
JOIN_TIMEOUT = 60.0  # a safety net against a hung test, not a timing assertion


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


@pytest.fixture(scope="module")
def other_pool() -> LocalUserPool:
    return LocalUserPool(user_pool_id="us-east-1_OtherPool1", client_id="otherclient0123456789")


def make_app(name: str, pool: LocalUserPool, auth: CognitoAuth | None = None) -> Flask:
    app = Flask(name)
    app.config.update(pool.config())
    if auth is None:
        CognitoAuth(app, fetcher=pool.fetcher)
    else:
        auth.init_app(app)

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        user = current_cognito_user
        return {"user": user.user_id if user else None}

    @app.after_request
    def report_signals(response: Response) -> Response:
        # What the signals of *this* request said, counted on g by the receivers below.
        response.headers["X-Verified-Signals"] = str(g.get("verified_signals", 0))
        response.headers["X-Failed-Signals"] = str(g.get("failed_signals", 0))
        response.headers["X-Signalled"] = str(g.get("signalled", ""))
        return response

    return app


@dataclass
class SignalLog:
    """Every signal received, from any thread."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    verified: list[tuple[object, str]] = field(default_factory=list)
    failed: list[tuple[object, str]] = field(default_factory=list)


@contextmanager
def counting_signals(*apps: Flask) -> Iterator[SignalLog]:
    log = SignalLog()

    def on_verified(sender: object, *, user: CognitoUser, **extra: object) -> None:
        g.verified_signals = g.get("verified_signals", 0) + 1
        g.signalled = user.user_id
        with log.lock:
            log.verified.append((sender, user.user_id))

    def on_failed(sender: object, *, error: CognitoAuthError, **extra: object) -> None:
        g.failed_signals = g.get("failed_signals", 0) + 1
        g.signalled = error.code
        with log.lock:
            log.failed.append((sender, error.code))

    with (
        token_verified.connected_to(on_verified),
        verification_failed.connected_to(on_failed),
    ):
        yield log
    for sender, _ in [*log.verified, *log.failed]:
        assert any(sender is app for app in apps)


@dataclass(frozen=True)
class Planned:
    """One request of a thread: the header to send and what must come back."""

    authorization: str | None
    user: str | None  # the user id of a verified request
    code: str | None  # the error code of a refused one


@dataclass(frozen=True)
class Outcome:
    app: Flask
    planned: Planned
    status: int
    body: Any
    verified_signals: str
    failed_signals: str
    signalled: str


def plan_thread(pool: LocalUserPool, thread: int) -> list[Planned]:
    """Interleave verified requests of several users with refused ones."""
    users = [f"thread{thread}-user{k}" for k in range(USERS_PER_THREAD)]
    reused = {user: pool.id_token(sub=user) for user in users}  # token cache hits
    plan: list[Planned] = []
    for index in range(REQUESTS_PER_THREAD):
        kind = (index + thread) % 6
        if kind in (0, 2):
            user = users[index % USERS_PER_THREAD]
            plan.append(Planned(f"Bearer {reused[user]}", user, None))
        elif kind == 1:
            user = f"thread{thread}-fresh{index}"
            plan.append(Planned(f"Bearer {pool.id_token(sub=user)}", user, None))
        elif kind == 3:
            expired = pool.id_token(sub=f"thread{thread}-expired{index}", expires_in=-60)
            plan.append(Planned(f"Bearer {expired}", None, "TOKEN_EXPIRED"))
        elif kind == 4:
            plan.append(Planned(None, None, "MISSING_TOKEN"))
        else:
            access = pool.access_token(sub=f"thread{thread}-access{index}")
            plan.append(Planned(f"Bearer {access}", None, "TOKEN_USE_MISMATCH"))
    return plan


def run_threads(
    plans: list[tuple[Flask, list[Planned]]],
) -> list[Outcome]:
    """Run each plan in its own thread (all start together) with its own test client."""
    barrier = threading.Barrier(len(plans))
    outcomes: list[Outcome] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(app: Flask, plan: list[Planned]) -> None:
        try:
            client = app.test_client()
            barrier.wait()
            mine: list[Outcome] = []
            for planned in plan:
                headers = (
                    {}
                    if planned.authorization is None
                    else {"Authorization": planned.authorization}
                )
                response = client.get("/me", headers=headers)
                mine.append(
                    Outcome(
                        app,
                        planned,
                        response.status_code,
                        response.get_json(),
                        response.headers["X-Verified-Signals"],
                        response.headers["X-Failed-Signals"],
                        response.headers["X-Signalled"],
                    )
                )
            with lock:
                outcomes.extend(mine)
        except BaseException as error:  # reported in the main thread
            with lock:
                failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=work, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(outcomes) == sum(len(plan) for _, plan in plans)
    return outcomes


def check_outcome(outcome: Outcome) -> None:
    planned = outcome.planned
    if planned.user is not None:
        assert outcome.status == 200, planned
        assert outcome.body == {"user": planned.user}
        assert (outcome.verified_signals, outcome.failed_signals) == ("1", "0")
        assert outcome.signalled == planned.user
    else:
        assert outcome.status == 401, planned
        assert outcome.body["code"] == planned.code
        assert (outcome.verified_signals, outcome.failed_signals) == ("0", "1")
        assert outcome.signalled == planned.code


def test_threads_share_an_app_without_sharing_state(user_pool: LocalUserPool) -> None:
    app = make_app("threaded", user_pool)
    plans = [(app, plan_thread(user_pool, thread)) for thread in range(THREADS)]
    with counting_signals(app) as log:
        outcomes = run_threads(plans)

    for outcome in outcomes:
        check_outcome(outcome)
    verified = [o.planned.user for o in outcomes if o.planned.user is not None]
    refused = [o.planned.code for o in outcomes if o.planned.user is None]
    assert verified
    assert refused
    # One signal per request, no more, no less, each for the request's own user or error.
    assert Counter(user for _, user in log.verified) == Counter(verified)
    assert Counter(code for _, code in log.failed) == Counter(refused)
    assert all(sender is app for sender, _ in [*log.verified, *log.failed])
    # Outside any request, nothing of the requests remains.
    assert not current_cognito_user


def test_one_extension_serving_two_apps_in_threads(
    user_pool: LocalUserPool, other_pool: LocalUserPool
) -> None:
    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        pool = user_pool if url == user_pool.jwks_uri else other_pool
        return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)

    auth = CognitoAuth(fetcher=fetch)
    first = make_app("first", user_pool, auth)
    second = make_app("second", other_pool, auth)
    plans: list[tuple[Flask, list[Planned]]] = []
    for thread in range(THREADS):
        app, pool, stranger = (
            (first, user_pool, other_pool) if thread % 2 else (second, other_pool, user_pool)
        )
        plan = plan_thread(pool, thread)
        # A token of the other app's pool is refused: its key is not in this pool's JWKS.
        plan.insert(thread, Planned(f"Bearer {stranger.id_token()}", None, "UNKNOWN_KEY"))
        plans.append((app, plan))

    with counting_signals(first, second) as log:
        outcomes = run_threads(plans)

    for outcome in outcomes:
        check_outcome(outcome)
    for app in (first, second):
        mine = [outcome.planned for outcome in outcomes if outcome.app is app]
        assert len(mine) == (THREADS // 2) * (REQUESTS_PER_THREAD + 1)
        users = Counter(planned.user for planned in mine if planned.user is not None)
        codes = Counter(planned.code for planned in mine if planned.code is not None)
        assert Counter(user for sender, user in log.verified if sender is app) == users
        assert Counter(code for sender, code in log.failed if sender is app) == codes
        assert codes["UNKNOWN_KEY"] == THREADS // 2


def test_sequential_requests_do_not_leak(user_pool: LocalUserPool) -> None:
    app = make_app("sequential", user_pool)
    client = app.test_client()
    alice = user_pool.id_token(sub="alice")
    bob = user_pool.id_token(sub="bob")
    steps: list[tuple[str | None, int, str]] = [
        (alice, 200, "alice"),
        (user_pool.id_token(sub="mallory", expires_in=-60), 401, "TOKEN_EXPIRED"),
        (None, 401, "MISSING_TOKEN"),
        (bob, 200, "bob"),
        ("garbage", 401, "INVALID_FORMAT"),
        (alice, 200, "alice"),
    ]
    with counting_signals(app) as log:
        for token, status, expected in steps:
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            response = client.get("/me", headers=headers)
            assert response.status_code == status
            body = response.get_json()
            assert (body["user"] if status == 200 else body["code"]) == expected
            assert response.headers["X-Signalled"] == expected
    assert [user for _, user in log.verified] == ["alice", "bob", "alice"]
    assert [code for _, code in log.failed] == ["TOKEN_EXPIRED", "MISSING_TOKEN", "INVALID_FORMAT"]


def test_requests_inside_a_pushed_app_context_do_not_share_state(
    user_pool: LocalUserPool,
) -> None:
    """Tests (and some apps) push an app context around several requests.

    Flask then reuses that app context, and its ``g``, for every request made inside it: the
    verification outcome of one request must not be reused by the next.
    """
    app = make_app("pushed", user_pool)
    client = app.test_client()
    alice = user_pool.id_token(sub="alice")
    expired = user_pool.id_token(sub="mallory", expires_in=-60)
    with app.app_context(), counting_signals(app) as log:
        first = client.get("/me", headers={"Authorization": f"Bearer {alice}"})
        assert first.get_json() == {"user": "alice"}
        second = client.get("/me", headers={"Authorization": f"Bearer {expired}"})
        third = client.get("/me", headers={"Authorization": "Bearer garbage"})
        fourth = client.get("/me", headers={"Authorization": f"Bearer {user_pool.id_token()}"})
    assert second.status_code == 401
    assert second.get_json()["code"] == "TOKEN_EXPIRED"
    assert third.status_code == 401
    assert third.get_json()["code"] == "INVALID_FORMAT"
    assert fourth.get_json() == {"user": "a1b2c3d4-0000-4000-8000-00000000cafe"}
    assert len(log.verified) == 2
    assert len(log.failed) == 2
