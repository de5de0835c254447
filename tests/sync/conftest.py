"""Real databases for the gateway's tests: a fresh PostgreSQL database, and a SQLite file.

PostgreSQL is the one on this machine (`./dev test` starts or installs it), reached at
`$ASSESSOR_TEST_POSTGRES`, else over TCP as user postgres, else over the local socket as this
user (a fresh Debian install, where `./dev test` made that role). Each test gets its own
database, dropped afterwards. Where no server answers, the PostgreSQL cases are skipped on a
developer's machine and fail in CI, which must test both.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sync.gateway.app import create_app
from sync.gateway.bundles import BundleKey
from sync.gateway.ca import GatewayCA
from sync.gateway.publishing import PublishingKey
from sync.gateway.server import development_tls, running
from sync.gateway.store import Store

CANDIDATES = (
    [os.environ["ASSESSOR_TEST_POSTGRES"]]
    if os.environ.get("ASSESSOR_TEST_POSTGRES")
    else ["postgresql://postgres@127.0.0.1:5432/postgres", "postgresql:///postgres"]
)


def _admin() -> tuple[Any, str]:
    import psycopg

    problems = []
    for url in CANDIDATES:
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=5), url
        except psycopg.OperationalError as e:
            problems.append(f"{url}: {str(e).strip()}")
    message = "PostgreSQL is not reachable (" + "; ".join(problems) + ")"
    if os.environ.get("CI"):
        pytest.fail(message + ". CI must run the gateway's tests on PostgreSQL.")
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped after the test."""
    admin, url = _admin()
    name = f"assessor_gw_{secrets.token_hex(6)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = url.rpartition("/")
    try:
        yield f"{head}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each gateway test runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@dataclass
class Gateway:
    url: str
    store: Store
    ca: GatewayCA
    assessor: str
    bundle_key: BundleKey | None = None
    """The authority's bundle key, in the gateway's data folder (``ca/`` beside its CA)."""
    publishing_key: PublishingKey | None = None
    """The authority's key that signs reference data, beside the bundle key."""

    def code(self) -> str:
        now = dt.datetime.now(dt.UTC)
        return self.store.issue_code(self.assessor, now, dt.timedelta(minutes=15))


@pytest.fixture
def gateway(store_url: str, tmp_path: Path) -> Iterator[Gateway]:
    """A gateway serving on loopback over mutual TLS, with one assessor to enrol laptops for."""
    store = Store(store_url)
    store.migrate()
    ca = GatewayCA.load_or_create(tmp_path / "ca", "Exampleshire County Council")
    tls = development_tls(tmp_path, ca)
    key = BundleKey.load_or_create(tmp_path / "ca")
    publishing = PublishingKey.load_or_create(tmp_path / "ca")
    assessor = store.create_assessor("Robin Testcase", dt.datetime.now(dt.UTC))
    app = create_app(
        store,
        ca,
        bundle_public_key=key.public.text,
        publishing_public_key=publishing.public_text,
    )
    with running(app, tls) as served:
        yield Gateway(served.url, store, ca, assessor, key, publishing)
