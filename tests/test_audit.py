"""The audit trail (issue 12, first part): the chain, tampering, durability, the CLI."""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from guardrail.audit import (
    FIELDS,
    AuditEntry,
    AuditStore,
    AuditStoreError,
    AuditValueError,
    BufferedAudit,
    PurgeResult,
    entry_hash,
)
from guardrail.cli import main
from guardrail.events import Alert, Audit

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "examples" / "card_call.jsonl"
SID = "CA" + "ab" * 16
REC = "RE" + "cd" * 16
REFUSED = (sqlite3.IntegrityError, psycopg.errors.InsufficientPrivilege)
"""What each database raises when a trigger refuses a change."""


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _entry(i: int, time: str | None = None) -> AuditEntry:
    return AuditEntry(
        actor="proxy",
        event="pause_recording",
        outcome="confirmed",
        t_ms=100.0 * i,
        category="payment_card",
        action="audit",
        call_sid=SID,
        resource=REC,
        time=time,
    )


def _at(second: int) -> str:
    """An entry time ``second`` seconds after a fixed start."""
    return f"2026-01-01T00:{second // 60:02d}:{second % 60:02d}.000000Z"


class Raw:
    """A raw connection to a store's database, as an attacker (or a test) has it.

    ``execute`` takes ``?`` placeholders for both databases and returns the rows."""

    def __init__(self, kind: str, conn) -> None:
        self.kind = kind
        self.conn = conn

    def execute(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self.kind == "sqlite":
            return self.conn.execute(sql, params).fetchall()
        cur = self.conn.execute(sql.replace("?", "%s"), params)
        return cur.fetchall() if cur.description is not None else []

    def close(self) -> None:
        self.conn.close()


class Backend:
    """One store of each kind per test: its URL and raw access to its database."""

    def __init__(self, kind: str, url: str, path: Path | None = None, dsn: str | None = None):
        self.kind = kind
        self.url = url
        self.path = path
        self.dsn = dsn

    def plain(self) -> Raw:
        """A raw connection with the store's triggers in force."""
        if self.kind == "sqlite":
            return Raw("sqlite", sqlite3.connect(self.path, isolation_level=None))
        return Raw("postgresql", psycopg.connect(self.dsn, autocommit=True))

    def raw(self) -> Raw:
        """What an attacker with raw access does first: drop or disable the triggers."""
        raw = self.plain()
        if self.kind == "sqlite":
            for name in (
                "audit_entries_no_update",
                "audit_entries_no_delete",
                "audit_anchors_no_update",
                "audit_anchors_no_delete",
            ):
                raw.execute(f"DROP TRIGGER {name}")
        else:
            for table in ("audit_entries", "audit_anchors", "audit_head"):
                raw.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return raw


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Backend:
    if request.param == "sqlite":
        db = tmp_path / "audit.db"
        return Backend("sqlite", _url(db), path=db)
    url = request.getfixturevalue("pg_url")
    return Backend("postgresql", url, dsn=url)


def _fill(url: str, n: int = 10, *, timed: bool = False) -> None:
    store = AuditStore.open(url)
    for i in range(n):
        assert store.append(_entry(i, _at(i) if timed else None)) == i + 1
    store.close()


def _filled(tmp_path: Path, n: int = 10) -> tuple[str, Path]:
    db = tmp_path / "audit.db"
    _fill(_url(db), n)
    return _url(db), db


def _verify(url: str, head: str | None = None, anchor: str | None = None) -> tuple[bool, int]:
    """The store's verdict and the CLI's exit code, which must agree."""
    store = AuditStore.open(url, create=False)
    try:
        ok = store.verify(head=head, anchor=anchor).ok
    finally:
        store.close()
    argv = ["audit", "verify", "--store", url, *(["--head", head] if head else [])]
    if anchor is None:
        return ok, main(argv)
    return ok, (0 if ok else 1)


def _head(url: str) -> str:
    store = AuditStore.open(url, create=False)
    try:
        head = store.head()
    finally:
        store.close()
    assert head is not None
    return head


# -- the chain ------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_exports(backend, capsys):
    url = backend.url
    _fill(url)
    store = AuditStore.open(url)
    head = store.head()
    assert head is not None
    assert head.startswith("10:")
    result = store.verify(head=head)
    assert result.ok
    assert result.entries == 10
    assert result.head == head
    assert result.anchor is None
    rows = list(store.export())
    assert [r["seq"] for r in rows] == list(range(1, 11))
    assert all(r["hash"] == entry_hash(r) for r in rows)
    assert rows[0]["prev"] == "0" * 64
    assert rows[1]["prev"] == rows[0]["hash"]
    assert set(FIELDS) <= set(rows[0])
    assert list(store.export(call="CA" + "00" * 16)) == []
    assert len(list(store.export(call=SID, since="2000-01-01T00:00:00Z"))) == 10
    assert list(store.export(since="2999-01-01T00:00:00Z")) == []
    store.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--store", url, "--head", head]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "entries": 10, "head": head}
    assert main(["audit", "head", "--store", url]) == 0
    assert capsys.readouterr().out.strip() == head
    assert main(["audit", "export", "--store", url, "--call", SID]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["seq"] for x in lines] == list(range(1, 11))


def test_the_store_refuses_update_and_delete(backend):
    _fill(backend.url, 3)
    raw = backend.plain()
    for sql in (
        "UPDATE audit_entries SET outcome = 'failed' WHERE seq = 2",
        "DELETE FROM audit_entries WHERE seq = 3",
        "DELETE FROM audit_entries",
    ):
        with pytest.raises(REFUSED, match="append-only"):
            raw.execute(sql)
    if backend.kind == "postgresql":
        for sql in (
            "TRUNCATE audit_entries",
            "UPDATE audit_head SET seq = 1",
            "DELETE FROM audit_head",
        ):
            with pytest.raises(REFUSED, match=r"append-only|only moves forward"):
                raw.execute(sql)
    assert raw.execute("SELECT count(*) FROM audit_entries") == [(3,)]
    raw.close()


def _changed(column: str, value: object) -> object:
    if column in ("seq",):
        return 99
    if column == "t_ms":
        return float(value) + 1.0  # type: ignore[arg-type]
    text = str(value)
    flip = "b" if text[-1] != "b" else "c"
    return text[:-1] + flip  # one byte changed


@pytest.mark.parametrize("column", [*FIELDS, "prev", "hash", "seq"])
def test_a_changed_byte_in_any_field_is_detected(backend, column, capsys):
    url = backend.url
    _fill(url)
    raw = backend.raw()
    ((value,),) = raw.execute(f"SELECT {column} FROM audit_entries WHERE seq = 5")
    raw.execute(f"UPDATE audit_entries SET {column} = ? WHERE seq = 5", (_changed(column, value),))
    raw.close()
    assert _verify(url) == (False, 1)
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["ok"] is False
    assert out["seq"] in (5, 6)


def test_a_deleted_entry_is_detected(backend):
    _fill(backend.url)
    raw = backend.raw()
    raw.execute("DELETE FROM audit_entries WHERE seq = 4")
    raw.close()
    assert _verify(backend.url) == (False, 1)


def _insert_forged(raw: Raw, at: int) -> None:
    """Renumber the tail and insert a forged entry at ``at`` that links correctly
    to the entry before it, with a correct hash of its own."""
    (top,) = raw.execute("SELECT MAX(seq) FROM audit_entries")[0]
    for seq in range(top, at - 1, -1):
        raw.execute("UPDATE audit_entries SET seq = seq + 1 WHERE seq = ?", (seq,))
    cols = ["seq", *FIELDS, "prev", "hash"]
    (values,) = raw.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = ?", (at - 1,))
    row = dict(zip(cols, values, strict=True))
    forged = {**row, "seq": at, "outcome": "failed", "prev": row["hash"]}
    forged["hash"] = entry_hash(forged)
    raw.execute(
        f"INSERT INTO audit_entries ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [forged[c] for c in cols],
    )


def test_an_inserted_entry_is_detected(backend):
    """The forger renumbers the tail, inserts at 6 with a correct link and hash
    of its own; the old 6 (now 7) no longer links to it."""
    _fill(backend.url)
    raw = backend.raw()
    _insert_forged(raw, 6)
    raw.close()
    assert _verify(backend.url) == (False, 1)


def test_reordered_entries_are_detected(backend):
    _fill(backend.url)
    raw = backend.raw()
    cols = [*FIELDS, "prev", "hash"]
    (a,) = raw.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = 3")
    (b,) = raw.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = 4")
    sets = ", ".join(f"{c} = ?" for c in cols)
    raw.execute(f"UPDATE audit_entries SET {sets} WHERE seq = 3", b)
    raw.execute(f"UPDATE audit_entries SET {sets} WHERE seq = 4", a)
    raw.close()
    assert _verify(backend.url) == (False, 1)


def test_truncation_after_a_kept_head_is_detected(backend):
    url = backend.url
    _fill(url)
    head = _head(url)
    raw = backend.raw()
    raw.execute("DELETE FROM audit_entries WHERE seq > 7")
    if backend.kind == "postgresql":  # a careful forger moves the head row back too
        ((h7,),) = raw.execute("SELECT hash FROM audit_entries WHERE seq = 7")
        raw.execute("UPDATE audit_head SET seq = 7, hash = ? WHERE id = 1", (h7,))
    raw.close()
    assert _verify(url) == (True, 0)  # a shorter chain is still a chain...
    assert _verify(url, head) == (False, 1)  # ...but not the one whose head was kept
    # truncate and re-grow to the same length: the entry at the head differs
    store = AuditStore.open(url)
    for i in range(3):
        store.append(_entry(50 + i))
    assert store.head().split(":")[0] == "10"
    # growth after a kept head is fine
    head2 = store.head()
    store.append(_entry(9))
    store.close()
    assert _verify(url, head) == (False, 1)
    assert _verify(url, head2) == (True, 0)


# -- the value guard and bad input -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outcome", "4111 1111 1111 1111"),
        ("outcome", "four one one one one one one one one one one one one one one one"),
        ("category", "078-05-1123"),
        ("event", "card 4111111111111111"),
        ("actor", "proxy 1234"),
        ("call_sid", "4111111111111111"),
        ("resource", "my card 4111 1111 1111 1111"),
        ("origin", "4111 1111 1111 1111"),
    ],
)
def test_append_refuses_anything_that_looks_like_a_value(tmp_path, field, value):
    store = AuditStore.open(_url(tmp_path / "a.db"))
    with pytest.raises(AuditValueError, match=field) as info:
        store.append(dataclasses.replace(_entry(1), **{field: value}))
    assert value not in str(info.value)
    assert store.head() is None
    store.close()


