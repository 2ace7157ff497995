"""Shared names and builders for the auth contract tests (SPEC sections 2 and 3)."""

from __future__ import annotations

from flask_revstack_cognito import TrustedIssuer

POOL = "us-east-1_Abc123"


CLIENT = "1example23456789abcdefghij"


POOL_EXAMPLE = "'us-east-1_Abc123'"


REGION_EXAMPLE = "'us-east-1'"


ISSUER_EXAMPLE = "'http://localhost:9229/local_abc'"


JWKS_EXAMPLE = "'http://127.0.0.1:5000/us-east-1_Abc123/.well-known/jwks.json'"


LOCAL_ISSUER = "http://localhost:9229/local_abc"


def original(region: str, pool: str) -> str:
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://cognito-idp.{region}.{domain}/{pool}"


def updated(region: str, pool: str) -> str:
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://issuer-cognito-idp.{region}.{domain}/{pool}"


def jwks(issuer: str) -> str:
    return f"{issuer}/.well-known/jwks.json"


def trusted(issuer: str, pool: str) -> TrustedIssuer:
    return TrustedIssuer(issuer=issuer, jwks_uri=jwks(issuer), user_pool_id=pool)


def expected_message(key: str, problem: str, example: str | None) -> str:
    return f"{key}: {problem}" + (f" (for example {example})" if example else "")


# --------------------------------------------------------------------------------------------
# Issuer types and multi-Region replication
# --------------------------------------------------------------------------------------------


REPLICAS_PROBLEM = (
    "replica regions apply to the original issuer form only "
    "(the updated issuer names the primary region)"
)


REPLICAS_EXAMPLE = "'us-west-2' with COGNITO_ISSUER_TYPE 'original' or 'both'"


# --------------------------------------------------------------------------------------------
# Issuer and JWKS URI overrides
# --------------------------------------------------------------------------------------------


LOCAL_POOL_PROBLEM = "'local' is not an AWS region; for a local emulator also set COGNITO_ISSUER"


JWKS_MANY_PROBLEM = (
    "a JWKS URI override needs exactly one trusted issuer (one pool, one issuer type, "
    "no additional regions)"
)
