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
  connections and processes are serialized on the head; a writer retries
  the lock every 0.2-1 ms for up to ``timeout`` seconds, then the append
  fails with :class:`~guardrail.audit.AuditStoreError`. ``append_many``
  puts several entries in one transaction (one fsync);
- ``create=False`` (verify, export, head) leaves the schema as it finds it
  (a store made before purge existed gets its anchor tables and the new
  delete trigger on first open);
- triggers refuse ``UPDATE`` and ``DELETE`` on ``audit_entries``, except the
  deletes of a purge: :meth:`SqliteAuditStore.purge` inserts a marker row in
  ``audit_purging`` (with the highest seq it may delete), deletes, records the
  anchor in ``audit_anchors`` and removes the marker, all in one transaction,
  so no other connection ever sees the marker and an ordinary ``DELETE`` stays
  refused. Anchors are append-only too. (This guards honest writers; anyone
  who can write the file can also drop triggers: the chain, a head and an
  anchor kept elsewhere are what reveal that.)
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from .audit import (
    FIELDS,
    GENESIS,
    AuditEntry,
    AuditStore,
    AuditStoreError,
    PurgeResult,
    VerifyResult,
    _purge_cutoff,
    default_origin,
    entry_hash,
    parse_time,
    utc_now,
    verify_chain,
)

__all__ = ["SqliteAuditStore"]

_NO_DELETE = """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        WHEN NOT EXISTS (SELECT 1 FROM audit_purging WHERE OLD.seq <= upto)
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END"""
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
    """CREATE TABLE IF NOT EXISTS audit_anchors (
        seq INTEGER PRIMARY KEY,
        hash TEXT NOT NULL,
        before TEXT NOT NULL,
        time TEXT NOT NULL,
        count INTEGER NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS audit_purging (upto INTEGER NOT NULL)",
    """CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    _NO_DELETE.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS", 1),
    """CREATE TRIGGER IF NOT EXISTS audit_anchors_no_update BEFORE UPDATE ON audit_anchors
        BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_anchors_no_delete BEFORE DELETE ON audit_anchors
        BEGIN SELECT RAISE(ABORT, 'audit anchors are append-only'); END""",
)
_COLUMNS = ("seq", *FIELDS, "prev", "hash")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_entries"  # noqa: S608 - constant names
_INSERT = (
    f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
    f"VALUES ({', '.join('?' * len(_COLUMNS))})"
)


_BUSY_S = 0.002
"""SQLite's own busy wait per statement. Its handler sleeps 1, 2, 5, 10 ... 100 ms
between tries, which leaves the write lock idle under contention between
processes; :func:`_begin` retries ``BEGIN IMMEDIATE`` itself, every 0.2 to 1 ms."""


def _begin(conn: sqlite3.Connection, timeout: float) -> None:
    """``BEGIN IMMEDIATE`` (take the write lock), waiting up to ``timeout`` seconds."""
    end = None
    delay = 0.0002
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            now = time.monotonic()
            if end is None:
                end = now + timeout
            elif now >= end:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.001)


