"""Redacted transcripts at rest, in the ``[store] url`` beside the audit trail.

What the bot heard the caller say and what the agent said, *after* the
guardrail redacted it, for the team's own review and the caller's access
requests, kept for ``[retention] transcripts_days`` and then purged.

Only redacted text may be stored. :meth:`TranscriptStore.append` refuses
(:class:`TranscriptValueError`) any text that :func:`guardrail.logs.scrub`
would change (a value the detector finds, a run of four or more digits, a
URL's user info or query): defence in depth, since the session redacts
before text is forwarded. The error never quotes the text.

Stores are URLs, as for the audit trail: ``sqlite:///path`` (the same file
as the audit entries, its own table; Python's ``sqlite3``) or
``postgresql://...`` (psycopg 3). Times are UTC ISO-8601 to the microsecond
(``2026-01-31T12:00:00.123456Z``), so they compare as text.

Wiring for an adapter (one line per forwarded text)::

    store = TranscriptStore.for_config(config)      # None: no store, or transcripts_days = 0
    store.record(call_sid, action)                  # a final ForwardText; never raises
"""

from __future__ import annotations

import abc
import datetime as dt
import math
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .logs import scrub

__all__ = [
    "TranscriptError",
    "TranscriptPurge",
    "TranscriptStore",
    "TranscriptStoreError",
    "TranscriptValueError",
]

MAX_TEXT = 16_384
"""Longest utterance stored (characters); longer text is refused, never cut."""
ROLES = ("caller", "agent")
_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
_FMT = "%Y-%m-%dT%H:%M:%S.%fZ"
_COLUMNS = ("time", "call_sid", "t_ms", "role", "text")


class TranscriptError(Exception):
    """Base of the transcript store's errors; messages never quote the text."""


class TranscriptStoreError(TranscriptError):
    """The store cannot be opened, read or written."""


class TranscriptValueError(TranscriptError, ValueError):
    """An utterance was refused: it is not redacted, or a field has the wrong shape."""


@dataclass(frozen=True, slots=True)
class TranscriptPurge:
    """What :meth:`TranscriptStore.purge` found before ``before``: ``count``
    utterances of ``calls`` calls, the oldest and newest of them (``None`` when
    there were none); ``deleted`` is 0 in a dry run."""

    count: int
    calls: int
    oldest: str | None
    newest: str | None
    deleted: int
    before: str


def _stamp(when: dt.datetime | None) -> str:
    if when is None:
        when = dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        raise TranscriptValueError("transcript time must be timezone-aware (UTC)")
    return when.astimezone(dt.UTC).strftime(_FMT)


def _check(call_sid: Any, t_ms: Any, role: Any, text: Any) -> None:
    if not isinstance(call_sid, str) or _SID.fullmatch(call_sid) is None:
        raise TranscriptValueError("transcript refused: call_sid must be a Twilio call SID")
    if isinstance(t_ms, bool) or not isinstance(t_ms, int | float) or not math.isfinite(t_ms):
        raise TranscriptValueError("transcript refused: t_ms must be a stream time in ms")
    if not 0 <= t_ms < 1e10:
        raise TranscriptValueError("transcript refused: t_ms must be a stream time in ms")
    if role not in ROLES:
        raise TranscriptValueError("transcript refused: role must be caller or agent")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise TranscriptValueError(
            f"transcript refused: text must be a string of at most {MAX_TEXT} characters"
        )
    if scrub(text, limit=MAX_TEXT) != text:
        raise TranscriptValueError(
            "transcript refused: the text holds what looks like a sensitive value (or a run"
            " of four or more digits, or a URL's credentials); only redacted text is stored"
        )


