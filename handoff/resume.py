"""Resume tokens: how a caller who left for a secure path or a human comes back.

When the guardrail sends a caller away it issues a token, keyed on the
CallSid (the streamSid changes when the caller comes back on a new stream).
The return webhook puts it in ``<Connect><Stream><Parameter>``; the new
stream's ``start`` message carries it back, and redeeming it joins the new
stream to the call's session. A token is single-use, expires, and only
works for the call it was issued for. Time is an argument; nothing here
sleeps or reads a clock.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

__all__ = ["ResumeTokens"]


@dataclass(slots=True)
class _Issued:
    call_sid: str
    expires: float


class ResumeTokens:
    """Issued resume tokens of one server process (``ttl_s`` seconds each)."""

    def __init__(self, ttl_s: float = 3600.0) -> None:
        self.ttl_s = ttl_s
        self._tokens: dict[str, _Issued] = {}

    def issue(self, call_sid: str, now: float) -> str:
        """A new token for ``call_sid``; earlier ones for that call stop working."""
        self._tokens = {t: i for t, i in self._tokens.items() if i.call_sid != call_sid}
        token = secrets.token_urlsafe(24)
        self._tokens[token] = _Issued(call_sid, now + self.ttl_s)
        return token

    def redeem(self, token: str, call_sid: str, now: float) -> bool:
        """Use ``token`` for ``call_sid``: true once, for the right call, before expiry."""
        issued = self._tokens.pop(token, None) if isinstance(token, str) else None
        if issued is None:
            return False
        return hmac.compare_digest(issued.call_sid, call_sid) and now < issued.expires

    def expire(self, now: float) -> int:
        """Forget expired tokens; return how many."""
        before = len(self._tokens)
        self._tokens = {t: i for t, i in self._tokens.items() if i.expires > now}
        return before - len(self._tokens)
