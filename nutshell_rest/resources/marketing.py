"""The web-form and email-marketing resources: forms, audiences and editions."""

from __future__ import annotations

from typing import ClassVar

from nutshell_rest._requests import IdLike, _typed_id
from nutshell_rest.envelope import Item
from nutshell_rest.resources.base import Requires
from nutshell_rest.resources.verbs import Creatable, Gettable, Listable


class Forms(Listable, Gettable):
    """Web forms: ``/forms``."""

    _base = "/forms"
    _requires: ClassVar[Requires] = (("GET", "/{fieldId}"),)

    def get_field(self, field_id: IdLike) -> Item:
        """``GET /forms/{fieldId}``: one form field.

        The OpenAPI document gives this the same URL template as ``GET /forms/{id}``, so what
        the server returns depends on the id's type; ints are formatted as ``wfFields``.
        """
        op = self._op("GET", "/{fieldId}")
        path = {"fieldId": _typed_id(field_id, op.primary_key or "wfFields", "field_id")}
        return self._one(self._fetch(op, path), self._target(op, path))


class Audiences(Listable, Creatable):
    """Email-marketing audiences: ``/audiences`` (records under ``emAudiences``)."""

    _base = "/audiences"


class Editions(Listable, Gettable):
    """Email-marketing editions: ``/editions``."""

    _base = "/editions"
