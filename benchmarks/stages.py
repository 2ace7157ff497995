"""``--stages``: a cold verification built up step by step, each step's cost as a ratio to L.

For the closing note issue 8 asks for when a check's cost keeps cold verification above its
target: what each part of ``TokenVerifier.verify`` costs beyond the parse and the RSA check.
Each stage runs the steps before it plus one more, through the verifier's own parts, on a
fresh verifier per round, in the same interleaved rounds as L; the difference between two
stages' ratios is what the step adds.
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from flask_revstack_cognito import TokenVerifier
from flask_revstack_cognito.tokens import parse_token
from flask_revstack_cognito.verifier import _RS256

from .cases import LIMIT, limit_case, stdlib_decode
from .harness import Body, Case, paired_ratio, run_rounds
from .world import World

#: Each stage's label: what it adds to the one above.
STAGES = (
    "parse_token + RSA check (the key in hand)",
    "+ issuer routing and the key from the JWKS cache",
    "+ the read-only user and the signed entry",
    "+ the verified-token cache entry (put)",
    "= TokenVerifier.verify: + cache look-up, time and claim checks",
)

#: A row that is no stage: the standard library's decoding and the RSA check, nothing else.
REFERENCE = "for reference: str.split, base64 and json.loads + RSA check"
_REFERENCE_KEY = "stdlib"


def _verifier(world: World) -> TokenVerifier:
    verifier = TokenVerifier(world.pool.contract())  # keys over HTTP from the loopback
    verifier.prefetch()
    verifier.verify(world.warmup)
    return verifier


def _stage_bodies(world: World) -> list[Callable[[TokenVerifier], Body]]:
    tokens = world.tokens
    public_key, padding, digest = world.public_key(), PKCS1v15(), SHA256()

    def parse_and_rsa(_: TokenVerifier) -> Body:
        def body() -> None:
            for token in tokens:
                parsed = parse_token(token)
                public_key.verify(parsed.signature, parsed.signing_input, padding, digest)

        return body

    def with_key(verifier: TokenVerifier) -> Body:
        def body() -> None:
            for token in tokens:
                parsed = parse_token(token)
                key = verifier._route(parsed.claims).get_key(parsed.header["kid"])
                if not _RS256.verify(parsed.signing_input, parsed.signature, key):
                    raise RuntimeError("a batch token did not verify")

        return body

    def with_user(verifier: TokenVerifier) -> Body:
        def body() -> None:
            for token in tokens:
                verifier._verify_signature(token)

        return body

    def with_put(verifier: TokenVerifier) -> Body:
        cache = verifier._token_cache

        def body() -> None:
            for token in tokens:
                cache.put(token, verifier._verify_signature(token))

        return body

    def verify(verifier: TokenVerifier) -> Body:
        def body() -> None:
            for token in tokens:
                verifier.verify(token)

        return body

    return [parse_and_rsa, with_key, with_user, with_put, verify]


def _reference_case(world: World) -> Case:
    tokens = world.tokens
    public_key, padding, digest = world.public_key(), PKCS1v15(), SHA256()

    def setup() -> Body:
        def body() -> None:
            for token in tokens:
                message, signature = stdlib_decode(token)
                public_key.verify(signature, message, padding, digest)

        return body

    return Case(_REFERENCE_KEY, REFERENCE, setup, len(tokens))


def stage_cases(world: World) -> list[Case]:
    """L, the reference and the stages, each stage on a fresh verifier (keys held, cache empty)."""
    cases = [limit_case(world), _reference_case(world)]
    for number, (label, make_body) in enumerate(
        zip(STAGES, _stage_bodies(world), strict=True), start=1
    ):

        def setup(make_body: Callable[[TokenVerifier], Body] = make_body) -> Body:
            return make_body(_verifier(world))

        cases.append(Case(f"stage-{number}", label, setup, len(world.tokens)))
    return cases


def measure_stages(world: World, rounds: int) -> str:
    """The stages' table: each stage's median ratio to L and what it adds to the one above."""
    results = run_rounds(stage_cases(world), rounds)
    limit = results[LIMIT]
    lines = [
        f"cold verification step by step over {len(world.tokens)} distinct tokens, "
        f"{rounds} interleaved rounds (medians of the ratios to L):"
    ]
    reference = paired_ratio(results[_REFERENCE_KEY], limit)
    shown = results[_REFERENCE_KEY].error if reference is None else f"{reference:5.2f} x L"
    lines.append(f"  {REFERENCE:64s} {shown}")
    previous: float | None = 1.0
    for number, label in enumerate(STAGES, start=1):
        result = results[f"stage-{number}"]
        ratio = paired_ratio(result, limit)
        if ratio is None:
            lines.append(f"  {label:64s} {result.error}")
            previous = None
            continue
        added = f"  ({ratio - previous:+.2f} x L)" if previous is not None else ""
        lines.append(f"  {label:64s} {ratio:5.2f} x L{added}")
        previous = ratio
    return "\n".join(lines)
