"""A pytest plugin for ``make mutate`` only: the same tests, in less time per mutant.

``setup.cfg`` loads it with ``-p tests.mutation_plugin`` in mutmut's pytest arguments;
``make test`` never loads it. mutmut first runs the whole selection once (its stats run), then
runs each mutant's tests in a process forked from that one. The plugin changes three things:

- **RSA keys are generated once per mutation run.** Two thirds of the time of a test that mints
  tokens goes to generating its pool's 2048-bit key. The stats run records every key it
  generates, in order, and each later session is handed the same keys again, in the same order.
  Within a session every key is still a different key, as with real generation; a session that
  asks for more keys than the first run made gets freshly generated ones.
- **The mutated module's own tests run first.** A mutant of ``jwks.py`` is reached by every
  test that verifies a token, but killed by the JWKS tests; mutmut stops at the first failure,
  so these run before the others (in mutmut's order, fastest first, within each group).
- **A test that hangs ends the mutant's run as a timeout.** A mutant that turns a deadline into
  no deadline would otherwise hold a worker until mutmut's limit for the whole run; after
  :data:`TEST_TIME_LIMIT` seconds in one test the process exits with mutmut's timeout status.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from types import FrameType

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key
from joserfc._rfc7518 import rsa_key

#: Seconds one test (setup, call and teardown) may take in a mutant's run: the slowest test of
#: the selection takes about 2 s on an idle machine.
TEST_TIME_LIMIT = 20

#: mutmut's exit status for a mutant whose tests ran out of time.
_MUTMUT_TIMEOUT = 36

#: The test files of each mutated module, by file name: these run first for its mutants.
OWN_TESTS = {
    "tokens": re.compile(r"test_tokens"),
    "verifier": re.compile(
        r"test_(verifier|signature|time_claims|token_use_and_audience|issuer|token_cache"
        r"|user_id_claim)"
    ),
    "jwks": re.compile(r"test_jwks_"),
    "locate": re.compile(r"test_locate"),
    "decorators": re.compile(
        r"test_(decorator_|login_required|guard|request_state|current_user|async_extra)"
    ),
    "authorization": re.compile(r"test_authorization"),
    "flight": re.compile(r"test_(flight|jwks_single_flight|jwks_joined_fetch|alb_keys)"),
    "token_cache": re.compile(r"test_token_cache"),
    "pipeline": re.compile(r"test_pipeline"),
    "cooldown": re.compile(r"test_(cooldown|jwks_unknown_kid|alb_keys)"),
    "hosts": re.compile(r"test_hosts"),
    "alb": re.compile(r"test_alb_"),
    "alb_tokens": re.compile(r"test_alb_token"),
    "alb_keys": re.compile(r"test_alb_keys"),
    # Subpackages: mutmut names their mutants by the package ("signin", "revocation").
    "signin": re.compile(r"test_signin_"),
    "revocation": re.compile(r"test_revocation_"),
}

_STOCK: dict[int, list[RSAPrivateKey]] = {}
_HANDED_OUT: dict[int, int] = {}


def stocked_private_key(public_exponent: int, key_size: int) -> RSAPrivateKey:
    """The session's next key of ``key_size`` bits: from the stock, or a new one added to it.

    :param public_exponent: must be 65537, the only exponent the test kit uses.
    :param key_size: the modulus size in bits.
    :raises ValueError: for another exponent, which the stock does not hold.
    """
    if public_exponent != 65537:
        raise ValueError(f"the key stock holds keys with exponent 65537, not {public_exponent}")
    stock = _STOCK.setdefault(key_size, [])
    index = _HANDED_OUT.get(key_size, 0)
    if index == len(stock):
        stock.append(generate_private_key(public_exponent=65537, key_size=key_size))
    _HANDED_OUT[key_size] = index + 1
    return stock[index]


def mutated_module() -> str | None:
    """The module of the mutant under test (``"jwks"``), or ``None`` outside a mutant's run."""
    # mutmut names it "flask_revstack_cognito.jwks.x_parse_jwks__mutmut_3"; in its stats and
    # clean runs the variable holds no mutant name.
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    if "__mutmut_" not in name:
        return None
    return name.split(".")[1]


def pytest_sessionstart() -> None:
    """Each session starts again from the first stocked key."""
    _HANDED_OUT.clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the mutated module's own tests first, keeping mutmut's order within each group."""
    own = OWN_TESTS.get(mutated_module() or "")
    if own is not None:
        items.sort(key=lambda item: own.search(item.path.name) is None)


def _out_of_time(signum: int, frame: FrameType | None) -> None:
    os._exit(_MUTMUT_TIMEOUT)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Limit each test of a mutant's run to :data:`TEST_TIME_LIMIT` seconds."""
    if mutated_module() is None:
        return (yield)
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIME_LIMIT)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# joserfc calls the function by this name; its module does not export it, hence setattr.
setattr(rsa_key, "generate_private_key", stocked_private_key)  # noqa: B010
