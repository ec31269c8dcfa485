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
import time
from pathlib import Path

import pytest

from guardrail.audit import (
    FIELDS,
    AuditEntry,
    AuditStore,
    AuditStoreError,
    AuditValueError,
    BufferedAudit,
    entry_hash,
)
from guardrail.cli import main
from guardrail.events import Alert, Audit

ROOT = Path(__file__).resolve().parent.parent
CALL = ROOT / "examples" / "card_call.jsonl"
SID = "CA" + "ab" * 16
REC = "RE" + "cd" * 16


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _entry(i: int) -> AuditEntry:
    return AuditEntry(
        actor="proxy",
        event="pause_recording",
        outcome="confirmed",
        t_ms=100.0 * i,
        category="payment_card",
        action="audit",
        call_sid=SID,
        resource=REC,
    )


def _filled(tmp_path: Path, n: int = 10) -> tuple[str, Path]:
    db = tmp_path / "audit.db"
    store = AuditStore.open(_url(db))
    for i in range(n):
        assert store.append(_entry(i)) == i + 1
    store.close()
    return _url(db), db


def _raw(db: Path) -> sqlite3.Connection:
    """What an attacker with file access does: drop the append-only triggers."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_entries_no_update")
    conn.execute("DROP TRIGGER audit_entries_no_delete")
    return conn


def _verify(url: str, head: str | None = None) -> tuple[bool, int]:
    store = AuditStore.open(url, create=False)
    try:
        ok = store.verify(head=head).ok
    finally:
        store.close()
    argv = ["audit", "verify", "--store", url, *(["--head", head] if head else [])]
    return ok, main(argv)


# -- the chain ------------------------------------------------------------------


def test_an_untouched_chain_verifies_and_exports(tmp_path, capsys):
    url, _ = _filled(tmp_path)
    store = AuditStore.open(url)
    head = store.head()
    assert head is not None
    assert head.startswith("10:")
    result = store.verify(head=head)
    assert result.ok
    assert result.entries == 10
    assert result.head == head
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
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["audit", "head", "--store", url]) == 0
    assert capsys.readouterr().out.strip() == head
    assert main(["audit", "export", "--store", url, "--call", SID]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["seq"] for x in lines] == list(range(1, 11))


def test_the_store_refuses_update_and_delete(tmp_path):
    _, db = _filled(tmp_path, 3)
    conn = sqlite3.connect(db, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_entries SET outcome = 'failed' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_entries WHERE seq = 3")
    conn.close()


def _changed(column: str, value: object) -> object:
    if column in ("seq",):
        return 99
    if column == "t_ms":
        return float(value) + 1.0  # type: ignore[arg-type]
    text = str(value)
    flip = "b" if text[-1] != "b" else "c"
    return text[:-1] + flip  # one byte changed


@pytest.mark.parametrize("column", [*FIELDS, "prev", "hash", "seq"])
def test_a_changed_byte_in_any_field_is_detected(tmp_path, column, capsys):
    url, db = _filled(tmp_path)
    conn = _raw(db)
    (value,) = conn.execute(f"SELECT {column} FROM audit_entries WHERE seq = 5").fetchone()
    conn.execute(f"UPDATE audit_entries SET {column} = ? WHERE seq = 5", (_changed(column, value),))
    conn.close()
    assert _verify(url) == (False, 1)
    out = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert out["ok"] is False
    assert out["seq"] in (5, 6)


def test_a_deleted_entry_is_detected(tmp_path):
    url, db = _filled(tmp_path)
    conn = _raw(db)
    conn.execute("DELETE FROM audit_entries WHERE seq = 4")
    conn.close()
    assert _verify(url) == (False, 1)


def test_an_inserted_entry_is_detected(tmp_path):
    """The forger renumbers the tail, inserts at 6 with a correct link and hash
    of its own; the old 6 (now 7) no longer links to it."""
    url, db = _filled(tmp_path)
    conn = _raw(db)
    for seq in range(10, 5, -1):
        conn.execute("UPDATE audit_entries SET seq = seq + 1 WHERE seq = ?", (seq,))
    cols = ["seq", *FIELDS, "prev", "hash"]
    row = dict(
        zip(
            cols,
            conn.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = 5").fetchone(),
            strict=True,
        )
    )
    forged = {**row, "seq": 6, "outcome": "failed", "prev": row["hash"]}
    forged["hash"] = entry_hash(forged)
    conn.execute(
        f"INSERT INTO audit_entries ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
        [forged[c] for c in cols],
    )
    conn.close()
    assert _verify(url) == (False, 1)


def test_reordered_entries_are_detected(tmp_path):
    url, db = _filled(tmp_path)
    conn = _raw(db)
    cols = [*FIELDS, "prev", "hash"]
    a = conn.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = 3").fetchone()
    b = conn.execute(f"SELECT {', '.join(cols)} FROM audit_entries WHERE seq = 4").fetchone()
    sets = ", ".join(f"{c} = ?" for c in cols)
    conn.execute(f"UPDATE audit_entries SET {sets} WHERE seq = 3", b)
    conn.execute(f"UPDATE audit_entries SET {sets} WHERE seq = 4", a)
    conn.close()
    assert _verify(url) == (False, 1)


def test_truncation_after_a_kept_head_is_detected(tmp_path):
    url, db = _filled(tmp_path)
    store = AuditStore.open(url)
    head = store.head()
    store.close()
    conn = _raw(db)
    conn.execute("DELETE FROM audit_entries WHERE seq > 7")
    conn.close()
    assert _verify(url) == (True, 0)  # a shorter chain is still a chain...
    assert _verify(url, head) == (False, 1)  # ...but not the one whose head was kept
    # truncate and re-grow to the same length: the entry at the head differs
    store = AuditStore.open(url)
    for i in range(3):
        store.append(_entry(50 + i))
    assert store.head().split(":")[0] == "10"
    store.close()
    assert _verify(url, head) == (False, 1)
    # growth after the kept head is fine
    url2, _ = _filled(tmp_path / "b", 5)
    store = AuditStore.open(url2)
    head2 = store.head()
    store.append(_entry(9))
    store.close()
    assert _verify(url2, head2) == (True, 0)


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
    with pytest.raises(AuditStoreError, match=r"postgresql:// comes in a later change"):
        AuditStore.open("postgresql://user:secret@db/guardrail")
    with pytest.raises(AuditStoreError, match="unknown store scheme"):
        AuditStore.open("redis://x")
    assert main(["audit", "verify", "--store", "postgresql://u:secret@h/d"]) == 2
    err = capsys.readouterr().err
    assert "later change" in err
    assert "secret" not in err
    missing = tmp_path / "none.db"
    assert main(["audit", "verify", "--store", _url(missing)]) == 2
    assert not missing.exists()
    url, _ = _filled(tmp_path, 1)
    assert main(["audit", "verify", "--store", url, "--head", "nonsense"]) == 2
    assert main(["audit", "export", "--store", url, "--since", "yesterday"]) == 2


# -- the buffer ---------------------------------------------------------------------


class FlakyStore:
    """Fails while ``down``; otherwise keeps entries in a list."""

    def __init__(self) -> None:
        self.down = False
        self.entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> int:
        if self.down:
            raise AuditStoreError("audit append failed: OperationalError: disk I/O error")
        self.entries.append(entry)
        return len(self.entries)


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


def test_concurrent_appends_from_four_processes_keep_one_chain(tmp_path):
    url = _url(tmp_path / "audit.db")
    AuditStore.open(url).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(url, 200, k)) for k in range(4)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
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
    store.close()
    print(f"\n4 processes x 200 appends: {800 / elapsed:.0f} appends/s (incl. process start)")


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


def test_sigkill_mid_append_loses_no_acknowledged_entry(tmp_path):
    url = _url(tmp_path / "audit.db")
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
    store.close()
    assert result.ok
    assert set(acked) <= stored
    assert stored == set(range(1, len(stored) + 1))


def test_appends_per_second(tmp_path):
    """Measured, not asserted: one process, synchronous=FULL, one commit per entry."""
    store = AuditStore.open(_url(tmp_path / "audit.db"))
    n = 300
    t0 = time.perf_counter()
    for i in range(n):
        store.append(_entry(i))
    rate = n / (time.perf_counter() - t0)
    store.close()
    print(f"\nSQLite audit appends: {rate:.0f}/s (one process)")


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
