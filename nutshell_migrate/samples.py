"""Argument sets for ``nutshell-migrate compare``, learnt from the account itself.

The same code serves the emulator and a live account: a few bounded JSON-RPC reads (the first
page of leads, contacts, accounts, activities, tasks, products and users, and the timelines of
a few leads) give ids to fetch, names to search for and links to query by. Every argument set
is a read. A method whose arguments cannot be built from what the account holds (no notes,
say) is *skipped* with the reason, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeGuard

import attrs

from nutshell_core.catalog import RPC_METHODS
from nutshell_core.errors import NutshellError

__all__ = ["PROBE_LIMIT", "Plan", "Probe", "plan_calls"]

#: Records listed per kind while probing the account: enough ids for a few calls per method.
PROBE_LIMIT: Final = 20

#: Leads whose timelines are read to find notes and emails (one request each).
TIMELINE_PROBES: Final = 12

#: A search term no record should contain: the "nothing found" answer is compared too.
MISS: Final = "zzqxj"

Caller = Callable[..., Any]
Params = dict[str, Any]

#: Reference lists that take the standard find arguments (orderBy, orderDirection, limit, page).
REFERENCE_FINDS: Final = (
    "findUsers",
    "findSources",
    "findStagesets",
    "findMilestones",
    "findLead_Outcomes",
    "findMarkets",
    "findIndustries",
    "findTerritories",
    "findAccountTypes",
    "findActivityTypes",
    "findCompetitors",
    "findAudiences",
    "findOrigins",
    "findTeams",
    "findDelays",
    "findSettings",
)

#: Lists fetched while probing: the method and its arguments.
_LISTS: Final[Mapping[str, tuple[str, Params]]] = {
    "leads": ("findLeads", {"limit": PROBE_LIMIT, "stubResponses": False}),
    "contacts": ("findContacts", {"limit": PROBE_LIMIT, "stubResponses": False}),
    "accounts": ("findAccounts", {"limit": PROBE_LIMIT, "stubResponses": False}),
    "activities": ("findActivities", {"limit": PROBE_LIMIT}),
    "tasks": ("findTasks", {"limit": PROBE_LIMIT}),
    "products": ("findProducts", {"limit": PROBE_LIMIT, "stubResponses": False}),
    "users": ("findUsers", {"limit": PROBE_LIMIT}),
    "sources": ("findSources", {"limit": PROBE_LIMIT}),
}


class Probe:
    """Lazily read what the account holds; each list is read once, failures remembered."""

    def __init__(self, call: Caller) -> None:
        self._call = call
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._failures: dict[str, str] = {}
        self._timeline: list[dict[str, Any]] | None = None
        self._tags: dict[str, Any] | None = None

    def records(self, kind: str) -> list[dict[str, Any]]:
        """The first page of ``kind`` ("leads", "contacts"...); [] when it could not be read."""
        if kind not in self._lists:
            method, params = _LISTS[kind]
            self._lists[kind] = self._list(method, params, kind)
        return self._lists[kind]

    def _list(self, method: str, params: Params, kind: str) -> list[dict[str, Any]]:
        try:
            value = self._call(method, **params)
        except NutshellError as exc:
            self._failures[kind] = f"{method} failed: {type(exc).__name__}"
            return []
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    def why_none(self, kind: str) -> str:
        """Why ``kind`` gave nothing to work with: the read failed, or the account has none."""
        return self._failures.get(kind, f"the account has no {kind}")

    def ids(self, kind: str) -> list[int]:
        """The ids of the first page of ``kind``."""
        return [i for i in (r.get("id") for r in self.records(kind)) if _is_id(i)]

    def timeline(self) -> list[dict[str, Any]]:
        """Timeline items (activities, notes, emails) of the first few leads and contacts."""
        if self._timeline is None:
            items: list[dict[str, Any]] = []
            owners = [("Leads", i) for i in self.ids("leads")[:TIMELINE_PROBES]]
            owners += [("Contacts", i) for i in self.ids("contacts")[: TIMELINE_PROBES // 2]]
            for kind, record_id in owners:
                query = {"entityType": kind, "id": record_id}
                items.extend(self._list("findTimeline", {"query": query}, "timeline"))
            self._timeline = items
        return self._timeline

    def timeline_ids(self, entity_type: str) -> list[int]:
        """Distinct ids of the timeline items of one type ("Notes", "Emails")."""
        found = (i.get("id") for i in self.timeline() if i.get("entityType") == entity_type)
        return list(dict.fromkeys(i for i in found if _is_id(i)))

    def tags(self) -> list[str]:
        """Lead tags the account uses."""
        if self._tags is None:
            try:
                value = self._call("findTags")
            except NutshellError:
                value = {}
            self._tags = value if isinstance(value, dict) else {}
        leads = self._tags.get("Leads")
        return [t for t in leads if isinstance(t, str)] if isinstance(leads, list) else []


@attrs.frozen
class Plan:
    """Per method, the argument sets to compare; and the methods skipped, with the reason."""

    calls: Mapping[str, tuple[Params, ...]]
    skipped: Mapping[str, str]

    @property
    def total(self) -> int:
        """How many calls the plan makes."""
        return sum(len(sets) for sets in self.calls.values())


def _is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _text(value: object) -> str:
    if isinstance(value, dict):  # a contact's name is an object
        value = value.get("displayName") or value.get("givenName")
    return value if isinstance(value, str) else ""


def _words(records: Iterable[Mapping[str, Any]], key: str = "name") -> list[str]:
    """The first word of each record's name: a search term that should hit."""
    words = []
    for record in records:
        match = re.match(r"[^\W\d_]{3,}", _text(record.get(key)))
        if match:
            words.append(match.group(0))
    return list(dict.fromkeys(words))


