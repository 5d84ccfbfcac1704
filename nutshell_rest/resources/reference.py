"""The reference-list resources: types, pipelines and stages, outcomes, sources, tags, users,
territories, markets, industries and saved filters.
"""

from __future__ import annotations

from typing import ClassVar

from nutshell_rest._requests import IdLike
from nutshell_rest.resources.base import Requires
from nutshell_rest.resources.verbs import Creatable, Deletable, Gettable, Listable, Undeletable


class ActivityTypes(Listable):
    """Activity types: ``/activitytypes`` (a reference list)."""

    _base = "/activitytypes"


class AccountTypes(Listable):
    """Account types: ``/accounttypes`` (a reference list)."""

    _base = "/accounttypes"


class Stagesets(Listable):
    """Stagesets, which the UI calls pipelines: ``/stagesets``."""

    _base = "/stagesets"
    _requires: ClassVar[Requires] = (("GET", "/{id}/export"),)

    def export(self, stageset_id: IdLike) -> str:
        """``GET /stagesets/{id}/export``: lead movements through the pipeline, as CSV text."""
        op = self._op("GET", "/{id}/export")
        return self._client._send(op, {"id": self._id(stageset_id)}).text


class Stages(Listable):
    """Stages of every pipeline: ``/stages``."""

    _base = "/stages"


class Outcomes(Listable, Gettable):
    """Lead outcomes: ``/outcomes``."""

    _base = "/outcomes"


class Sources(Listable, Creatable, Deletable, Undeletable):
    """Lead sources: ``/sources``."""

    _base = "/sources"


class Tags(Listable, Creatable, Deletable, Undeletable):
    """Tags: ``/tags``."""

    _base = "/tags"


class Users(Listable, Gettable):
    """Users: ``/users``."""

    _base = "/users"


class Territories(Listable):
    """Territories: ``/territories``."""

    _base = "/territories"


class Markets(Listable, Gettable):
    """Markets: ``/markets``."""

    _base = "/markets"


class Industries(Listable, Gettable):
    """Industries: ``/industries``."""

    _base = "/industries"


class Filters(Listable):
    """Saved filters: ``/filters`` (``userId``/``reportType`` go in ``params=``)."""

    _base = "/filters"