def _anchor(conn: sqlite3.Connection) -> tuple[int, str] | None:
    row = conn.execute("SELECT seq, hash FROM audit_anchors ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


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

    def __init__(self, url: str, conn: sqlite3.Connection, timeout: float = 30.0) -> None:
        self.url = url
        self._conn = conn
        self._timeout = timeout
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
                path, timeout=_BUSY_S, isolation_level=None, check_same_thread=False
            )
        except (sqlite3.Error, OSError) as exc:
            raise AuditStoreError(f"cannot open audit store {path}: {type(exc).__name__}") from None
        try:
            cls._setup(conn, timeout, create=create)
        except sqlite3.Error as exc:
            conn.close()
            raise AuditStoreError(
                f"cannot open audit store {path}: {type(exc).__name__}: {exc}"
            ) from None
        return cls(url, conn, timeout)

    @staticmethod
    def _setup(conn: sqlite3.Connection, timeout: float, *, create: bool = True) -> None:
        """WAL and ``synchronous=FULL``; with ``create`` (or for a store made before
        purge existed) the tables and triggers. ``create=False`` (verify, export)
        leaves the schema as it finds it."""
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
        if not create:
            names = {
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
                    "('audit_entries', 'audit_anchors', 'audit_purging')"
                )
            }
            if "audit_entries" not in names:
                raise sqlite3.DatabaseError("not an audit store (no audit_entries table)")
            if len(names) == 3:
                return
        _begin(conn, timeout)
        try:
            for stmt in _SCHEMA:
                conn.execute(stmt)
            (sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND name = 'audit_entries_no_delete'"
            ).fetchone()
            if "audit_purging" not in sql:  # a store made before purge existed
                conn.execute("DROP TRIGGER audit_entries_no_delete")
                conn.execute(_NO_DELETE)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- writing -------------------------------------------------------------

    def append(self, entry: AuditEntry) -> int:
        """See :meth:`AuditStore.append`: durable (committed, fsynced) on return."""
        return self.append_many((entry,))[0]

    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """See :meth:`AuditStore.append_many`: one ``BEGIN IMMEDIATE`` transaction,
        one fsync, for all of them; every entry is checked before any is written."""
        records = [self._record(e) for e in entries]
        if not records:
            return []
        seqs: list[int] = []
        with self._lock:
            conn = self._conn
            try:
                _begin(conn, self._timeout)
                try:
                    row = conn.execute(
                        "SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    seq, prev = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
                    for record in records:
                        seq += 1
                        record["seq"], record["prev"] = seq, prev
                        record["hash"] = prev = entry_hash(record)
                        conn.execute(_INSERT, [record[c] for c in _COLUMNS])
                        seqs.append(seq)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise AuditStoreError(f"audit append failed: {type(exc).__name__}: {exc}") from None
        return seqs

    def purge(self, before: str, *, dry_run: bool = False) -> PurgeResult:
        """See :meth:`AuditStore.purge`: one ``BEGIN IMMEDIATE`` transaction (marker,
        delete, anchor, marker removed), so appends wait and see it whole."""
        cutoff = _purge_cutoff(before)
        with self._lock:
            conn = self._conn
            try:
                _begin(conn, self._timeout)
                try:
                    result = self._purge_locked(conn, cutoff, dry_run)
                    conn.execute("ROLLBACK" if dry_run else "COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise AuditStoreError(f"audit purge failed: {type(exc).__name__}: {exc}") from None
        return result

    @staticmethod
    def _purge_locked(conn: sqlite3.Connection, cutoff: str, dry_run: bool) -> PurgeResult:
        first, head = conn.execute("SELECT MIN(seq), MAX(seq) FROM audit_entries").fetchone()
        anchor = _anchor(conn)
        current = f"{anchor[0]}:{anchor[1]}" if anchor else None
        if head is None:
            return PurgeResult(0, None, None, cutoff, current, dry_run)
        (stop,) = conn.execute(
            "SELECT MIN(seq) FROM audit_entries WHERE time >= ?", (cutoff,)
        ).fetchone()
        last = min(head - 1, head if stop is None else stop - 1)
        if last < first:
            return PurgeResult(0, None, None, cutoff, current, dry_run)
        (last_hash,) = conn.execute(
            "SELECT hash FROM audit_entries WHERE seq = ?", (last,)
        ).fetchone()
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM audit_entries WHERE seq <= ?", (last,)
        ).fetchone()
        if not dry_run:
            conn.execute("INSERT INTO audit_purging (upto) VALUES (?)", (last,))
            conn.execute("DELETE FROM audit_entries WHERE seq <= ?", (last,))
            conn.execute(
                "INSERT INTO audit_anchors (seq, hash, before, time, count) VALUES (?, ?, ?, ?, ?)",
                (last, last_hash, cutoff, utc_now(), count),
            )
            conn.execute("DELETE FROM audit_purging")
        return PurgeResult(count, first, last, cutoff, f"{last}:{last_hash}", dry_run)

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

    def anchor(self) -> str | None:
        try:
            a = _anchor(self._conn)
        except sqlite3.Error as exc:
            raise AuditStoreError(f"audit read failed: {type(exc).__name__}: {exc}") from None
        return None if a is None else f"{a[0]}:{a[1]}"

    def verify(self, head: str | None = None, anchor: str | None = None) -> VerifyResult:
        """:func:`~guardrail.audit.verify_chain` over one snapshot (a read
        transaction) of the anchor and the entries."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN")
                try:
                    return verify_chain(
                        self._rows(), anchor=_anchor(conn), head=head, kept_anchor=anchor
                    )
                finally:
                    conn.execute("COMMIT")
            except sqlite3.Error as exc:
                raise AuditStoreError(f"audit read failed: {type(exc).__name__}: {exc}") from None

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
        """Close the connection, after any append in progress on another thread (a
        background writer): closing under a running statement would free it."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteAuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteAuditStore({os.path.basename(_path(self.url))!r})"
