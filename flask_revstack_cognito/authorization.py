"""View requirements on a verified user: groups and scopes (SPEC section 4, step 12)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import InsufficientScopeError
from .user import CognitoUser


def check_requirements(
    user: CognitoUser,
    *,
    groups: Iterable[str] = (),
    scopes: Iterable[str] = (),
    all_groups: bool = False,
) -> None:
    """Check that ``user`` has the required groups and scopes.

    Groups come from ``cognito:groups``, scopes from ``scope``. Either list is any-of: one
    match suffices, unless ``all_groups`` requires every group. When both are given, both
    must be satisfied.

    :raises InsufficientScopeError: (HTTP 403) saying which kind of requirement failed,
        the groups checked first.
    """
    required_groups = tuple(groups)
    required_scopes = tuple(scopes)
    if required_groups:
        held = set(user.groups)
        match = all if all_groups else any
        if not match(group in held for group in required_groups):
            raise InsufficientScopeError(
                groups=required_groups, scopes=required_scopes, missing="group"
            )
    if required_scopes and not set(required_scopes) & set(user.scopes):
        raise InsufficientScopeError(
            groups=required_groups, scopes=required_scopes, missing="scope"
        )
