"""Lazy paging: ``Pager`` over page[page]/page[limit], ``EventCursor`` over meta.next.

The unit tests drive the iterators with fake ``fetch`` functions; the client tests answer with
``responses`` (recorded fixtures where they fit); the memory test generates 25,000 records on
the fly and checks the peak stays flat. Every loop here is bounded.
"""

from __future__ import annotations

import gc
import itertools
import json
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from requests import PreparedRequest

from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import Account
from nutshell_core.transport import RetryPolicy
from nutshell_rest import Event, Query, RestClient
from nutshell_rest.paging import EventCursor, Page, Pager, Params, record_id

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rest"
BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def client() -> RestClient:
    return RestClient(USER, KEY, retry=RetryPolicy(max_attempts=1), sleep=lambda _: None)


def query_of(request: PreparedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(str(request.url)).query, keep_blank_values=True))


# -- Pager with a fake fetch --------------------------------------------------------------------


class FakeCollection:
    """``total`` records ``{"id": n}`` served ``limit`` at a time; records every fetch."""

    def __init__(self, total: int, *, ignore_paging: bool = False) -> None:
        self.total = total
        self.ignore_paging = ignore_paging
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, index: int, limit: int | None) -> Page[dict[str, int]]:
        self.calls.append((index, limit))
        size = limit if limit is not None else self.total
        first = 0 if self.ignore_paging else index * size
        ids = range(first, min(first + size, self.total))
        return Page(index=index, records=tuple({"id": i + 1} for i in ids), meta={"n": index})


def test_pager_is_lazy() -> None:
    fetch = FakeCollection(10)
    pager = Pager(fetch, limit=4)
    assert fetch.calls == []
    assert pager.pages_fetched == 0
    assert next(pager) == {"id": 1}
    assert fetch.calls == [(0, 4)]


def test_pager_stops_on_short_page() -> None:
    fetch = FakeCollection(10)
    pager = Pager(fetch, limit=4)
    assert [r["id"] for r in pager] == list(range(1, 11))
    assert fetch.calls == [(0, 4), (1, 4), (2, 4)]  # 4 + 4 + 2: the short page ends it
    assert (pager.pages_fetched, pager.records_yielded, pager.exhausted) == (3, 10, True)


def test_pager_stops_on_empty_page() -> None:
    fetch = FakeCollection(8)
    assert len(list(Pager(fetch, limit=4))) == 8
    assert fetch.calls == [(0, 4), (1, 4), (2, 4)]  # the third page is empty


def test_pager_empty_collection() -> None:
    fetch = FakeCollection(0)
    pager = Pager(fetch, limit=4)
    assert list(pager) == []
    assert fetch.calls == [(0, 4)] and pager.exhausted


def test_pager_pages_view() -> None:
    fetch = FakeCollection(6)
    pages = list(Pager(fetch, limit=4).pages)
    assert [p.index for p in pages] == [0, 1]
    assert [len(p.records) for p in pages] == [4, 2]
    assert pages[1].meta == {"n": 1}


def test_pager_start_page() -> None:
    fetch = FakeCollection(10)
    assert [r["id"] for r in Pager(fetch, limit=4, start=1)] == [5, 6, 7, 8, 9, 10]
    assert fetch.calls[0] == (1, 4)


def test_pager_unpaged_fetches_once() -> None:
    fetch = FakeCollection(7)
    pager = Pager(fetch, limit=None, paged=False)
    assert len(list(pager)) == 7
    assert fetch.calls == [(0, None)]
    assert pager.limit is None


def test_pager_detects_a_server_ignoring_paging() -> None:
    fetch = FakeCollection(50, ignore_paging=True)
    pager = Pager(fetch, limit=5)
    seen = list(itertools.islice(pager, 5))
    assert len(seen) == 5
    with pytest.raises(MalformedResponseError, match="server ignored paging"):
        next(pager)
    assert fetch.calls == [(0, 5), (1, 5)]  # stopped at the first repeat, not later


def test_pager_never_claims_a_repeat_without_ids() -> None:
    def fetch(index: int, limit: int | None) -> Page[dict[str, Any]]:
        return Page(index=index, records=({"name": "same"},) * 2 if index < 3 else ())

    assert len(list(Pager(fetch, limit=2))) == 6


def test_pager_is_bounded_by_max_pages() -> None:
    fetch = FakeCollection(10**9)  # an endless supply of distinct, full pages
    pager = Pager(fetch, limit=2, max_pages=3)
    with pytest.raises(MalformedResponseError, match="gave up after 3 pages"):
        list(pager)
    assert len(fetch.calls) == 3


