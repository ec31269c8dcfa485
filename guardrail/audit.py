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
before (64 zeros for the first). Both stores keep the same columns with the
same types (text, and ``t_ms`` as a double), so the same entries give the same
hashes, heads and exports in SQLite and PostgreSQL, and both run the one
:func:`verify_chain`: an export from one store verifies the same way in the
other.

Concurrency: one chain per store, with a serialized head
--------------------------------------------------------
Every append, from any call in any process on any server, goes through one
chain: the append transaction first takes the head (SQLite: ``BEGIN
IMMEDIATE``, the database's write lock; PostgreSQL: the one-row
``audit_head`` table locked ``FOR UPDATE``, with waiters queued on a
transaction advisory lock in front of it), reads it, hashes the new entries
over it, inserts them, and commits. Two writers can never link to the same
head. Why one chain: one head (``SEQ:HASH``) proves the whole store, and
``verify`` is one pass. The price is one serialized durable commit per
transaction, so the rate is bounded by the commit time, not by the number of
writers. (The alternative, a chain per call plus a store-wide chain of call
heads, scales writes further but makes verification and truncation evidence
two-level; not needed at these rates.)

Measured with ``python -m bench.audit_append`` on the 2-core development
machine (shared and noisy: numbers vary by 2x run to run), N concurrent calls
appending back to back, one durable commit per append:

============================  ========  ========  ========
appends/s (p99 ms)            N = 1     N = 10    N = 50
============================  ========  ========  ========
SQLite, connection per call   2660 (1)  1250 (73) 150 (1800)
PostgreSQL, conn. per call    510 (8)   510 (43)  610 (240)
SQLite, one shared store      520 (9)   1010 (84) 1590 (200)
PostgreSQL, one shared store  730 (6)   760 (82)  610 (490)
============================  ========  ========  ========

A call writes a few entries a second, so 50 calls need well under 250/s.
SQLite with many *separate* connections (processes) contends on its file
lock without a queue (its busy wait is polling; the store retries ``BEGIN
IMMEDIATE`` every 0.2-1 ms rather than SQLite's own 1-100 ms sleeps, which
took 10 connections from ~120/s and a 2 s p99 to ~1200/s): one store per
server process is the intended shape, and PostgreSQL is the store for many
servers. With :class:`BufferedAudit` in background mode (below) the writer
commits whatever queued behind the last commit in one transaction: 50 calls
offering 100 entries/s each commit ~4900/s (SQLite) and ~3500/s (PostgreSQL)
with nothing dropped, while the caller waits p50 20 us, p99 0.1 ms (an
enqueue).

Durability: SQLite runs in WAL mode with ``synchronous=FULL``; PostgreSQL
connections use ``synchronous_commit=on`` (raised from a weaker server
default). A commit is on disk before :meth:`AuditStore.append` returns, so an
acknowledged entry survives SIGKILL of the writer (tested on both stores: a
child prints each acknowledged seq, is killed with SIGKILL mid-append, and
every printed seq is in the store, which verifies) and power loss.

Append-only: triggers refuse ``UPDATE`` and ``DELETE`` (PostgreSQL:
``TRUNCATE`` too) on the entries and anchors, for every honest writer; the
PostgreSQL docstring (:mod:`guardrail.audit_pg`) gives the grants that keep
the guardrail's own role from disabling them. Someone with raw access (the
SQLite file, the tables' owner) can drop them, which is what the chain is for.

What verify detects
-------------------
:meth:`AuditStore.verify` recomputes every hash and link from the anchor (or
from seq 1) to the last entry. From the store alone it finds a changed byte
in any field (including ``seq``, ``prev``, ``hash``), a deleted entry
(anywhere, including the first after the anchor), an inserted entry (even
one with a correct hash of its own: the next entry does not link to it),
reordered entries, and a deleted or changed anchor. It cannot find, from the
store alone, (a) truncation of the tail (a shorter chain is still a chain)
and (b) entries cut from the start with the anchor moved forward over them
(the forger knows the hash of the last entry it hides). Both need something
kept outside the store: ``verify(head=H)`` (``--head``) requires entry ``H``
to be in the chain with that hash (a kept head that a purge has removed
cannot be vouched for and fails: check against the anchor instead), and
``verify(anchor=A)`` requires the store's anchor to be exactly ``A``, the
anchor the last purge returned. A forger with raw access who rewrites the
whole chain from some point on and recomputes every hash is caught only by a
head kept elsewhere from after that point; so keep heads (``guardrail audit
head``) and anchors off the machine, e.g. in the purge job's own log.

