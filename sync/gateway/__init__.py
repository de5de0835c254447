"""`assessor-gateway`: the authority's side of sync (storage and protocol handling).

`store.Store` keeps what laptops push, on PostgreSQL or SQLite. The HTTP service, device
enrolment and the adapters build on it (issue 14). Imports no Qt.
"""
