"""Binding call arguments to a catalog signature.

The RPC client, the bridge facade and the JSON-RPC server all turn "a method name plus some
arguments" into named parameters the same way, through the catalog row's positional order.
Unknown, duplicated or missing arguments are rejected here, before any request.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Final

from nutshell_core.catalog import REQUIRED, RpcMethod
from nutshell_core.errors import UsageError

__all__ = ["OMITTED", "bind_call", "named_params", "positional_params"]


class _Omitted(enum.Enum):
    OMITTED = "OMITTED"

    def __repr__(self) -> str:
        return "OMITTED"


#: The default of every generated legacy method parameter: "the caller did not pass this", so
#: the server applies its own default rather than one this library guessed.
OMITTED: Final[Any] = _Omitted.OMITTED


def bind_call(method: RpcMethod, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Map positional and keyword arguments to named params in signature order.

    Arguments left as :data:`OMITTED` are dropped. Raises :class:`UsageError` naming the method
    for too many positional arguments, an unknown or repeated name, or a missing required one.
    """
    names = method.param_names
    if len(args) > len(names):
        raise UsageError(
            f"{method.name}() takes at most {len(names)} positional arguments "
            f"({', '.join(names) or 'none'}), got {len(args)}"
        )
    bound: dict[str, Any] = dict(zip(names, args, strict=False))  # args may be fewer
    for key, value in kwargs.items():
        if key not in names:
            raise UsageError(
                f"{method.name}() got an unexpected argument {key!r}; "
                f"it takes: {', '.join(names) or 'no arguments'}"
            )
        if key in bound:
            raise UsageError(f"{method.name}() got two values for argument {key!r}")
        bound[key] = value
    missing = [
        p.name for p in method.params if p.required and bound.get(p.name, OMITTED) is OMITTED
    ]
    if missing:
        raise UsageError(f"{method.name}() is missing required argument(s): {', '.join(missing)}")
    return {name: bound[name] for name in names if bound.get(name, OMITTED) is not OMITTED}


def named_params(
    method: RpcMethod, params: Mapping[str, Any] | Sequence[Any] | None
) -> dict[str, Any]:
    """Read wire ``params`` (an object, an array in signature order, or absent) as named params."""
    if params is None:
        return bind_call(method, (), {})
    if isinstance(params, Mapping):
        return bind_call(method, (), params)
    if isinstance(params, str | bytes):
        raise UsageError(f"{method.name}: params must be an object or an array")
    return bind_call(method, tuple(params), {})


def positional_params(method: RpcMethod, named: Mapping[str, Any]) -> list[Any]:
    """Render named params positionally, filling gaps before the last given one with defaults."""
    names = method.param_names
    last = max((names.index(n) for n in named), default=-1)
    values: list[Any] = []
    for param in method.params[: last + 1]:
        if param.name in named:
            values.append(named[param.name])
        elif param.default is REQUIRED:
            raise UsageError(f"{method.name}() is missing required argument {param.name!r}")
        else:
            values.append(param.default)
    return values
