"""Resume tokens: how a caller who left for a secure path or a human comes back.

When the guardrail sends a caller away it issues a token, keyed on the
CallSid (the streamSid changes when the caller comes back on a new stream).
The return webhook puts it in ``<Connect><Stream><Parameter>``; the new
stream's ``start`` message carries it back, and redeeming it joins the new
stream to the call's session. A token is single-use, expires, and only
works for the call it was issued for; a call has at most one token out.
Time is an argument; nothing here sleeps or reads a clock.

This is the in-memory store of one process. With a ``[store] url`` the
server keeps tokens in the shared store instead
(:class:`guardrail.call_state.CallStateStore`: the same contract, only a
hash of each token stored, redeemed once over all servers).

Every operation is O(1) amortized (expired tokens are dropped lazily, oldest
first, on each call) and memory is bounded by ``max_tokens``: a server
takes returns from untrusted-but-signed requests, so neither the count of
requests nor their rate may grow what it holds.
"""

from __future__ import annotations

import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["ResumeTokens"]


@dataclass(slots=True)
class _Issued:
    call_sid: str
    expires: float


class ResumeTokens:
    """Issued resume tokens of one server process (``ttl_s`` seconds each).

    ``now`` must not go backwards (a monotonic clock): tokens expire in the
    order they were issued, which is what makes expiry O(1).
    """

    def __init__(self, ttl_s: float = 3600.0, max_tokens: int = 100_000) -> None:
        if ttl_s <= 0 or max_tokens < 1:
            raise ValueError("need ttl_s > 0 and max_tokens >= 1")
        self.ttl_s = ttl_s
        self.max_tokens = max_tokens
        self._tokens: OrderedDict[str, _Issued] = OrderedDict()  # oldest first
        self._by_call: dict[str, str] = {}

    def issue(self, call_sid: str, now: float) -> str:
        """A new token for ``call_sid``; the call's earlier one stops working."""
        self.expire(now)
        self.revoke(call_sid)
        token = secrets.token_urlsafe(24)
        self._tokens[token] = _Issued(call_sid, now + self.ttl_s)
        self._by_call[call_sid] = token
        while len(self._tokens) > self.max_tokens:
            self._drop(*self._tokens.popitem(last=False))
        return token

    def redeem(self, token: str, call_sid: str, now: float) -> bool:
        """Use ``token`` for ``call_sid``: true once, for the right call, before expiry.

        Any attempt uses the token up, a failed one too (a token shown for
        the wrong call has leaked).
        """
        self.expire(now)
        issued = self._tokens.pop(token, None) if isinstance(token, str) else None
        if issued is None:
            return False
        self._drop(token, issued)
        return hmac.compare_digest(issued.call_sid, call_sid) and now < issued.expires

    def revoke(self, call_sid: str) -> None:
        """The call's token, if any, stops working (the call ended, or a new one is out)."""
        token = self._by_call.pop(call_sid, None)
        if token is not None:
            self._tokens.pop(token, None)

    def expire(self, now: float) -> int:
        """Forget expired tokens; return how many (O(expired))."""
        n = 0
        while self._tokens:
            token, issued = next(iter(self._tokens.items()))
            if issued.expires > now:
                break
            self._tokens.popitem(last=False)
            self._drop(token, issued)
            n += 1
        return n

    def __len__(self) -> int:
        return len(self._tokens)

    def _drop(self, token: str, issued: _Issued) -> None:
        if self._by_call.get(issued.call_sid) == token:
            del self._by_call[issued.call_sid]