Purge and anchors
-----------------
Retention deletes entries through :meth:`AuditStore.purge`: the longest run
from the start of the chain whose ``time`` is before the cut-off, never the
head (and never past an entry that is newer than the cut-off, e.g. one
buffered while the store was down). In the same transaction it records the
seq and hash of the last deleted entry as the store's *anchor* (table
``audit_anchors``, append-only), and ``verify`` starts there: the first
remaining entry must have seq ``anchor + 1`` and ``prev`` the anchor's hash;
the result carries ``anchor``. Ordinary deletes stay refused: the delete
trigger lets a row go only while a marker row in ``audit_purging`` (with the
highest seq the purge may delete) exists, and the purge inserts and removes
that marker inside its own transaction, so no other connection ever sees it.
The caller audits the purge itself with an entry ``event="purge"`` and keeps
the returned anchor elsewhere.

The value guard
---------------
:meth:`AuditStore.append` refuses (:class:`AuditValueError`) an entry whose
free-text fields (actor, event, outcome, category, action) change under
:func:`guardrail.logs.scrub` (the detector, then the four-digit rule), or
whose ``call_sid``/``resource``/``origin`` do not have their shape. This is
defence in depth: the session never puts values in audit entries.

When the store is unreachable, and off the event loop
------------------------------------------------------
:class:`BufferedAudit` is the executor's ``audit`` callback. Synchronously
(the default: replay, tests) it appends before it returns, an fsync per
entry on the caller's thread. With ``background=True`` (for the live media
path) it only stamps the entry and queues it (bounded), and a writer thread
appends in order, in batches; the event loop never waits on the store. In
both modes a store error keeps entries waiting (in order) and retried, and
``healthy``, ``pending`` and ``dropped`` let a caller fail closed. An entry it
cannot keep is counted in ``dropped`` and logged (without its content) at
ERROR: never silently.

Stores are URLs: ``sqlite:///path/audit.db`` (:mod:`guardrail.audit_sqlite`),
``postgresql://user@host/db`` or ``postgres://...``
(:mod:`guardrail.audit_pg`, with the ``postgres`` extra). A URL's password is
never shown: messages use :func:`redact_url`.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime as _dt
import hashlib
import itertools
import json
import logging
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

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
    "PurgeResult",
    "VerifyResult",
    "audit_config_load",
    "canonical",
    "check_entry",
    "entry_hash",
    "open_store",
    "parse_head",
    "parse_time",
    "redact_url",
    "utc_now",
    "verify_chain",
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


