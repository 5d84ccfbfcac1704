"""Stored records, events and webhook deliveries rendered in Nutshell's REST shapes.

The yardstick is what the real service sent (``tests/fixtures/rest`` and
``tests/fixtures/webhooks``): accounts as in ``read/accounts/1-first-page.json``; leads,
contacts, activities and notes as in the ``payloads`` of ``read/events/1-first-page.json``;
users as in the webhook ``actors``. Key order follows the recordings too, so a diff against a
real response reads naturally.

Typed values take their wire spelling from :mod:`nutshell_rest.convert` where the converter
has one (ids, contact points); the keys the real service computes (``href``, ``htmlUrl``,
``avatarUrl``, ``initials``, the always-empty ``files`` relations...) are added here. Lead
times are ``{absoluteLocalizedString, timestamp, value}`` objects, every other time a unix int.

Competitor maps have no model class: a lead's competitor relation *is* the map. Its id is a
reversible pairing of the lead id and the competitor id, and its ``status`` lives in the
competitor Ref's ``relationship``, so both APIs see the same relation.

The pieces live beside this module: values in :mod:`~nutshell_emulator.rest_values`, relations
in :mod:`~nutshell_emulator.rest_relations`, and the renderers by family in
:mod:`~nutshell_emulator.rest_render_records`, :mod:`~nutshell_emulator.rest_render_reference`
and :mod:`~nutshell_emulator.rest_render_events`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from nutshell_core.model import (
    Account,
    Activity,
    Audience,
    Contact,
    CustomField,
    EmailMessage,
    Lead,
    Market,
    Note,
    Outcome,
    Product,
    ProductMap,
    Record,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    User,
)
from nutshell_emulator.emails import email_to_rest
from nutshell_emulator.rest_reference import render_audience, render_custom_field
from nutshell_emulator.rest_relations import (
    CompetitorMap,
    _Carried,
    _Index,
    competitor_map_id,
    competitor_maps,
    find_competitor_map,
    split_competitor_map_id,
)
from nutshell_emulator.rest_render_events import _EventRenderers
from nutshell_emulator.rest_render_records import _RecordRenderers
from nutshell_emulator.rest_render_reference import _ReferenceRenderers
from nutshell_emulator.rest_values import (
    COMPETITOR_MAPS,
    DEFAULT_BASE_URL,
    INSTANCE_ID,
    SITE_ID,
    Wire,
    contact_points,
    money,
    rest_type_for,
    time_object,
    unix,
)
from nutshell_emulator.store import Store, StoreEvent

__all__ = [
    "COMPETITOR_MAPS",
    "DEFAULT_BASE_URL",
    "INSTANCE_ID",
    "SITE_ID",
    "CompetitorMap",
    "RestPresenter",
    "competitor_map_id",
    "competitor_maps",
    "contact_points",
    "event_to_rest",
    "find_competitor_map",
    "money",
    "present_record",
    "rest_type_for",
    "split_competitor_map_id",
    "time_object",
    "unix",
    "webhook_body",
]


class RestPresenter(_RecordRenderers, _ReferenceRenderers, _EventRenderers):
    """Renders the store's records in REST shapes for one base URL (``.../rest``)."""

    def __init__(
        self,
        store: Store,
        *,
        base_url: str = DEFAULT_BASE_URL,
        instance_id: str = INSTANCE_ID,
        site_id: str = SITE_ID,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        #: Where ``htmlUrl`` and ``avatarUrl`` point: the host of the REST base URL.
        self.app_url = f"{parts.scheme}://{parts.netloc}"
        self.instance_id = instance_id
        self.site_id = site_id
        self._fixed_parts = {}
        self._carried = _Carried()
        self._renderers: Mapping[type[Record], Callable[[Any, _Index], Wire]] = {
            Account: self._account,
            Contact: self._contact,
            Lead: self._lead,
            Activity: self._activity,
            Note: self._note,
            Task: self._task,
            User: self._user,
            Stageset: self._stageset,
            Stage: self._stage,
            Outcome: self._outcome,
            Tag: self._tag,
            Source: self._source,
            Product: self._product,
            ProductMap: self._product_map,
            Market: self._market,
            EmailMessage: lambda email, _index: email_to_rest(self, email),
            # Set-up data (nutshell_emulator.rest_reference).
            CustomField: render_custom_field,
            Audience: render_audience,
        }


# -- module-level helpers -----------------------------------------------------------------------


def present_record(record: Record, store: Store, *, base_url: str = DEFAULT_BASE_URL) -> Wire:
    """One stored record in its REST shape."""
    return RestPresenter(store, base_url=base_url).record(record)


def event_to_rest(
    store_event: StoreEvent, store: Store, *, base_url: str = DEFAULT_BASE_URL
) -> Wire:
    """One store event as ``GET /events`` shows it."""
    return RestPresenter(store, base_url=base_url).event(store_event)


def webhook_body(
    store_events: Sequence[StoreEvent], store: Store, *, base_url: str = DEFAULT_BASE_URL
) -> Wire:
    """The webhook delivery body for ``store_events`` (the real samples' shape)."""
    return RestPresenter(store, base_url=base_url).webhook(list(store_events))
