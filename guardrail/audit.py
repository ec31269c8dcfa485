"""The audit trail: append-only, hash-chained, what happened and never the value.

Entries
-------
Each entry holds the PCI DSS 10.2.2 fields: ``actor`` (which connection or
component wrote it: ``proxy``, ``pipecat``, ``replay``, ``server``), ``event``
(the event type), ``time`` (wall clock, UTC ISO-8601 to the microsecond,
``2026-01-31T12:00:00.123456Z``) and ``t_ms`` (stream time), ``outcome``,
``origin`` (``host:pid`` of the writing process), ``call_sid`` and
``resource`` (the affected resource, e.g. a recording SID), plus ``category``
(the data category, never the data) and ``action`` (what kind of record:
``audit`` or ``alert`` from the executor). No field ever holds a value.

The chain
---------
The store assigns each entry a sequence number ``seq`` (1, 2, ...) and its
``hash``: SHA-256, hex, over the canonical JSON (sorted keys, no spaces,
ASCII) of every field above plus ``seq`` and ``prev``, the hash of the entry
before (64 zeros for the first). :meth:`AuditStore.verify` recomputes every
hash and link, so a changed byte in any field, a deleted, inserted or
reordered entry is found; truncation of the tail leaves a valid shorter chain,
which only the head kept elsewhere (``SEQ:HASH`` from :meth:`AuditStore.head`)
can reveal: ``verify(head=...)`` requires entry ``SEQ`` to exist with that
hash.

Concurrency: one chain per store, with a serialized head
--------------------------------------------------------
Every append, from any call in any process, goes through one chain: in
SQLite, ``BEGIN IMMEDIATE`` takes the database's write lock, the transaction
reads the last entry (the head), computes the new entry's hash over it, inserts
it and commits, so two writers can never link to the same head. This costs
one serialized write per entry (measured in tests/test_audit.py), which is far
above what calls produce (a few entries a second each); in exchange, one head
proves the whole store and ``verify`` is a single pass. (The alternative, a
chain per call plus a store-wide chain of call heads, scales writes further
but makes verification and truncation evidence two-level; not needed at
these rates.) The database runs in WAL mode with ``synchronous=FULL``: a
commit is on disk before :meth:`AuditStore.append` returns, so an
acknowledged entry survives SIGKILL and power loss. SQLite triggers refuse
``UPDATE`` and ``DELETE`` on the entries table (append-only for every honest
writer); someone with raw access can drop them, which is what the chain is for.

The value guard
---------------
:meth:`AuditStore.append` refuses (:class:`AuditValueError`) an entry whose
free-text fields (actor, event, outcome, category, action) change under
:func:`guardrail.logs.scrub` (the detector, then the four-digit rule), or
whose ``call_sid``/``resource``/``origin`` do not have their shape. This is
defence in depth: the session never puts values in audit entries.

When the store is unreachable
-----------------------------
:class:`BufferedAudit` is the executor's ``audit`` callback: it appends, and
on a store error keeps up to ``capacity`` entries in memory (in order),
retries them before the next entry, and exposes ``healthy``, ``pending`` and
``dropped`` so a caller can fail closed. An entry it cannot keep is counted in
``dropped`` and logged (without its content) at ERROR: never silently.

Stores are URLs: ``sqlite:///path/audit.db``. ``postgresql://`` comes in a
later change.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .events import Alert, Audit
from .logs import scrub

__all__ = [
    "GENESIS",
    "AuditEntry",
    "AuditError",
    "AuditStore",
    "AuditStoreError",
    "AuditValueError",
    "BufferedAudit",
    "VerifyResult",
    "canonical",
    "entry_hash",
    "open_store",
    "parse_head",
    "parse_time",
]

log = logging.getLogger("guardrail.audit")

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""

FIELDS: tuple[str, ...] = (
    "time",
    "t_ms",
    "actor",
    "origin",
    "event",
    "outcome",
    "category",
    "action",
    "call_sid",
    "resource",
)
"""The entry's own fields, in the order the store keeps them."""

_TEXT_FIELDS = ("actor", "event", "outcome", "category", "action")
_SID = re.compile(r"[A-Z]{2}[0-9a-f]{32}")
_ORIGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_]{0,252}:[0-9]{1,10}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HEAD = re.compile(r"([0-9]{1,19}):([0-9a-f]{64})")
_MAX_TEXT = 200


