"""The people resources: accounts (companies) and contacts (persons)."""

from __future__ import annotations

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


class Accounts(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Accounts (companies): ``/accounts``."""

    _base = "/accounts"


class Contacts(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Contacts (people): ``/contacts``. DELETE answers 204 without a body."""

    _base = "/contacts"
