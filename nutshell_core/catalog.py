"""The catalog: every legacy JSON-RPC method and every REST operation, declared as data.

This module is the single source of truth for both APIs. The RPC client builds its methods and
positional-to-named mapping from :data:`RPC_METHODS`; the REST client, the bridge, the emulator,
the migration matrix and the retry policy all read the same rows. A new method is one new row.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final

import attrs

from nutshell_core.errors import UnknownMethodError

__all__ = [
    "REQUIRED",
    "RPC_METHODS",
    "REST_OPERATIONS",
    "Access",
    "Param",
    "Paging",
    "RestOperation",
    "Returns",
    "RpcMethod",
    "rest_operation",
    "rpc_method",
]


class Access(enum.Enum):
    """Whether a call only reads or may change data."""

    READ = "read"
    WRITE = "write"


class Returns(enum.Enum):
    """What an RPC method's ``result`` holds."""

    RECORD = "record"  # one full record
    STUBS = "stubs"  # a list of stubs (full records when the call asks with stubResponses=false)
    RECORDS = "records"  # a list of full records
    BOOLEAN = "boolean"  # true on success (deletes)
    MAP = "map"  # an object of lists or values keyed by type or name
    VALUE = "value"  # anything else: a number, a string, a report


class Paging(enum.Enum):
    """How a REST collection pages."""

    NONE = "none"
    PAGE = "page"  # page[page] (0-based) and page[limit]
    CURSOR = "cursor"  # /events: since_id, with meta.next


class _Required(enum.Enum):
    REQUIRED = "REQUIRED"

    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a parameter that has no default.
REQUIRED: Final = _Required.REQUIRED


@attrs.frozen
class Param:
    """One RPC parameter: its name and its default (``REQUIRED`` when it has none)."""

    name: str
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        """True when the caller must supply the parameter."""
        return self.default is REQUIRED


@attrs.frozen(kw_only=True)
class RpcMethod:
    """A legacy JSON-RPC method: parameters in positional order, entity, access and result."""

    name: str
    params: tuple[Param, ...]
    entity: str | None  # the model class name ("Lead", "Contact", ...), None for misc methods
    access: Access
    idempotent: bool
    returns: Returns
    doc: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter names in positional order."""
        return tuple(p.name for p in self.params)


@attrs.frozen(kw_only=True)
class RestOperation:
    """A REST operation from Nutshell's OpenAPI document."""

    method: str  # upper-case HTTP method
    path: str  # the OpenAPI path template, e.g. "/leads/{id}/status"
    entity: str | None  # the model class name, None where no model class applies
    access: Access
    idempotent: bool
    paging: Paging
    primary_key: str | None  # the response's primary array key; None when there is no envelope
    webhook_event: str | None = None  # the event action a successful call triggers, if any
    doc: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """``(METHOD, path)``: the operation's identity."""
        return (self.method, self.path)


RPC_METHODS: Mapping[str, RpcMethod] = {}
REST_OPERATIONS: tuple[RestOperation, ...] = ()


def rpc_method(name: str) -> RpcMethod:
    """Return the catalog row for an RPC method, or raise :class:`UnknownMethodError`."""
    try:
        return RPC_METHODS[name]
    except KeyError:
        raise UnknownMethodError(f"unknown Nutshell JSON-RPC method {name!r}") from None


def rest_operation(method: str, path: str) -> RestOperation:
    """Return the catalog row for a REST operation, or raise :class:`UnknownMethodError`."""
    for op in REST_OPERATIONS:
        if op.method == method.upper() and op.path == path:
            return op
    raise UnknownMethodError(f"unknown Nutshell REST operation {method.upper()} {path}")
