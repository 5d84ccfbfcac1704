"""Bridge from legacy JSON-RPC calls to the REST API. Not implemented yet: see the project issues."""
