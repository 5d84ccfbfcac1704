"""Revs across routes: a stale rev fails with 409 whichever API issued it.

The JSON-RPC API guards edits with a rev; the REST API has none and its records carry no
modification marker. So a result the bridge answers through REST carries a *bridge rev*: a
digest of the record's typed content (``"b:1f0c…"``). The rule for an edit or delete is then
the same on both routes:

* ``REV_IGNORE`` skips the check, as in the RPC API — only when the caller passed it;
* a bridge rev is checked by re-reading the record through REST and comparing digests;
* an RPC rev (digits) is checked through the RPC API when the bridge has an RPC client, and
  refused with :class:`~nutshell_core.errors.NotBridgeable` when it has none — never ignored.

A stale rev raises the RPC API's own error: ``ConflictError("rev key is out-of-date")``, 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import attrs

from nutshell_core.errors import ConflictError
from nutshell_core.model import UNSET, Record, Ref

__all__ = ["PREFIX", "REV_IGNORE", "conflict", "is_bridge_rev", "rev_token"]

REV_IGNORE = "REV_IGNORE"
PREFIX = "b:"

# Fields that say when or how a record was last seen, not what it holds.
_VOLATILE = frozenset({"memo", "rev", "stub", "modified_time", "record"})


def _canonical(value: Any) -> Any:
    if value is UNSET:
        return "<unset>"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, Ref):
        # A link is its target and role. Its name is display data that readers fill in from
        # the reference cache, so it must not change the digest of the record holding it.
        return [value.entity, _canonical(value.id), _canonical(value.relationship)]
    if attrs.has(type(value)):
        return {
            f.name: _canonical(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.name not in _VOLATILE
        }
    return value


def rev_token(record: Record) -> str:
    """The bridge rev of a record: a digest of its typed content."""
    payload = json.dumps(_canonical(record), sort_keys=True, default=str)
    return PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def is_bridge_rev(rev: object) -> bool:
    """True for a rev the bridge issued."""
    return isinstance(rev, str) and rev.startswith(PREFIX)


def conflict(method: str) -> ConflictError:
    """The RPC API's stale-rev error, raised the same way on every route."""
    return ConflictError("rev key is out-of-date", status=409, code=409, target=method)
