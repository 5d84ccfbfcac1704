"""Lazy iteration over paged REST collections and the ``/events`` feed (rest-api.md §4).

:class:`Pager` walks ``page[page]`` (0-based) with a fixed ``page[limit]``; :class:`EventCursor`
follows ``meta.next`` of ``GET /events``. Both fetch one page at a time, only when iteration
needs it, and keep nothing but the current page, so walking a million records costs the memory
of one page. Both are bounded by ``max_pages``, because a server that ignores the paging
parameters would otherwise be walked forever.

Neither knows about HTTP: each is given a ``fetch`` function returning a :class:`Page`, which
keeps them testable and lets the client decide how a page is requested and parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import attrs

from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import Record, Unset
from nutshell_rest.envelope import Envelope

__all__ = [
    "DEFAULT_MAX_PAGES",
    "CursorFetch",
    "EventCursor",
    "Page",
    "PageFetch",
    "Pager",
    "Params",
    "page_from_envelope",
    "record_id",
]

T = TypeVar("T")

#: The default bound on pages per iteration: 100,000 pages of 100 is ten million records, far
#: beyond any real collection, yet finite.
DEFAULT_MAX_PAGES: Final = 100_000

#: Query pairs, in order (repeated keys such as ``filters[payload][]`` are allowed).
Params = Sequence[tuple[str, str]]


@attrs.frozen
class Page(Generic[T]):
    """One fetched page: its 0-based ``index`` in this iteration, its ``records``, the
    envelope's ``meta`` (empty when absent) and the parsed ``envelope`` (for side-loads)."""

    index: int
    records: tuple[T, ...]
    meta: Mapping[str, Any] = attrs.field(factory=dict)
    envelope: Envelope | None = attrs.field(default=None, repr=False)


def page_from_envelope(index: int, envelope: Envelope) -> Page[Record | Mapping[str, Any]]:
    """A :class:`Page` holding an envelope's primary records and meta."""
    meta = {} if isinstance(envelope.meta, Unset) else envelope.meta
    return Page(index=index, records=envelope.records, meta=meta, envelope=envelope)


#: ``fetch(page_index, limit)`` for :class:`Pager`; ``limit`` is None for unpaged collections.
PageFetch = Callable[[int, int | None], Page[T]]
#: ``fetch(params, page_index)`` for :class:`EventCursor`.
CursorFetch = Callable[[Params, int], Page[T]]


def record_id(item: object) -> object:
    """The id of a record or record dict, or None when it has none (used to spot repeats)."""
    if isinstance(item, Record):
        return None if isinstance(item.id, Unset) else item.id
    if isinstance(item, Mapping):
        return item.get("id")
    return None


