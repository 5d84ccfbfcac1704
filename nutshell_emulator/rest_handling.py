"""What every handler of the REST front shares: the request being handled, routes, the abort
signal, the ``errors[]`` and envelope replies, and the readers of bodies and ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

import attrs

from nutshell_core.catalog import RestOperation
from nutshell_core.errors import NotFoundError
from nutshell_core.model import ENTITIES, Record, Ref, User
from nutshell_emulator.http import HttpReply, HttpRequest, json_reply
from nutshell_emulator.rest_filters import whole_number
from nutshell_emulator.rest_present import RestPresenter
from nutshell_emulator.rest_relations import _Index
from nutshell_emulator.store import Store


class _Abort(Exception):
    """Stop handling and send ``reply``."""

    def __init__(self, reply: HttpReply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@attrs.frozen
class _Route:
    op: RestOperation
    segments: tuple[str | None, ...]  # None marks a {placeholder}
    handler: Callable[[_Call], HttpReply] | None
    #: The template's segment names, braces stripped (``id`` for ``{id}``): split once, not
    #: on every request.
    names: tuple[str, ...] = attrs.field(init=False)

    @names.default
    def _names(self) -> tuple[str, ...]:
        return tuple(s.strip("{}") for s in self.op.path.strip("/").split("/"))

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if s is not None)

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for segment, part, name in zip(self.segments, parts, self.names, strict=True):
            if segment is None:
                params[name] = part
            elif segment != part.lower():
                return None
        return params


@attrs.frozen
class _Call:
    """One authenticated request being handled."""

    request: HttpRequest
    op: RestOperation
    params: Mapping[str, str]
    user: User

    @property
    def actor(self) -> Ref:
        """The user as the event log's actor."""
        return Ref(entity="User", id=self.user.id, name=self.user.name)

    @property
    def key(self) -> str:
        """The primary array's name."""
        return self.op.primary_key or _segments(self.op.path)[0]


def _segments(path: str) -> list[str]:
    return [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []


def _formatted(n: int) -> dict[str, Any]:
    """``countFormatted`` / ``totalFormatted`` as recorded."""
    return {"formatted": f"{n:,}", "prefix": "", "suffix": "", "value": n}


def _entity(op: RestOperation) -> type[Record] | None:
    return ENTITIES.get(op.entity) if op.entity is not None else None


class _FrontBase:
    """The store, presenter and reply helpers every REST handler family works with."""

    store: Store
    base_url: str
    present: RestPresenter

    # -- replies ---------------------------------------------------------------------------------

    def _error(
        self, status: int, title: str, detail: str | None = None, *, key: str | None
    ) -> HttpReply:
        """An ``errors[]`` envelope, item keys in the recorded order."""
        body: dict[str, Any] = {"meta": self.present.meta(), "links": {}}
        if key is not None:
            body[key] = []
        body["errors"] = [
            {
                "id": None,
                "type": "errors",
                "code": None,
                "detail": detail,
                "href": None,
                "status": str(status),
                "title": title,
                "field": None,
            }
        ]
        return json_reply(status, body)

    def _bad(self, call: _Call, title: str, detail: str | None = None) -> _Abort:
        return _Abort(self._error(400, title, detail, key=call.key))

    def _envelope(
        self, call: _Call, wires: list[dict[str, Any]], *, status: int = 200, **side: Any
    ) -> HttpReply:
        body: dict[str, Any] = {"meta": self.present.meta(), "links": {}, call.key: wires}
        body.update(side)
        return json_reply(status, body)

    def _shared_reply(self, status: int, body: Mapping[str, Any], index: _Index) -> HttpReply:
        """A JSON answer whose arrays hold shared renderings (``RestPresenter.shared``)."""
        payload = self.present.encode(body, index)
        return HttpReply(status, (("Content-Type", "application/json"),), payload)

    # -- request helpers -------------------------------------------------------------------------

    def _body(self, call: _Call) -> Any:
        try:
            return call.request.json()
        except ValueError as exc:
            # JsonInputError says why (not UTF-8, a lone surrogate, too deep) without the body.
            raise self._bad(
                call, "Invalid JSON", f"The request body is not valid JSON: {exc}"
            ) from None

    def _id(self, call: _Call, cls: type[Record] | str, text: str | None = None) -> int:
        """A path id ``"15-accounts"`` or ``15``; a wrong type is an unknown id (404)."""
        rest_type = cls if isinstance(cls, str) else cls.rest_type
        value = call.params.get("id", "") if text is None else text
        text, _, kind = value.strip().partition("-")
        number = whole_number(text)
        if number is None or (kind and kind.lower() != rest_type.lower()):
            raise NotFoundError(f"no {rest_type} {value!r}", status=404)
        return number

    def _live(self, cls: type[Record], number: int) -> Record:
        return self.store.get(cls, number)

    def _value_id(self, call: _Call, value: Any, rest_type: str, what: str) -> int:
        """An id in a request body: ``"2-outcomes"``, ``"2"`` or ``2``; anything else is 400."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text, _, kind = value.strip().partition("-")
            number = whole_number(text)
            if number is not None and (not kind or kind.lower() == rest_type.lower()):
                return number
        raise self._bad(call, f"Invalid {what}", f"{value!r} is not a {rest_type} id")
