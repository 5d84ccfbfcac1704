"""Bridged searches answer exactly what the legacy API answers: the same records, in the same
order, up to the same limit, for any text the legacy API accepts.

The legacy search matches a case-insensitive substring of a record's name (a lead's name is
"Lead–<number>", with an EN DASH) and orders by name; REST's ``q=`` sees neither that prefix nor
the legacy order. One seeded emulator, with leads numbered from 1 to seven digits added to it,
serves both routes: each bridged search is compared with the direct JSON-RPC answer, record for
record and in order, with only the translator's declared differences ignored.

Cost: text in the "Lead–" prefix lists leads by number ranges, a few requests per length of
number present, whatever the limit; REST answers that ignore the ranges or the order are
refused as malformed instead of being searched forever or answered wrongly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.cache import ReferenceCache
from bridge.context import BridgeContext
from bridge.diff import diff, from_differences
from bridge.translators import REGISTRY, _search, reads
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Lead
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator, rules
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI
from tests.bridge.worlds import rest_bridge

ENDPOINT = "https://app.nutshell.com/api/v1/json"

#: Lead numbers added to the seed (which numbers its own leads from 1000): every length from
#: one to seven digits, ranges that start with 1 and 12, and gaps between lengths.
NUMBERS = (1, 2, 9, 10, 12, 19, 99, 100, 120, 129, 130, 999, 1200, 1299, 12000, 12345, 99999,
           100000, 1234567)  # fmt: skip
DESCRIPTIONS = ("Lead–12 in words", "O'Brien & Co. (east)", "ad–1 again", "plain")


@attrs.frozen
class World:
    """The module's emulator, its mock and both routes (a lean bridge counts only searches)."""

    emulator: Emulator
    mock: responses.RequestsMock
    rpc: RpcAPI
    bridge: BridgeAPI
    lean: BridgeAPI

    def lead_lists(self) -> list[dict[str, str]]:
        """The query of every ``GET /rest/leads`` list request so far."""
        return [
            dict(parse_qsl(urlsplit(str(call.request.url)).query))
            for call in self.mock.calls
            if urlsplit(str(call.request.url)).path == "/rest/leads"
        ]


_bridge = rest_bridge


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    emulator = Emulator()
    emulator.seed(60, random_seed=7)
    for index, number in enumerate(NUMBERS):
        values = {"number": str(number), "description": DESCRIPTIONS[index % len(DESCRIPTIONS)]}
        rules.new_lead(emulator.store, values, None)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)
        bridge, lean = _bridge(), _bridge(lean=True)
        for api in (bridge, lean):
            api.context.cache.warm()
        yield World(emulator, mock, rpc, bridge, lean)
        bridge.close()
        lean.close()
        rpc.close()
    emulator.close()


def _ids(result: Any) -> Any:
    if isinstance(result, dict):
        return {key: _ids(items) for key, items in result.items()}
    return [item["id"] for item in result]


def _same_answer(world: World, method: str, **kwargs: Any) -> Any:
    """The bridged answer equals the direct one: same records, same order, same keys."""
    direct = world.rpc.call(method, **kwargs)
    bridged = world.bridge.call(method, **kwargs)
    assert _ids(bridged) == _ids(direct), (method, kwargs)
    ignore = from_differences(REGISTRY[method].differences)
    assert diff(direct, bridged, ignore=ignore) == (), (method, kwargs)
    return direct


#: Text the legacy API accepts: one letter, punctuation, the name prefix in every form.
TEXTS = ("", "a", "A", "e", "'", "&", ".", "(", "Lead", "lead–", "–", "d–", "LEAD–1", "Lead–12",
         "ead–120", "–9", "–0", "Lead–12 in", "12", "1200", "deal", "O'Brien", "zzz")  # fmt: skip


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("limit", [1, 3, 10, 50, 500])
def test_search_leads_answers_what_the_legacy_api_answers(
    world: World, text: str, limit: int
) -> None:
    _same_answer(world, "searchLeads", string=text, limit=limit)


@pytest.mark.parametrize("text", TEXTS)
def test_search_universal_answers_what_the_legacy_api_answers(world: World, text: str) -> None:
    _same_answer(world, "searchUniversal", string=text)


@pytest.mark.parametrize("method", ["searchContacts", "searchAccounts", "searchContactsAndUsers"])
@pytest.mark.parametrize("text", ["", "a", "o", "'", ".", "-", "@", "zzz"])
def test_one_letter_and_punctuation_searches_answer_the_legacy_records(
    world: World, method: str, text: str
) -> None:
    _same_answer(world, method, string=text, limit=25)


