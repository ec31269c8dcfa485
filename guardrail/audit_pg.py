"""The PostgreSQL audit store (``postgresql://...``): one chain, a serialized head.

For several guardrail servers sharing one audit trail. The URL is a libpq
connection URI (``postgresql://user@host:5432/db?sslmode=verify-full``;
``postgres://`` is the same); put the password in ``PGPASSWORD`` or a
``.pgpass`` file rather than the URL. It is never printed: errors and
``repr`` show the URL with any password replaced by ``***``. See
:mod:`guardrail.audit` for the chain, the concurrency design and the
durability promise; here is how PostgreSQL keeps it:

- the head is one row, ``audit_head`` (``seq``, ``hash`` of the last entry).
  Each append is one transaction that locks it (``SELECT ... FOR UPDATE``),
  inserts the entries chained on it, moves it, and commits: appends from any
  number of connections, processes and servers are serialized on that row,
  and two can never link to the same head. A writer waits at most
  ``lock_timeout`` (30 s) for it, then the append fails with
  :class:`~guardrail.audit.AuditStoreError`;
- ``synchronous_commit`` is raised to ``on`` for the store's connections
  (kept if the server is stricter, ``remote_apply``): a commit is flushed to
  the WAL on disk before :meth:`PostgresAuditStore.append` returns, so an
  acknowledged entry survives SIGKILL of the writer and a crash of the
  server. A server running with ``fsync=off`` cannot keep that promise: the
  store logs a WARNING when it opens one;
- triggers refuse ``UPDATE``, ``DELETE`` and ``TRUNCATE`` on
  ``audit_entries`` and ``audit_anchors``, and any change to ``audit_head``
  but moving it forward. The one exception is a purge
  (:meth:`PostgresAuditStore.purge`): inside its transaction it inserts a
  marker row in ``audit_purging`` with the highest seq it may delete; the
  trigger lets deletes up to that seq through while the marker exists, and
  the purge removes it before it commits, so no other transaction ever sees
  it;
- verify reads one snapshot (``REPEATABLE READ``, read only); export uses a
  connection of its own with a server-side cursor.

Privileges. The triggers guard honest writers; the owner of the tables (or a
superuser) can drop them, which is what the chain and a head kept elsewhere
are for. In production make the tables owned by a separate role (the one
that runs the first ``create=True`` open, e.g. a migration role) and grant
the guardrail's role only what it needs::

    GRANT SELECT, INSERT ON audit_entries TO guardrail;
    GRANT SELECT, UPDATE ON audit_head TO guardrail;
    GRANT SELECT ON audit_anchors, audit_purging TO guardrail;
    -- the retention job (guardrail purge) only:
    GRANT DELETE ON audit_entries TO guardrail_purge;
    GRANT SELECT, INSERT, DELETE ON audit_purging TO guardrail_purge;
    GRANT INSERT ON audit_anchors TO guardrail_purge;
    -- the auditor: SELECT on the four tables, nothing else.

A role that is not the owner cannot drop or disable the triggers, so the
guardrail's own credentials cannot rewrite the trail.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence

import psycopg
from psycopg import conninfo as _conninfo

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
    parse_time,
    redact_url,
    utc_now,
    verify_chain,
)
from .audit import (
    entry_hash as _entry_hash,
)

__all__ = ["PostgresAuditStore"]

log = logging.getLogger("guardrail.audit")

_COLUMNS = ("seq", *FIELDS, "prev", "hash")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM audit_entries"  # noqa: S608 - constant names
_INSERT = (
    f"INSERT INTO audit_entries ({', '.join(_COLUMNS)}) "  # noqa: S608 - constant names
    f"VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
)
_TRIGGERS = (
    ("audit_entries", "audit_entries_no_update"),
    ("audit_entries", "audit_entries_no_delete"),
    ("audit_entries", "audit_entries_no_truncate"),
    ("audit_anchors", "audit_anchors_no_change"),
    ("audit_anchors", "audit_anchors_no_truncate"),
    ("audit_head", "audit_head_forward_only"),
    ("audit_head", "audit_head_no_truncate"),
)
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_entries (
        seq BIGINT PRIMARY KEY,
        time TEXT NOT NULL,
        t_ms DOUBLE PRECISION,
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
    """CREATE TABLE IF NOT EXISTS audit_head (
        id SMALLINT PRIMARY KEY CHECK (id = 1),
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL
    )""",
    f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}') "  # noqa: S608 - constant
    "ON CONFLICT DO NOTHING",
    """CREATE TABLE IF NOT EXISTS audit_anchors (
        seq BIGINT PRIMARY KEY,
        hash TEXT NOT NULL,
        before TEXT NOT NULL,
        time TEXT NOT NULL,
        count BIGINT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS audit_purging (upto BIGINT NOT NULL)",
    """CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit tables are append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE OR REPLACE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_purging WHERE OLD.seq <= upto) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit head only moves forward: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE OR REPLACE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()""",
    """CREATE OR REPLACE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()""",
    """CREATE OR REPLACE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_anchors_no_change BEFORE UPDATE OR DELETE ON audit_anchors
        FOR EACH ROW EXECUTE FUNCTION audit_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
        FOR EACH ROW EXECUTE FUNCTION audit_head_guard()""",
    """CREATE OR REPLACE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()""",
    "ALTER TABLE audit_entries ENABLE TRIGGER USER",
    "ALTER TABLE audit_anchors ENABLE TRIGGER USER",
    "ALTER TABLE audit_head ENABLE TRIGGER USER",
)
_SCHEMA_LOCK = 0x6775617264  # pg_advisory_xact_lock key for schema creation ("guard")
_HEAD_LOCK = 0x677561726468  # the queue in front of the head row ("guardh")
_STRICT_COMMIT = {"on", "remote_apply"}


