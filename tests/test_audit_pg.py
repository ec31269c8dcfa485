"""The PostgreSQL audit store (issue 12): what only it does, and that it gives
the same chain as SQLite. The tamper, purge, SIGKILL and concurrency tests run
on both stores in tests/test_audit.py."""

from __future__ import annotations

import json
import logging
import multiprocessing
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from test_audit import SID, _at, _entry, _writer

from guardrail.audit import AuditEntry, AuditStore, AuditStoreError, BufferedAudit
from guardrail.cli import main
from guardrail.events import Audit

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Pw-h6-n0t-a-real-secret"


def _with_password(url: str, db: str | None = None) -> str:
    """``url`` (``postgresql://postgres:@/db?host=...``) with SECRET as the password."""
    out = url.replace("postgresql://postgres:@", f"postgresql://postgres:{SECRET}@", 1)
    if db is not None:
        out = out.replace(out.split("/", 3)[3].split("?")[0], db, 1)
    return out


def test_a_password_in_the_url_never_appears_in_errors_reprs_or_logs(pg_url, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    url = _with_password(pg_url)
    assert SECRET in url
    store = AuditStore.open(url)  # the test server trusts local sockets: any password works
    assert main(["audit", "head", "--store", url]) == 2  # "empty": names the store, not SECRET
    assert "empty" in capsys.readouterr().err
    store.append(_entry(1))
    assert SECRET not in repr(store)
    assert SECRET not in store.url
    assert "***" in store.url
    store.close()
    broken = [
        _with_password(pg_url, "no_such_db"),
        _with_password(pg_url).split("?")[0] + "?host=/nonexistent/socket/dir",
        f"postgresql://guardrail:{SECRET}@db.invalid/audit?connect_timeout=2",
        f"postgresql://db.invalid/audit?password={SECRET}&connect_timeout=2",
    ]
    for bad in broken:
        with pytest.raises(AuditStoreError, match="cannot connect") as info:
            AuditStore.open(bad)
        assert SECRET not in str(info.value)
        assert main(["audit", "verify", "--store", bad]) == 2
        assert main(["audit", "head", "--store", bad]) == 2
    out = capsys.readouterr()
    assert "cannot connect" in out.err
    assert SECRET not in out.err + out.out
    assert SECRET not in caplog.text


def test_without_psycopg_the_error_says_what_to_install(pg_url):
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from guardrail.audit import AuditStore, AuditStoreError\n"
        "try:\n"
        f"    AuditStore.open({_with_password(pg_url)!r})\n"
        "except AuditStoreError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "pip install 'telephony-guardrail[postgres]'" in run.stdout
    assert SECRET not in run.stdout + run.stderr


def test_commits_are_durable_even_where_the_server_default_is_not(pg_url):
    db = pg_url.split("/", 3)[3].split("?")[0]
    admin = psycopg.connect(pg_url, autocommit=True)
    admin.execute(f"ALTER DATABASE {db} SET synchronous_commit = off")
    admin.close()
    store = AuditStore.open(pg_url)
    (setting,) = store._conn.execute("SHOW synchronous_commit").fetchone()  # type: ignore[attr-defined]
    assert setting == "on"
    store.close()


def test_the_same_entries_give_the_same_chain_as_sqlite(pg_url, tmp_path, capsys):
    """Same canonical JSON, same hashes: head, export, verify and purge agree,
    and an export from SQLite loaded into PostgreSQL verifies there."""
    sqlite_url = f"sqlite:///{tmp_path / 'audit.db'}"
    stores = [AuditStore.open(sqlite_url), AuditStore.open(pg_url)]
    for i in range(12):
        e = AuditEntry(
            actor="proxy",
            event="disclosure",
            outcome="redacted",
            t_ms=[0, 20, 1e9 + 0.125, 7.5][i % 4] + i,
            category="payment_card" if i % 2 else None,
            call_sid=SID if i % 3 else None,
            origin="guard-1:42",
            time=_at(i),
        )
        assert [s.append(e) for s in stores] == [i + 1, i + 1]
    heads = [s.head() for s in stores]
    assert heads[0] == heads[1]
    exports = [list(s.export()) for s in stores]
    assert exports[0] == exports[1]
    assert [json.dumps(r) for r in exports[0]] == [json.dumps(r) for r in exports[1]]
    purged = [s.purge(_at(5)) for s in stores]
    assert purged[0] == purged[1]
    assert purged[0].count == 5
    results = [s.verify(head=heads[0]).as_dict() for s in stores]
    assert results[0] == results[1]
    assert results[0]["ok"] is True
    for s in stores:
        s.close()
    capsys.readouterr()
    outputs = []
    for url in (sqlite_url, pg_url):
        assert main(["audit", "export", "--store", url, "--since", _at(7)]) == 0
        assert main(["audit", "verify", "--store", url]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    # an export loaded as rows into another database is the same chain there
    admin = psycopg.connect(pg_url, autocommit=True)
    name = "copy_" + pg_url.split("/", 3)[3].split("?")[0]
    admin.execute(f"CREATE DATABASE {name}")
    admin.close()
    copy_url = pg_url.replace(pg_url.split("/", 3)[3].split("?")[0], name, 1)
    AuditStore.open(copy_url).close()
    cols = list(exports[0][0])
    conn = psycopg.connect(copy_url, autocommit=True)
    conn.execute("ALTER TABLE audit_entries DISABLE TRIGGER USER")
    for row in exports[0]:
        conn.execute(
            f"INSERT INTO audit_entries ({', '.join(cols)}) "
            f"VALUES ({', '.join(['%s'] * len(cols))})",
            [row[c] for c in cols],
        )
    conn.close()
    copy = AuditStore.open(copy_url, create=False)
    assert copy.verify(head=heads[0]).ok
    copy.close()


def test_a_broken_connection_is_opened_again(pg_url):
    store = AuditStore.open(pg_url)
    audit = BufferedAudit(store, actor="server")
    audit(Audit("call_started", "ok", 0.0))
    admin = psycopg.connect(pg_url, autocommit=True)
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'guardrail-audit' AND pid <> pg_backend_pid()"
    )
    admin.close()
    audit(Audit("disclosure", "redacted", 5.0, "ssn"))  # may fail once: then it waits
    assert audit.flush()
    audit(Audit("call_ended", "ok", 9.0))
    assert audit.healthy
    assert [r["t_ms"] for r in store.export()] == [0.0, 5.0, 9.0]
    assert store.verify().ok
    store.close()


def test_the_documented_grants_let_the_guardrail_append_but_not_rewrite(pg_url):
    """With the tables owned by another role and the grants in audit_pg's
    docstring, the guardrail's role can append and the purge role can purge,
    but neither can change an entry, delete one, or switch the triggers off."""
    AuditStore.open(pg_url).close()  # the owner (here the superuser) makes the tables
    db = pg_url.split("/", 3)[3].split("?")[0]
    writer, purger = f"gw_{db}", f"gp_{db}"
    admin = psycopg.connect(pg_url, autocommit=True)
    for stmt in (
        f"CREATE ROLE {writer} LOGIN",
        f"CREATE ROLE {purger} LOGIN",
        f"GRANT SELECT, INSERT ON audit_entries TO {writer}",
        f"GRANT SELECT, UPDATE ON audit_head TO {writer}",
        f"GRANT SELECT ON audit_anchors, audit_purging TO {writer}",
        f"GRANT SELECT, INSERT, DELETE ON audit_entries TO {purger}",
        f"GRANT SELECT, UPDATE ON audit_head TO {purger}",
        f"GRANT SELECT, INSERT, DELETE ON audit_purging TO {purger}",
        f"GRANT SELECT, INSERT ON audit_anchors TO {purger}",
    ):
        admin.execute(stmt)
    admin.close()
    as_writer = pg_url.replace("postgresql://postgres:@", f"postgresql://{writer}@", 1)
    as_purger = pg_url.replace("postgresql://postgres:@", f"postgresql://{purger}@", 1)
    store = AuditStore.open(as_writer)
    for i in range(6):
        store.append(_entry(i, _at(i)))
    store.close()
    conn = psycopg.connect(as_writer, autocommit=True)
    for stmt in (
        "ALTER TABLE audit_entries DISABLE TRIGGER USER",
        "DROP TRIGGER audit_entries_no_update ON audit_entries",
        "UPDATE audit_entries SET outcome = 'failed' WHERE seq = 2",
        "DELETE FROM audit_entries WHERE seq = 1",
        "TRUNCATE audit_entries",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(stmt)
    conn.close()
    store = AuditStore.open(as_purger)
    result = store.purge(_at(3))
    assert (result.count, result.first_seq, result.last_seq) == (3, 1, 3)
    assert store.verify(anchor=result.anchor).ok
    store.close()
    conn = psycopg.connect(as_purger, autocommit=True)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        conn.execute("DELETE FROM audit_entries WHERE seq = 4")  # outside a purge
    conn.close()


def test_processes_that_open_a_new_store_at_once_make_one_schema(pg_url):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(pg_url, 25, k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    store = AuditStore.open(pg_url, create=False)
    result = store.verify()
    store.close()
    assert result.ok
    assert result.entries == 100