def _emails(records: Iterable[Mapping[str, Any]]) -> list[str]:
    found: list[str] = []
    for record in records:
        emails = record.get("email")
        values = emails.values() if isinstance(emails, dict) else emails or ()
        found.extend(v for v in values if isinstance(v, str) and "@" in v)
    return list(dict.fromkeys(found))


def _linked_ids(records: Iterable[Mapping[str, Any]], key: str) -> list[int]:
    """Ids of the records linked under ``key`` (a list of stubs or one stub)."""
    found: list[int] = []
    for record in records:
        links = record.get(key)
        for link in links if isinstance(links, list) else [links]:
            if isinstance(link, dict) and _is_id(link.get("id")):
                found.append(link["id"])
    return list(dict.fromkeys(found))


def _first(values: Sequence[Any]) -> Any:
    return values[0] if values else None


def _gets(param: str, ids: Sequence[int]) -> list[Params]:
    return [{param: i} for i in ids]


def _searches(param: str, terms: Sequence[str], limit: bool = True) -> list[Params]:
    sets: list[Params] = [{param: term} for term in terms]
    if limit and terms:
        sets.insert(1, {param: terms[0][:1], "limit": 5})
    sets.append({param: MISS})
    return sets


def _paged(extra: Sequence[Params] = ()) -> list[Params]:
    return [
        {},
        {"stubResponses": False, "limit": 10},
        {"limit": 5, "page": 2},
        *extra,
        {"orderBy": "name", "orderDirection": "DESC", "limit": 10},
    ]


def _queries(key: str, values: Sequence[Any]) -> list[Params]:
    return [{"query": {key: value}} for value in values[:2] if value is not None]


