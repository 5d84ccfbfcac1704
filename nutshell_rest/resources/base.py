"""The base of every REST resource: the catalog rows under one entity endpoint.

A resource owns the rows whose path starts with its base (``/leads`` owns
``/leads/{id}/status``) and checks at construction that every verb it offers is one of them,
so the client cannot drift from the catalog.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from nutshell_core.catalog import REST_OPERATIONS, Paging, RestOperation
from nutshell_core.errors import (
    ConfigurationError,
    MalformedResponseError,
    UnknownMethodError,
    UsageError,
)
from nutshell_core.model import ENTITIES
from nutshell_core.transport import UNSET
from nutshell_rest._requests import IdLike, _extra_params, _fill, _typed_id
from nutshell_rest.checks import check_answer
from nutshell_rest.convert import parse_id
from nutshell_rest.envelope import Envelope, Item
from nutshell_rest.paging import Params
from nutshell_rest.query import Query

if TYPE_CHECKING:
    from nutshell_rest.client import RestClient


#: (method, path suffix after the resource base) -> the catalog row.
Rows = Mapping[tuple[str, str], RestOperation]
#: The (method, suffix) rows a verb mixin needs.
Requires = tuple[tuple[str, str], ...]


def rows_under(base: str) -> dict[tuple[str, str], RestOperation]:
    """The catalog rows whose path is ``base`` or starts with ``base/``, keyed by (method,
    suffix). The first segment is compared case-insensitively: the OpenAPI document spells
    one product-map path ``/productMaps/{id}``."""
    lowered = base.lower()
    return {
        (op.method, op.path[len(base) :]): op
        for op in REST_OPERATIONS
        if op.path.lower() == lowered or op.path.lower().startswith(lowered + "/")
    }


class Resource:
    """The operations of one entity endpoint, taken from the catalog rows under its base.

    Subclasses combine verb mixins (:class:`Listable`, :class:`Gettable`, ...); each mixin
    declares in ``_requires`` the ``(method, suffix)`` rows it needs, and construction fails
    with :class:`ConfigurationError` if the catalog lacks one, so a resource offers only the
    verbs the API has. ``rest_type`` (``"leads"``) formats plain int ids.
    """

    _base: ClassVar[str] = ""
    _requires: ClassVar[Requires] = ()

    def __init__(self, client: RestClient, base: str | None = None) -> None:
        self._client = client
        self.base = base or self._base
        """The path every operation of this resource starts with (``"/leads"``)."""
        if not self.base.startswith("/"):
            raise ConfigurationError(f"{type(self).__name__}: a resource needs a base path")
        self.rows: Rows = rows_under(self.base)
        """The catalog rows of this resource by (method, path suffix)."""
        for key in sorted(self.served):
            if key not in self.rows:
                raise ConfigurationError(
                    f"{type(self).__name__} offers {key[0]} {self.base}{key[1]}, "
                    "which the catalog does not have"
                )
        main = self.rows.get(("GET", "")) or self.rows.get(("GET", "/{id}"))
        if main is None:
            main = next(iter(self.rows.values()), None)
        if main is None:
            raise ConfigurationError(f"no catalog rows under {self.base}")
        cls = ENTITIES.get(main.entity or "")
        self.primary_key: str = main.primary_key or self.base.lstrip("/")
        """The array key of this resource's records (``"productMaps"``)."""
        self.rest_type: str = cls.rest_type if cls is not None else self.primary_key
        """The REST type of this resource's ids (``"leads"``)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base}>"

    @property
    def served(self) -> frozenset[tuple[str, str]]:
        """The ``(method, suffix)`` rows this resource's methods serve (its mixins' needs)."""
        return frozenset(
            key for klass in type(self).__mro__ for key in vars(klass).get("_requires", ())
        )

    def _op(self, method: str, suffix: str = "") -> RestOperation:
        try:
            return self.rows[(method, suffix)]
        except KeyError:
            raise UnknownMethodError(
                f"unknown Nutshell REST operation {method} {self.base}{suffix}"
            ) from None

    def _id(self, value: IdLike) -> str:
        return _typed_id(value, self.rest_type, f"{self.rest_type} id")

    def _target(self, op: RestOperation, path_params: Mapping[str, str] | None = None) -> str:
        return f"{op.method} {_fill(op.path, path_params or {})}"

    def _fetch(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Params | None = None,
        resolve: bool = False,
    ) -> Envelope:
        """A GET that must return an envelope."""
        envelope = self._client._envelope(op, path_params, params=params, resolve=resolve)
        assert envelope is not None  # GETs never take the empty-body shortcut
        return envelope

    def _write(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        json: Any = UNSET,
        primary_key: str | None = None,
        resolve: bool = False,
    ) -> Item | None:
        """A write returning its one record, or None when the server sent no body."""
        envelope = self._client._envelope(
            op, path_params, primary_key=primary_key, json=json, resolve=resolve
        )
        if envelope is None or not envelope.records:
            return None
        return envelope.records[0]

    def _one(self, envelope: Envelope, target: str, asked: str | None = None) -> Item:
        """The one record of ``envelope``; when ``asked`` (a wire id) is given, it must be
        that record: another type or id is a wrong answer (:meth:`_check_asked`)."""
        if len(envelope.records) != 1:
            raise MalformedResponseError(
                "expected exactly one record",
                target,
                problems=(f"{len(envelope.records)} records @ $.{envelope.primary_key}",),
            )
        if asked is not None:
            self._check_asked(envelope, target, [asked])
        return envelope.records[0]

    def _check_asked(self, envelope: Envelope, target: str, asked: Iterable[str]) -> None:
        """Raise MalformedResponseError unless every primary record is of this resource's
        type and has one of the ``asked`` ids (wire ids this resource formatted)."""
        numbers = {parse_id(value, self.rest_type)[0] for value in asked}
        check_answer(envelope, target, self.rest_type, numbers)

    def _collection_params(
        self,
        op: RestOperation,
        query: Query | None,
        params: Mapping[str, Any] | Params | None,
    ) -> tuple[Query, builtins.list[tuple[str, str]]]:
        if query is not None and not isinstance(query, Query):
            raise UsageError(f"query must be a Query, not {query!r}")
        q = query if query is not None else Query(rest_type=self.rest_type)
        if op.paging is not Paging.PAGE and (q.limit is not None or q.page_index is not None):
            raise UsageError(f"GET {op.path} is not paged; leave page and limit out")
        return q, _extra_params(params)