def _describe(exc: BaseException, password: str | None) -> str:
    """The error's class and first line, with the URL's password (if any) removed."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if password:
        text = text.replace(password, "***")
    text = re.sub(r"password=\S+", "password=***", text)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PostgresAuditStore(AuditStore):
    """One PostgreSQL database holding one hash chain. Safe to share between
    threads (one connection, used under a lock); open one per process. A
    connection that broke (server restart, network) is opened again on the
    next call, so a :class:`~guardrail.audit.BufferedAudit` retry can succeed."""

    def __init__(self, url: str, params: dict, conn: psycopg.Connection) -> None:
        self.url = redact_url(url)
        self._params = params
        self._password = params.get("password")
        self._conn = conn
        self._lock = threading.Lock()
        self._origin = default_origin()

    @classmethod
    def open(  # type: ignore[override]
        cls, url: str, *, create: bool = True, timeout: float = 30.0
    ) -> PostgresAuditStore:
        """Connect to the store at ``url`` (with ``create``, make its tables);
        raises :class:`AuditStoreError` naming the problem, never the password."""
        scheme, _, rest = url.partition("://")
        if scheme == "postgres":
            url = "postgresql://" + rest
        try:
            params = _conninfo.conninfo_to_dict(url)
        except psycopg.Error:
            raise AuditStoreError(
                "not a valid postgresql:// store URL (expected postgresql://user@host:5432/db)"
            ) from None
        params.setdefault("connect_timeout", 10)
        params.setdefault("application_name", "guardrail-audit")
        params["_lock_timeout"] = timeout
        conn = cls._connect(params)
        try:
            cls._setup(conn, create=create, password=params.get("password"))
        except BaseException:
            conn.close()
            raise
        return cls(url, params, conn)

    @staticmethod
    def _connect(params: dict) -> psycopg.Connection:
        kwargs = {k: v for k, v in params.items() if not k.startswith("_")}
        password = params.get("password")
        try:
            conn = psycopg.connect(autocommit=True, **kwargs)
        except psycopg.Error as exc:
            raise AuditStoreError(
                f"cannot connect to the audit store: {_describe(exc, password)}"
            ) from None
        try:
            current = conn.execute("SHOW synchronous_commit").fetchone()[0]  # type: ignore[index]
            if current not in _STRICT_COMMIT:
                conn.execute("SET synchronous_commit TO on")
            ms = int(float(params["_lock_timeout"]) * 1000)
            conn.execute(f"SET lock_timeout TO {ms}")
        except psycopg.Error as exc:
            conn.close()
            raise AuditStoreError(
                f"cannot set up the audit store connection: {_describe(exc, password)}"
            ) from None
        return conn

    @staticmethod
    def _setup(conn: psycopg.Connection, *, create: bool, password: str | None) -> None:
        try:
            (exists,) = conn.execute("SELECT to_regclass('audit_entries') IS NOT NULL").fetchone()  # type: ignore[misc]
            if not exists and not create:
                raise AuditStoreError("no audit store in that database (no audit_entries table)")
            if create and not _schema_current(conn):
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    if not _schema_current(conn):
                        for stmt in _SCHEMA:
                            conn.execute(stmt)  # type: ignore[arg-type]
            (fsync,) = conn.execute("SHOW fsync").fetchone()  # type: ignore[misc]
        except psycopg.Error as exc:
            raise AuditStoreError(
                f"cannot open the audit store: {_describe(exc, password)}"
            ) from None
        if fsync != "on":
            log.warning(
                "PostgreSQL runs with fsync=off: acknowledged audit entries can be lost "
                "in a server crash; turn fsync on for the audit store's server"
            )

    def _live(self) -> psycopg.Connection:
        """The connection, opened again if it broke."""
        if self._conn.closed or self._conn.broken:
            try:
                self._conn.close()
            finally:
                self._conn = self._connect(self._params)
        return self._conn

    def _error(self, what: str, exc: BaseException) -> AuditStoreError:
        return AuditStoreError(f"audit {what} failed: {_describe(exc, self._password)}")

    # -- writing -------------------------------------------------------------

    def append(self, entry: AuditEntry) -> int:
        """See :meth:`AuditStore.append`: committed with ``synchronous_commit=on`` on return."""
        return self.append_many((entry,))[0]

    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """See :meth:`AuditStore.append_many`: one transaction holding the head row's
        lock, one WAL flush, for all of them; every entry is checked first."""
        records = [self._record(e) for e in entries]
        if not records:
            return []
        seqs: list[int] = []
        with self._lock:
            try:
                conn = self._live()
                with conn.pipeline(), conn.transaction(), conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_HEAD_LOCK,))
                    row = cur.execute(
                        "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                    ).fetchone()
                    if row is None:
                        raise AuditStoreError("audit append failed: the head row is missing")
                    seq, prev = int(row[0]), str(row[1])
                    for record in records:
                        seq += 1
                        record["seq"], record["prev"] = seq, prev
                        record["hash"] = prev = _entry_hash(record)
                        seqs.append(seq)
                    cur.executemany(_INSERT, [[r[c] for c in _COLUMNS] for r in records])
                    cur.execute(
                        "UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", (seq, prev)
                    )
            except psycopg.Error as exc:
                raise self._error("append", exc) from None
        return seqs

    def purge(self, before: str, *, dry_run: bool = False) -> PurgeResult:
        """See :meth:`AuditStore.purge`: one transaction that holds the head row's
        lock (appends wait), marks the purge, deletes, records the anchor and
        removes the mark; ``dry_run`` rolls it back."""
        cutoff = _purge_cutoff(before)
        with self._lock:
            try:
                conn = self._live()
                tx = conn.transaction(force_rollback=dry_run)
                with tx, conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_HEAD_LOCK,))
                    cur.execute("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE")
                    return _purge_locked(cur, cutoff, dry_run)
            except psycopg.Error as exc:
                raise self._error("purge", exc) from None

    # -- reading -------------------------------------------------------------

    def head(self) -> str | None:
        with self._lock:
            try:
                row = (
                    self._live()
                    .execute("SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1")
                    .fetchone()
                )
            except psycopg.Error as exc:
                raise self._error("read", exc) from None
        return None if row is None else f"{int(row[0])}:{row[1]}"

    def anchor(self) -> str | None:
        with self._lock:
            try:
                a = _anchor(self._live().cursor())
            except psycopg.Error as exc:
                raise self._error("read", exc) from None
        return None if a is None else f"{a[0]}:{a[1]}"

    def verify(self, head: str | None = None, anchor: str | None = None) -> VerifyResult:
        """:func:`~guardrail.audit.verify_chain` over one ``REPEATABLE READ``
        snapshot of the anchor and the entries (streamed by a server-side cursor)."""
        with self._lock:
            try:
                conn = self._live()
                with conn.transaction():
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    store_anchor = _anchor(conn.cursor())
                    with conn.cursor(name="audit_verify") as cur:
                        cur.itersize = 2000
                        cur.execute(f"{_SELECT} ORDER BY seq")  # type: ignore[arg-type]
                        rows = (dict(zip(_COLUMNS, r, strict=True)) for r in cur)
                        return verify_chain(
                            rows, anchor=store_anchor, head=head, kept_anchor=anchor
                        )
            except psycopg.Error as exc:
                raise self._error("read", exc) from None

    def export(self, call: str | None = None, since: str | None = None) -> Iterator[dict]:
        """See :meth:`AuditStore.export`; on a connection of its own, so a slow
        reader never holds up appends."""
        clauses, params = [], []
        if call is not None:
            clauses.append("call_sid = %s")
            params.append(call)
        if since is not None:
            clauses.append("time >= %s")
            params.append(parse_time(since))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._export(where, tuple(params))

    def _export(self, where: str, params: tuple) -> Iterator[dict]:
        conn = self._connect(self._params)
        try:
            with conn.transaction(), conn.cursor(name="audit_export") as cur:
                cur.itersize = 2000
                cur.execute(f"{_SELECT} {where} ORDER BY seq", params)  # type: ignore[arg-type]
                for row in cur:
                    yield dict(zip(_COLUMNS, row, strict=True))
        except psycopg.Error as exc:
            raise self._error("read", exc) from None
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> PostgresAuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresAuditStore({self.url!r})"


def _schema_current(conn: psycopg.Connection) -> bool:
    """Every table there and every trigger there and enabled."""
    (tables,) = conn.execute(  # type: ignore[misc]
        "SELECT count(*) FROM (VALUES ('audit_entries'), ('audit_head'), ('audit_anchors'), "
        "('audit_purging')) AS t(name) WHERE to_regclass(t.name) IS NOT NULL"
    ).fetchone()
    if tables != 4:
        return False
    (triggers,) = conn.execute(  # type: ignore[misc]
        "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D' "
        "AND tgrelid = ANY(ARRAY[to_regclass('audit_entries'), to_regclass('audit_anchors'), "
        "to_regclass('audit_head')]::oid[])",
        ([name for _, name in _TRIGGERS],),
    ).fetchone()
    if triggers != len(_TRIGGERS):
        return False
    (heads,) = conn.execute("SELECT count(*) FROM audit_head").fetchone()  # type: ignore[misc]
    return heads == 1


def _anchor(cur: psycopg.Cursor) -> tuple[int, str] | None:
    row = cur.execute("SELECT seq, hash FROM audit_anchors ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def _purge_locked(cur: psycopg.Cursor, cutoff: str, dry_run: bool) -> PurgeResult:
    first, head = cur.execute("SELECT MIN(seq), MAX(seq) FROM audit_entries").fetchone()  # type: ignore[misc]
    anchor = _anchor(cur)
    current = f"{anchor[0]}:{anchor[1]}" if anchor else None
    if head is None:
        return PurgeResult(0, None, None, cutoff, current, dry_run)
    (stop,) = cur.execute(  # type: ignore[misc]
        "SELECT MIN(seq) FROM audit_entries WHERE time >= %s", (cutoff,)
    ).fetchone()
    last = min(head - 1, head if stop is None else stop - 1)
    if last < first:
        return PurgeResult(0, None, None, cutoff, current, dry_run)
    (last_hash,) = cur.execute(  # type: ignore[misc]
        "SELECT hash FROM audit_entries WHERE seq = %s", (last,)
    ).fetchone()
    if not dry_run:
        cur.execute("INSERT INTO audit_purging (upto) VALUES (%s)", (last,))
        cur.execute("DELETE FROM audit_entries WHERE seq <= %s", (last,))
        count = cur.rowcount
        cur.execute(
            "INSERT INTO audit_anchors (seq, hash, before, time, count) "
            "VALUES (%s, %s, %s, %s, %s)",
            (last, last_hash, cutoff, utc_now(), count),
        )
        cur.execute("DELETE FROM audit_purging")
    else:
        (count,) = cur.execute(  # type: ignore[misc]
            "SELECT count(*) FROM audit_entries WHERE seq <= %s", (last,)
        ).fetchone()
    return PurgeResult(int(count), int(first), int(last), cutoff, f"{last}:{last_hash}", dry_run)
