"""The lead resource: leads with closing, reopening, pipelines, stages and installments."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final

from nutshell_core.errors import UsageError
from nutshell_core.model import LeadStatus, ProductMap, Record
from nutshell_core.transport import UNSET
from nutshell_rest._requests import IdLike, _as_text, _typed_id
from nutshell_rest.convert import record_to_rest_input, unstructure_record
from nutshell_rest.envelope import Envelope, Item
from nutshell_rest.query import Query
from nutshell_rest.resources.base import Requires
from nutshell_rest.resources.verbs import (
    Creatable,
    CustomFields,
    Deletable,
    Gettable,
    Listable,
    ListView,
    Patchable,
    Undeletable,
)

_CLOSED_STATUSES: Final = frozenset({LeadStatus.WON, LeadStatus.LOST, LeadStatus.CANCELLED})


class Leads(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Leads: ``/leads``, with closing, reopening, pipelines, stages and installments."""

    _base = "/leads"
    _requires: ClassVar[Requires] = (
        ("POST", "/{id}/status"),
        ("POST", "/{id}/reopen"),
        ("POST", "/{id}/stageset"),
        ("POST", "/{id}/watch"),
        ("GET", "/{id}/stages"),
        ("GET", "/{id}/installments"),
        ("POST", "/{id}/installments"),
        ("GET", "/report"),
    )

    def _lead_write(self, suffix: str, lead_id: IdLike, body: Any = UNSET) -> Item | None:
        return self._write(
            self._op("POST", suffix), {"id": self._id(lead_id)}, json=body, primary_key="leads"
        )

    def close(
        self,
        lead_id: IdLike,
        outcome_id: IdLike,
        *,
        competitor_maps: Iterable[IdLike] = (),
        product_maps: Iterable[ProductMap | Mapping[str, Any]] = (),
    ) -> Item | None:
        """``POST /leads/{id}/status``: close the lead with an outcome; returns the lead.

        Body ``{"outcomeId": "1-outcomes", "competitorMaps": [...], "productMaps": [...]}``;
        the two lists are sent only when given. Whether the lead is won, lost or cancelled
        follows from the outcome (see :meth:`set_status`).
        """
        body: dict[str, Any] = {"outcomeId": _typed_id(outcome_id, "outcomes", "outcome_id")}
        maps = [_typed_id(m, "competitorMaps", "competitor map") for m in competitor_maps]
        if maps:
            body["competitorMaps"] = maps
        products = [
            record_to_rest_input(item) if isinstance(item, ProductMap) else dict(item)
            for item in product_maps
        ]
        if products:
            body["productMaps"] = products
        return self._lead_write("/{id}/status", lead_id, body)

    def set_status(self, lead_id: IdLike, status: str) -> Item | None:
        """Close a lead as ``"won"``, ``"lost"`` or ``"canceled"``/``"cancelled"``.

        Not an endpoint of the OpenAPI document (older references name a status field): the
        REST API closes a lead with an *outcome*, so this reads ``GET /outcomes``, takes the
        first outcome whose ``status`` matches, and calls :meth:`close` with it. Raises
        :class:`UsageError` for another status or when no outcome has it.
        """
        try:
            wanted = LeadStatus.from_rest(_as_text(status, "status"))
        except ValueError:
            wanted = None
        if wanted not in _CLOSED_STATUSES:
            raise UsageError(
                f"set_status takes 'won', 'lost' or 'cancelled', not {status!r} "
                "(use reopen to reopen a lead)"
            )
        for outcome in self._client.outcomes.list().records:
            if _outcome_status(outcome) is wanted:
                outcome_id = _item_id(outcome)
                if outcome_id is not None:
                    return self.close(lead_id, outcome_id)
        raise UsageError(f"no outcome with status {wanted.rest!r} in GET /outcomes")

    def reopen(self, lead_id: IdLike) -> Item | None:
        """``POST /leads/{id}/reopen`` (no body): reopen a closed lead; returns the lead."""
        return self._lead_write("/{id}/reopen", lead_id)

    def move(self, lead_id: IdLike, stageset_id: IdLike) -> Item | None:
        """``POST /leads/{id}/stageset``: move the lead to another pipeline; returns it.

        Body ``{"stageset": "2-stagesets"}``.
        """
        body = {"stageset": _typed_id(stageset_id, "stagesets", "stageset_id")}
        return self._lead_write("/{id}/stageset", lead_id, body)

    def set_pipeline(self, lead_id: IdLike, stageset_id: IdLike) -> Item | None:
        """Move the lead to another pipeline: the same as :meth:`move`.

        Older references name a ``/leads/{id}/pipeline`` endpoint; the OpenAPI document has
        none, so this posts to ``/leads/{id}/stageset``.
        """
        return self.move(lead_id, stageset_id)

    def watch(self, lead_id: IdLike) -> Item | None:
        """``POST /leads/{id}/watch``: make the current user a watcher; returns the lead."""
        return self._lead_write("/{id}/watch", lead_id)

    def stages(self, lead_id: IdLike) -> Envelope:
        """``GET /leads/{id}/stages``: the stages of the lead's pipeline (its current stage is
        the lead's ``links.stage``)."""
        return self._fetch(self._op("GET", "/{id}/stages"), {"id": self._id(lead_id)})

    def installments(self, lead_id: IdLike) -> Envelope:
        """``GET /leads/{id}/installments``: the lead's installments."""
        return self._fetch(self._op("GET", "/{id}/installments"), {"id": self._id(lead_id)})

    def save_installments(
        self, lead_id: IdLike, installments: Sequence[Mapping[str, Any]]
    ) -> Envelope | None:
        """``POST /leads/{id}/installments`` with a bare array of
        ``{id?, dueTime, description, value, isFailed}``; items without an id are added.

        Not retried on a lost answer: a replay could add the new installments twice.
        """
        if isinstance(installments, Mapping) or not isinstance(installments, Sequence):
            raise UsageError("save_installments takes a list of installment objects")
        items = [dict(item) for item in installments]
        return self._client._envelope(
            self._op("POST", "/{id}/installments"), {"id": self._id(lead_id)}, json=items
        )

    def product_maps(self, lead_id: IdLike) -> Envelope:
        """The products on a lead (its product maps).

        Two requests: ``GET /leads/{id}`` for the lead's ``links.productMaps``, then
        ``GET /productmaps/{ids}`` for those records (none when the lead has none). The
        OpenAPI document declares no lead filter on ``GET /productmaps``, so an unknown filter
        the server might ignore (returning every product map) is not relied upon.
        """
        lead = self.get(lead_id)
        wire = unstructure_record(lead) if isinstance(lead, Record) else lead
        links = wire.get("links")
        ids = links.get("productMaps") if isinstance(links, Mapping) else None
        if not isinstance(ids, builtins.list) or not ids:
            return Envelope(primary_key=self._client.product_maps.primary_key)
        return self._client.product_maps.get_many(ids)

    def products(self, lead_id: IdLike) -> Envelope:
        """The products on a lead: the same as :meth:`product_maps`.

        Older references name ``/leads/{id}/products``; the OpenAPI document has none, and
        products on a lead are product maps.
        """
        return self.product_maps(lead_id)

    def report(self, query: Query | None = None, **options: str | int | bool) -> Envelope:
        """``GET /leads/report``: a report (``reports``). ``options`` are the document's
        parameter names (``reportType``, ``gap``, ``groupByField``, ``segmentByField``...)."""
        op = self._op("GET", "/report")
        q, extra = self._collection_params(op, query, options)
        return self._fetch(op, params=[*q.params(), *extra])


def _outcome_status(outcome: Item) -> LeadStatus | None:
    value = getattr(outcome, "status", None) if isinstance(outcome, Record) else None
    if isinstance(value, LeadStatus):
        return value
    raw = outcome.get("status") if isinstance(outcome, Mapping) else None
    if raw is None and isinstance(outcome, Record):
        raw = outcome.extra.get("status")  # a spelling the model could not read stays here
    if isinstance(raw, str):
        try:
            return LeadStatus.from_rest(raw)
        except ValueError:
            return None
    return None


def _item_id(item: Item) -> IdLike | None:
    if isinstance(item, Record):
        return item.id if isinstance(item.id, int) else None
    value = item.get("id")
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None
