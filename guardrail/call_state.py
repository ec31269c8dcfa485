"""The call state that must outlive one process, in the ``[store] url`` store.

``guardrail serve`` sends a caller away (``<Pay>``, a human) and takes them
back on a new media stream. With several servers behind one address, the
return webhook and the new stream may reach another server than the one
that sent the caller away, so what the return needs lives here, beside the
audit trail (DESIGN.md, "Stores are URLs"):

- **resume tokens**: only a SHA-256 of each token is stored (a token has
  192 random bits, so the hash is as good as a keyed one and a copy of the
  table cannot be replayed); each expires; :meth:`CallStateStore.redeem_token`
  deletes the row and reads it in one statement (``DELETE ... RETURNING``),
  so of two servers redeeming the same token at once exactly one wins;
- **per-call state**: the session's snapshot (:meth:`Session.snapshot
  <guardrail.session.Session.snapshot>`: states, times, categories, never a
  value, and checked here again: :class:`CallStateValueError`), the call
  controller's handoff state, the outcome of a return not yet told to the
  bot, the recording SID from status callbacks, the call's end, who
  remediated its exposures, and which server holds the call's bot
  connection (``owner`` and ``lease_until``);
- **webhook replay keys** (:meth:`WebhookReplayGuard.key
  <handoff.replay_guard.WebhookReplayGuard.key>`), so a replayed webhook is
  refused by every server, not only the one that saw it first.

Everything carries an expiry (``expires``, wall-clock seconds) and
:meth:`CallStateStore.purge` deletes what is past it; the server calls it
on its lease checks, so the tables do not grow without bound.

Time is an argument (wall-clock seconds since the epoch: servers share
these rows, and each process's monotonic clock is its own). Every method is
one short transaction, synchronous; ``guardrail serve`` calls them with
``asyncio.to_thread``. One connection per store object, guarded by a lock:
safe to share between threads.

URLs: ``sqlite:///path`` (``sqlite3``, WAL mode) and ``postgresql://...``
(psycopg 3, autocommit). Tables are created if missing; their names start
with ``guardrail_cs_`` and never clash with the audit tables.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CallRecord",
    "CallStateError",
    "CallStateStore",
    "CallStateValueError",
    "check_no_value",
    "supports",
]

TOKEN_TTL_S = 3600.0
"""How long a resume token works (the caller may be with a human for a while)."""
CALL_TTL_S = 6 * 3600.0
"""How long a call's row is kept after its last update."""
_SCHEMES = ("sqlite", "postgresql", "postgres")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS guardrail_cs_tokens (
        token_hash TEXT PRIMARY KEY,
        call_sid TEXT NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS guardrail_cs_tokens_call ON guardrail_cs_tokens (call_sid)",
    "CREATE INDEX IF NOT EXISTS guardrail_cs_tokens_exp ON guardrail_cs_tokens (expires)",
    """CREATE TABLE IF NOT EXISTS guardrail_cs_calls (
        call_sid TEXT PRIMARY KEY,
        owner TEXT,
        lease_until DOUBLE PRECISION,
        snapshot TEXT,
        controller TEXT,
        outcome TEXT,
        recording_sid TEXT,
        ended TEXT,
        remediated_by TEXT,
        updated DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS guardrail_cs_calls_exp ON guardrail_cs_calls (expires)",
    """CREATE TABLE IF NOT EXISTS guardrail_cs_webhooks (
        key TEXT PRIMARY KEY,
        first DOUBLE PRECISION NOT NULL,
        expires DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS guardrail_cs_webhooks_exp ON guardrail_cs_webhooks (expires)",
)

_UPSERT_CALL = (
    "INSERT INTO guardrail_cs_calls (call_sid, updated, expires) VALUES (?, ?, ?) "
    "ON CONFLICT (call_sid) DO UPDATE SET updated = excluded.updated, expires = excluded.expires"
)

_DIGIT_RUN = re.compile(r"\d[\d\s\-./,]{2,}\d")
_SAFE_STRING = re.compile(r"[A-Za-z0-9_.:+\- ]{0,80}")


class CallStateError(Exception):
    """The call-state store cannot be opened or used; the message names the problem."""


class CallStateValueError(CallStateError, ValueError):
    """A snapshot holds something that could be a value; nothing was stored."""


def supports(url: str | None) -> bool:
    """Whether ``url`` names a store that can hold shared call state."""
    return bool(url) and str(url).split("://", 1)[0] in _SCHEMES


def check_no_value(obj: object, where: str = "snapshot") -> None:
    """Raise :class:`CallStateValueError` unless ``obj`` holds no value by construction.

    Allowed: ``None``, booleans, numbers, and short strings of identifier
    characters (states, categories, route names, SIDs) without a run of four
    or more digits unless it is a Twilio SID (two letters and 32 hex); lists
    and string-keyed dicts of those. Free text (a transcript, a summary)
    fails, so a snapshot cannot carry what a caller said. The message names
    the path of the field, never its content.
    """
    stack: list[tuple[str, object]] = [(where, obj)]
    while stack:
        path, value = stack.pop()
        if value is None or isinstance(value, bool | int | float):
            continue
        if isinstance(value, str):
            sid = len(value) == 34 and value[:2].isalpha() and _is_hex(value[2:])
            if not sid and (not _SAFE_STRING.fullmatch(value) or _DIGIT_RUN.search(value)):
                raise CallStateValueError(f"{path}: not a state, time or category; not stored")
            continue
        if isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
            continue
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str) or not _SAFE_STRING.fullmatch(k):
                    raise CallStateValueError(f"{path}: a key that is not a name; not stored")
                stack.append((f"{path}.{k}", v))
            continue
        raise CallStateValueError(f"{path}: a {type(value).__name__}; not stored")


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdef" for ch in text)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call's row: what a server that did not send the caller away needs."""

    call_sid: str
    owner: str | None
    lease_until: float | None
    snapshot: dict[str, Any] | None
    controller: dict[str, Any] | None
    outcome: dict[str, Any] | None
    recording_sid: str | None
    ended: str | None
    remediated_by: str | None


