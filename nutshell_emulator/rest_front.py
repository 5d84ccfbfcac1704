"""The emulator's REST front: Nutshell's ``/rest`` API over the shared store.

Requests are routed by matching method and path against the rows of
:data:`nutshell_core.catalog.REST_OPERATIONS` (the entity segment case-insensitively, since the
OpenAPI document itself spells ``/productmaps`` and ``/productMaps``). Answers follow the
recorded responses (``tests/fixtures/rest``):

* HTTP Basic auth (email + API key) on every request; failures get the HTML 401 page;
* unknown routes and ids get the HTML 404 page, a known path with the wrong method the recorded
  405 ``"Internal Error"``; catalog operations the emulator does not implement answer 501;
* envelopes are ``meta`` + ``links: {}`` + the catalog row's primary array (+ side-loads);
  a single record, a create and a status change carry a one-element array;
* validation and paging errors are 400 ``errors[]`` envelopes with ``status`` as a string;
* a PATCH without ``application/json-patch+json`` is the recorded 400 JSON string.

Behaviour the references leave open is listed in the module docstrings of this front, its
presenter (:mod:`nutshell_emulator.rest_present`) and its filters
(:mod:`nutshell_emulator.rest_filters`), and collected in the emulator's assumptions.

The handlers live beside this module by family: reads in :mod:`~nutshell_emulator.rest_reads`,
creates and deletes in :mod:`~nutshell_emulator.rest_creates`, ``PATCH`` in
:mod:`~nutshell_emulator.rest_patch`, lead, activity and competitor-map operations in
:mod:`~nutshell_emulator.rest_special`, the event feed in :mod:`~nutshell_emulator.rest_events`,
and what they share in :mod:`~nutshell_emulator.rest_handling`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Final
from urllib.parse import urlsplit

from nutshell_core.catalog import REST_OPERATIONS, RestOperation
from nutshell_core.errors import (
    ConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    UsageError,
)
from nutshell_core.model import User
from nutshell_emulator.http import HttpReply, HttpRequest, html_error_page
from nutshell_emulator.rest_events import DEFAULT_EVENTS_LIMIT, _EventHandlers
from nutshell_emulator.rest_extras import ROUTES as EXTRA_ROUTES
from nutshell_emulator.rest_filters import QueryError
from nutshell_emulator.rest_handling import _Abort, _Call, _entity, _Route, _segments
from nutshell_emulator.rest_listitems import ROUTES as LIST_ITEM_ROUTES
from nutshell_emulator.rest_patch import MEDIA_TYPE_ERROR
from nutshell_emulator.rest_present import RestPresenter
from nutshell_emulator.rest_reference import ROUTES as SETUP_ROUTES
from nutshell_emulator.rest_sales import ROUTES as SALES_ROUTES
from nutshell_emulator.rest_special import _SpecialHandlers
from nutshell_emulator.rest_values import (
    DEFAULT_BASE_URL,
    INSTANCE_ID,
    SITE_ID,
)
from nutshell_emulator.store import Store
from nutshell_rpc.server import parse_basic_auth

__all__ = ["DEFAULT_EVENTS_LIMIT", "MEDIA_TYPE_ERROR", "RestFront"]

#: Handlers registered by the family modules beside this front.
REFERENCE_ROUTES: Final = {**SETUP_ROUTES, **LIST_ITEM_ROUTES, **EXTRA_ROUTES, **SALES_ROUTES}


class RestFront(_SpecialHandlers, _EventHandlers):
    """Answers ``/rest`` requests from the shared store, as Nutshell's REST API does."""

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
        self.present = RestPresenter(
            store, base_url=self.base_url, instance_id=instance_id, site_id=site_id
        )
        self._prefix = _segments(urlsplit(self.base_url).path)
        self._routes = [self._route(op) for op in REST_OPERATIONS]

    @property
    def implemented(self) -> frozenset[tuple[str, str]]:
        """``(METHOD, path template)`` of every catalog operation this front answers."""
        return frozenset(r.op.key for r in self._routes if r.handler is not None)

    # -- routing ---------------------------------------------------------------------------------

    @property
    def _routes(self) -> list[_Route]:
        """One route per catalog operation, in catalog order."""
        return self._route_list

    @_routes.setter
    def _routes(self, routes: list[_Route]) -> None:
        # The index by shape is rebuilt with the routes: both always describe the same table.
        self._route_list = routes
        self._shapes = _shapes(routes)

    def _route(self, op: RestOperation) -> _Route:
        template = op.path.strip("/").split("/")
        segments = tuple(None if s.startswith("{") else s.lower() for s in template)
        return _Route(op, segments, self._handler_for(op, template))

    def _handler_for(
        self, op: RestOperation, template: list[str]
    ) -> Callable[[_Call], HttpReply] | None:
        special: dict[tuple[str, str], Callable[[_Call], HttpReply]] = {
            ("GET", "/events"): self._events,
            ("GET", "/events/deleted"): self._deleted_events,
            ("POST", "/leads/{id}/status"): self._lead_status,
            ("POST", "/leads/{id}/reopen"): self._lead_reopen,
            ("POST", "/leads/{id}/stageset"): self._lead_stageset,
            ("GET", "/leads/{id}/stages"): self._lead_stages,
            ("PUT", "/activities/{id}"): self._put_activity,
            ("GET", "/competitormaps"): self._list,
            ("GET", "/competitormaps/{id}"): self._get,
            ("PATCH", "/competitormaps/{id}"): self._patch_competitor_map,
            ("DELETE", "/competitormaps/{id}"): self._delete_competitor_map,
        }
        if op.key in special:
            return special[op.key]
        if op.key in REFERENCE_ROUTES:
            return functools.partial(REFERENCE_ROUTES[op.key], self)
        if _entity(op) is None:
            return None
        shape = (op.method, len(template), template[1] if len(template) > 1 else None)
        generic: dict[tuple[str, int, str | None], Callable[[_Call], HttpReply]] = {
            ("GET", 1, None): self._list,
            ("POST", 1, None): self._create,
            ("GET", 2, "{id}"): self._get,
            ("PATCH", 2, "{id}"): self._patch,
            ("DELETE", 2, "{id}"): self._delete,
        }
        if shape in generic:
            return generic[shape]
        if op.method == "POST" and len(template) == 3 and template[1:] == ["{id}", "undelete"]:
            return self._undelete
        return None

    def _match(self, method: str, parts: Sequence[str]) -> tuple[_Route, dict[str, str]] | None:
        first = parts[0].lower() if parts else None
        candidates = self._shapes.get((len(parts), first)) or self._shapes.get((len(parts), None))
        found = [(r, p) for r in candidates or () if (p := r.match(parts)) is not None]
        if not found:
            return None
        same_method = [(r, p) for r, p in found if r.op.method == method]
        if not same_method:
            raise _Abort(
                HttpReply(
                    405, (("Content-Type", "text/plain; charset=UTF-8"),), b'"Internal Error"'
                )
            )
        # A literal segment beats a placeholder: /accounts/list is not account "list".
        return max(same_method, key=lambda rp: rp[0].literal_count)

    # -- entry point -----------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpReply:
        """Answer one request for a path under the REST base URL."""
        parts = _segments(request.path)
        if parts[: len(self._prefix)] != self._prefix:
            return html_error_page(404, "Not Found")
        user = self._authenticate(request)
        if user is None:
            return html_error_page(401, "Unauthorized")
        try:
            matched = self._match(request.method.upper(), parts[len(self._prefix) :])
            if matched is None:
                return html_error_page(404, "Not Found")
            route, params = matched
            call = _Call(request, route.op, params, user)
            if route.handler is None:
                return self._error(
                    501,
                    "Not implemented",
                    f"The emulator does not implement {route.op.method} {route.op.path}",
                    key=route.op.primary_key,
                )
            with self.store.transaction():
                return route.handler(call)
        except _Abort as abort:
            return abort.reply
        except QueryError as exc:
            return self._error(400, exc.title, exc.detail, key=self._key_for(parts))
        except NotFoundError:
            return html_error_page(404, "Not Found")
        except ConflictError as exc:
            return self._error(409, exc.message, key=self._key_for(parts))
        except (InvalidRequestError, UsageError) as exc:
            return self._error(400, exc.message, key=self._key_for(parts))
        except MalformedResponseError as exc:
            # The converters report bad input this way; for a server it is the client's fault.
            detail = "; ".join(exc.problems) if exc.problems else None
            return self._error(400, "Invalid request", detail, key=self._key_for(parts))

    def _key_for(self, parts: Sequence[str]) -> str | None:
        rest = parts[len(self._prefix) :]
        for route in self._routes:
            if route.match(rest) is not None and route.op.primary_key is not None:
                return route.op.primary_key
        return None

    def _authenticate(self, request: HttpRequest) -> User | None:
        credentials = parse_basic_auth(request.header("authorization"))
        return self.store.authenticate(*credentials) if credentials else None


def _shapes(routes: Sequence[_Route]) -> dict[tuple[int, str | None], list[_Route]]:
    """The routes a path could match, by its length and first segment (lower-case).

    Matching a path against every catalog row cost more than rendering the lead a
    ``GET /leads/{id}`` asks for. Each list keeps the catalog's order, and holds the routes
    whose first segment is that literal or a placeholder, so :meth:`RestFront._match` sees
    exactly the routes that can match; ``(length, None)`` holds the placeholder-first ones
    alone, for a first segment no route spells.
    """
    keys = {(len(r.segments), r.segments[0]) for r in routes if r.segments}
    return {
        (length, first): [
            r for r in routes if len(r.segments) == length and r.segments[0] in (first, None)
        ]
        for length, first in keys
    }
