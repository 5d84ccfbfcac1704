"""The event-feed resource: ``/events`` and ``/events/deleted``, paged by cursor."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from nutshell_core.catalog import RestOperation
from nutshell_core.errors import UsageError
from nutshell_rest._requests import IdLike, _any_typed_id, _as_text, _extra_params, _typed_id, _unix
from nutshell_rest.envelope import Envelope, Item
from nutshell_rest.paging import DEFAULT_MAX_PAGES, EventCursor, Page, Params, page_from_envelope
from nutshell_rest.resources.base import Requires, Resource


class Events(Resource):
    """The event feed: ``/events`` (the same events webhooks deliver) and ``/events/deleted``.

    The feed pages by ``since_id``/``max_id`` and ``meta.next`` rather than ``page[page]``.
    """

    _base = "/events"
    _requires: ClassVar[Requires] = (("GET", ""), ("GET", "/deleted"))

    def _params(
        self,
        *,
        since_id: IdLike | None,
        max_id: IdLike | None,
        since_time: int | datetime | None,
        max_time: int | datetime | None,
        entity_id: str | None,
        limit: int | None,
        payload_types: Sequence[str],
        creators: Sequence[IdLike],
        include: Sequence[str],
        params: Mapping[str, Any] | Params | None,
    ) -> builtins.list[tuple[str, str]]:
        pairs: builtins.list[tuple[str, str]] = []
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise UsageError(f"limit must be an int >= 1, not {limit!r}")
            pairs.append(("limit", str(limit)))
        if since_id is not None:
            pairs.append(("since_id", self._id(since_id)))
        if max_id is not None:
            pairs.append(("max_id", self._id(max_id)))
        if since_time is not None:
            pairs.append(("since_time", _unix(since_time, "since_time")))
        if max_time is not None:
            pairs.append(("max_time", _unix(max_time, "max_time")))
        if entity_id is not None:
            pairs.append(("entity_id", _any_typed_id(entity_id, "entity_id")))
        pairs += [("filters[payload][]", _as_text(t, "payload type")) for t in payload_types]
        pairs += [("filters[creator][]", _typed_id(c, "users", "creator")) for c in creators]
        pairs += [("events[]", _as_text(kind, "event kind")) for kind in include]
        return pairs + _extra_params(params)

    def list(
        self,
        *,
        since_id: IdLike | None = None,
        max_id: IdLike | None = None,
        since_time: int | datetime | None = None,
        max_time: int | datetime | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        payload_types: Sequence[str] = (),
        creators: Sequence[IdLike] = (),
        include: Sequence[str] = (),
        params: Mapping[str, Any] | Params | None = None,
        resolve: bool = False,
    ) -> Envelope:
        """One page of ``GET /events``; records are :class:`~nutshell_rest.envelope.Event`.

        ``payload_types`` filters by entity type (``filters[payload][]``), ``creators`` by
        user (``filters[creator][]``), ``include`` opts in to extra kinds (``events[]``).
        Times are unix seconds or aware datetimes. ``meta.next`` holds the next page's URL.
        """
        pairs = self._params(
            since_id=since_id,
            max_id=max_id,
            since_time=since_time,
            max_time=max_time,
            entity_id=entity_id,
            limit=limit,
            payload_types=payload_types,
            creators=creators,
            include=include,
            params=params,
        )
        return self._fetch(self._op("GET"), params=pairs, resolve=resolve)

    def iterate(
        self,
        *,
        since_id: IdLike | None = None,
        since_time: int | datetime | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        payload_types: Sequence[str] = (),
        creators: Sequence[IdLike] = (),
        include: Sequence[str] = (),
        params: Mapping[str, Any] | Params | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        resolve: bool = False,
    ) -> EventCursor[Item]:
        """Every event from ``since_id`` on, lazily, following ``meta.next``.

        Stops at an empty page or when ``meta.next`` is absent or repeats; the cursor's
        ``next_params`` then hold the query to poll with later. See
        :class:`~nutshell_rest.paging.EventCursor`.
        """
        op = self._op("GET")
        pairs = self._params(
            since_id=since_id,
            max_id=None,
            since_time=since_time,
            max_time=None,
            entity_id=entity_id,
            limit=limit,
            payload_types=payload_types,
            creators=creators,
            include=include,
            params=params,
        )
        return self._cursor(op, pairs, max_pages=max_pages, resolve=resolve)

    def _cursor(
        self,
        op: RestOperation,
        pairs: Params,
        *,
        max_pages: int,
        resolve: bool,
    ) -> EventCursor[Item]:
        def fetch(query: Params, index: int) -> Page[Item]:
            envelope = self._fetch(op, params=query, resolve=resolve)
            return page_from_envelope(index, envelope)

        return EventCursor(fetch, pairs, path=op.path, max_pages=max_pages, target=f"GET {op.path}")

    def deleted(
        self,
        *,
        types: str | None = None,
        newest_first: bool = False,
        params: Mapping[str, Any] | Params | None = None,
    ) -> Envelope:
        """``GET /events/deleted``: deletion events, optionally of one entity type
        (``filter[types]``); ``newest_first`` sends ``sort=-change_time``."""
        op = self._op("GET", "/deleted")
        return self._fetch(op, params=self._deleted_params(types, newest_first, params))

    def iterate_deleted(
        self,
        *,
        types: str | None = None,
        newest_first: bool = False,
        params: Mapping[str, Any] | Params | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> EventCursor[Item]:
        """Every deletion event, lazily, following ``meta.next`` as :meth:`iterate` does."""
        op = self._op("GET", "/deleted")
        pairs = self._deleted_params(types, newest_first, params)
        return self._cursor(op, pairs, max_pages=max_pages, resolve=False)

    def _deleted_params(
        self, types: str | None, newest_first: bool, params: Mapping[str, Any] | Params | None
    ) -> builtins.list[tuple[str, str]]:
        pairs: builtins.list[tuple[str, str]] = []
        if types is not None:
            pairs.append(("filter[types]", _as_text(types, "types")))
        if newest_first:
            pairs.append(("sort", "-change_time"))
        return pairs + _extra_params(params)