def test_the_prefix_searches_find_what_only_the_name_holds(world: World) -> None:
    """The searches REST's q= alone would answer wrongly are not empty: the test means it."""
    numbers = [s["name"] for s in _same_answer(world, "searchLeads", string="Lead–12", limit=50)]
    wanted = {"Lead–12", "Lead–120", "Lead–129", "Lead–1200", "Lead–1299", "Lead–12000"}
    assert wanted <= set(numbers)
    # Names sort as text: the short numbers added here come before the seed's (from 1000).
    first = _same_answer(world, "searchLeads", string="a", limit=3)
    assert [s["name"] for s in first] == ["Lead–1", "Lead–10", "Lead–100"]
    universal = _same_answer(world, "searchUniversal", string="ead–1")
    assert len(universal["leads"]) == _search.UNIVERSAL_LIMIT


def test_small_pages_change_no_answer(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """With pages of two records and number ranges a lead at a time, every path that pages
    (q= candidates, runs of numbers, the skip between lengths) is taken, and answers alike."""
    monkeypatch.setattr(_search, "SEARCH_PAGE", 2)
    monkeypatch.setattr(_search, "NUMBER_PAGE", 1)
    for text in ("a", "Lead–1", "Lead–12", "–9", "deal", "Lead–12 in", ""):
        for limit in (1, 7, 40):
            _same_answer(world, "searchLeads", string=text, limit=limit)
        _same_answer(world, "searchUniversal", string=text)
    for text in ("a", "'", ""):
        _same_answer(world, "searchContacts", string=text, limit=30)


def test_a_name_ordered_search_holds_no_more_than_its_limit_and_a_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many records q= matches, a search keeps only the first ``limit`` matches (and
    the page being read) in memory, and still answers the legacy records."""
    monkeypatch.setattr(_search, "SEARCH_PAGE", 3)
    largest = 0
    add = _search._Pool.add

    def counting(pool: Any, envelope: Any) -> Any:
        nonlocal largest
        found = add(pool, envelope)
        largest = max(largest, len(pool.records))
        return found

    monkeypatch.setattr(_search._Pool, "add", counting)
    answer = _same_answer(world, "searchContacts", string="a", limit=2)
    assert len(answer) == 2
    assert 0 < largest <= 2 + 3


def test_prefix_searches_cost_a_few_requests_whatever_the_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests grow with the lengths of number present, not with the limit."""
    monkeypatch.setattr(_search, "NUMBER_PAGE", 1)  # no page covers a neighbouring range
    lengths = {len(str(lead.number)) for lead in world.emulator.store.all(Lead)}
    for text in ("a", "Lead–1", "Lead–12"):
        for limit in (1, 10, 100, 1000, 5000):
            before = len(world.lead_lists())
            world.lean.call("searchLeads", string=text, limit=limit)
            requests = world.lead_lists()[before:]
            by_number = [r for r in requests if "filter[number]" in r]
            assert all(r["sort"] == "number" for r in by_number)
            # At most two per length (one run continued, one started) and the last, empty one.
            assert len(by_number) <= 2 * len(lengths) + 1, (text, limit, len(by_number))
            # Text with digits after the prefix also asks q= for descriptions: one page.
            assert len(requests) - len(by_number) == (0 if text == "a" else 1)


def test_universal_search_of_every_lead_is_one_short_page(world: World) -> None:
    before = len(world.lead_lists())
    world.lean.call("searchUniversal", string="lead")
    (request,) = world.lead_lists()[before:]
    assert request["sort"] == "id" and request["page[limit]"] == str(_search.UNIVERSAL_LIMIT)
    assert "q" not in request


# -- REST answers that would make a search wrong or endless ----------------------------------------

REST = "https://app.nutshell.com/rest"


def _lead(number: int) -> dict[str, Any]:
    return {"id": f"{number}-leads", "type": "leads", "number": str(number), "name": "x"}


def _context() -> BridgeContext:
    rest = RestClient(DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=REST, sleep=lambda _s: None)
    return BridgeContext(rest=rest, cache=ReferenceCache(rest), username=DEFAULT_EMAIL)


@pytest.mark.parametrize(
    ("numbers", "words"),
    [
        ([1005, 1001], "sort=number"),  # not in number order
        ([3, 4], "filter\\[number\\]"),  # not past the number asked for
        ([], "without numbers"),  # a full page, none numbered
    ],
)
def test_a_server_ignoring_number_ranges_is_malformed_not_searched_forever(
    numbers: list[int], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_search, "NUMBER_PAGE", 1)
    leads = [_lead(n) for n in numbers] or [{**_lead(7), "number": None}] * 2
    with responses.RequestsMock() as mock:
        mock.get(f"{REST}/leads", json={"meta": {}, "links": {}, "leads": leads})
        context = _context()
        pool = _search._Pool(Lead)
        with pytest.raises(MalformedResponseError, match=words):
            # Pages of two leads: each answer above is a full page that does not move on.
            _search.numbered_leads(context, reads.ENTITIES["Lead"], "", pool, want=2)
        assert len(mock.calls) <= 2
        context.rest.close()


def test_number_ranges_are_those_a_prefix_names() -> None:
    assert _search._number_range("", 1) == (1, 9)
    assert _search._number_range("", 4) == (1000, 9999)
    assert _search._number_range("12", 2) == (12, 12)
    assert _search._number_range("12", 4) == (1200, 1299)
