"""Legacy layouts of products, users, teams, pipelines and named reference data.

These records are mostly a head and a name; what differs is which head keys each keeps:
stages and outcomes carry no times, stagesets no ``rev``, and the stubs of markets, sources
and competitors keep ``modifiedTime`` but drop ``createdTime``, while activity types,
industries, territories, account types and tags drop both. :func:`_named_full` and
:func:`_named_stub` are also what :class:`~nutshell_rpc.shapes.Presenter` falls back on for a
class no table names. The layouts are registered in :mod:`nutshell_rpc.shapes`' tables; they
use the presenter handed to them, so this module does not import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import (
    AccountType,
    ActivityType,
    Competitor,
    Industry,
    Market,
    Money,
    Outcome,
    Product,
    Record,
    Source,
    Stage,
    Stageset,
    Tag,
    Team,
    Territory,
    User,
)
from nutshell_rpc.shapes_common import Layout, _money, _refs, _same, _text

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = ["FULL_LAYOUTS", "STUB_LAYOUTS"]


def _product_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Product)
    markets = p.source.all(Market)
    prices = []
    if isinstance(record.price, Money):
        price: dict[str, Any] = {"price": _money(record.price)}
        if markets:
            price = {"marketId": markets[0].id, **price}
        prices.append(price)
    out = p.head(base)
    out.update(
        name=_text(record.name, ""),
        type=base.get("type", "0"),
        sku=_text(record.sku),
        unit=_text(record.unit),
        prices=prices,
    )
    return out


def _product_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base, stub=True)
    out["name"] = base.get("name", "")
    return out


def _user_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, User)
    out = p.head(base)
    out.update(
        name=base.get("name", ""),
        firstName=base.get("firstName"),
        lastName=base.get("lastName"),
        emails=base.get("emails", []),
        isEnabled=record.is_enabled is not False,
        isAdministrator=record.is_administrator is True,
        teams={"viewOwn": [], "viewTeam": p.links(_refs(record.teams)), "viewAll": []},
    )
    return out


def _user_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, User)
    out = p.head(base, stub=True)
    out.update(
        name=base.get("name", ""),
        emails=base.get("emails", []),
        isEnabled=record.is_enabled is not False,
        isAdministrator=record.is_administrator is True,
    )
    return out


def _team_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base)
    out["name"] = base.get("name", "")
    members = [u for u in p.source.all(User) if any(_same(t, record) for t in _refs(u.teams))]
    out["users"] = [p.stub(u) for u in members]
    return out


def _stage_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {k: base.get(k) for k in ("id", "entityType", "rev", "name", "position", "stagesetId")}


def _stage_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {"stub": True, **{k: base.get(k) for k in ("id", "rev", "entityType", "name")}}


def _stageset_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = {k: base.get(k) for k in ("id", "entityType", "modifiedTime", "name")}
    out.update(default=base.get("default", 0), position=base.get("position", 0))
    return out


def _stageset_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {"stub": True, **{k: base.get(k) for k in ("id", "entityType", "modifiedTime", "name")}}


def _outcome_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {k: base.get(k) for k in ("id", "entityType", "rev", "description", "type")}


def _named_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base)
    out["name"] = base.get("name", "")
    return out


def _named_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base, stub=True)
    del out["modifiedTime"], out["createdTime"]
    out["name"] = base.get("name", "")
    return out


def _touched_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """Stubs that carry ``modifiedTime`` but no ``createdTime`` (sources, competitors...)."""
    out = p.head(base, stub=True)
    del out["createdTime"]
    out["name"] = base.get("name", "")
    return out


def _dated_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """Stubs with both times (teams)."""
    out = p.head(base, stub=True)
    out["name"] = base.get("name", "")
    return out


#: Layouts for :mod:`nutshell_rpc.shapes`' full-record table.
FULL_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Product: _product_full,
    User: _user_full,
    Team: _team_full,
    Stage: _stage_full,
    Stageset: _stageset_full,
    Outcome: _outcome_full,
}

#: Layouts for its stub table.
STUB_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Product: _product_stub,
    User: _user_stub,
    Team: _dated_stub,
    Stage: _stage_stub,
    Stageset: _stageset_stub,
    Outcome: _outcome_full,
    Market: _touched_stub,
    Source: _touched_stub,
    Competitor: _touched_stub,
    ActivityType: _named_stub,
    Industry: _named_stub,
    Territory: _named_stub,
    AccountType: _named_stub,
    Tag: _named_stub,
}