class TranscriptStore(abc.ABC):
    """Redacted utterances per call; ``TranscriptStore.open(url)`` opens one."""

    url: str
    refused = 0
    """Utterances :meth:`record` did not store (not redacted, or bad shape)."""
    failed = 0
    """Utterances :meth:`record` could not store (the store failed)."""

    @staticmethod
    def open(url: str, *, create: bool = True) -> TranscriptStore:
        """The store at ``url`` (``sqlite:///path`` or ``postgresql://...``).

        ``create=False`` refuses a SQLite file that does not exist yet (purge
        must not make a store to empty it). :class:`TranscriptStoreError`
        names the problem, never the URL's password."""
        scheme, sep, _ = url.partition("://")
        if not sep:
            raise TranscriptStoreError("store must be a URL like sqlite:///path/guardrail.db")
        if scheme == "sqlite":
            return SqliteTranscriptStore.open(url, create=create)
        if scheme in ("postgresql", "postgres"):
            return PostgresTranscriptStore.open(url)
        safe = re.sub(r"[^a-z0-9+.\-]", "?", scheme.lower())[:20]
        raise TranscriptStoreError(
            f"unknown store scheme {safe}://; use sqlite:///path or postgresql://"
        )

    @staticmethod
    def for_config(config: Any) -> TranscriptStore | None:
        """The store a config keeps transcripts in: ``None`` without ``[store] url``
        or with ``[retention] transcripts_days = 0`` (none kept)."""
        url = getattr(config, "store_url", None)
        retention = getattr(config, "retention", None)
        if url is None or (retention is not None and retention.transcripts_days == 0):
            return None
        return TranscriptStore.open(url)

    def append(
        self, call_sid: str, t_ms: float, role: str, text: str, *, at: dt.datetime | None = None
    ) -> None:
        """Store one redacted utterance of ``call_sid`` at stream time ``t_ms``.

        ``at`` is the wall-clock time it is kept under (default now; purge
        compares against it). Raises :class:`TranscriptValueError` (nothing
        stored) or :class:`TranscriptStoreError`."""
        _check(call_sid, t_ms, role, text)
        self._insert((_stamp(at), call_sid, float(t_ms), role, text))

    def record(self, call_sid: str | None, action: Any) -> bool:
        """An adapter's hook: store a final ``ForwardText`` action's text.

        Never raises (a live call must not break on the transcript): a refused
        or failed utterance is counted in ``refused`` / ``failed`` and ``False``
        is returned. Interim (non-final) text and calls without a SID are skipped.
        """
        if call_sid is None or not getattr(action, "final", False):
            return False
        try:
            self.append(call_sid, action.t_ms, action.role, action.text)
        except TranscriptValueError:
            self.refused += 1
            return False
        except TranscriptError:
            self.failed += 1
            return False
        return True

    def export(self, call_sid: str) -> list[dict]:
        """The call's utterances in stream order: ``time``, ``call_sid``, ``t_ms``,
        ``role``, ``text`` (redacted text only, as stored)."""
        if not isinstance(call_sid, str) or _SID.fullmatch(call_sid) is None:
            raise TranscriptValueError("export: call_sid must be a Twilio call SID")
        return [dict(zip(_COLUMNS, row, strict=True)) for row in self._select(call_sid)]

    def purge(self, before: dt.datetime, dry_run: bool = False) -> TranscriptPurge:
        """Delete (with ``dry_run``, only count) the utterances kept before ``before``."""
        cutoff = _stamp(before)
        return self._purge(cutoff, dry_run)

    @abc.abstractmethod
    def _insert(self, row: tuple) -> None: ...

    @abc.abstractmethod
    def _select(self, call_sid: str) -> Iterator[tuple]: ...

    @abc.abstractmethod
    def _purge(self, cutoff: str, dry_run: bool) -> TranscriptPurge: ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> TranscriptStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_SQL_TABLE = """CREATE TABLE IF NOT EXISTS transcripts (
    id {id},
    time TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    t_ms DOUBLE PRECISION NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL
)"""
_SQL_INDEXES = (
    "CREATE INDEX IF NOT EXISTS transcripts_call ON transcripts (call_sid, t_ms)",
    "CREATE INDEX IF NOT EXISTS transcripts_time ON transcripts (time)",
)
_SQL_COUNT = (
    "SELECT COUNT(*), COUNT(DISTINCT call_sid), MIN(time), MAX(time) FROM transcripts"
    " WHERE time < {p}"
)


