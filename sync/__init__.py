"""Sync: the protocol both sides speak (`protocol`), and the authority's gateway (`gateway`).

The desktop app imports `sync.protocol` only; it never imports FastAPI or the gateway.
"""
