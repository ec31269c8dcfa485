"""A real PostgreSQL 16 for the tests, from the ``pgserver`` wheel.

One server per test session (it starts in about a second), listening only on
a Unix socket in a temporary directory; each test that asks for ``pg_url``
gets a database of its own, so tests never see each other's rows. The server
is stopped when the session ends.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

_count = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the session's PostgreSQL server (its ``postgres`` database)."""
    root = Path(tempfile.mkdtemp(prefix="guardrail-pg-"))
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime directory it then does not
        # use; on a machine without XDG_RUNTIME_DIR that is a warning
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(root, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A ``postgresql://`` URL of a new, empty database on the session's server."""
    import psycopg

    name = f"t{next(_count)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.replace("/postgres?", f"/{name}?", 1)
