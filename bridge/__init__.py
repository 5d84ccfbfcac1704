"""Bridge from legacy JSON-RPC calls to the REST API (not implemented yet)."""