def _check_bound(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UsageError(f"{what} must be an int >= 1, not {value!r}")
    return value


class _PageStream(Iterator[T]):
    """Records out of a lazily generated stream of pages, holding one page at a time."""

    def __init__(self, *, max_pages: int, target: str) -> None:
        self._max_pages = _check_bound(max_pages, "max_pages")
        self._target = target
        self._page_iter: Iterator[Page[T]] | None = None
        self._current: Iterator[T] | None = None
        self.pages_fetched = 0
        """How many requests (pages) have been made so far."""
        self.records_yielded = 0
        """How many records iteration has handed out so far."""
        self.exhausted = False
        """True once the last page has been seen."""

    def _generate(self) -> Iterator[Page[T]]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def pages(self) -> Iterator[Page[T]]:
        """The pages themselves, fetched as they are consumed.

        It is the same stream the record iteration reads from: use one or the other.
        """
        if self._page_iter is None:
            # Creating the generator runs none of its body, so no request is made here.
            self._page_iter = self._generate()
        return self._page_iter

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        while True:
            if self._current is not None:
                for item in self._current:
                    self.records_yielded += 1
                    return item
                self._current = None
            page = next(self.pages)  # StopIteration ends the records too
            # Only the record tuple is kept, not the page, so side-loads are freed early.
            self._current = iter(page.records)

    def _too_many(self, detail: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"gave up after {self._max_pages} pages: the server may be ignoring paging "
            "(raise max_pages if the collection really is this large)",
            self._target,
            problems=(detail,),
        )


class Pager(_PageStream[T]):
    """A lazy iterator over the records of a ``page[page]``/``page[limit]`` collection.

    Pages are requested in order from ``start`` (0-based) with ``limit`` records each, only as
    iteration reaches them. Iteration stops after an empty page or a page shorter than
    ``limit``. If a full page is followed by a page with exactly the same ids, the server is
    ignoring ``page[page]`` and :class:`MalformedResponseError` ("server ignored paging") is
    raised; so it is when more than ``max_pages`` pages would be needed. With ``paged=False``
    (a collection the API does not page) one request is made without page parameters and its
    records are all there is.

    ``pages_fetched``, ``records_yielded`` and ``exhausted`` report progress; :attr:`pages`
    iterates pages instead of records.
    """

    def __init__(
        self,
        fetch: PageFetch[T],
        *,
        limit: int | None,
        paged: bool = True,
        start: int = 0,
        max_pages: int = DEFAULT_MAX_PAGES,
        id_of: Callable[[T], object] = record_id,
        target: str = "",
    ) -> None:
        super().__init__(max_pages=max_pages, target=target)
        if paged:
            _check_bound(limit, "limit")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise UsageError(f"start must be a page number >= 0 (pages are 0-based), not {start!r}")
        self._fetch = fetch
        self._limit = limit if paged else None
        self._paged = paged
        self._start = start
        self._id_of = id_of

    @property
    def limit(self) -> int | None:
        """The ``page[limit]`` sent, or None for an unpaged collection."""
        return self._limit

    def _ids(self, records: tuple[T, ...]) -> frozenset[object] | None:
        ids = [self._id_of(record) for record in records]
        # Without an id on every record, two pages cannot be told apart: never claim a repeat.
        return None if any(i is None for i in ids) else frozenset(ids)

    def _generate(self) -> Iterator[Page[T]]:
        index = self._start
        previous: frozenset[object] | None = None  # ids of the last page, if it was full
        while True:
            if self.pages_fetched >= self._max_pages:
                raise self._too_many(f"page {index - 1} was full ({self._limit} records)")
            page = self._fetch(index, self._limit)
            self.pages_fetched += 1
            count = len(page.records)
            if count == 0:
                self.exhausted = True
                return
            full = self._paged and self._limit is not None and count >= self._limit
            ids = self._ids(page.records) if self._paged else None
            if previous is not None and ids == previous:
                raise MalformedResponseError(
                    "server ignored paging: a page repeated the previous page's records",
                    self._target,
                    problems=(f"pages {index - 1} and {index} hold the same {count} ids",),
                )
            # Only the ids of one page are kept, never the records: memory stays flat.
            previous = ids if full else None
            yield page
            del page
            if not full:
                self.exhausted = True
                return
            index += 1


def _next_params(url: str, path: str, target: str) -> list[tuple[str, str]]:
    """The query of a ``meta.next`` URL, checked to point at the same feed.

    Only the query is reused: the request goes to the client's own base URL, so a ``next`` URL
    naming another host can never receive the credentials.
    """
    parts = urlsplit(url)
    if not parts.path.rstrip("/").endswith(path):
        raise MalformedResponseError(
            "meta.next points at another resource", target, problems=(f"{url!r} @ $.meta.next",)
        )
    return parse_qsl(parts.query, keep_blank_values=True)


class EventCursor(_PageStream[T]):
    """A lazy iterator over the ``/events`` feed (or ``/events/deleted``), following
    ``meta.next``.

    The first request sends ``params`` (e.g. ``since_id`` and ``limit``); each following
    request sends the query of the previous page's ``meta.next`` to ``path`` on the client's
    base URL. Iteration stops after an empty page, or when ``meta.next`` is absent or the same
    as before; more than ``max_pages`` pages raises :class:`MalformedResponseError`.
    :attr:`next_params` holds what the next request would send, to resume a later poll from.
    """

    def __init__(
        self,
        fetch: CursorFetch[T],
        params: Params = (),
        *,
        path: str = "/events",
        max_pages: int = DEFAULT_MAX_PAGES,
        target: str = "",
    ) -> None:
        super().__init__(max_pages=max_pages, target=target or f"GET {path}")
        self._fetch = fetch
        self._path = path
        self.next_params: tuple[tuple[str, str], ...] = tuple(params)
        """The query the next request sends (after the end: the one to poll with later)."""

    def _generate(self) -> Iterator[Page[T]]:
        index = 0
        seen_next: str | None = None
        while True:
            if self.pages_fetched >= self._max_pages:
                raise self._too_many(f"meta.next still given after page {index - 1}")
            page = self._fetch(self.next_params, index)
            self.pages_fetched += 1
            following = page.meta.get("next")
            if isinstance(following, str) and following and following != seen_next:
                params = tuple(_next_params(following, self._path, self._target))
                more = params != self.next_params
                seen_next = following
            else:
                params, more = self.next_params, False
            if not page.records:
                # An empty page is the head of the feed; its next (if any) is where to resume.
                self.next_params = params
                self.exhausted = True
                return
            self.next_params = params
            yield page
            del page
            if not more:
                self.exhausted = True
                return
            index += 1