def test_unknown_schemes_and_missing_stores_are_clear_errors(tmp_path, capsys):
    with pytest.raises(AuditStoreError, match="cannot connect") as info:
        AuditStore.open("postgresql://user:s3cretpw@db.invalid/guardrail?connect_timeout=2")
    assert "s3cretpw" not in str(info.value)
    with pytest.raises(AuditStoreError, match="unknown store scheme"):
        AuditStore.open("redis://x")
    assert main(["audit", "verify", "--store", "postgres://u:s3cretpw@db.invalid/d"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err
    assert "s3cretpw" not in err
    missing = tmp_path / "none.db"
    assert main(["audit", "verify", "--store", _url(missing)]) == 2
    assert not missing.exists()
    url, _ = _filled(tmp_path, 1)
    assert main(["audit", "verify", "--store", url, "--head", "nonsense"]) == 2
    assert main(["audit", "export", "--store", url, "--since", "yesterday"]) == 2


# -- purge and anchors ----------------------------------------------------------------


def test_purge_deletes_the_oldest_run_and_verify_starts_at_the_anchor(backend, capsys):
    url = backend.url
    _fill(url, timed=True)
    store = AuditStore.open(url)
    rows = {r["seq"]: r for r in store.export()}
    dry = store.purge(_at(6), dry_run=True)
    assert (dry.count, dry.first_seq, dry.last_seq, dry.dry_run) == (6, 1, 6, True)
    assert dry.anchor == f"6:{rows[6]['hash']}"
    assert len(list(store.export())) == 10
    assert store.anchor() is None
    result = store.purge("2026-01-01T00:00:06Z")
    assert (result.count, result.first_seq, result.last_seq) == (6, 1, 6)
    assert result.before == _at(6)
    assert result.anchor == f"6:{rows[6]['hash']}" == store.anchor()
    assert [r["seq"] for r in store.export()] == [7, 8, 9, 10]
    check = store.verify(anchor=result.anchor)
    assert (check.ok, check.entries, check.anchor) == (True, 4, result.anchor)
    again = store.purge(_at(6))  # nothing more is due
    assert (again.count, again.first_seq, again.anchor) == (0, None, result.anchor)
    # appends after a purge chain on as before
    assert store.append(_entry(11, _at(11))) == 11
    assert store.verify(anchor=result.anchor).ok
    store.close()
    raw = backend.plain()
    assert raw.execute("SELECT count(*) FROM audit_purging") == [(0,)]
    with pytest.raises(REFUSED, match="append-only"):
        raw.execute("DELETE FROM audit_entries WHERE seq = 7")  # ordinary deletes: refused
    with pytest.raises(REFUSED, match="append-only"):
        raw.execute("DELETE FROM audit_anchors")
    raw.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--store", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["anchor"] == result.anchor
    assert out["entries"] == 5


def test_purge_never_deletes_the_head_nor_anything_newer_than_before(backend):
    url = backend.url
    store = AuditStore.open(url)
    assert store.purge(_at(10)) == PurgeResult(0, None, None, _at(10))  # an empty store
    times = [_at(1), _at(2), _at(30), _at(3), _at(4)]  # seq 3 waited in a buffer: newer
    for i, t in enumerate(times):
        store.append(_entry(i, t))
    result = store.purge(_at(10))
    assert (result.count, result.first_seq, result.last_seq) == (2, 1, 2)
    assert [r["seq"] for r in store.export()] == [3, 4, 5]
    result = store.purge("2999-01-01T00:00:00Z")
    assert (result.count, result.first_seq, result.last_seq) == (2, 3, 4)
    (last,) = list(store.export())
    assert last["seq"] == 5  # the head stays, so the chain keeps its end
    assert store.purge("2999-01-01T00:00:00Z").count == 0
    assert store.verify().ok
    with pytest.raises(ValueError, match="ISO-8601"):
        store.purge("last year")
    store.close()


def test_a_sqlite_store_from_before_purge_gets_its_anchor_tables(tmp_path):
    url, db = _filled(tmp_path, 4)
    conn = sqlite3.connect(db, isolation_level=None)  # the schema as the first version made it
    conn.execute("DROP TRIGGER audit_entries_no_delete")
    conn.execute("DROP TRIGGER audit_anchors_no_update")
    conn.execute("DROP TRIGGER audit_anchors_no_delete")
    conn.execute("DROP TABLE audit_anchors")
    conn.execute("DROP TABLE audit_purging")
    conn.execute(
        "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
        "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"
    )
    conn.close()
    store = AuditStore.open(url, create=False)
    assert store.verify().ok
    assert store.purge("2999-01-01T00:00:00Z").count == 3
    assert store.verify().anchor == store.anchor()
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_entries")
    conn.close()


def test_tampering_after_a_purge_is_detected(backend):
    """After a purge: a deleted entry in the middle, a deleted first entry, a
    deleted or changed anchor are found by verify alone; an anchor moved forward
    over entries (with their deletion) is a valid shorter chain and only the
    anchor kept from the purge (or a kept head in the hidden range) reveals it."""
    url = backend.url
    _fill(url, 12, timed=True)
    store = AuditStore.open(url)
    kept_anchor = store.purge(_at(3)).anchor  # seq 1..3 gone, anchor 3
    store.close()
    store = AuditStore.open(url)
    head_at_8 = next(f"8:{r['hash']}" for r in store.export() if r["seq"] == 8)
    store.close()
    assert _verify(url, anchor=kept_anchor) == (True, 0)

    raw = backend.raw()
    saved = raw.execute("SELECT * FROM audit_entries WHERE seq = 6")
    raw.execute("DELETE FROM audit_entries WHERE seq = 6")  # a hole in the middle
    assert _verify(url) == (False, 1)
    raw.execute(f"INSERT INTO audit_entries VALUES ({', '.join('?' * len(saved[0]))})", saved[0])
    assert _verify(url) == (True, 0)

    saved = raw.execute("SELECT * FROM audit_entries WHERE seq = 4")
    raw.execute("DELETE FROM audit_entries WHERE seq = 4")  # the first after the anchor
    assert _verify(url) == (False, 1)
    raw.execute(f"INSERT INTO audit_entries VALUES ({', '.join('?' * len(saved[0]))})", saved[0])

    anchors = raw.execute("SELECT * FROM audit_anchors")
    raw.execute("DELETE FROM audit_anchors")  # no anchor: the chain must start at 1
    assert _verify(url) == (False, 1)
    raw.execute("INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?)", anchors[0])
    raw.execute("UPDATE audit_anchors SET hash = ?", ("f" * 64,))  # a changed anchor
    assert _verify(url) == (False, 1)
    raw.execute("UPDATE audit_anchors SET hash = ?", (anchors[0][1],))
    assert _verify(url) == (True, 0)

    # the forger hides 4..8 and moves the anchor forward to 8 with its real hash
    raw.execute("DELETE FROM audit_entries WHERE seq <= 8")
    raw.execute(
        "INSERT INTO audit_anchors VALUES (?, ?, ?, ?, ?)",
        (8, head_at_8.split(":")[1], _at(9), _at(59), 5),
    )
    raw.close()
    assert _verify(url) == (True, 0)  # undetectable from the store alone...
    assert _verify(url, anchor=kept_anchor) == (False, 1)  # ...not against the kept anchor
    assert _verify(url, head=head_at_8) == (True, 0)  # the kept head is the new anchor
    store = AuditStore.open(url, create=False)
    head_at_5 = f"5:{'0' * 64}"
    moved = store.verify(head=head_at_5)
    assert not moved.ok
    assert "purged" in (moved.error or "")
    assert "anchor moved" in (store.verify(anchor=kept_anchor).error or "")
    store.close()


# -- the buffer ---------------------------------------------------------------------


class FlakyStore:
    """Fails while ``down``; otherwise keeps entries in a list. With ``gate``
    (an unset :class:`threading.Event`), an append waits until it is set, and
    ``entered`` tells the test that the writer is inside one."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.down = False
        self.entries: list[AuditEntry] = []
        self.batches: list[int] = []
        self.gate = gate
        self.entered = threading.Event()

    def append(self, entry: AuditEntry) -> int:
        return self.append_many([entry])[0]

    def append_many(self, entries: list[AuditEntry]) -> list[int]:
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(30)
        if self.down:
            raise AuditStoreError("audit append failed: OperationalError: disk I/O error")
        self.batches.append(len(entries))
        self.entries.extend(entries)
        return list(range(len(self.entries) - len(entries) + 1, len(self.entries) + 1))


def test_buffered_audit_buffers_retries_in_order_and_counts_drops(caplog):
    store = FlakyStore()
    now = [0.0]
    audit = BufferedAudit(store, actor="server", capacity=3, retry_s=1.0, clock=lambda: now[0])  # type: ignore[arg-type]
    audit(Audit("call_started", "ok", 0.0))
    assert audit.healthy
    assert len(store.entries) == 1
    store.down = True
    for i in range(5):
        audit(Audit("disclosure", "redacted", 10.0 * (i + 1), "payment_card"))
    assert not audit.healthy
    assert audit.pending == 3
    assert audit.dropped == 2
    dropped = [r for r in caplog.records if r.getMessage() == "audit entry dropped"]
    assert len(dropped) == 2
    assert all(r.levelno == logging.ERROR for r in dropped)
    store.down = False
    audit(Alert("recording pause unconfirmed", 70.0))  # before retry_s: waits behind the rest
    assert audit.pending == 3
    assert audit.dropped == 3
    now[0] = 2.0
    audit(Audit("call_ended", "ok", 80.0))
    assert audit.pending == 0
    assert [e.t_ms for e in store.entries] == [0.0, 10.0, 20.0, 30.0, 80.0]
    assert audit.dropped == 3
    assert not audit.healthy
    assert audit.flush()


def test_buffered_audit_stores_a_refused_entry_withheld(tmp_path, caplog):
    store = AuditStore.open(_url(tmp_path / "a.db"))
    audit = BufferedAudit(store, actor="server", call_sid=SID)
    audit(Alert("caller said 4111 1111 1111 1111", 5.0))
    (row,) = list(store.export())
    assert row["outcome"] == "[withheld]"
    assert row["event"] == "alert"
    assert audit.refused == 1
    assert audit.healthy
    assert "4111" not in caplog.text
    store.close()


def test_background_writer_never_blocks_the_caller_keeps_order_and_counts_drops(caplog):
    gate = threading.Event()
    store = FlakyStore(gate)
    audit = BufferedAudit(store, actor="server", capacity=5, background=True)  # type: ignore[arg-type]
    audit(Audit("call_started", "ok", 0.0))
    assert store.entered.wait(30)  # the writer is now stuck in the store's commit
    for i in range(1, 7):  # the caller returns at once: nothing here waits on the gate
        audit(Audit("disclosure", "redacted", 10.0 * i, "payment_card"))
    assert audit.pending == 5  # one in flight and four queued; two did not fit
    assert audit.dropped == 2
    assert not audit.healthy
    dropped = [r for r in caplog.records if r.getMessage() == "audit entry dropped"]
    assert len(dropped) == 2
    assert all(r.levelno == logging.ERROR for r in dropped)
    assert "redacted" not in caplog.text
    gate.set()
    assert audit.flush(timeout=30)
    assert [e.t_ms for e in store.entries] == [0.0, 10.0, 20.0, 30.0, 40.0]
    assert store.batches == [1, 4]  # what queued behind a commit goes in one transaction
    assert audit.appended == 5
    assert audit.close(timeout=30)


def test_background_writer_is_unhealthy_while_the_store_fails_and_catches_up(caplog):
    store = FlakyStore()
    store.down = True
    audit = BufferedAudit(store, actor="server", retry_s=3600.0, background=True)  # type: ignore[arg-type]
    for i in range(3):
        audit(Audit("disclosure", "redacted", float(i), "ssn"))
    assert not audit.flush(timeout=30)  # an attempt made for this flush failed
    assert not audit.healthy
    assert audit.pending == 3
    assert audit.dropped == 0
    assert any(
        r.getMessage() == "audit store unavailable; buffering entries"
        and r.levelno == logging.ERROR
        for r in caplog.records
    )
    store.down = False
    assert audit.flush(timeout=30)
    assert audit.healthy
    assert [e.t_ms for e in store.entries] == [0.0, 1.0, 2.0]
    assert audit.close(timeout=30)
    audit(Audit("call_ended", "ok", 9.0))  # after close: counted, never silent
    assert audit.dropped == 1
    assert len(store.entries) == 3


def test_background_writer_on_a_real_store_withholds_values_and_chains(backend, caplog):
    store = AuditStore.open(backend.url)
    audit = BufferedAudit(store, actor="server", call_sid=SID, background=True)
    audit(Audit("call_started", "ok", 0.0))
    audit(Alert("caller said 4111 1111 1111 1111", 5.0))
    for i in range(50):
        audit(Audit("disclosure", "redacted", 10.0 + i, "payment_card"))
    assert audit.close(timeout=60)
    rows = list(store.export())
    assert [r["t_ms"] for r in rows] == [0.0, 5.0, *[10.0 + i for i in range(50)]]
    assert rows[1]["outcome"] == "[withheld]"
    assert audit.refused == 1
    assert audit.healthy
    assert store.verify().ok
    assert "4111" not in caplog.text
    store.close()


# -- concurrency, durability ----------------------------------------------------------


def _writer(url: str, n: int, k: int) -> None:
    store = AuditStore.open(url)
    for i in range(n):
        store.append(
            AuditEntry(
                actor=f"worker_{'abcd'[k]}",
                event="disclosure",
                outcome="redacted",
                t_ms=float(i),
                category="ssn",
                call_sid=SID,
            )
        )
    store.close()


def test_concurrent_appends_from_four_processes_keep_one_chain(backend):
    url = backend.url
    AuditStore.open(url).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, 200, k)) for k in range(4)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
        assert p.exitcode == 0
    elapsed = time.perf_counter() - t0
    store = AuditStore.open(url, create=False)
    result = store.verify()
    assert result.ok
    assert result.entries == 800
    by_actor: dict[str, int] = {}
    for row in store.export():
        by_actor[row["actor"]] = by_actor.get(row["actor"], 0) + 1
    assert by_actor == {f"worker_{c}": 200 for c in "abcd"}
    # each writer's own entries are in the order it appended them
    for c in "abcd":
        mine = [r["t_ms"] for r in store.export() if r["actor"] == f"worker_{c}"]
        assert mine == [float(i) for i in range(200)]
    store.close()
    print(
        f"\n{backend.kind}: 4 processes x 200 appends: "
        f"{800 / elapsed:.0f} appends/s (incl. process start)"
    )


_KILLED = """
import sys
from guardrail.audit import AuditEntry, AuditStore
store = AuditStore.open(sys.argv[1])
i = 0
while True:
    seq = store.append(AuditEntry(actor="server", event="disclosure", outcome="redacted",
                                  t_ms=float(i), category="payment_card"))
    print(seq, flush=True)
    i += 1
"""


def test_sigkill_mid_append_loses_no_acknowledged_entry(backend):
    url = backend.url
    AuditStore.open(url).close()
    acked: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", _KILLED, url], stdout=subprocess.PIPE, text=True, cwd=ROOT
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            acked.append(int(line))
            if len(acked) >= 150:
                break
        os.kill(proc.pid, signal.SIGKILL)  # mid-append: it appends as fast as it can
        acked += [int(x) for x in proc.stdout.read().split()]  # acknowledged before the kill
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    store = AuditStore.open(url, create=False)
    result = store.verify()
    stored = {r["seq"] for r in store.export()}
    # the store takes appends again after the kill (PostgreSQL rolled back the
    # killed writer's open transaction; SQLite's lock went with the process)
    assert store.append(_entry(0)) == len(stored) + 1
    store.close()
    assert result.ok
    assert len(acked) >= 150
    assert set(acked) <= stored
    assert stored == set(range(1, len(stored) + 1))
    print(f"\n{backend.kind}: killed after {len(acked)} acknowledged, {len(stored)} stored")


def test_appends_per_second(backend):
    """Measured, not asserted (bench/audit_append.py measures properly): one
    connection, a durable commit per entry."""
    store = AuditStore.open(backend.url)
    n = 300
    t0 = time.perf_counter()
    for i in range(n):
        store.append(_entry(i))
    rate = n / (time.perf_counter() - t0)
    store.close()
    print(f"\n{backend.kind} audit appends: {rate:.0f}/s (one connection)")


# -- replay --------------------------------------------------------------------------

_TIME_LIKE = {"seq", "time", "t_ms", "prev", "hash"}


def test_replay_with_audit_verifies_and_holds_no_value(tmp_path):
    url = _url(tmp_path / "audit.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "replay", str(CALL), "--audit", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    verify = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "audit", "verify", "--store", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stdout
    export = subprocess.run(
        [sys.executable, "-m", "guardrail.cli", "audit", "export", "--store", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert export.returncode == 0
    rows = [json.loads(x) for x in export.stdout.splitlines()]
    events = {r["event"] for r in rows}
    assert {"call_started", "call_ended", "secure_capture"} <= events
    assert all(r["actor"] == "replay" and r["call_sid"] == "CA" + "0" * 31 + "1" for r in rows)
    for r in rows:
        for key, value in r.items():
            if key in _TIME_LIKE or value is None:
                continue
            text = str(value)
            if key in ("call_sid", "resource"):
                assert re.fullmatch(r"[A-Z]{2}[0-9a-f]{32}", text)
                continue
            if key == "origin":
                assert re.fullmatch(r"[^:]+:\d+", text)
                continue
            assert "4111" not in text, key
            assert "078-05-1123" not in text, key
            assert re.search(r"\d(?:\D{0,3}\d){3,}", text) is None, key


def test_a_config_load_is_audited_with_the_config_fingerprint(tmp_path):
    from guardrail.audit import audit_config_load
    from guardrail.config import Config

    example = Path(__file__).resolve().parent.parent / "examples" / "guardrail.toml"
    text = example.read_text() + '\n[bot]\nurl = "ws://127.0.0.1:9/bot"\n'
    config = Config.from_toml(text)
    other = Config.from_toml(text + "\n# a comment changes the fingerprint\n")
    assert config.fingerprint is not None
    assert config.fingerprint != other.fingerprint
    store = AuditStore.open(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        assert audit_config_load(store, config, "server")
        (entry,) = list(store.export())
    finally:
        store.close()
    assert (entry["actor"], entry["event"]) == ("server", "config_loaded")
    assert entry["action"] == "config"
    assert entry["resource"] == config.fingerprint
    assert "proxy mode" in entry["outcome"]
    assert "pay" in entry["outcome"]


def test_closing_a_store_under_a_busy_background_writer_never_crashes(tmp_path):
    """The writer thread may be mid-commit when the process closes the store: the
    close waits for it, later appends fail as store errors, and nothing crashes
    (run in a child: a crash would be a signal, not an exception)."""
    db = tmp_path / "busy.db"
    code = f"""
import threading, time
from guardrail.audit import AuditStore, BufferedAudit
from guardrail.events import Audit
store = AuditStore.open("sqlite:///{db}")
trail = BufferedAudit(store, actor="proxy", background=True, batch=5)
stop = time.monotonic() + 1.5
def feed():
    t = 0.0
    while time.monotonic() < stop:
        t += 1.0
        trail(Audit("disclosure", "redacted", t, "ssn"))
threading.Thread(target=feed, daemon=True).start()
time.sleep(0.3)
store.close()
time.sleep(0.3)
print("healthy" if trail.healthy else "unhealthy")
trail.close(1.0)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    assert r.stdout.strip() == "unhealthy"  # the trail knows its store is gone
