"""The sales-document resources: quotes and invoices, with their status changes."""

from __future__ import annotations

from typing import Any, ClassVar, Final

from nutshell_core.errors import UsageError
from nutshell_rest._requests import IdLike, _as_text
from nutshell_rest.envelope import Item
from nutshell_rest.resources.base import Requires
from nutshell_rest.resources.verbs import Gettable, Listable

#: The statuses ``POST /quotes/{id}/status`` and ``POST /invoices/{id}/status`` accept.
DOCUMENT_STATUSES: Final = frozenset({"READY", "SENT", "REVOKED", "ACCEPTED", "ARCHIVED"})


def _document_status(
    status: str, accepted_name: str | None = None, accepted_email: str | None = None
) -> dict[str, Any]:
    value = _as_text(status, "status").strip().upper()
    if value not in DOCUMENT_STATUSES:
        raise UsageError(f"status must be one of {sorted(DOCUMENT_STATUSES)}, not {status!r}")
    body: dict[str, Any] = {"status": value}
    if accepted_name is not None:
        body["acceptedName"] = accepted_name
    if accepted_email is not None:
        body["acceptedEmail"] = accepted_email
    return body


class Quotes(Listable, Gettable):
    """Quotes: ``/quotes``, with status changes and invoicing."""

    _base = "/quotes"
    _requires: ClassVar[Requires] = (("POST", "/{id}/status"), ("POST", "/{id}/invoice"))

    def set_status(
        self,
        quote_id: IdLike,
        status: str,
        *,
        accepted_name: str | None = None,
        accepted_email: str | None = None,
    ) -> Item | None:
        """``POST /quotes/{id}/status``: READY, SENT, REVOKED, ACCEPTED or ARCHIVED (any case);
        an acceptance may record who accepted. Returns the quote."""
        return self._write(
            self._op("POST", "/{id}/status"),
            {"id": self._id(quote_id)},
            json=_document_status(status, accepted_name, accepted_email),
        )

    def invoice(self, quote_id: IdLike) -> Item | None:
        """``POST /quotes/{id}/invoice`` (no body): create an invoice copied from the quote
        and return the invoice. Never retried on a lost answer: it could invoice twice."""
        return self._write(self._op("POST", "/{id}/invoice"), {"id": self._id(quote_id)})


class Invoices(Listable, Gettable):
    """Invoices: ``/invoices``, with status changes."""

    _base = "/invoices"
    _requires: ClassVar[Requires] = (("POST", "/{id}/status"),)

    def set_status(self, invoice_id: IdLike, status: str) -> Item | None:
        """``POST /invoices/{id}/status``: READY, SENT, REVOKED, ACCEPTED or ARCHIVED."""
        return self._write(
            self._op("POST", "/{id}/status"),
            {"id": self._id(invoice_id)},
            json=_document_status(status),
        )