@pytest.mark.parametrize(
    "kwargs",
    [{"limit": 0}, {"limit": None}, {"limit": 5, "max_pages": 0}, {"limit": 5, "start": -1}],
)
def test_pager_rejects_bad_bounds(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        Pager(FakeCollection(1), **kwargs)


def test_record_id() -> None:
    assert record_id(Account(id=3)) == 3
    assert record_id(Account()) is None
    assert record_id({"id": "3-x"}) == "3-x"
    assert record_id(7) is None


# -- EventCursor with a fake fetch --------------------------------------------------------------


def feed(
    pages: Sequence[tuple[list[int], str | None]],
) -> tuple[Callable[..., Page[int]], list[Params]]:
    """A fetch serving ``pages`` in order: (event ids, meta.next or None)."""
    sent: list[Params] = []

    def fetch(params: Params, index: int) -> Page[int]:
        sent.append(tuple(params))
        ids, following = pages[len(sent) - 1]
        meta: dict[str, Any] = {} if following is None else {"next": following}
        return Page(index=index, records=tuple(ids), meta=meta)

    return fetch, sent


NEXT = "https://app.nutshell.com/rest/events?limit=2&since_id={}-events"


def test_cursor_follows_meta_next_until_empty() -> None:
    fetch, sent = feed([([1, 2], NEXT.format(2)), ([3, 4], NEXT.format(4)), ([], NEXT.format(4))])
    cursor = EventCursor(fetch, [("limit", "2")])
    assert sent == []  # lazy
    assert list(cursor) == [1, 2, 3, 4]
    assert sent == [
        (("limit", "2"),),
        (("limit", "2"), ("since_id", "2-events")),
        (("limit", "2"), ("since_id", "4-events")),
    ]
    assert cursor.exhausted and cursor.pages_fetched == 3
    assert cursor.next_params == (("limit", "2"), ("since_id", "4-events"))


def test_cursor_stops_without_next() -> None:
    fetch, sent = feed([([1, 2], None)])
    assert list(EventCursor(fetch)) == [1, 2]
    assert len(sent) == 1


def test_cursor_stops_when_next_repeats() -> None:
    fetch, sent = feed([([1], NEXT.format(1)), ([2], NEXT.format(1))])
    assert list(EventCursor(fetch)) == [1, 2]
    assert len(sent) == 2


def test_cursor_is_bounded() -> None:
    pages = [([n], NEXT.format(n)) for n in range(1, 50)]
    fetch, sent = feed(pages)
    with pytest.raises(MalformedResponseError, match="gave up after 4 pages"):
        list(EventCursor(fetch, max_pages=4))
    assert len(sent) == 4


def test_cursor_refuses_a_next_to_another_resource() -> None:
    fetch, _ = feed([([1], "https://evil.example/rest/leads?since_id=1-events")])
    with pytest.raises(MalformedResponseError, match="another resource"):
        list(EventCursor(fetch))


# -- through the client -------------------------------------------------------------------------


def test_iterate_accounts_with_recorded_pages() -> None:
    first, empty = (
        fixture("read/accounts/1-first-page.json"),
        fixture("read/accounts/2-empty-page.json"),
    )
    assert len(first["accounts"]) == 3  # the recorded page holds 3 (its meta.count says 4)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/accounts", json=first)
        rsps.add(responses.GET, BASE + "/accounts", json=empty)
        with client() as api:
            pager = api.accounts.iterate(Query().sort("name"), page_size=3)
            assert len(rsps.calls) == 0  # nothing sent before iteration
            names = [a.name for a in pager if isinstance(a, Account)]
        sent = [query_of(call.request) for call in rsps.calls]
    assert names == [a["name"] for a in first["accounts"]]
    assert sent == [
        {"sort": "name", "page[limit]": "3", "page[page]": "0"},
        {"sort": "name", "page[limit]": "3", "page[page]": "1"},
    ]
    assert pager.pages_fetched == 2 and pager.records_yielded == 3


def test_iterate_stops_on_short_page_through_the_client() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/accounts", json=fixture("read/accounts/1-first-page.json"))
        with client() as api:
            records = list(api.accounts.iterate(page_size=100))
        assert len(rsps.calls) == 1
        assert query_of(rsps.calls[0].request)["page[page]"] == "0"
    assert len(records) == 3


def test_iterate_pages_view_carries_envelopes() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/accounts", json=fixture("read/accounts/1-first-page.json"))
        with client() as api:
            (page,) = list(api.accounts.iterate(page_size=10).pages)
    assert page.index == 0 and len(page.records) == 3
    assert page.meta["total"] == 4
    assert page.envelope is not None and page.envelope.primary_key == "accounts"


def test_iterate_detects_a_server_ignoring_paging() -> None:
    body = fixture("read/accounts/1-first-page.json")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/accounts", json=body)  # every page is page 0
        with client() as api, pytest.raises(MalformedResponseError, match="ignored paging"):
            list(api.accounts.iterate(page_size=3))
        assert len(rsps.calls) == 2


def test_iterate_query_page_and_limit_are_the_defaults() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/leads", json={"leads": []})
        with client() as api:
            assert list(api.leads.iterate(Query().page(limit=50, page=3))) == []
        assert query_of(rsps.calls[0].request) == {"page[limit]": "50", "page[page]": "3"}


def test_iterate_unpaged_collection_is_one_request() -> None:
    products = [{"id": f"{n}-products", "type": "products", "name": f"P{n}"} for n in (1, 2, 3)]
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/products", json={"products": products})
        with client() as api:
            assert len(list(api.products.iterate(Query().search("P")))) == 3
        assert len(rsps.calls) == 1
        assert query_of(rsps.calls[0].request) == {"q": "P"}


def test_events_cursor_through_the_client() -> None:
    page = fixture("read/events/1-first-page.json")
    head = {"meta": {"next": page["meta"]["next"]}, "links": {}, "events": []}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/events", json=page)
        rsps.add(responses.GET, BASE + "/events", json=head)
        with client() as api:
            cursor = api.events.iterate(limit=20, payload_types=["leads", "accounts"])
            events = list(cursor)
        sent = [call.request.url for call in rsps.calls]
    assert [e.id for e in events if isinstance(e, Event)] == [163, 39, 19]
    assert all(url is not None and url.startswith(BASE + "/events?") for url in sent)
    first = parse_qsl(urlsplit(str(sent[0])).query)
    assert first == [
        ("limit", "20"),
        ("filters[payload][]", "leads"),
        ("filters[payload][]", "accounts"),
    ]
    assert dict(parse_qsl(urlsplit(str(sent[1])).query)) == {
        "limit": "20",
        "since_id": "163-events",
        "since_time": "1755182580",
    }
    assert dict(cursor.next_params)["since_id"] == "163-events"


# -- memory -------------------------------------------------------------------------------------


def quote_pages(total: int, rsps: responses.RequestsMock) -> Callable[..., Any]:
    """A responses callback serving ``total`` quotes, each page built from its page params.

    Quotes are a paged collection whose records stay dicts (the model has no Quote class), so
    the measurement is the client's and the pager's memory, not the cost of tracing the model
    converter over 27,500 records (which would make this test take tens of seconds).
    """

    def callback(request: PreparedRequest) -> tuple[int, Mapping[str, str], str]:
        # responses keeps every request and response it served; dropped here so the mock's
        # own log does not grow with the collection and swamp what is being measured.
        rsps.calls.reset()
        for registered in rsps.registered():
            registered.calls.reset()
        params = query_of(request)
        limit, index = int(params["page[limit]"]), int(params["page[page]"])
        records = [
            {
                "id": f"{n}-quotes",
                "type": "quotes",
                "number": f"{1000 + n}-01",
                "total": {"amount": f"{n}.00", "currency": "USD", "formatted": f"${n}.00"},
                "displayStatus": "SENT",
                "createdTime": "2024-01-15T10:30:00Z",
                "links": {"lead": f"{n}-leads"},
            }
            for n in range(index * limit + 1, min((index + 1) * limit, total) + 1)
        ]
        body = {"meta": {"count": total, "total": total}, "links": {}, "quotes": records}
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return callback


def iterate_peak(total: int, page_size: int) -> tuple[int, int]:
    """(records seen, tracemalloc peak in bytes) for iterating ``total`` mocked quotes."""
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.GET, BASE + "/quotes", callback=quote_pages(total, rsps))
        with client() as api:
            pager = api.quotes.iterate(page_size=page_size)
            gc.collect()
            tracemalloc.start()
            try:
                count = 0
                for _ in pager:  # consumed without keeping the records
                    count += 1
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        # Full pages, then the empty page that ends the walk: the pager saw every page once.
        assert pager.pages_fetched == total // page_size + 1
    return count, peak


def test_memory_stays_flat_over_a_large_collection() -> None:
    small_count, small_peak = iterate_peak(2_500, 250)
    large_count, large_peak = iterate_peak(25_000, 250)
    assert (small_count, large_count) == (2_500, 25_000)
    # Ten times the records must not cost more than half as much memory again.
    assert large_peak <= 1.5 * small_peak, (small_peak, large_peak)
