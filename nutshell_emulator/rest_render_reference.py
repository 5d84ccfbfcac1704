"""The REST renderers of users and reference data: pipelines and stages, outcomes, tags,
sources, products, product maps and markets.
"""

from __future__ import annotations

from typing import Any, Final

from nutshell_core.model import (
    ENTITIES,
    UNSET,
    LeadStatus,
    Market,
    Outcome,
    Product,
    ProductMap,
    Source,
    Stage,
    Stageset,
    Tag,
    User,
)
from nutshell_emulator.rest_present_base import _PresenterBase
from nutshell_emulator.rest_relations import _Index
from nutshell_emulator.rest_values import (
    _SYMBOLS,
    Wire,
    _initials,
    _ref_id,
    _ref_ids,
    _ref_number,
    _set,
    money,
    unix,
)

# -- the presenter ------------------------------------------------------------------------------

_CHANNELS: Final = (
    "None",
    "Organic search",
    "Paid search",
    "Organic social",
    "Paid social",
    "Email",
    "Referrer",
    "Traditional",
    "Direct",
)


class _ReferenceRenderers(_PresenterBase):
    """Renders users, pipelines, stages, outcomes, tags, sources, products and markets."""

    # -- users and reference data ----------------------------------------------------------------

    def _user(self, user: User, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(user)
        first, last = _set(user.first_name), _set(user.last_name)
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": _set(user.name),
            "firstName": first,
        }
        if last:
            out["lastName"] = last
        out.update(
            {
                "modifiedTime": unix(user.modified_time),
                "isEnabled": _set(user.is_enabled) is not False,
                "isAdministrator": bool(_set(user.is_administrator)),
                "isViewingRestricted": False,
                "emails": list(_set(user.emails) or ()),
                "sendForUser": [],
                "emailSignature": "",
                "phonecallerType": "",
                "avatarUrl": self._avatar(rest_type, n, user),
                "initials": _initials(first, last) or _initials(_set(user.name)),
                "links": {"teams": _ref_ids(user.teams)},
            }
        )
        return out

    def _stageset(self, pipeline: Stageset, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(pipeline)
        stages = sorted(
            (s for s in index.stages.values() if _ref_number(s.stageset) == n),
            key=lambda s: (_set(s.position) or 0, s.id),
        )
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(pipeline.name),
            "href": self.href(rest_type, wire_id),
            "default": bool(_set(pipeline.is_default)),
            "canAccess": True,
            "status": 1,
            "position": _set(pipeline.position),
            "links": {"stages": [f"{s.id}-stages" for s in stages]},
        }

    def _stage(self, stage: Stage, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(stage)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(stage.name),
            "description": _set(stage.description),
            "position": _set(stage.position),
            "href": self.href(rest_type, wire_id),
            "links": {"stageset": _ref_id(stage.stageset)},
        }

    def _outcome(self, outcome: Outcome, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(outcome)
        status = _set(outcome.status)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(outcome.name),
            "status": status.rest if isinstance(status, LeadStatus) else None,
            "href": self.href(rest_type, wire_id),
        }

    def _tag(self, tag: Tag, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(tag)
        applies = _set(tag.applies_to)
        cls = ENTITIES.get(applies) if isinstance(applies, str) else None
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(tag.name),
            "href": self.href(rest_type, wire_id),
            **self._times(tag, "modifiedTime", "deletedTime"),
            "tagType": cls.rest_type if cls is not None else applies,
            "count": index.tag_counts.get(n, 0),
            "colorType": "COLOR_DEFAULT",
        }

    def _source(self, source: Source, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(source)
        channel = _set(source.channel)
        channel = channel if isinstance(channel, int) and 0 <= channel < len(_CHANNELS) else 0
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(source.name),
            "href": self.href(rest_type, wire_id),
            **self._times(source, "modifiedTime"),
            "channel": {"value": channel, "display": _CHANNELS[channel]},
            **self._times(source, "deletedTime"),
        }

    def _price(self, price: Any) -> dict[str, Any] | None:
        rendered = money(price)
        if rendered is None:
            return None
        return {**rendered, "currencySymbol": _SYMBOLS.get(rendered["currency"], "")}

    def _product(self, product: Product, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(product)
        price = self._price(product.price)
        market = index.default_market
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(product.name),
            "href": self.href(rest_type, wire_id),
            "description": None,
            **self._times(product, "modifiedTime", "deletedTime"),
            "sku": _set(product.sku),
            "productType": _set(product.product_type) or "product",
            "unit": _set(product.unit),
            "prices": {f"{market}-markets": price} if market is not None and price else {},
            "price": price,
        }

    def _product_map(self, item: ProductMap, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(item)
        product = index.find(item.product)
        name = _set(item.name) or (_set(getattr(product, "name", UNSET)) if product else None)
        quantity = _set(item.quantity)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "href": self.href(rest_type, wire_id),
            "relationship": None,
            "price": money(item.price),
            "unit": _set(item.unit),
            "quantity": quantity if quantity is not None else 1,
            "productType": "product",
            "links": {"product": _ref_id(item.product), "lead": _ref_id(item.lead)},
        }

    def _market(self, market: Market, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(market)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(market.name),
            "href": self.href(rest_type, wire_id),
            "currency": "USD",
            "currencySymbol": "$",
            "isDefault": n == index.default_market,
        }
