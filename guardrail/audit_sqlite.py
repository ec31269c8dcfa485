"""The SQLite audit store (``sqlite:///path``): one chain, a serialized head.

URL form (as SQLAlchemy spells it): ``sqlite:///audit.db`` is a path relative
to the working directory, ``sqlite:////var/lib/guardrail/audit.db`` (four
slashes) an absolute one. See :mod:`guardrail.audit` for the chain, the
concurrency design and the durability promise; here is how SQLite keeps it:

- ``journal_mode=WAL`` (readers never block the writer, the verifier never
  blocks calls) and ``synchronous=FULL`` (the WAL is fsynced at each commit:
  an acknowledged append survives SIGKILL and power loss);
- each append is one ``BEGIN IMMEDIATE`` transaction (the write lock first,
  then read the head, then insert), so appends from any number of
  connections and processes are serialized on the head; a writer waits up to
  ``timeout`` seconds for the lock, then the append fails with
  :class:`~guardrail.audit.AuditStoreError`;
- triggers refuse ``UPDATE`` and ``DELETE`` on ``audit_entries``.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .audit import (
    FIELDS,
    GENESIS,
    AuditEntry,
    AuditStore,
    AuditStoreError,
    VerifyResult,
    check_entry,
    default_origin,
    entry_hash,
    parse_head,
    parse_time,
    utc_now,
)

__all__ = ["SqliteAuditStore"]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_entries (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        t_ms REAL,
        actor TEXT NOT NULL,
        origin TEXT NOT NULL,
        event TEXT NOT NULL,
        outcome TEXT NOT NULL,
        category TEXT,
        action TEXT,
        call_sid TEXT,
        resource TEXT,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS audit_entries_call ON audit_entries (call_sid)",
    "CREATE INDEX IF NOT EXISTS audit_entries_time ON audit_entries (time)",
    """CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
)
_COLUMNS = ("seq", *FIELDS, "prev", "hash")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_entries"  # noqa: S608 - constant names
_INSERT = (
    f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
    f"VALUES ({', '.join('?' * len(_COLUMNS))})"
)


def _path(url: str) -> str:
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        raise AuditStoreError("a SQLite store URL is sqlite:///path/audit.db")
    path = url[len(prefix) :]
    if not path or "?" in path or "#" in path:
        raise AuditStoreError(
            "a SQLite store URL is sqlite:///path/audit.db (no query string); "
            "four slashes for an absolute path"
        )
    return path


class SqliteAuditStore(AuditStore):
    """One SQLite database holding one hash chain. Safe to share between threads
    (appends take a lock); open one per process."""

    def __init__(self, url: str, conn: sqlite3.Connection) -> None:
        self.url = url
        self._conn = conn
        self._lock = threading.Lock()
        self._origin = default_origin()

    @classmethod
    def open(  # type: ignore[override]
        cls, url: str, *, create: bool = True, timeout: float = 30.0
    ) -> SqliteAuditStore:
        """Open (with ``create``, make) the store at ``url``; raises
        :class:`AuditStoreError` naming the problem."""
        path = _path(url)
        if not create and not Path(path).is_file():
            raise AuditStoreError(f"no audit store at {path}")
        try:
            if create:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, OSError) as exc:
            raise AuditStoreError(f"cannot open audit store {path}: {type(exc).__name__}") from None
        try:
            cls._setup(conn, timeout)
        except sqlite3.Error as exc:
            conn.close()
            raise AuditStoreError(
                f"cannot open audit store {path}: {type(exc).__name__}: {exc}"
            ) from None
        return cls(url, conn)

    @staticmethod
    def _setup(conn: sqlite3.Connection, timeout: float) -> None:
        end = time.monotonic() + timeout
        while True:  # switching to WAL can answer BUSY without waiting
            try:
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > end:
                    raise
                time.sleep(0.01)
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError("the database refused WAL mode")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- writing -------------------------------------------------------------

    def append(self, entry: AuditEntry) -> int:
        """See :meth:`AuditStore.append`: durable (committed, fsynced) on return."""
        if entry.time is None or entry.origin is None:
            entry = dataclasses.replace(
                entry, time=entry.time or utc_now(), origin=entry.origin or self._origin
            )
        check_entry(entry)
        record = {f: getattr(entry, f) for f in FIELDS}
        if record["t_ms"] is not None:
            record["t_ms"] = float(record["t_ms"])
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    seq, prev = (1, GENESIS) if row is None else (int(row[0]) + 1, str(row[1]))
                    record["seq"], record["prev"] = seq, prev
                    record["hash"] = entry_hash(record)
                    conn.execute(_INSERT, [record[c] for c in _COLUMNS])
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise AuditStoreError(f"audit append failed: {type(exc).__name__}: {exc}") from None
        return seq

    # -- reading -------------------------------------------------------------

    def _rows(self, where: str = "", params: tuple = ()) -> Iterator[dict]:
        try:
            cur = self._conn.execute(f"{_SELECT} {where} ORDER BY seq", params)
            for row in cur:
                yield dict(zip(_COLUMNS, row, strict=True))
        except sqlite3.Error as exc:
            raise AuditStoreError(f"audit read failed: {type(exc).__name__}: {exc}") from None

    def head(self) -> str | None:
        try:
            row = self._conn.execute(
                "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        except sqlite3.Error as exc:
            raise AuditStoreError(f"audit read failed: {type(exc).__name__}: {exc}") from None
        return None if row is None else f"{int(row[0])}:{row[1]}"

    def verify(self, head: str | None = None) -> VerifyResult:
        """One pass over the chain in ``seq`` order: each ``seq`` one more than the
        last, each ``prev`` the last ``hash``, each ``hash`` recomputed. With
        ``head`` (``SEQ:HASH``), entry ``SEQ`` must exist with that hash."""
        kept = parse_head(head) if head is not None else None
        n = 0
        last_seq, last_hash = 0, GENESIS
        seen_kept = False
        for rec in self._rows():
            seq = rec["seq"]
            n += 1
            if seq != last_seq + 1:
                what = "an entry is missing" if seq > last_seq + 1 else "out of order"
                return VerifyResult(False, n, None, f"sequence broken ({what})", seq)
            if rec["prev"] != last_hash:
                return VerifyResult(
                    False, n, None, "link broken: prev is not the hash of the entry before", seq
                )
            if entry_hash(rec) != rec["hash"]:
                return VerifyResult(False, n, None, "entry changed: hash does not match", seq)
            if kept is not None and seq == kept[0]:
                if rec["hash"] != kept[1]:
                    return VerifyResult(
                        False, n, None, "entry at the kept head differs from it", seq
                    )
                seen_kept = True
            last_seq, last_hash = seq, rec["hash"]
        now = f"{last_seq}:{last_hash}" if last_seq else None
        if kept is not None and not seen_kept:
            return VerifyResult(
                False,
                n,
                now,
                f"truncated: the store ends at seq {last_seq}, before the "
                f"kept head's seq {kept[0]}",
                last_seq,
            )
        return VerifyResult(True, n, now)

    def export(self, call: str | None = None, since: str | None = None) -> Iterator[dict]:
        clauses, params = [], []
        if call is not None:
            clauses.append("call_sid = ?")
            params.append(call)
        if since is not None:
            clauses.append("time >= ?")
            params.append(parse_time(since))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        yield from self._rows(where, tuple(params))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteAuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteAuditStore({os.path.basename(_path(self.url))!r})"