_CALL_COLUMNS = (
    "call_sid, owner, lease_until, snapshot, controller, outcome, recording_sid, ended,"
    " remediated_by"
)


class CallStateStore:
    """Call state shared by every server on one store (see the module doc)."""

    def __init__(self, url: str, conn: Any, dialect: str) -> None:
        self.url = url
        self.dialect = dialect
        self._conn = conn
        self._lock = threading.Lock()

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, url: str, *, timeout: float = 10.0) -> CallStateStore:
        """Open the store at ``url`` and create its tables if missing.

        :class:`CallStateError` (naming the scheme and the error class, never
        the URL's credentials) if it cannot be opened.
        """
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme == "sqlite":
            return cls(url, _open_sqlite(url, timeout), "sqlite")
        if scheme in ("postgresql", "postgres"):
            store = cls(url, _open_pg(url, timeout), "postgresql")
            with store._lock:
                store._setup_pg()
            return store
        raise CallStateError(
            "call state needs a store URL like sqlite:///path/guardrail.db or postgresql://..."
        )

    def _setup_pg(self) -> None:
        import psycopg

        conn = self._conn
        try:
            with conn.transaction():
                # one creator at a time: two servers starting together must not race
                conn.execute("SELECT pg_advisory_xact_lock(7236512)")
                for stmt in _SCHEMA:
                    conn.execute(stmt)
        except psycopg.Error as exc:
            raise CallStateError(f"cannot set up call state: {type(exc).__name__}") from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- plumbing ---------------------------------------------------------------

    def _run(self, sql: str, params: tuple = (), *, fetch: bool = False) -> tuple[list, int]:
        """One statement in its own transaction: ``(rows, rowcount)``."""
        return self._tx([(sql, params)], fetch=fetch)[-1]

    def _tx(
        self, statements: list[tuple[str, tuple]], *, fetch: bool = False, lock_first: bool = False
    ) -> list[tuple[list, int]]:
        """``statements`` in one transaction: each one's ``(rows, rowcount)``.

        SQLite: ``BEGIN IMMEDIATE`` (the write lock first: one writer at a
        time). PostgreSQL: a transaction; with ``lock_first`` the first
        statement is a ``SELECT ... FOR UPDATE`` that locks the row read.
        """
        pg = self.dialect == "postgresql"
        with self._lock:
            conn = self._conn
            if conn is None:
                raise CallStateError("the call state store is closed")
            out: list[tuple[list, int]] = []
            try:
                if len(statements) == 1 and not lock_first:
                    sql, params = statements[0]
                    cur = conn.execute(sql.replace("?", "%s") if pg else sql, params)
                    return [(cur.fetchall() if fetch else [], cur.rowcount)]
                if pg:
                    with conn.transaction():
                        for i, (sql, params) in enumerate(statements):
                            if i == 0 and lock_first:
                                sql += " FOR UPDATE"
                            cur = conn.execute(sql.replace("?", "%s"), params)
                            out.append((cur.fetchall() if cur.description else [], cur.rowcount))
                    return out
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        cur = conn.execute(sql, params)
                        out.append((cur.fetchall() if cur.description else [], cur.rowcount))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                return out
            except CallStateError:
                raise
            except Exception as exc:  # sqlite3.Error / psycopg.Error: named, never quoted
                if pg:
                    self._reconnect()
                raise CallStateError(f"call state store failed: {type(exc).__name__}") from None

    def _reconnect(self) -> None:
        """A PostgreSQL connection that failed is replaced (lock held)."""
        try:
            if self._conn is not None:
                self._conn.close()
            self._conn = _open_pg(self.url, 5.0)
        except CallStateError:
            self._conn = None

    # -- resume tokens ------------------------------------------------------------

    def issue_token(self, call_sid: str, now: float, ttl_s: float = TOKEN_TTL_S) -> str:
        """A new single-use token for ``call_sid``; the call's earlier ones stop working."""
        token = secrets.token_urlsafe(24)
        self._tx(
            [
                ("DELETE FROM guardrail_cs_tokens WHERE call_sid = ?", (call_sid,)),
                (
                    "INSERT INTO guardrail_cs_tokens (token_hash, call_sid, expires)"
                    " VALUES (?, ?, ?)",
                    (_hash(token), call_sid, now + ttl_s),
                ),
            ]
        )
        return token

    def redeem_token(self, token: str, call_sid: str, now: float) -> bool:
        """Use ``token`` for ``call_sid``: true once, for the right call, before expiry.

        Atomic across servers: the row is deleted and read in one statement,
        so exactly one of any number of concurrent redeemers gets it. Any
        attempt uses the token up, a failed one too (a token shown for the
        wrong call has leaked).
        """
        if not isinstance(token, str) or not token or len(token) > 256:
            return False
        rows, _ = self._run(
            "DELETE FROM guardrail_cs_tokens WHERE token_hash = ? RETURNING call_sid, expires",
            (_hash(token),),
            fetch=True,
        )
        if not rows:
            return False
        sid, expires = rows[0]
        return secrets.compare_digest(str(sid), call_sid) and now < float(expires)

    def revoke_tokens(self, call_sid: str) -> None:
        """The call's tokens stop working (the call ended)."""
        self._run("DELETE FROM guardrail_cs_tokens WHERE call_sid = ?", (call_sid,))

    # -- per-call state -------------------------------------------------------------

    def save(
        self,
        call_sid: str,
        now: float,
        *,
        snapshot: Mapping[str, Any] | None = None,
        controller: Mapping[str, Any] | None = None,
    ) -> None:
        """Store the session's snapshot and/or the controller's state for ``call_sid``.

        Both are checked (:func:`check_no_value`) before anything is written.
        """
        sets, params = [], []
        for column, obj in (("snapshot", snapshot), ("controller", controller)):
            if obj is not None:
                check_no_value(obj, column)
                sets.append(f"{column} = ?")
                params.append(json.dumps(obj, separators=(",", ":"), sort_keys=True))
        self._touch(call_sid, now)
        if sets:
            self._run(
                f"UPDATE guardrail_cs_calls SET {', '.join(sets)} WHERE call_sid = ?",  # noqa: S608
                (*params, call_sid),
            )

    def set_outcome(self, call_sid: str, outcome: Mapping[str, Any] | None, now: float) -> None:
        """The return's outcome the bot has yet to hear (``None``: clear it).

        ``{"action_id", "outcome", "summary", "fed"}``: ``summary`` is the
        bot's notice (a fixed sentence; for ``<Pay>``, at most the card's last
        four digits, which PCI DSS lets anyone display); ``fed`` whether the
        session it came from has already heard it.
        """
        self._touch(call_sid, now)
        text = None if outcome is None else json.dumps(dict(outcome), sort_keys=True)
        self._run("UPDATE guardrail_cs_calls SET outcome = ? WHERE call_sid = ?", (text, call_sid))

    def take_outcome(self, call_sid: str) -> dict[str, Any] | None:
        """The pending outcome, cleared in the same transaction (whoever takes it tells
        the bot; of two servers taking it at once, one gets it)."""
        (rows, _), _ = self._tx(
            [
                (
                    "SELECT outcome FROM guardrail_cs_calls WHERE call_sid = ?",
                    (call_sid,),
                ),
                ("UPDATE guardrail_cs_calls SET outcome = NULL WHERE call_sid = ?", (call_sid,)),
            ],
            lock_first=True,
        )
        return json.loads(rows[0][0]) if rows and rows[0][0] else None

    def record_recording(self, call_sid: str, recording_sid: str, now: float) -> None:
        """The RecordingSid a status callback reported (any server)."""
        self._touch(call_sid, now)
        self._run(
            "UPDATE guardrail_cs_calls SET recording_sid = ? WHERE call_sid = ?",
            (recording_sid[:64], call_sid),
        )

    def record_end(self, call_sid: str, status: str, now: float) -> None:
        """The call is over (a status callback, or its owner ended it); first word kept."""
        self._touch(call_sid, now)
        self._run(
            "UPDATE guardrail_cs_calls SET ended = ? WHERE call_sid = ? AND ended IS NULL",
            (status[:32], call_sid),
        )

    def claim_remediation(self, call_sid: str, instance: str, now: float) -> bool:
        """True for exactly one caller: that server ends the call and remediates its exposures."""
        self._touch(call_sid, now)
        _, n = self._run(
            "UPDATE guardrail_cs_calls SET remediated_by = ? "
            "WHERE call_sid = ? AND remediated_by IS NULL",
            (instance, call_sid),
        )
        return n == 1

    def load(self, call_sid: str) -> CallRecord | None:
        """The call's row, or ``None``."""
        rows, _ = self._run(
            f"SELECT {_CALL_COLUMNS} FROM guardrail_cs_calls WHERE call_sid = ?",  # noqa: S608
            (call_sid,),
            fetch=True,
        )
        return _record(rows[0]) if rows else None

    def heartbeat_all(
        self, call_sids: list[str], instance: str, now: float, lease_s: float
    ) -> dict[str, CallRecord | None]:
        """Renew ``instance``'s lease on every call of ``call_sids`` and read their rows,
        in one transaction per 500 calls (one server's whole lease check: not two
        statements per call). A call another server holds now comes back with that
        ``owner``; one that is gone, as ``None``."""
        out: dict[str, CallRecord | None] = dict.fromkeys(call_sids)
        for k in range(0, len(call_sids), 500):
            chunk = call_sids[k : k + 500]
            marks = ", ".join("?" * len(chunk))  # placeholders only: the SIDs are parameters
            renew = (
                "UPDATE guardrail_cs_calls SET lease_until = ?, updated = ?, expires = ? "  # noqa: S608
                "WHERE owner = ? AND call_sid IN (" + marks + ")"
            )
            read = f"SELECT {_CALL_COLUMNS} FROM guardrail_cs_calls WHERE call_sid IN ({marks})"  # noqa: S608
            (_, _), (rows, _) = self._tx(
                [
                    (renew, (now + lease_s, now, now + CALL_TTL_S, instance, *chunk)),
                    (read, tuple(chunk)),
                ]
            )
            for row in rows:
                out[row[0]] = _record(row)
        return out

    def orphans(self, now: float, limit: int = 20) -> list[str]:
        """Calls that ended with nobody holding them (their server drained or died:
        no owner, or a lease past ``now``) and whose exposures nobody has
        remediated yet: any server may claim one and remediate it."""
        rows, _ = self._run(
            "SELECT call_sid FROM guardrail_cs_calls WHERE ended IS NOT NULL"
            " AND remediated_by IS NULL AND snapshot IS NOT NULL"
            " AND (owner IS NULL OR lease_until IS NULL OR lease_until < ?)"
            " ORDER BY updated LIMIT ?",
            (now, limit),
            fetch=True,
        )
        return [str(r[0]) for r in rows]

    # -- who holds the bot connection -------------------------------------------------

    def claim(self, call_sid: str, instance: str, now: float, lease_s: float) -> str | None:
        """``instance`` holds the call's bot connection from now on; returns the previous
        owner (``None`` if none, or itself). The previous owner learns it on its
        next :meth:`heartbeat` and lets its bot connection go."""
        self._touch(call_sid, now)
        (rows, _), _ = self._tx(
            [
                (
                    "SELECT owner FROM guardrail_cs_calls WHERE call_sid = ?",
                    (call_sid,),
                ),
                (
                    "UPDATE guardrail_cs_calls SET owner = ?, lease_until = ? WHERE call_sid = ?",
                    (instance, now + lease_s, call_sid),
                ),
            ],
            lock_first=True,
        )
        previous = rows[0][0] if rows else None
        return None if previous == instance else previous

    def heartbeat(self, call_sid: str, instance: str, now: float, lease_s: float) -> bool:
        """Renew ``instance``'s lease; false if another server holds the call now (one
        call's :meth:`heartbeat_all`)."""
        record = self.heartbeat_all([call_sid], instance, now, lease_s)[call_sid]
        return record is not None and record.owner == instance

    def release(self, call_sid: str, instance: str) -> None:
        """``instance`` lets the call go (it drains): any server may take it back."""
        self._run(
            "UPDATE guardrail_cs_calls SET owner = NULL, lease_until = NULL "
            "WHERE call_sid = ? AND owner = ?",
            (call_sid, instance),
        )

    # -- webhook replays -----------------------------------------------------------------

    def seen_webhook(self, key: bytes, now: float, remember_s: float) -> float | None:
        """Remember webhook ``key``; ``None`` if it is new, else when it was first seen.

        Atomic across servers (an insert that does nothing on conflict): of
        two servers taking the same request at once, one gets ``None``.
        """
        hexkey = key.hex()
        _, n = self._run(
            "INSERT INTO guardrail_cs_webhooks (key, first, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            (hexkey, now, now + remember_s),
        )
        if n == 1:
            return None
        rows, _ = self._run(
            "SELECT first, expires FROM guardrail_cs_webhooks WHERE key = ?", (hexkey,), fetch=True
        )
        if not rows:
            return None  # purged between the two statements: new again
        first, expires = float(rows[0][0]), float(rows[0][1])
        if expires <= now:  # expired but not yet purged: it is new again
            self._run(
                "UPDATE guardrail_cs_webhooks SET first = ?, expires = ? WHERE key = ?",
                (now, now + remember_s, hexkey),
            )
            return None
        return first

    def forget_webhook(self, key: bytes) -> None:
        """Drop ``key`` (its first attempt failed: a retry may try again)."""
        self._run("DELETE FROM guardrail_cs_webhooks WHERE key = ?", (key.hex(),))

    # -- expiry ------------------------------------------------------------------------------

    def purge(self, now: float) -> int:
        """Delete every row past its expiry; returns how many."""
        total = 0
        for table in ("guardrail_cs_tokens", "guardrail_cs_calls", "guardrail_cs_webhooks"):
            _, n = self._run(f"DELETE FROM {table} WHERE expires <= ?", (now,))  # noqa: S608
            total += max(n, 0)
        return total

    def counts(self) -> dict[str, int]:
        """Rows per table (tests and ``guardrail check``)."""
        out = {}
        for table in ("guardrail_cs_tokens", "guardrail_cs_calls", "guardrail_cs_webhooks"):
            rows, _ = self._run(f"SELECT COUNT(*) FROM {table}", fetch=True)  # noqa: S608
            out[table.removeprefix("guardrail_cs_")] = int(rows[0][0])
        return out

    def _touch(self, call_sid: str, now: float) -> None:
        self._run(_UPSERT_CALL, (call_sid, now, now + CALL_TTL_S))


