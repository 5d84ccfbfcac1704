"""Per-method routes: which API answers each legacy method.

Modes:

* ``rpc`` — the legacy JSON-RPC API answers (the default for every method);
* ``rest`` — the bridge answers through REST;
* ``shadow`` — RPC answers, REST runs alongside and is compared (reads only);
* ``shadow-rest`` — REST answers, RPC runs alongside and is compared (reads only; after cut-over);
* ``rest-fallback`` — REST answers; where REST cannot, RPC answers instead. A read falls back on
  an unsupported method, a refusal, a transport or server failure; a write only while no REST
  write of the call may have reached the server (an unsupported method, input REST cannot
  express, a failed read before the write), so it can route writes too, and a default of
  ``rest-fallback`` is fine.

Routes come from code (``Routes({"getLead": "rest"})``), from an environment variable
(``NUTSHELL_BRIDGE_ROUTES="getLead=rest,findLeads=shadow,*=rpc"`` or the same as JSON), or from a
TOML or JSON file (a ``[routes]`` table or top-level keys; ``"*"`` or ``default`` sets the
default). Validation refuses any mode that runs a write twice (``shadow`` and ``shadow-rest``
call both APIs for every call), when the routes are built.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from nutshell_core.catalog import RPC_METHODS, Access
from nutshell_core.errors import ConfigurationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["ENV_VAR", "Mode", "Routes", "calls_rpc_beside_rest"]

#: The environment variable :meth:`Routes.from_env` reads.
ENV_VAR = "NUTSHELL_BRIDGE_ROUTES"

_DEFAULT_KEYS = ("*", "default")


class Mode(enum.Enum):
    """How one legacy method is answered."""

    RPC = "rpc"
    REST = "rest"
    SHADOW = "shadow"
    SHADOW_REST = "shadow-rest"
    REST_FALLBACK = "rest-fallback"

    @property
    def runs_both(self) -> bool:
        """True for modes that may call both APIs for one call."""
        return self in (Mode.SHADOW, Mode.SHADOW_REST, Mode.REST_FALLBACK)

    @property
    def shadows(self) -> bool:
        """True for modes that run every call on both APIs: a write would run twice."""
        return self in (Mode.SHADOW, Mode.SHADOW_REST)

    @classmethod
    def parse(cls, value: str | Mode) -> Mode:
        """Read a mode name; raises ConfigurationError naming the choices."""
        if isinstance(value, Mode):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise ConfigurationError(
                f"unknown route mode {value!r}; use one of {choices}"
            ) from None


def _check(method: str, mode: Mode) -> None:
    row = RPC_METHODS.get(method)
    if row is None:
        raise ConfigurationError(f"routes name {method!r}, which is not a legacy method")
    if mode.shadows and row.access is Access.WRITE:
        raise ConfigurationError(
            f"{method} is a write: {mode.value} sends every call to both APIs, so the write "
            "would run twice (applied once through JSON-RPC and once through REST); route it "
            "to rpc, rest or rest-fallback"
        )


def _as_dict(modes: Mapping[str, Mode]) -> dict[str, Mode]:
    return dict(modes)


@attrs.frozen
class Routes:
    """A mode per legacy method, and a default for the rest."""

    modes: Mapping[str, Mode] = attrs.field(factory=dict, converter=_as_dict)
    default: Mode = Mode.RPC

    def __attrs_post_init__(self) -> None:
        for method, mode in self.modes.items():
            _check(method, mode)
        if self.default.shadows:
            writes = [n for n, r in RPC_METHODS.items() if r.access is Access.WRITE]
            unrouted = [n for n in writes if n not in self.modes]
            if unrouted:
                raise ConfigurationError(
                    f"a default of {self.default.value} would run every write twice, once "
                    f"through each API ({', '.join(unrouted[:3])}...); route every write to "
                    "rpc, rest or rest-fallback explicitly first"
                )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Routes:
        """Build from ``{"getLead": "rest", "*": "rpc"}`` (``default`` works like ``*``)."""
        if not isinstance(data, Mapping):
            raise ConfigurationError("routes must be a table of method = mode")
        default = Mode.RPC
        modes: dict[str, Mode] = {}
        for key, value in data.items():
            if not isinstance(value, str):
                raise ConfigurationError(f"route for {key!r} must be a mode name, not {value!r}")
            if key in _DEFAULT_KEYS:
                default = Mode.parse(value)
            else:
                modes[str(key)] = Mode.parse(value)
        return cls(modes, default)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, var: str = ENV_VAR) -> Routes:
        """Build from an environment variable; an unset or empty variable means all-rpc."""
        text = (environ if environ is not None else os.environ).get(var, "").strip()
        if not text:
            return cls()
        if text.startswith("{"):
            try:
                return cls.from_mapping(json.loads(text))
            except ValueError as exc:
                raise ConfigurationError(f"{var} is not valid JSON: {exc}") from None
        pairs: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            method, sep, mode = item.partition("=")
            if not sep or not method.strip() or not mode.strip():
                raise ConfigurationError(f"{var}: expected method=mode, got {item!r}")
            pairs[method.strip()] = mode.strip()
        return cls.from_mapping(pairs)

    @classmethod
    def from_file(cls, path: str | Path) -> Routes:
        """Build from a TOML (``.toml``) or JSON file, with a ``routes`` table or top-level keys."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
            data: Any = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read routes from {file}: {exc}") from None
        if isinstance(data, Mapping) and isinstance(data.get("routes"), Mapping):
            data = data["routes"]
        return cls.from_mapping(data)

    def mode_for(self, method: str) -> Mode:
        """The mode of one method."""
        return self.modes.get(method, self.default)

    def with_mode(self, method: str, mode: str | Mode) -> Routes:
        """A copy with one method's mode changed (the per-method migration step)."""
        return Routes({**self.modes, method: Mode.parse(mode)}, self.default)


def calls_rpc_beside_rest(routes: Routes) -> bool:
    """True when some route answers through the JSON-RPC API beside REST (``rest-fallback``,
    ``shadow``, ``shadow-rest``): the JSON-RPC API is then in use and reachable anyway."""
    beside = (Mode.REST_FALLBACK, Mode.SHADOW, Mode.SHADOW_REST)
    return any(mode in beside for mode in (routes.default, *routes.modes.values()))
