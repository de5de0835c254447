"""The laptop's side of sync: a transport to the gateway, enrolment, and draining the outbox.

Speaks `sync.protocol`; never imports FastAPI or the gateway (tests/core/test_layering.py).
The HTTPS transport is one implementation of `transport.Transport`; the bundles issue adds a
file one. Imports no Qt.
"""
