"""Shared floor: the domain model, the method catalog, the exception tree and the HTTP transport."""
