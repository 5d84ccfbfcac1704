"""The resources of work done on records: activities, tasks, notes and emails."""

from __future__ import annotations

from nutshell_rest.resources.verbs import (
    Creatable,
    Deletable,
    Gettable,
    Listable,
    Patchable,
    Replaceable,
    Undeletable,
)


class Activities(Listable, Gettable, Creatable, Replaceable):
    """Activities: ``/activities``; updated with :meth:`replace` (PUT), there is no PATCH."""

    _base = "/activities"


class Tasks(Listable, Gettable, Creatable, Patchable, Deletable):
    """Tasks: ``/tasks``. Created with the task itself as the body (no wrapper), as the
    OpenAPI document's ``POST /tasks`` request body declares."""

    _base = "/tasks"
    _create_body = "bare"


class Notes(Listable, Gettable, Creatable, Deletable, Undeletable):
    """Notes: ``/notes``. Created with ``{"data": {...}}``; there is no PATCH."""

    _base = "/notes"
    _create_body = "data"


class Emails(Gettable):
    """Emails: ``/emails/{id}`` (there is no collection)."""

    _base = "/emails"
