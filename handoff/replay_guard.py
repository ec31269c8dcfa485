"""Replayed webhooks: a repeat of a signed request has no new effect.

A Twilio signature covers the URL and the form, nothing else: no time, no
nonce. Whoever captures one signed request (a log, a proxy, a packet trace)
can send it again, and each copy would mint a new resume token, redirect the
call again or feed the session a second result. Twilio itself repeats
requests too: it retries a webhook that timed out, with the same
``I-Twilio-Idempotency-Token`` header and the same signed content.

:class:`WebhookReplayGuard` remembers each signed request it let through and
the answer it got. A repeat inside the retry window (Twilio's retry) gets
that same answer and does nothing else; a repeat after it is refused (the
adapters answer 403 with the reason ``"replayed"``: it is a request the
server will not act on, like any other refusal, and Twilio does not retry a
4xx). Requests are keyed on their signed content -- path, signature and the
sorted form -- and *not* on the idempotency header: that header is not
signed, so keying on it would let a replayer mint a fresh key per copy.
Twilio's retries carry the same content, so they share the key anyway.

Known limit: two genuinely different webhooks with byte-identical forms for
the same path inside ``remember_s`` count as one (Twilio's status callbacks
carry ``Timestamp``/``SequenceNumber``, so those differ).

:func:`identifiers_refusal` checks the SIDs every Twilio webhook carries.
Sans-I/O: time is an argument; nothing here sleeps, reads a clock or does
I/O. Memory is bounded (``max_entries``, oldest first) and every call is
O(1) amortized.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

__all__ = ["ACCOUNT_SID", "CALL_SID", "Seen", "WebhookReplayGuard", "identifiers_refusal"]

A = TypeVar("A")

CALL_SID = re.compile(r"CA[0-9a-f]{32}")
"""A Twilio Call SID: ``CA`` and 32 lowercase hex digits."""
ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
"""A Twilio Account SID: ``AC`` and 32 lowercase hex digits."""


def identifiers_refusal(form: Mapping[str, str], account_sid: str | None) -> str | None:
    """``None`` if ``form`` names a well-formed call of ``account_sid``, else why not.

    Every Twilio voice webhook (incoming call, action and status callbacks)
    carries ``CallSid`` and ``AccountSid``. A request without them, or for
    another account (``account_sid``, when configured), is not one of this
    deployment's calls: ``"bad call identifiers"`` or ``"another account"``
    (reasons of :data:`guardrail.logs.FORBIDDEN_REASONS`).
    """
    call, account = form.get("CallSid"), form.get("AccountSid")
    if not isinstance(call, str) or CALL_SID.fullmatch(call) is None:
        return "bad call identifiers"
    if not isinstance(account, str) or ACCOUNT_SID.fullmatch(account) is None:
        return "bad call identifiers"
    if account_sid is not None and account != account_sid:
        return "another account"
    return None


@dataclass(slots=True)
class _Entry(Generic[A]):
    first: float
    answer: A


@dataclass(frozen=True, slots=True)
class Seen(Generic[A]):
    """What :meth:`WebhookReplayGuard.check` found.

    ``verdict`` is ``"new"`` (act on it, then :meth:`~WebhookReplayGuard.remember`
    the answer), ``"repeat"`` (inside the window: answer ``answer`` again, do
    nothing else) or ``"replayed"`` (after the window: refuse).
    """

    verdict: Literal["new", "repeat", "replayed"]
    answer: A | None = None


class WebhookReplayGuard(Generic[A]):
    """Signed requests seen by one process and their answers.

    ``window_s``: how long a repeat gets the first answer (Twilio's retries
    come within seconds). ``remember_s``: how long a repeat is recognised at
    all (refused after the window). ``max_entries``: the memory bound; the
    oldest entries go first, and a request forgotten that way is new again.
    ``now`` must not go backwards (a monotonic clock).
    """

    def __init__(
        self, window_s: float = 300.0, remember_s: float = 86400.0, max_entries: int = 50_000
    ) -> None:
        if not 0 < window_s <= remember_s or max_entries < 1:
            raise ValueError("need 0 < window_s <= remember_s and max_entries >= 1")
        self.window_s = window_s
        self.remember_s = remember_s
        self.max_entries = max_entries
        self._seen: OrderedDict[bytes, _Entry[A]] = OrderedDict()

    @staticmethod
    def key(path: str, form: Mapping[str, str], signature: str | None) -> bytes:
        """The identity of a signed request: a hash of path, signature and sorted form.

        Unambiguous (lengths are part of the hashed text), so no two
        different requests share a key.
        """
        h = hashlib.sha256()
        for part in (path, signature or "", *(x for kv in sorted(form.items()) for x in kv)):
            data = str(part).encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)
        return h.digest()

    def check(self, key: bytes, now: float) -> Seen[A]:
        """Whether ``key`` was seen, and what to do (O(1) amortized)."""
        self._expire(now)
        entry = self._seen.get(key)
        if entry is None:
            return Seen("new")
        if now - entry.first <= self.window_s:
            return Seen("repeat", entry.answer)
        return Seen("replayed")

    def remember(self, key: bytes, answer: A, now: float) -> None:
        """Record ``answer`` for ``key`` (first seen ``now``, or kept if seen before)."""
        entry = self._seen.get(key)
        if entry is not None:
            entry.answer = answer
            return
        self._seen[key] = _Entry(now, answer)
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)

    def forget(self, key: bytes) -> None:
        """Drop ``key`` (its first attempt failed: a retry may try again)."""
        self._seen.pop(key, None)

    def __len__(self) -> int:
        return len(self._seen)

    def _expire(self, now: float) -> None:
        seen = self._seen
        while seen:
            oldest = next(iter(seen.values()))
            if now - oldest.first <= self.remember_s:
                break
            seen.popitem(last=False)
