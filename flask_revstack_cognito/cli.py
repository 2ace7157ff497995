"""``flask cognito``: see the contract in force, fetch the keys, verify a token.

Made for troubleshooting: each command says what the extension would do, with the same code and
message a request would get. Exit status 0 when all is well, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
import time

import click
from flask.cli import AppGroup

from .appstate import get_extension
from .errors import CognitoAuthError
from .explain import explain_refusal
from .locate import token_from_authorization
from .settings import CognitoSettings

cognito_cli = AppGroup("cognito", help="Inspect and troubleshoot Cognito token verification.")


@cognito_cli.command("config")
def show_config() -> None:
    """Show the contract in force: issuers, JWKS URIs, client ids, token use."""
    _, state = get_extension()
    contract = state.settings.contract
    settings = state.settings
    click.echo(f"provider:       {contract.provider} ({contract.strategy})")
    for trusted in contract.trusted_issuers:
        click.echo(f"issuer:         {trusted.issuer}")
        click.echo(f"  jwks_uri:     {trusted.jwks_uri}")
    client_ids = ", ".join(contract.client_ids) or "(not checked: COGNITO_CLIENT_ID is unset)"
    click.echo(f"client ids:     {client_ids}")
    click.echo(f"token use:      {contract.token_use}")
    click.echo(f"user id claim:  {contract.user_id_claim}")
    click.echo(f"leeway:         {contract.leeway:g} s")
    click.echo(f"token from:     {_describe_locations(settings)}")
    options = settings.jwks_options
    click.echo(
        f"jwks cache:     ttl {options.ttl:g} s, timeout {options.timeout:g} s, "
        f"cooldown {options.refresh_cooldown:g} s, max {options.max_bytes} bytes"
    )


def _describe_locations(settings: CognitoSettings) -> str:
    described = []
    for location in settings.token_locations:
        if location == "headers":
            scheme = f"{settings.header_type} <token>" if settings.header_type else "<token>"
            described.append(f"header {settings.header_name}: {scheme}")
        else:
            described.append(f"cookie {settings.cookie_name}")
    return "; ".join(described)


@cognito_cli.command("jwks")
def show_jwks() -> None:
    """Fetch each trusted pool's JWKS now and list its usable keys."""
    _, state = get_extension()
    failed = False
    for issuer, source in state.verifier.key_sources.items():
        click.echo(f"{issuer}\n  {source.jwks_uri}")
        try:
            key_ids = source.refresh()
        except CognitoAuthError as error:
            failed = True
            click.echo(f"  {error.code}: {error.message}", err=True)
            continue
        for kid in key_ids:
            click.echo(f"  kid {kid}  RSA {source.get_key(kid).public_key.key_size} bits")
    if failed:
        sys.exit(1)


@cognito_cli.command("verify")
@click.argument("token")
@click.option(
    "--token-use",
    type=click.Choice(["id", "access", "any"]),
    default=None,
    help="Token type to require (default: COGNITO_TOKEN_USE).",
)
def verify_token(token: str, token_use: str | None) -> None:
    """Verify TOKEN (a JWT, "Bearer <jwt>", or - to read it from standard input).

    Prints the verified claims as JSON, or the error code and message. For a wrong issuer,
    client, token type, key or an expired token, also what the token says beside what the
    contract expects.
    """
    auth, state = get_extension()
    if token == "-":
        token = sys.stdin.read()
    session = auth.validate(token.strip(), token_use=token_use)
    if session.user is None:
        click.echo(f"{session.error_code}: {session.error}", err=True)
        bare = token_from_authorization(token)
        if bare is not None and session.error_code is not None:
            contract = state.settings.contract
            lines = explain_refusal(
                session.error_code,
                bare,
                contract,
                token_use=token_use or contract.token_use,
                key_ids={
                    issuer: source.key_ids for issuer, source in state.verifier.key_sources.items()
                },
                now=time.time(),
            )
            width = max((len(label) for label, _ in lines), default=0) + 2
            for label, value in lines:
                click.echo(f"  {label + ':':<{width}}{value}", err=True)
        sys.exit(1)
    click.echo(json.dumps(dict(session.claims), indent=2, sort_keys=True))
