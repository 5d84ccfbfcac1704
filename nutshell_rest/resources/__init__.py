"""The REST resources of :class:`~nutshell_rest.client.RestClient`, one module per family.

:mod:`~nutshell_rest.resources.base` holds the :class:`Resource` base and
:mod:`~nutshell_rest.resources.verbs` the verb mixins it is built from; the other modules hold
the resources of one family of entities each.
"""

from nutshell_rest.resources.activities import Activities, Emails, Notes, Tasks
from nutshell_rest.resources.base import Requires, Resource, Rows, rows_under
from nutshell_rest.resources.documents import DOCUMENT_STATUSES, Invoices, Quotes
from nutshell_rest.resources.events import Events
from nutshell_rest.resources.leads import Leads
from nutshell_rest.resources.marketing import Audiences, Editions, Forms
from nutshell_rest.resources.people import Accounts, Contacts
from nutshell_rest.resources.products import (
    CompetitorMaps,
    Competitors,
    ProductCategories,
    ProductMaps,
    Products,
)
from nutshell_rest.resources.reference import (
    AccountTypes,
    ActivityTypes,
    Filters,
    Industries,
    Markets,
    Outcomes,
    Sources,
    Stages,
    Stagesets,
    Tags,
    Territories,
    Users,
)
from nutshell_rest.resources.verbs import (
    DEFAULT_PAGE_SIZE,
    Changes,
    Creatable,
    CustomFields,
    Deletable,
    Gettable,
    Listable,
    ListView,
    Patchable,
    Replaceable,
    Undeletable,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DOCUMENT_STATUSES",
    "AccountTypes",
    "Accounts",
    "Activities",
    "ActivityTypes",
    "Audiences",
    "Changes",
    "CompetitorMaps",
    "Competitors",
    "Contacts",
    "Creatable",
    "CustomFields",
    "Deletable",
    "Editions",
    "Emails",
    "Events",
    "Filters",
    "Forms",
    "Gettable",
    "Industries",
    "Invoices",
    "Leads",
    "ListView",
    "Listable",
    "Markets",
    "Notes",
    "Outcomes",
    "Patchable",
    "ProductCategories",
    "ProductMaps",
    "Products",
    "Quotes",
    "Replaceable",
    "Requires",
    "Resource",
    "Rows",
    "Sources",
    "Stages",
    "Stagesets",
    "Tags",
    "Tasks",
    "Territories",
    "Undeletable",
    "Users",
    "rows_under",
]
