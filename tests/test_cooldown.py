"""The cooldown shared by the JWKS cache and the ALB key cache."""

from __future__ import annotations

from conftest import FakeClock

from flask_revstack_cognito.cooldown import Cooldown


def test_a_cooldown_runs_from_its_start_for_its_length(clock: FakeClock) -> None:
    cooldown = Cooldown(10, clock=clock)
    assert not cooldown.active
    cooldown.start()
    assert cooldown.active
    assert cooldown.remaining == 10
    clock.advance(9.5)
    assert cooldown.active
    clock.advance(0.5)
    assert not cooldown.active
    assert cooldown.remaining == 0


def test_a_start_may_be_given_a_reading_and_a_reset_ends_it(clock: FakeClock) -> None:
    cooldown = Cooldown(10, clock=clock)
    cooldown.start(at=clock() - 4)
    assert cooldown.remaining == 6
    assert "active" in repr(cooldown)
    cooldown.reset()
    assert not cooldown.active
    assert "idle" in repr(cooldown)