def audit_config_load(store: AuditStore, config: Any, actor: str) -> bool:
    """Append the entry that says a config came into force (PCI DSS 10.2.1.x: the
    settings that decide what is logged and protected): ``event="config_loaded"``,
    ``resource`` the config's fingerprint (``CF`` + SHA-256 prefix of its text),
    and in ``outcome`` what it turns on (routes, store, bot). ``False`` if the
    store refused it (the caller goes on; the failure is logged)."""
    routes = getattr(config, "routes", {}) or {}
    kinds = sorted({getattr(r, "kind", "other") for r in routes.values()})
    parts = [f"routes {' '.join(kinds) or 'none'}"]
    parts.append("proxy mode" if getattr(config, "bot_url", None) else "in-pipeline mode")
    if getattr(config, "public_url", None) is None:
        parts.append("no public_url")
    fingerprint = getattr(config, "fingerprint", None)
    try:
        store.append(
            AuditEntry(
                actor=actor,
                event="config_loaded",
                outcome="ok: " + ", ".join(parts),
                action="config",
                resource=fingerprint if fingerprint and _SID.fullmatch(fingerprint) else None,
            )
        )
    except AuditError as exc:
        log.error("audit: the config load could not be recorded (%s)", type(exc).__name__)
        return False
    return True


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
    anchor: str | None = None
    """``"SEQ:HASH"`` of the last purged entry, where verification started
    (``None``: the store was never purged and the chain starts at seq 1)."""

    def __bool__(self) -> bool:
        return self.ok

    def as_dict(self) -> dict:
        out: dict = {"ok": self.ok, "entries": self.entries, "head": self.head}
        if self.anchor is not None:
            out["anchor"] = self.anchor
        if self.error is not None:
            out["error"] = self.error
            out["seq"] = self.seq
        return out


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What :meth:`AuditStore.purge` deleted (or, with ``dry_run``, would delete).

    ``count`` entries, ``first_seq`` to ``last_seq`` (``None`` when nothing is
    due); ``before`` is the cut-off in the entries' time format; ``anchor`` is
    ``"SEQ:HASH"`` of the last deleted entry, the store's new anchor (keep it
    elsewhere, like a head: ``verify(anchor=...)`` then detects an anchor moved
    forward over entries), or the unchanged current anchor when nothing is due.
    """

    count: int
    first_seq: int | None
    last_seq: int | None
    before: str
    anchor: str | None = None
    dry_run: bool = False

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def verify_chain(
    rows: Iterable[dict],
    *,
    anchor: tuple[int, str] | None = None,
    head: str | None = None,
    kept_anchor: str | None = None,
) -> VerifyResult:
    """The one verification both stores run, so their results are identical.

    ``rows`` are the entries in ``seq`` order; ``anchor`` is the store's own
    anchor (seq and hash of the last purged entry) or ``None``. One pass: the
    first entry is seq ``anchor.seq + 1`` (1 without an anchor) with ``prev``
    the anchor's hash (:data:`GENESIS` without one); then each ``seq`` one more
    than the last, each ``prev`` the last ``hash``, each ``hash`` recomputed.
    With ``head`` (``SEQ:HASH`` kept elsewhere) that entry must be in the
    chain with that hash (or be the anchor itself): a head that was purged
    cannot be vouched for and fails. With ``kept_anchor`` (the anchor a purge
    returned, kept elsewhere) the store's anchor must be exactly it.
    """
    kept = parse_head(head) if head is not None else None
    want_anchor = parse_head(kept_anchor) if kept_anchor is not None else None
    anchor_text = f"{anchor[0]}:{anchor[1]}" if anchor is not None else None

    def fail(error: str, seq: int | None, n: int, now: str | None = None) -> VerifyResult:
        return VerifyResult(False, n, now, error, seq, anchor_text)

    if want_anchor is not None and want_anchor != anchor:
        if anchor is None:
            return fail("anchor missing: the store has no anchor but one was kept", None, 0)
        if want_anchor[0] < anchor[0]:
            return fail(
                f"anchor moved: entries up to seq {anchor[0]} are gone, but the kept "
                f"anchor is at seq {want_anchor[0]} (a purge not accounted for)",
                anchor[0],
                0,
            )
        return fail("anchor differs from the kept anchor", anchor[0], 0)
    last_seq, last_hash = anchor if anchor is not None else (0, GENESIS)
    seen_kept = False
    if kept is not None and kept[0] <= last_seq:
        if kept[0] < last_seq or kept[1] != last_hash:
            return fail(
                f"the kept head's seq {kept[0]} was purged (the store's anchor is at seq "
                f"{last_seq}): check against the anchor kept from the purge instead",
                kept[0],
                0,
            )
        seen_kept = True
    n = 0
    for rec in rows:
        seq = rec["seq"]
        n += 1
        if seq != last_seq + 1:
            what = "an entry is missing" if seq > last_seq + 1 else "out of order"
            return fail(f"sequence broken ({what})", seq, n)
        if rec["prev"] != last_hash:
            return fail("link broken: prev is not the hash of the entry before", seq, n)
        if entry_hash(rec) != rec["hash"]:
            return fail("entry changed: hash does not match", seq, n)
        if kept is not None and seq == kept[0]:
            if rec["hash"] != kept[1]:
                return fail("entry at the kept head differs from it", seq, n)
            seen_kept = True
        last_seq, last_hash = seq, rec["hash"]
    now = f"{last_seq}:{last_hash}" if n else None
    if anchor is not None and n == 0:
        return fail("the store has an anchor but no entries: its head was deleted", None, 0)
    if kept is not None and not seen_kept:
        return fail(
            f"truncated: the store ends at seq {last_seq}, before the kept head's seq {kept[0]}",
            last_seq,
            n,
            now,
        )
    return VerifyResult(True, n, now, anchor=anchor_text)


class AuditStore(abc.ABC):
    """A store of one hash chain; ``AuditStore.open(url)`` opens one.

    Implementations: :class:`~guardrail.audit_sqlite.SqliteAuditStore`,
    :class:`~guardrail.audit_pg.PostgresAuditStore`."""

    url: str
    _origin: str = ""

    def _record(self, entry: AuditEntry) -> dict:
        """The row of ``entry``: time and origin filled in, the value guard passed."""
        if entry.time is None or entry.origin is None:
            entry = dataclasses.replace(
                entry, time=entry.time or utc_now(), origin=entry.origin or self._origin
            )
        check_entry(entry)
        record = {f: getattr(entry, f) for f in FIELDS}
        if record["t_ms"] is not None:
            record["t_ms"] = float(record["t_ms"])
        return record

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

    def append_many(self, entries: Sequence[AuditEntry]) -> list[int]:
        """Append ``entries`` in order, all or none; their ``seq`` numbers.

        The stores do it in one transaction (one durable commit for the lot:
        what the background writer of :class:`BufferedAudit` uses)."""
        return [self.append(e) for e in entries]

    @abc.abstractmethod
    def verify(self, head: str | None = None, anchor: str | None = None) -> VerifyResult:
        """Recompute the whole chain from the store's anchor (see :func:`verify_chain`);
        with ``head``, also require that entry; with ``anchor``, require the
        store's anchor to be that one."""
        ...

    @abc.abstractmethod
    def anchor(self) -> str | None:
        """``"SEQ:HASH"`` of the last purged entry, or ``None`` if never purged."""
        ...

    @abc.abstractmethod
    def purge(self, before: str, *, dry_run: bool = False) -> PurgeResult:
        """Delete the oldest entries, those whose ``time`` is before ``before``.

        ``before`` is ISO-8601 (:func:`parse_time` forms; UTC without a zone).
        What goes is the longest run from the start of the chain in which every
        entry is older than ``before``, and never the head (the last entry): an
        entry out of time order (buffered while the store was down) stops the
        run, so no entry at or after ``before`` is ever deleted and the rest of
        the chain stays contiguous. The seq and hash of the last deleted entry
        become the store's anchor, in the same transaction; ``verify`` starts
        there. ``dry_run`` deletes nothing and says what would go. Raises
        :class:`ValueError` for a bad ``before``, :class:`AuditStoreError`
        when the store fails (nothing deleted)."""
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
    """The store at ``url``: ``sqlite:///path`` or ``postgresql://...``
    (``postgres://`` too; needs the ``postgres`` extra).

    ``create=False`` refuses a store that does not exist yet (for ``verify``,
    which must not make an empty store and call it intact). Raises
    :class:`AuditStoreError` with a message naming the problem (never the
    URL's password)."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        raise AuditStoreError(
            "store must be a URL like sqlite:///path/audit.db or postgresql://host/db"
        )
    if scheme == "sqlite":
        from .audit_sqlite import SqliteAuditStore

        return SqliteAuditStore.open(url, create=create)
    if scheme in ("postgresql", "postgres"):
        try:
            from .audit_pg import PostgresAuditStore
        except ImportError:
            raise AuditStoreError(
                "postgresql:// stores need psycopg 3: pip install 'telephony-guardrail[postgres]'"
            ) from None
        return PostgresAuditStore.open(url, create=create)
    safe = re.sub(r"[^a-z0-9+.\-]", "?", scheme.lower())[:20]
    raise AuditStoreError(
        f"unknown store scheme {safe}://; use sqlite:///path/audit.db or postgresql://host/db"
    )


def redact_url(url: str) -> str:
    """``url`` with any password (``user:PASSWORD@`` or ``password=...``) as ``***``:
    the only form of a store URL that errors, logs and ``repr`` may show."""
    out = re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/@?#]*?:)[^/?#]*@", r"\1***@", url)
    return re.sub(r"(?i)(password=)[^&\s]*", r"\1***", out)


def _purge_cutoff(before: str) -> str:
    """``before`` in the entries' time format (what :meth:`AuditStore.purge` compares)."""
    if not isinstance(before, str):
        raise ValueError("before must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z")
    return parse_time(before)


