"""The single flight shared by the JWKS cache and the ALB key cache."""

from __future__ import annotations

import threading

from flask_revstack_cognito.flight import Flight


def test_a_flight_in_progress_has_not_succeeded() -> None:
    flight = Flight()
    assert not flight.succeeded
    assert flight.error is None
    assert "in flight" in repr(flight)


def test_a_flight_that_finished_without_an_error_succeeded() -> None:
    flight = Flight()
    flight.finish()
    assert flight.done.is_set()
    assert flight.succeeded
    assert "landed" in repr(flight)


def test_a_flight_that_finished_with_an_error_failed() -> None:
    flight = Flight()
    flight.error = RuntimeError("no answer")
    flight.finish()
    assert not flight.succeeded
    assert "failed" in repr(flight)


def test_waiters_wake_when_the_leader_finishes() -> None:
    flight = Flight()
    waiting = threading.Barrier(4, timeout=5)
    woken: list[bool] = []

    def waiter() -> None:
        waiting.wait()
        woken.append(flight.wait(fetch_timeout=5.0))

    threads = [threading.Thread(target=waiter) for _ in range(3)]
    for thread in threads:
        thread.start()
    waiting.wait()
    flight.finish()
    for thread in threads:
        thread.join(timeout=10)
    assert woken == [True, True, True]


def test_a_waiter_gives_up_after_twice_the_fetch_timeout_and_a_second() -> None:
    waits: list[float | None] = []

    class RecordedEvent(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout)
            return False  # the leader never finished

    flight = Flight()
    flight.done = RecordedEvent()
    assert flight.wait(fetch_timeout=3.0) is False
    assert waits == [7.0]
    assert not flight.succeeded