class AuditError(Exception):
    """Base of the audit trail's errors; messages never quote a field's content."""


class AuditStoreError(AuditError):
    """The store cannot be opened or written (unreachable, locked, unknown scheme)."""


class AuditValueError(AuditError, ValueError):
    """An entry was refused because a field looks like it holds a value."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        super().__init__(
            f"audit entry refused: field(s) {', '.join(fields)} look like a sensitive "
            "value or have the wrong shape (audit entries hold categories, never values)"
        )


def utc_now() -> str:
    """The wall clock in the entries' format: UTC ISO-8601, microseconds, ``Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> str:
    """``text`` (ISO-8601; no zone means UTC) in the entries' format, for ``--since``.

    Raises :class:`ValueError` naming the expected form."""
    try:
        t = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("expected an ISO-8601 time, e.g. 2026-01-31T12:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_head(text: str) -> tuple[int, str]:
    """``"SEQ:HASH"`` as ``(seq, hash)``; :class:`ValueError` if it is not one."""
    m = _HEAD.fullmatch(text.strip())
    if m is None:
        raise ValueError("expected a head SEQ:HASH as printed by `guardrail audit head`")
    return int(m.group(1)), m.group(2)


def default_origin() -> str:
    """This process: ``host:pid`` (the host name reduced to the allowed characters)."""
    host = re.sub(r"[^A-Za-z0-9.\-_]", "-", socket.gethostname())[:200] or "host"
    if not host[0].isalnum():
        host = "h" + host
    return f"{host}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry before the store numbers and chains it.

    ``time`` (default: when the store appends it) and ``origin`` (default:
    this process) are filled in by :meth:`AuditStore.append` when ``None``.
    """

    actor: str
    event: str
    outcome: str
    t_ms: float | None = None
    category: str | None = None
    action: str | None = None
    call_sid: str | None = None
    resource: str | None = None
    origin: str | None = None
    time: str | None = None

    @classmethod
    def from_action(
        cls,
        action: Audit | Alert,
        *,
        actor: str,
        call_sid: str | None = None,
        resource: str | None = None,
        origin: str | None = None,
    ) -> AuditEntry:
        """The entry for an executor's ``Audit`` or ``Alert`` action, stamped now."""
        if isinstance(action, Alert):
            return cls(
                actor=actor,
                event="alert",
                outcome=action.reason,
                t_ms=float(action.t_ms),
                action="alert",
                call_sid=call_sid,
                resource=resource,
                origin=origin,
                time=utc_now(),
            )
        return cls(
            actor=actor,
            event=action.event,
            outcome=action.outcome,
            t_ms=float(action.t_ms),
            category=action.category,
            action="audit",
            call_sid=call_sid,
            resource=resource,
            origin=origin,
            time=utc_now(),
        )


def check_entry(entry: AuditEntry) -> None:
    """Raise :class:`AuditValueError` if any field might hold a value (the value guard)."""
    bad: list[str] = []
    for name in _TEXT_FIELDS:
        v = getattr(entry, name)
        if v is None and name not in ("actor", "event", "outcome"):
            continue
        if (
            not isinstance(v, str)
            or not v
            or len(v) > _MAX_TEXT
            or not v.isprintable()
            or scrub(v) != v
        ):
            bad.append(name)
    for name in ("call_sid", "resource"):
        v = getattr(entry, name)
        if v is not None and (not isinstance(v, str) or _SID.fullmatch(v) is None):
            bad.append(name)
    if entry.origin is not None and (
        not isinstance(entry.origin, str) or _ORIGIN.fullmatch(entry.origin) is None
    ):
        bad.append("origin")
    if entry.time is not None and (
        not isinstance(entry.time, str) or _TIME.fullmatch(entry.time) is None
    ):
        bad.append("time")
    t = entry.t_ms
    if t is not None and (
        isinstance(t, bool) or not isinstance(t, int | float) or not 0 <= t < 1e10
    ):
        bad.append("t_ms")
    if bad:
        raise AuditValueError(bad)


def canonical(record: dict) -> bytes:
    """The bytes an entry's hash is computed over: ``seq``, ``prev`` and every
    field of :data:`FIELDS`, as JSON with sorted keys, no spaces, ASCII."""
    body = {k: record.get(k) for k in (*FIELDS, "seq", "prev")}
    t = body["t_ms"]
    if isinstance(t, int) and not isinstance(t, bool):
        body["t_ms"] = float(t)  # 5 and 5.0 are the same stream time; "5" is not
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(record: dict) -> str:
    """SHA-256 (hex) of :func:`canonical` ``(record)``."""
    return hashlib.sha256(canonical(record)).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :meth:`AuditStore.verify` found. ``ok`` only for an intact chain
    (and, with a head, one that still holds it); ``error`` says what broke and
    ``seq`` where (the first problem; never a field's content)."""

    ok: bool
    entries: int
    head: str | None
    error: str | None = None
    seq: int | None = None

    def __bool__(self) -> bool:
        return self.ok

    def as_dict(self) -> dict:
        out: dict = {"ok": self.ok, "entries": self.entries, "head": self.head}
        if self.error is not None:
            out["error"] = self.error
            out["seq"] = self.seq
        return out


class AuditStore(abc.ABC):
    """A store of one hash chain; ``AuditStore.open(url)`` opens one.

    Implementations: :class:`~guardrail.audit_sqlite.SqliteAuditStore`."""

    url: str

    @staticmethod
    def open(url: str, *, create: bool = True) -> AuditStore:
        """The store at ``url`` (see :func:`open_store`)."""
        return open_store(url, create=create)

    @abc.abstractmethod
    def append(self, entry: AuditEntry) -> int:
        """Check, number, chain and durably store ``entry``; return its ``seq``.

        Raises :class:`AuditValueError` (nothing stored) or
        :class:`AuditStoreError` (the store could not take it)."""
        ...

    @abc.abstractmethod
    def head(self) -> str | None:
        """``"SEQ:HASH"`` of the last entry, or ``None`` for an empty store."""
        ...

    @abc.abstractmethod
    def verify(self, head: str | None = None) -> VerifyResult:
        """Recompute the whole chain; with ``head``, also require that entry."""
        ...

    @abc.abstractmethod
    def export(self, call: str | None = None, since: str | None = None) -> Iterator[dict]:
        """Entries in ``seq`` order as dicts (``seq``, the fields, ``prev``,
        ``hash``), only ``call``'s if given, only at or after ``since``
        (ISO-8601) if given."""
        ...

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""


def open_store(url: str, *, create: bool = True) -> AuditStore:
    """The store at ``url``. ``sqlite:///path`` only, for now.

    ``create=False`` refuses a store that does not exist yet (for ``verify``,
    which must not make an empty store and call it intact). Raises
    :class:`AuditStoreError` with a message naming the problem (never the
    URL's password)."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise AuditStoreError("store must be a URL like sqlite:///path/audit.db")
    if scheme == "sqlite":
        from .audit_sqlite import SqliteAuditStore

        return SqliteAuditStore.open(url, create=create)
    if scheme in ("postgresql", "postgres"):
        raise AuditStoreError(
            f"{scheme}:// stores are not supported yet: postgresql:// comes in a later "
            "change; use sqlite:///path/audit.db"
        )
    safe = re.sub(r"[^a-z0-9+.\-]", "?", scheme.lower())[:20]
    raise AuditStoreError(f"unknown store scheme {safe}://; use sqlite:///path/audit.db")


class BufferedAudit:
    """The executor's ``audit`` callback, with a bounded buffer for a store that is down.

    Contract:

    - ``audit(action)`` takes an ``Audit``, an ``Alert`` or an
      :class:`AuditEntry`; it never raises (a live call must not break on
      the audit trail) and never blocks longer than one append.
    - Entries go to the store in the order they came. If the store fails, the
      entry waits in memory (at most ``capacity``); waiting entries are tried
      again, oldest first, before the next entry once ``retry_s`` has passed,
      and on :meth:`flush`.
    - An entry that does not fit is *dropped*: ``dropped`` goes up and an
      ERROR is logged (counts only, no content).
    - An entry the value guard refuses is stored with each refused field
      replaced by ``"[withheld]"`` (``refused`` goes up), so the trail still
      shows that something happened.
    - ``healthy`` is ``True`` while nothing waits and nothing was ever
      dropped; a caller fails closed for new sensitive operations when it is
      ``False``.
    - ``bind_call(sid)`` sets the call SID stamped on later entries.
    """

    def __init__(
        self,
        store: AuditStore,
        *,
        actor: str,
        call_sid: str | None = None,
        resource: str | None = None,
        origin: str | None = None,
        capacity: int = 1000,
        retry_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.store = store
        self.actor = actor
        self.call_sid = call_sid
        self.resource = resource
        self.origin = origin if origin is not None else default_origin()
        self.capacity = capacity
        self.retry_s = retry_s
        self._clock = clock
        self._pending: deque[AuditEntry] = deque()
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self.dropped = 0
        self.refused = 0
        self.appended = 0
        self.last_seq: int | None = None

    @property
    def pending(self) -> int:
        """Entries waiting for the store."""
        return len(self._pending)

    @property
    def healthy(self) -> bool:
        """Nothing waiting and nothing ever dropped."""
        return not self._pending and self.dropped == 0

    def bind_call(self, call_sid: str | None) -> None:
        """Stamp ``call_sid`` on the entries that follow."""
        self.call_sid = call_sid

    def __call__(self, action: Audit | Alert | AuditEntry) -> None:
        try:
            entry = self._entry(action)
        except Exception as exc:  # never let the audit callback break a call
            self._drop(1, type(exc).__name__)
            return
        with self._lock:
            if self._pending:
                if self._clock() >= self._retry_at:
                    self._flush_locked()
                if self._pending:
                    self._keep(entry)
                    return
            try:
                self._append(entry)
            except AuditStoreError as exc:
                self._retry_at = self._clock() + self.retry_s
                self._keep(entry, reason=type(exc).__name__)

    def flush(self) -> bool:
        """Try every waiting entry now; ``True`` if none is left waiting."""
        with self._lock:
            self._flush_locked()
            return not self._pending

    def _entry(self, action: Audit | Alert | AuditEntry) -> AuditEntry:
        if isinstance(action, AuditEntry):
            e = action
            if e.time is None:
                e = dataclasses.replace(e, time=utc_now())
            return e
        return AuditEntry.from_action(
            action,
            actor=self.actor,
            call_sid=self.call_sid,
            resource=self.resource,
            origin=self.origin,
        )

    def _append(self, entry: AuditEntry) -> None:
        """Append, or the guarded form of a refused entry; raises AuditStoreError."""
        try:
            seq = self.store.append(entry)
        except AuditValueError as exc:
            self.refused += 1
            log.error(
                "audit entry had fields that look like values; stored withheld",
                extra={"fields": {"refused_fields": list(exc.fields)}},
            )
            withheld = {f: "[withheld]" for f in exc.fields if f in _TEXT_FIELDS}
            withheld.update({f: None for f in exc.fields if f not in _TEXT_FIELDS})
            if "time" in exc.fields:
                withheld["time"] = utc_now()
            seq = self.store.append(dataclasses.replace(entry, **withheld))
        self.appended += 1
        self.last_seq = seq

    def _flush_locked(self) -> None:
        had = len(self._pending)
        while self._pending:
            try:
                self._append(self._pending[0])
            except AuditStoreError:
                self._retry_at = self._clock() + self.retry_s
                return
            except AuditError as exc:  # refused twice: cannot be stored at all
                self._pending.popleft()
                self._drop(1, type(exc).__name__)
                continue
            self._pending.popleft()
        if had:
            log.info("audit store reachable again; buffered entries written")

    def _keep(self, entry: AuditEntry, reason: str = "store unavailable") -> None:
        if len(self._pending) >= self.capacity:
            self._drop(1, reason)
            return
        if not self._pending:
            log.error(
                "audit store unavailable; buffering entries",
                extra={"fields": {"error": reason, "capacity": self.capacity}},
            )
        self._pending.append(entry)

    def _drop(self, n: int, reason: str) -> None:
        self.dropped += n
        log.error(
            "audit entry dropped",
            extra={"fields": {"error": reason, "dropped_total": self.dropped}},
        )