def _open_sqlite(url: str, timeout: float) -> sqlite3.Connection:
    path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
    if not path or "?" in path or "#" in path:
        raise CallStateError("a SQLite store URL is sqlite:///path/guardrail.db (no query string)")
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as exc:
        raise CallStateError(f"cannot open call state store: {type(exc).__name__}") from None
    try:
        end = time.monotonic() + timeout
        while True:  # switching to WAL can answer BUSY without waiting
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > end:
                    raise
                time.sleep(0.01)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA:
                conn.execute(stmt)
            conn.execute("COMMIT")
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        conn.close()
        raise CallStateError(f"cannot set up call state: {type(exc).__name__}") from None
    return conn


def _open_pg(url: str, timeout: float) -> Any:
    try:
        import psycopg
    except ImportError:
        raise CallStateError("postgresql:// stores need psycopg 3: pip install psycopg") from None
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))
    except psycopg.Error as exc:
        raise CallStateError(f"cannot open call state store: {type(exc).__name__}") from None


def _record(row: tuple) -> CallRecord:
    sid, owner, lease, snap, ctl, outcome, rec, ended, remediated = row
    return CallRecord(
        sid,
        owner,
        None if lease is None else float(lease),
        json.loads(snap) if snap else None,
        json.loads(ctl) if ctl else None,
        json.loads(outcome) if outcome else None,
        rec,
        ended,
        remediated,
    )
