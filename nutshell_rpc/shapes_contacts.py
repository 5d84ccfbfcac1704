"""Legacy layouts of contacts and accounts: full records and stubs.

A full contact or account lists the records linked to it either way round (a contact's leads
and accounts, an account's contacts and leads, their notes), found by scanning the presenter's
source, and carries ``email``/``phone``/``url``/``address`` only when set. A contact's name is
its name parts (``givenName``, ``familyName``, ``salutation``, ``displayName``); an account's
stub names its ``regions`` (city and state of each address). The layouts are registered in
:mod:`nutshell_rpc.shapes`' tables; they use the :class:`~nutshell_rpc.shapes.Presenter`
handed to them, so this module does not import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import Account, Activity, ActivityStatus, Contact, PersonName, Record
from nutshell_rpc._names import split_person_name
from nutshell_rpc.convert import value_to_rpc
from nutshell_rpc.shapes_common import (
    Layout,
    _put,
    _refs,
    _rel,
    _same,
    _text,
    account_contacts,
    account_leads,
    contact_accounts,
    contact_leads,
    slug,
)

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = ["FULL_LAYOUTS", "STUB_LAYOUTS"]


def _person_name(contact: Contact) -> PersonName:
    if isinstance(contact.person_name, PersonName):
        person = contact.person_name
    else:
        person = split_person_name(_text(contact.name, "") or "")
    display = person.display if isinstance(person.display, str) else _text(contact.name, "")
    return PersonName(
        given=_text(person.given, ""),
        family=_text(person.family, ""),
        salutation=_text(person.salutation, ""),
        display=display,
    )


def _multi_values(out: dict[str, Any], base: Mapping[str, Any]) -> None:
    for key in ("email", "phone", "url", "address"):
        _put(out, key, base.get(key))


def _contact_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Contact)
    contact = record
    person = _person_name(contact)
    display = person.display if isinstance(person.display, str) else ""
    logged = [
        a
        for a in p.source.all(Activity)
        if a.status is ActivityStatus.LOGGED
        and any(_same(r, contact) for r in _refs(a.participants))
    ]
    out = p.head(base)
    out.update(
        name=value_to_rpc(person),
        htmlUrl=p.html_url(f"/person/{contact.id}-{slug(display)}"),
        creator=p.link(contact.creator),
        owner=p.link(contact.owner),
        leads=p.links(contact_leads(p.source, contact)),
        accounts=[p.link(r, relationship=_rel(r)) for r in contact_accounts(p.source, contact)],
        notes=p.note_stubs(contact),
        lastContactedDate=p.last_contacted(contact),
        contactedCount=len(logged),
        tags=base.get("tags", []),
        description=_text(contact.description),
    )
    _put(out, "jobTitle", base.get("jobTitle") or None)
    _put(out, "territory", p.id_name(contact.territory))
    _put(out, "customFields", base.get("customFields"))
    _multi_values(out, base)
    return out


def _contact_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Contact)
    out = p.head(base, stub=True)
    out.update(name=_text(record.name, ""), jobTitle=_text(record.job_title, ""))
    return out


def _regions(account: Account) -> list[str]:
    regions = []
    for address in account.addresses if isinstance(account.addresses, tuple) else ():
        parts = [_text(address.city), _text(address.state)]
        text = ", ".join(part for part in parts if part)
        if text and text not in regions:
            regions.append(text)
    return regions


def _account_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Account)
    account = record
    name = _text(account.name, "") or ""
    out = p.head(base)
    out.update(
        name=name,
        htmlUrl=p.html_url(f"/company/{account.id}-{slug(name)}"),
        accountType=p.id_name(account.account_type),
        industry=p.id_name(account.industry),
        creator=p.link(account.creator),
        owner=p.link(account.owner),
        tags=base.get("tags", []),
        lastContactedDate=p.last_contacted(account),
        contacts=[p.link(r, relationship=_rel(r)) for r in account_contacts(p.source, account)],
        description=_text(account.description),
    )
    _put(out, "territory", p.id_name(account.territory))
    _put(out, "customFields", base.get("customFields"))
    _multi_values(out, base)
    out["notes"] = p.note_stubs(account)
    out["leads"] = p.links(account_leads(p.source, account))
    return out


def _account_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Account)
    out = p.head(base, stub=True)
    out.update(
        name=_text(record.name, ""),
        regions=_regions(record),
        relationship=None,
        description=_text(record.description),
    )
    return out


#: Layouts for :mod:`nutshell_rpc.shapes`' full-record table.
FULL_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Contact: _contact_full,
    Account: _account_full,
}

#: Layouts for its stub table.
STUB_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Contact: _contact_stub,
    Account: _account_stub,
}
