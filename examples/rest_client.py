"""The REST client: list leads with a filter and paging, read one, update it with JSON Patch.

``nutshell_rest.RestClient`` has one resource per REST endpoint (``client.leads``,
``client.contacts``...), each with only the verbs Nutshell's OpenAPI document gives it. Records
come back as typed model objects (``nutshell_core.model.Lead``); a :class:`Query` builds
filters, sorting and paging, and a :class:`Patch` builds JSON Patch updates.

    python examples/rest_client.py
"""

from __future__ import annotations

from _account import account

from nutshell_core.model import Lead, LeadStatus, Money
from nutshell_rest import DEFAULT_BASE_URL, Patch, Query, RestClient


def value_of(lead: Lead) -> str:
    """The lead's value as text; a field the server did not send is UNSET, not None."""
    value = lead.value
    return f"{value.amount} {value.currency}" if isinstance(value, Money) else "-"


def main() -> None:
    """List, page through, read and update leads over REST."""
    with account() as acct:
        print(f"Running against {acct.where}.")
        base_url = acct.rest_base_url or DEFAULT_BASE_URL
        with RestClient(acct.username, acct.api_key, base_url=base_url) as client:
            open_leads = Query().filter(status="open").sort("value", descending=True)

            # One page: page[page]=0, page[limit]=5.
            first_page = client.leads.list(open_leads, limit=5)
            leads = [record for record in first_page.records if isinstance(record, Lead)]
            print(f"First page of open leads ({len(leads)}):")
            for lead in leads:
                print(f"  {lead.id:>4}  {value_of(lead):>12}  {lead.description}")

            # Every page, lazily: one request per 10 leads, one page in memory at a time.
            pager = client.leads.iterate(open_leads, page_size=10)
            total = sum(1 for _ in pager)
            print(f"Open leads in all: {total}, read in {pager.pages_fetched} requests")

            if not leads or not isinstance(leads[0].id, int):
                return
            lead_id = leads[0].id
            one = client.leads.get(lead_id)
            assert isinstance(one, Lead)
            status = one.status.name if isinstance(one.status, LeadStatus) else "-"
            print(f"Lead {lead_id}: number {one.number}, status {status}, value {value_of(one)}")

            if not acct.emulated:
                print("Skipping the update: this is a real account.")
                return
            patch = Patch("leads").replace("description", "Updated by examples/rest_client.py")
            updated = client.leads.update(lead_id, patch, reread=True)
            assert isinstance(updated, Lead)
            print(f"After PATCH {patch.to_json()}: description {updated.description!r}")


if __name__ == "__main__":
    main()
