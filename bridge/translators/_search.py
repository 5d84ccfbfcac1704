"""Legacy ``search*`` methods answered through REST: the legacy API's matches, order and limit.

The legacy search (jsonrpc-api.md; the emulator's JSON-RPC front and its assumptions) matches a
case-insensitive substring of a record's name -- for a lead also its number and description, a
lead's legacy name being "Lead–<number>" -- and answers the first ``limit`` matches ordered by
name (then type and id). ``searchUniversal`` answers the first ten matches of each type in id
order, ``searchByEmail`` up to five contacts and accounts with that exact address.

REST offers ``q=``, a free-text search over more fields than a name (emails, phones,
addresses...): its answer is a superset that the bridge narrows with the legacy match
(:func:`matches`). What it lists, so that the answer is exactly the legacy one:

* **in name order** (``search<Entity>``, the mixed searches): every record ``q=`` finds, in
  pages of :data:`SEARCH_PAGE` records (one request unless more match than a page holds). REST
  sorts text case-sensitively and the legacy API does not, so no first page of REST's name order
  is the legacy first ``limit``: all candidates are read, then sorted here;
* **in id order** (``searchUniversal``): pages sorted by id, only until ten legacy matches are
  seen (ten matches are the answer's whole share of that type);
* **leads by their name's "Lead–" prefix**: REST's ``q=`` sees a lead's number and description
  but not its legacy name, so text reaching into "Lead–" (``"a"``, ``"Lead"``, ``"ad–12"``)
  matches leads REST cannot search for. Those leads are exactly the ones whose number starts
  with the digits after the prefix -- every lead when there are none (:func:`lead_prefix`) --
  and :func:`numbered_leads` lists them with ``filter[number]=>N`` and ``sort=number``, a few
  requests for each length of number present, however large the limit.

Lead numbers are taken to be unique positive whole numbers written without leading zeros, as
Nutshell numbers leads (one after another from 1000) and as ``filter[number]`` compares them
(rest-api.md §4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from bridge.context import BridgeContext
from nutshell_core.catalog import REQUIRED, RpcMethod
from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Lead, Record
from nutshell_rest.envelope import Envelope
from nutshell_rest.query import MAX_PAGE_LIMIT, Query
from nutshell_rpc.inputs import bad_input, read_int, read_text
from nutshell_rpc.search import LEAD_PREFIX, matches, search_name, search_order

if TYPE_CHECKING:
    from bridge.translators.reads import Entity

__all__ = [
    "BY_EMAIL_LIMIT",
    "LEAD_PREFIX",
    "NUMBER_PAGE",
    "SEARCH_PAGE",
    "UNIVERSAL",
    "UNIVERSAL_LIMIT",
    "by_email_searcher",
    "lead_prefix",
    "matches",
    "numbered_leads",
    "search_name",
    "searcher",
    "universal_searcher",
]

Params = Mapping[str, Any]
Run = Callable[[BridgeContext, Params], Any]

#: How a lead is named in the RPC API, and so what a search matches: "Lead–<number>".

#: Records per request when candidates are listed: REST's largest page, so that a search is one
#: request unless more records match than that.
SEARCH_PAGE: Final = MAX_PAGE_LIMIT

#: The fewest leads asked for per request when leads are listed by number: small ranges (the
#: one-digit numbers, 12..12) then cost no request of their own.
NUMBER_PAGE: Final = 100

#: The longest lead number looked for (a 64-bit number has 19 digits): bounds the ranges tried.
MAX_NUMBER_DIGITS: Final = 19

#: Result keys of searchUniversal, in the RPC API's order, and how many each returns.
UNIVERSAL: Final = (("contacts", "Contact"), ("accounts", "Account"), ("leads", "Lead"))
UNIVERSAL_LIMIT: Final = 10

#: searchByEmail answers up to this many contacts and accounts.
BY_EMAIL_LIMIT: Final = 5


# -- what the legacy API matches ------------------------------------------------------------------


def _id(record: Record) -> int:
    return record.id if isinstance(record.id, int) else 0


def lead_prefix(text: str) -> str | None:
    """The digits a lead's number must start with for ``text`` to match its "Lead–" name.

    ``""`` when the text lies within "Lead–" (every lead's name holds it), the digits after the
    prefix for text such as ``"ad–12"`` (the leads numbered 12, 120..129, 1200..1299...), and
    None when the text can only match a lead's name where REST's ``q=`` sees it too (its
    number) or not at all.
    """
    needle = text.strip().casefold()
    prefix = LEAD_PREFIX.casefold()
    if needle in prefix:  # the empty text included: it matches every record
        return ""
    for start in range(len(prefix)):
        tail = prefix[start:]
        digits = needle[len(tail) :]
        # ASCII digits only: "²" is a digit to str.isdigit, never part of a lead number.
        if needle.startswith(tail) and digits.isascii() and digits.isdigit():
            return digits
    return None


# -- listing candidates ---------------------------------------------------------------------------


class _Pool:
    """The records of one type listed so far (each once, by id) and their side-loads."""

    def __init__(self, cls: type[Record]) -> None:
        self.cls = cls
        self.records: dict[int, Record] = {}
        self.included: list[Record] = []

    def add_records(self, records: Iterable[object]) -> list[Record]:
        """Keep the records of the pool's type; returns them, in the order given."""
        found = [r for r in records if isinstance(r, self.cls) and isinstance(r.id, int)]
        for record in found:
            self.records.setdefault(_id(record), record)
        return found

    def add(self, envelope: Envelope) -> list[Record]:
        """Keep a response's records and side-loads; returns its records of the pool's type."""
        side = [item for items in envelope.included.values() for item in items]
        self.included += [item for item in side if isinstance(item, Record)]
        return self.add_records(envelope.records)

    def hits(self, text: str) -> list[Record]:
        """The records the legacy API matches, in id order."""
        return [r for _, r in sorted(self.records.items()) if matches(r, text)]


def _text_query(entity: Entity, text: str) -> Query:
    """``q=`` for ``text`` (nothing for blank text, which matches every record), in id order."""
    query = Query(rest_type=entity.cls.rest_type)
    if text.strip():
        query = query.search(text.strip())
    # A stable order keeps the pages apart; an unpaged collection is one request anyway.
    return query.sort("id") if entity.paged else query


def _list_pages(
    context: BridgeContext,
    entity: Entity,
    query: Query,
    pool: _Pool,
    *,
    page_size: int,
    enough: Callable[[], bool] | None = None,
) -> None:
    """Add the records ``query`` lists, page by page, until the last page or ``enough()``.

    The pager stops at a short page, refuses a server that ignores paging, and is bounded.
    """
    resource = getattr(context.rest, entity.resource)
    for page in resource.iterate(query, page_size=max(1, min(page_size, MAX_PAGE_LIMIT))).pages:
        if page.envelope is not None:
            pool.add(page.envelope)
        else:
            pool.add_records(page.records)
        if enough is not None and enough():
            return


def _number(record: Record) -> int | None:
    number = getattr(record, "number", None)
    if isinstance(number, str) and number.isascii() and number.isdigit():
        return int(number)
    return None


def _number_range(digits: str, width: int) -> tuple[int, int]:
    """The numbers of ``width`` digits that start with ``digits`` (all of them for ``""``)."""
    if not digits:
        return 10 ** (width - 1), 10**width - 1
    scale = 10 ** (width - len(digits))
    return int(digits) * scale, (int(digits) + 1) * scale - 1


def numbered_leads(
    context: BridgeContext, entity: Entity, digits: str, pool: _Pool, *, want: int | None
) -> None:
    """Add the leads whose number starts with ``digits`` (every lead for ``""``) to ``pool``:
    for each length of number, the first ``want`` in number order (all of them for None).

    Why that suffices for a search in name order: "Lead–N" names sort as the text of N, and
    numbers of one length sort the same as text and as numbers, so the first ``want`` names
    are among the first ``want`` of each length. The numbers of one length that start with
    ``digits`` are one range (12 -> 120..129 for three digits), so each length is listed
    from the start of its range with ``filter[number]=>start-1``, ``sort=number`` and one page.

    One ascending run of numbers is followed while it covers the next range (a page reaching
    1200 already holds the start of 1200..1299); a range past the run starts a new run, and a
    length with no numbers (nothing between 129 and the next number seen, 15000) is skipped. A
    short page ends the search: every number past the run's start has been seen. So the
    requests are about one per length of number present, whatever ``want`` is (up to REST's
    largest page).
    """
    if digits.startswith("0"):
        return  # no lead number starts with a zero
    resource = getattr(context.rest, entity.resource)
    start: int | None = None  # every lead numbered start..top is in the pool (one run)
    top = 0
    seen: list[int] = []  # the run's numbers, ascending
    exhausted = False  # the run reached the last lead
    width = max(len(digits), 1)
    while width <= MAX_NUMBER_DIGITS and not exhausted:
        low, high = _number_range(digits, width)
        while not exhausted:
            if start is not None and start <= low <= top + 1:
                held = sum(1 for n in seen if low <= n <= high)
                if top >= high or (want is not None and held >= want):
                    break
                after = top
            else:
                start, top, seen = low, low - 1, []
                after = low - 1
            # A page of at least NUMBER_PAGE leads also covers the short ranges around this one.
            size = max(want if want is not None else high - after, NUMBER_PAGE)
            size = min(size, MAX_PAGE_LIMIT)
            query = Query(rest_type=entity.cls.rest_type).range("number", gt=after).sort("number")
            envelope = resource.list(query, page=0, limit=size)
            numbers = [n for n in map(_number, pool.add(envelope)) if n is not None]
            exhausted = len(envelope.records) < size
            if numbers and (numbers != sorted(numbers) or numbers[0] <= after):
                raise MalformedResponseError(
                    "REST ignored filter[number] or sort=number listing leads for a search",
                    f"GET {entity.base}",
                    problems=(f"numbers {numbers[:5]} after asking for numbers above {after}",),
                )
            if not numbers:
                if not exhausted:
                    raise MalformedResponseError(
                        "REST listed a full page of leads without numbers for a search",
                        f"GET {entity.base}",
                        problems=(f"{size} leads above number {after}, none numbered",),
                    )
                break
            seen += numbers
            top = numbers[-1]
        beyond = next((n for n in seen if n > high), None)
        # No number lies between the range and the next number seen: skip the lengths between.
        width = max(width + 1, len(str(beyond))) if beyond is not None else width + 1


def _by_name(context: BridgeContext, entity: Entity, text: str, limit: int) -> _Pool:
    """Candidates holding the first ``limit`` legacy matches of one type in name order."""
    pool = _Pool(entity.cls)
    if entity.cached:
        pool.add_records(r for _, r in sorted(context.cache.records(entity.cls).items()))
        return pool
    digits = lead_prefix(text) if entity.cls is Lead else None
    if digits is not None:
        numbered_leads(context, entity, digits, pool, want=limit)
        if not digits:
            return pool  # every lead matches: q= has nothing to add

    def keep_first() -> bool:
        # Memory stays bounded by the limit and one page, however many records q= matches:
        # only the first ``limit`` matches in name order can be in the answer. Their
        # side-loads are dropped too; completing the stubs fetches what they need.
        kept = sorted((r for r in pool.records.values() if matches(r, text)), key=search_order)
        pool.records = {_id(r): r for r in kept[:limit]}
        pool.included = []
        return False

    # Through q= the rest: descriptions, numbers and names of every type.
    _list_pages(
        context, entity, _text_query(entity, text), pool, page_size=SEARCH_PAGE, enough=keep_first
    )
    return pool


def _by_id(context: BridgeContext, entity: Entity, text: str, want: int) -> _Pool:
    """Candidates holding the first ``want`` legacy matches of one type in id order."""
    pool = _Pool(entity.cls)
    digits = lead_prefix(text) if entity.cls is Lead else None
    if digits == "":
        # Every lead matches: the first ``want`` leads are the answer, one page of them.
        query = Query(rest_type=entity.cls.rest_type).sort("id")
        _list_pages(context, entity, query, pool, page_size=want, enough=lambda: True)
        return pool
    if digits is not None:
        # Numbers do not follow ids: every lead the prefix matches is a candidate.
        numbered_leads(context, entity, digits, pool, want=None)
    found = len(pool.hits(text))

    def enough() -> bool:
        return len(pool.hits(text)) - found >= want

    # Blank text matches every record: the first ``want`` listed are the answer.
    size = SEARCH_PAGE if text.strip() else want
    _list_pages(context, entity, _text_query(entity, text), pool, page_size=size, enough=enough)
    return pool


# -- the translators' runs ------------------------------------------------------------------------


def _defaults(row: RpcMethod, params: Params) -> dict[str, Any]:
    """Params with the catalog defaults filled in, as the RPC API fills them."""
    return {**{p.name: p.default for p in row.params if p.default is not REQUIRED}, **params}


def _named(context: BridgeContext, records: Iterable[Record]) -> list[Record]:
    return context.named_all(records)


def searcher(row: RpcMethod, entities: Sequence[Entity]) -> Run:
    """``search<Entity>`` and the mixed searches: the first ``limit`` matches in name order."""

    def run(context: BridgeContext, params: Params) -> Any:
        p = _defaults(row, params)
        text = read_text(p.get("string"), "string", null=False) or ""
        limit = read_int(p.get("limit", 10), "limit")
        if limit < 1:
            raise bad_input("limit", "must be 1 or more")
        found: list[Record] = []
        included: list[Record] = []
        for entity in entities:
            pool = _by_name(context, entity, text, limit)
            found += pool.hits(text)
            included += pool.included
        found.sort(key=search_order)
        return context.present(_named(context, found[:limit]), stub=True, included=included)

    return run


def universal_searcher(row: RpcMethod, entities: Mapping[str, Entity]) -> Run:
    """``searchUniversal``: up to ten contacts, accounts and leads, each type in id order."""

    def run(context: BridgeContext, params: Params) -> Any:
        text = read_text(params.get("string"), "string", null=False) or ""
        out: dict[str, list[dict[str, Any]]] = {}
        for key, name in UNIVERSAL:
            pool = _by_id(context, entities[name], text, UNIVERSAL_LIMIT)
            chosen = _named(context, pool.hits(text)[:UNIVERSAL_LIMIT])
            out[key] = context.present(chosen, stub=True, included=pool.included)
        return out

    return run


def by_email_searcher(row: RpcMethod, entities: Mapping[str, Entity]) -> Run:
    """``searchByEmail``: up to five contacts and accounts with exactly that address."""

    def run(context: BridgeContext, params: Params) -> Any:
        text = read_text(params.get("emailAddressString"), "emailAddressString", null=False)
        address = (text or "").strip()
        out: dict[str, list[dict[str, Any]]] = {}
        for key, name in (("contacts", "Contact"), ("accounts", "Account")):
            if not address:
                out[key] = []  # no address equals the empty one; REST refuses a blank email=
                continue
            entity = entities[name]
            resource = getattr(context.rest, entity.resource)
            query = Query(rest_type=entity.cls.rest_type).email(address).sort("id")
            pool = _Pool(entity.cls)
            found = pool.add(resource.list(query, page=0, limit=BY_EMAIL_LIMIT))
            out[key] = context.present(_named(context, found), stub=True, included=pool.included)
        return out

    return run