class _Builder:
    """Argument sets per method, from a :class:`Probe`; [] with a reason when none can be made."""

    def __init__(self, probe: Probe) -> None:
        self.probe = probe

    def sets(self, method: str) -> tuple[list[Params], str]:
        p = self.probe
        gets = {
            "getLead": ("leadId", "leads"),
            "getContact": ("contactId", "contacts"),
            "getAccount": ("accountId", "accounts"),
            "getActivity": ("activityId", "activities"),
            "getTask": ("taskId", "tasks"),
            "getProduct": ("productId", "products"),
        }
        if method in gets:
            param, kind = gets[method]
            return _gets(param, p.ids(kind)), p.why_none(kind)
        if method == "getUser":
            return [{}, *_gets("userId", p.ids("users"))], ""
        if method in ("getNote", "getEmail"):
            kind = "Notes" if method == "getNote" else "Emails"
            param = "noteId" if method == "getNote" else "emailId"
            reason = f"no {kind.lower()} found on the timelines of the first leads and contacts"
            return _gets(param, p.timeline_ids(kind)), reason
        if method == "findTimeline":
            sets: list[Params] = [
                {"query": {"entityType": kind, "id": i}}
                for kind, key in (("Leads", "leads"), ("Contacts", "contacts"))
                for i in p.ids(key)[:2]
            ]
            accounts = p.ids("accounts")[:1]
            sets += [{"query": {"entityType": "Accounts", "id": i}, "limit": 5} for i in accounts]
            return sets, p.why_none("leads")
        if method == "findLeads":
            leads = p.records("leads")
            extra = [
                {"query": {"status": 0}},
                *_queries("accountId", _linked_ids(leads, "accounts")),
                *_queries("tag", p.tags()),
            ]
            return _paged(extra), ""
        if method == "findContacts":
            return _paged(_queries("accountId", p.ids("accounts"))), ""
        if method == "findAccounts":
            industries = _linked_ids(p.records("accounts"), "industry")
            return _paged(_queries("industry", industries)), ""
        if method == "findActivities":
            linked = _linked_ids(p.records("activities"), "leads")
            return _paged([{"query": {"status": 1}}, *_queries("leadId", linked)]), ""
        if method == "findTasks":
            return [{}, {"stubResponses": False, "limit": 10}, {"orderBy": "title"}], ""
        if method == "findProducts":
            return _paged(), ""
        if method in REFERENCE_FINDS:
            return [
                {},
                {"orderBy": "id", "orderDirection": "DESC"},
                {"orderBy": "name", "limit": 2, "page": 2},
            ], ""
        searches: dict[str, tuple[str, list[str]]] = {
            "searchLeads": ("string", _words(p.records("leads"), "description")),
            "searchContacts": ("string", _words(p.records("contacts"))),
            "searchAccounts": ("string", _words(p.records("accounts"))),
            "searchProducts": ("string", _words(p.records("products"))),
            "searchSources": ("string", _words(p.records("sources"))),
            "searchContactsAndUsers": ("string", _words(p.records("contacts"))),
            "searchActivityParticipants": ("string", _words(p.records("contacts"))),
            "searchUsersAndTeams": ("string", _words(p.records("users"))),
            "searchUniversal": ("string", _words(p.records("accounts"))),
        }
        if method in searches:
            param, terms = searches[method]
            return _searches(param, terms, limit=method != "searchUniversal"), ""
        if method == "searchByEmail":
            emails = _emails([*p.records("contacts"), *p.records("accounts")])
            upper = [e.upper() for e in emails[:1]]
            return _searches("emailAddressString", [*emails[:2], *upper], limit=False), ""
        if method == "add":
            return [{"num1": 2, "num2": 3}, {"num1": -1, "num2": 1}], ""
        row = RPC_METHODS[method]
        if not any(param.required for param in row.params):
            return [{}], ""
        needs = ", ".join(param.name for param in row.params if param.required)
        return [], f"no argument set is known for {method} (it needs {needs})"


def _unique(sets: Iterable[Params]) -> Iterator[Params]:
    seen: list[Params] = []
    for params in sets:
        if params not in seen:
            seen.append(params)
            yield params


def plan_calls(call: Caller, methods: Sequence[str], per_method: int) -> Plan:
    """Up to ``per_method`` argument sets for each of ``methods`` (all reads), learnt through
    ``call(method, **params)`` — a JSON-RPC client's ``call``."""
    builder = _Builder(Probe(call))
    calls: dict[str, tuple[Params, ...]] = {}
    skipped: dict[str, str] = {}
    for method in methods:
        sets, reason = builder.sets(method)
        chosen = tuple(list(_unique(sets))[:per_method])
        if chosen:
            calls[method] = chosen
        else:
            skipped[method] = reason or "no argument set could be built from the account"
    return Plan(calls=calls, skipped=skipped)
