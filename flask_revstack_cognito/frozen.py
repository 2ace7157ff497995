"""Read-only JSON values: what a verified token's claims are made of.

One verified user serves every request with the same token, so no view may change its claims.
Objects become :class:`FrozenDict` and arrays tuples, all the way down.
"""

from __future__ import annotations

from typing import Any


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses changes: nested claims (``identities``) of a shared user.

    Still a ``dict``, so ``json.dumps`` and ``jsonify`` take it as one.
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("verified claims are read-only")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]


def freeze(value: Any) -> Any:
    """A deep read-only copy of a JSON value: lists become tuples, objects :class:`FrozenDict`."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    if isinstance(value, dict):
        return FrozenDict({name: freeze(item) for name, item in value.items()})
    return value