class SqliteTranscriptStore(TranscriptStore):
    """The ``transcripts`` table of a SQLite file (WAL; shared with the audit store)."""

    def __init__(self, url: str, conn: sqlite3.Connection) -> None:
        self.url = url
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(  # type: ignore[override]
        cls, url: str, *, create: bool = True, timeout: float = 30.0
    ) -> SqliteTranscriptStore:
        prefix = "sqlite:///"
        path = url[len(prefix) :] if url.startswith(prefix) else ""
        if not path or "?" in path or "#" in path:
            raise TranscriptStoreError(
                "a SQLite store URL is sqlite:///path/guardrail.db (no query string);"
                " four slashes for an absolute path"
            )
        if not create and not Path(path).is_file():
            raise TranscriptStoreError(f"no store at {path}")
        try:
            if create:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SQL_TABLE.format(id="INTEGER PRIMARY KEY"))
            for stmt in _SQL_INDEXES:
                conn.execute(stmt)
        except (sqlite3.Error, OSError) as exc:
            raise TranscriptStoreError(
                f"cannot open transcript store {path}: {type(exc).__name__}"
            ) from None
        return cls(url, conn)

    def _insert(self, row: tuple) -> None:
        try:
            with self._lock:
                self._conn.execute(
                    "INSERT INTO transcripts (time, call_sid, t_ms, role, text)"
                    " VALUES (?, ?, ?, ?, ?)",
                    row,
                )
        except sqlite3.Error as exc:
            raise TranscriptStoreError(f"transcript append failed: {type(exc).__name__}") from None

    def _select(self, call_sid: str) -> Iterator[tuple]:
        try:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT time, call_sid, t_ms, role, text FROM transcripts"
                    " WHERE call_sid = ? ORDER BY t_ms, id",
                    (call_sid,),
                ).fetchall()
        except sqlite3.Error as exc:
            raise TranscriptStoreError(f"transcript read failed: {type(exc).__name__}") from None
        return iter(rows)

    def _purge(self, cutoff: str, dry_run: bool) -> TranscriptPurge:
        try:
            with self._lock:
                conn = self._conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    n, calls, oldest, newest = conn.execute(
                        _SQL_COUNT.format(p="?"), (cutoff,)
                    ).fetchone()
                    deleted = 0
                    if not dry_run and n:
                        deleted = conn.execute(
                            "DELETE FROM transcripts WHERE time < ?", (cutoff,)
                        ).rowcount
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
        except sqlite3.Error as exc:
            raise TranscriptStoreError(f"transcript purge failed: {type(exc).__name__}") from None
        return TranscriptPurge(int(n), int(calls), oldest, newest, int(deleted), cutoff)

    def close(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return "SqliteTranscriptStore()"


class PostgresTranscriptStore(TranscriptStore):
    """The ``transcripts`` table of a PostgreSQL database (psycopg 3)."""

    def __init__(self, url: str, conn: Any) -> None:
        self.url = url
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str, *, connect_timeout: int = 10) -> PostgresTranscriptStore:  # type: ignore[override]
        try:
            import psycopg
        except ImportError:
            raise TranscriptStoreError(
                "postgresql:// stores need psycopg 3; pip install 'telephony-guardrail[postgres]'"
            ) from None
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
            conn.execute(_SQL_TABLE.format(id="BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"))
            for stmt in _SQL_INDEXES:
                conn.execute(stmt)
        except psycopg.Error as exc:
            raise TranscriptStoreError(
                f"cannot open transcript store (postgresql): {type(exc).__name__}"
            ) from None
        return cls(url, conn)

    def _run(self, what: str, sql: str, params: tuple) -> Any:
        import psycopg

        try:
            with self._lock:
                return self._conn.execute(sql, params)
        except psycopg.Error as exc:
            raise TranscriptStoreError(f"transcript {what} failed: {type(exc).__name__}") from None

    def _insert(self, row: tuple) -> None:
        self._run(
            "append",
            "INSERT INTO transcripts (time, call_sid, t_ms, role, text)"
            " VALUES (%s, %s, %s, %s, %s)",
            row,
        )

    def _select(self, call_sid: str) -> Iterator[tuple]:
        cur = self._run(
            "read",
            "SELECT time, call_sid, t_ms, role, text FROM transcripts"
            " WHERE call_sid = %s ORDER BY t_ms, id",
            (call_sid,),
        )
        return iter(cur.fetchall())

    def _purge(self, cutoff: str, dry_run: bool) -> TranscriptPurge:
        import psycopg

        try:
            with self._lock, self._conn.transaction():
                n, calls, oldest, newest = self._conn.execute(
                    _SQL_COUNT.format(p="%s"), (cutoff,)
                ).fetchone()
                deleted = 0
                if not dry_run and n:
                    deleted = self._conn.execute(
                        "DELETE FROM transcripts WHERE time < %s", (cutoff,)
                    ).rowcount
        except psycopg.Error as exc:
            raise TranscriptStoreError(f"transcript purge failed: {type(exc).__name__}") from None
        return TranscriptPurge(int(n), int(calls), oldest, newest, int(deleted), cutoff)

    def close(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return "PostgresTranscriptStore()"
