"""The reprs of the two small state holders the key caches share: a fetch in flight and a
cooldown. They show up in debuggers and in log lines of apps that log the caches' state, so
each state's word is pinned.
"""

from __future__ import annotations

from flask_revstack_cognito.cooldown import Cooldown
from flask_revstack_cognito.flight import Flight
from flask_revstack_cognito.jwks import JWKSFetchError


def test_a_flight_says_whether_it_is_in_flight_landed_or_failed() -> None:
    landed = Flight()
    assert repr(landed) == "<Flight in flight>"
    landed.finish()
    assert repr(landed) == "<Flight landed>"
    failed = Flight()
    failed.error = JWKSFetchError("the JWKS holds no usable key")
    assert repr(failed) == "<Flight in flight>"  # an error counts once the flight is over
    failed.finish()
    assert repr(failed) == "<Flight failed>"


def test_a_cooldown_says_its_length_and_whether_it_is_active() -> None:
    now = [100.0]
    cooldown = Cooldown(2.5, clock=lambda: now[0])
    assert repr(cooldown) == "<Cooldown 2.5 s idle>"
    cooldown.start()
    assert repr(cooldown) == "<Cooldown 2.5 s active>"
    now[0] += 2.5
    assert repr(cooldown) == "<Cooldown 2.5 s idle>"
    assert repr(Cooldown(10, clock=lambda: 0.0)) == "<Cooldown 10 s idle>"