class BufferedAudit:
    """The executor's ``audit`` callback, with a bounded buffer for a store that is down.

    Contract (both modes):

    - ``audit(action)`` takes an ``Audit``, an ``Alert`` or an
      :class:`AuditEntry`; it never raises (a live call must not break on
      the audit trail). The entry is stamped (``time``) when it is taken.
    - Entries go to the store in the order they came.
    - An entry that does not fit (``capacity`` entries already wait) is
      *dropped*: ``dropped`` goes up and an ERROR is logged (counts only, no
      content). Never silently.
    - An entry the value guard refuses is stored with each refused field
      replaced by ``"[withheld]"`` (``refused`` goes up), so the trail still
      shows that something happened.
    - ``healthy`` is ``False`` while entries wait because the store failed,
      and once anything was dropped; a caller fails closed for new sensitive
      operations when it is ``False``.
    - :meth:`flush` tries every waiting entry now; :meth:`close` drains and
      stops. ``bind_call(sid)`` sets the call SID stamped on later entries.

    Synchronous mode (the default; replay and tests): ``audit(action)``
    appends before it returns, so it blocks for one durable commit (an fsync)
    per entry. If the store fails the entry waits in memory; waiting entries
    are tried again, oldest first, before the next entry once ``retry_s``
    (on ``clock``) has passed, and on :meth:`flush`.

    Background mode (``background=True``; the live media path): ``audit``
    only stamps the entry and puts it on a bounded queue (``capacity``), so
    the event loop never waits on the store. One writer thread per instance
    appends what is queued, oldest first, in batches of up to ``batch``
    entries per transaction (one commit for the lot). When the store fails
    the batch stays at the front of the queue, ``healthy`` turns ``False``,
    and the writer tries again every ``retry_s`` seconds (or at once on
    :meth:`flush`). A write that has not come back after ``stall_s`` seconds
    (a store that hangs, a lock another writer holds) makes ``healthy``
    ``False`` too, until it comes back: the store's own timeout is far longer
    than a caller should wait for a capture whose trail may never be written.
    ``pending`` counts queued and in-flight entries. The
    writer is a daemon thread: call :meth:`close` (with a timeout) when the
    call ends, or queued entries are lost at process exit and the thread
    lingers.
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
        background: bool = False,
        batch: int = 100,
        stall_s: float = 1.0,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.store = store
        self.actor = actor
        self.call_sid = call_sid
        self.resource = resource
        self.origin = origin if origin is not None else default_origin()
        self.capacity = capacity
        self.retry_s = retry_s
        self.batch = batch
        self.stall_s = stall_s
        self.background = background
        self._clock = clock
        self._pending: deque[AuditEntry] = deque()
        self._retry_at = 0.0
        self._lock = threading.Lock()
        self.dropped = 0
        self.refused = 0
        self.appended = 0
        self.last_seq: int | None = None
        self._cond = threading.Condition(self._lock)
        self._failing = False
        self._closed = False
        self._kick = False
        self._started = 0  # writer attempts begun
        self._last_failed = 0  # the attempt number that last failed
        self._thread: threading.Thread | None = None
        self._writing_since: float | None = None  # monotonic start of the write in flight
        if background:
            self._thread = threading.Thread(
                target=self._run, name="guardrail-audit-writer", daemon=True
            )
            self._thread.start()

    @property
    def pending(self) -> int:
        """Entries waiting for the store (in background mode, in flight too)."""
        return len(self._pending)

    @property
    def healthy(self) -> bool:
        """Nothing waiting because the store failed, and nothing ever dropped."""
        if self.background:
            since = self._writing_since
            stalled = since is not None and time.monotonic() - since > self.stall_s
            return not self._failing and not stalled and self.dropped == 0
        return not self._pending and self.dropped == 0

    @property
    def store_trouble(self) -> bool:
        """The store itself is failing or stuck for this trail (a write failed, or one
        has not come back within ``stall_s``): what other calls on the same store
        must know too. Unlike :attr:`healthy`, this trail's own drops do not count."""
        if self.background:
            since = self._writing_since
            return self._failing or (since is not None and time.monotonic() - since > self.stall_s)
        return bool(self._pending)

    def bind_call(self, call_sid: str | None) -> None:
        """Stamp ``call_sid`` on the entries that follow."""
        self.call_sid = call_sid

    def __call__(self, action: Audit | Alert | AuditEntry) -> None:
        try:
            entry = self._entry(action)
        except Exception as exc:  # never let the audit callback break a call
            self._drop(1, type(exc).__name__)
            return
        if self.background:
            with self._cond:
                if self._closed:
                    self._drop(1, "closed")
                elif len(self._pending) >= self.capacity:
                    self._drop(1, "queue full" if not self._failing else "store unavailable")
                else:
                    self._pending.append(entry)
                    self._cond.notify_all()
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

    def flush(self, timeout: float | None = None) -> bool:
        """Try every waiting entry now; ``True`` if none is left waiting.

        In background mode: wake the writer and wait until the queue is empty
        (``True``), or an attempt begun after this call failed, or ``timeout``
        seconds passed (``False``)."""
        if not self.background:
            with self._lock:
                self._flush_locked()
                return not self._pending
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if not self._pending:
                return True
            begun = self._started
            self._kick = True
            self._cond.notify_all()
            while self._pending:
                if self._last_failed > begun or self._thread is None:
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self, timeout: float | None = None) -> bool:
        """Drain (as :meth:`flush`) and stop the writer; ``True`` if nothing was
        left waiting. Entries that arrive later are dropped (and counted)."""
        drained = self.flush(timeout)
        if not self.background:
            return drained
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        if self._pending:
            log.error(
                "audit trail closed with entries not written",
                extra={"fields": {"pending": len(self._pending)}},
            )
        return drained and not self._pending

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

    def _withheld(self, entry: AuditEntry, exc: AuditValueError) -> AuditEntry:
        log.error(
            "audit entry had fields that look like values; stored withheld",
            extra={"fields": {"refused_fields": list(exc.fields)}},
        )
        withheld: dict = {f: "[withheld]" for f in exc.fields if f in _TEXT_FIELDS}
        withheld.update({f: None for f in exc.fields if f not in _TEXT_FIELDS})
        if "time" in exc.fields:
            withheld["time"] = utc_now()
        return dataclasses.replace(entry, **withheld)

    def _append(self, entry: AuditEntry) -> None:
        """Append, or the guarded form of a refused entry; raises AuditStoreError."""
        try:
            seq = self.store.append(entry)
        except AuditValueError as exc:
            self.refused += 1
            seq = self.store.append(self._withheld(entry, exc))
        self.appended += 1
        self.last_seq = seq

    # -- background writer ------------------------------------------------------------

    def _run(self) -> None:
        cond = self._cond
        while True:
            with cond:
                while not self._pending and not self._closed:
                    cond.wait()
                if not self._pending or (self._closed and self._failing and not self._kick):
                    return
                if self._failing and not self._kick:
                    left = self._retry_at - time.monotonic()
                    if left > 0:
                        cond.wait(left)
                        continue
                self._kick = False
                self._started += 1
                attempt = self._started
                batch = list(itertools.islice(self._pending, self.batch))
                self._writing_since = time.monotonic()
            try:
                stored, refused, lost, seq = self._write(batch)
                error: str | None = None
            except AuditStoreError as exc:
                stored, refused, lost, seq, error = 0, 0, 0, None, type(exc).__name__
            except Exception as exc:  # a store bug must not kill the writer silently
                stored, refused, lost, seq, error = 0, 0, 0, None, type(exc).__name__
            with cond:
                self._writing_since = None
                for _ in range(stored + lost):
                    self._pending.popleft()
                self.refused += refused
                self.appended += stored
                if seq is not None:
                    self.last_seq = seq
                if lost:
                    self._drop(lost, "AuditValueError")
                if error is not None:
                    self._last_failed = attempt
                    self._retry_at = time.monotonic() + self.retry_s
                    if not self._failing:
                        self._failing = True
                        log.error(
                            "audit store unavailable; buffering entries",
                            extra={"fields": {"error": error, "capacity": self.capacity}},
                        )
                elif self._failing:
                    self._failing = False
                    log.info("audit store reachable again; buffered entries written")
                cond.notify_all()

    def _write(self, batch: list[AuditEntry]) -> tuple[int, int, int, int | None]:
        """Append ``batch`` in one transaction: (stored, refused, lost, last seq)."""
        prepared: list[AuditEntry] = []
        refused = 0
        for entry in batch:
            try:
                check_entry(entry)
                prepared.append(entry)
            except AuditValueError as exc:
                refused += 1
                prepared.append(self._withheld(entry, exc))
        lost = 0
        try:
            seqs = self.store.append_many(prepared)
        except AuditValueError:  # withheld and still refused: store them one by one
            seqs = []
            for entry in prepared:
                try:
                    seqs.append(self.store.append(entry))
                except AuditValueError:
                    lost += 1
                except AuditStoreError:
                    if not seqs and not lost:
                        raise
                    break  # the rest stay at the front of the queue
        return len(seqs), refused, lost, (seqs[-1] if seqs else None)

    # -- synchronous mode ------------------------------------------------------------

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
