"""The Twilio control client: recording pause/resume, call redirect, recording deletion.

Built on the real ``twilio`` library and its ``AsyncTwilioHttpClient``. Two
promises a security reviewer can check:

- **Least privilege.** The client is built from a scope manifest (which
  operations this deployment may perform) and refuses everything else with
  :class:`ScopeError` before any request leaves the process.
- **Rotatable credentials.** Credentials come from a callable read on every
  request (an API key and secret, preferably), so a rotated secret is picked
  up without a restart and without dropping live calls.

Retries: 429 and 5xx answers, timeouts and connection errors are retried with
jittered exponential backoff until a deadline; other errors are final. Every
outcome is returned as a :class:`ControlOutcome` (never raised), for the
session to confirm or fail closed. Errors never carry the request body or
credentials.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import ClientSession
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

__all__ = ["SCOPES", "ControlOutcome", "ScopeError", "TwilioControl"]

SCOPES = frozenset({"recording:pause", "recording:resume", "recording:delete", "call:redirect"})
_API = "https://api.twilio.com"


def _load_api(account_sid: str) -> None:
    """Import, now, what the twilio library imports on a request's first use.

    The library resolves ``client.calls(...).recordings(...)`` through lazy
    imports: about a hundred modules, 40-60 ms of module code on the first
    request. On the event loop that stalls every call's media at the moment
    one call needs its recording paused, so it happens when the control
    client is built instead (a server's start). Nothing is sent.
    """
    import twilio.base.deserialize  # noqa: F401  (what a response's parsing imports)
    from twilio.rest.api.v2010.account.call.recording import RecordingInstance  # noqa: F401
    from twilio.rest.api.v2010.account.recording import RecordingContext  # noqa: F401

    c = Client(username=account_sid, password=account_sid, account_sid=account_sid)
    c.calls("CA" + "0" * 32).recordings("Twilio.CURRENT")
    c.recordings("RE" + "0" * 32)


class ScopeError(PermissionError):
    """An operation outside the scopes this deployment was granted."""


@dataclass(frozen=True, slots=True)
class ControlOutcome:
    """``ok``; on failure ``reason`` says why (a status code or error class, no content)."""

    operation: str
    ok: bool
    attempts: int
    reason: str = ""


class _RoutedClient(AsyncTwilioHttpClient):
    """Sends Twilio API requests to ``base_url`` (a local stand-in in tests)."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        # no pooled session: each control request closes its own connection
        # (they are rare), so nothing is left open between calls or at exit
        super().__init__(pool_connections=False, timeout=timeout)
        self._base = base_url.rstrip("/") if base_url else None

    async def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if self._base and url.startswith(_API):
            url = self._base + url[len(_API) :]
        # Our own session per request, closed even when the request is cut
        # short by the deadline (the library's temporary one is not).
        self.session = ClientSession()
        try:
            return await super().request(method, url, *args, **kwargs)
        finally:
            session, self.session = self.session, None
            await session.close()


class TwilioControl:
    """Call control for one deployment (shared by all its calls)."""

    def __init__(
        self,
        account_sid: str,
        credentials: Callable[[], tuple[str, str]],
        scopes: frozenset[str] | set[str],
        *,
        base_url: str | None = None,
        timeout_s: float = 2.0,
        deadline_s: float = 4.0,
        backoff_s: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        unknown = set(scopes) - SCOPES
        if unknown:
            raise ScopeError(f"unknown scopes; the known ones are {', '.join(sorted(SCOPES))}")
        self.account_sid = account_sid
        self.scopes = frozenset(scopes)
        _load_api(account_sid)
        self._credentials = credentials
        self._base = base_url
        self._timeout = timeout_s
        self._deadline = deadline_s
        self._backoff = backoff_s
        self._rng = rng or random.Random()

    def _client(self) -> Client:
        user, secret = self._credentials()  # read per request: rotation without restart
        return Client(
            username=user,
            password=secret,
            account_sid=self.account_sid,
            http_client=_RoutedClient(self._base, self._timeout),
        )

    def _require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ScopeError(f"this deployment was not granted {scope}; add it to the scopes")

    async def pause_recording(
        self, call_sid: str, recording_sid: str = "Twilio.CURRENT", *, behavior: str = "silence"
    ) -> ControlOutcome:
        """Pause the call's recording; ``behavior`` ``silence`` keeps its length auditable."""
        self._require("recording:pause")
        if behavior not in ("silence", "skip"):
            raise ValueError("pause behavior must be 'silence' or 'skip'")
        return await self._retry(
            "recording:pause",
            lambda c: (
                c.calls(call_sid)
                .recordings(recording_sid)
                .update_async(status="paused", pause_behavior=behavior)
            ),
        )

    async def resume_recording(
        self, call_sid: str, recording_sid: str = "Twilio.CURRENT"
    ) -> ControlOutcome:
        self._require("recording:resume")
        return await self._retry(
            "recording:resume",
            lambda c: (
                c.calls(call_sid).recordings(recording_sid).update_async(status="in-progress")
            ),
        )

    async def redirect(self, call_sid: str, twiml: str) -> ControlOutcome:
        """Replace the live call's TwiML (to ``<Pay>``, a ``<Dial>``, or back to the bot)."""
        self._require("call:redirect")
        return await self._retry(
            "call:redirect", lambda c: c.calls(call_sid).update_async(twiml=twiml)
        )

    async def delete_recording(self, recording_sid: str) -> ControlOutcome:
        self._require("recording:delete")
        return await self._retry(
            "recording:delete", lambda c: c.recordings(recording_sid).delete_async()
        )

    async def _retry(self, op: str, call) -> ControlOutcome:
        loop = asyncio.get_running_loop()
        end = loop.time() + self._deadline
        attempt = 0
        reason = ""
        while True:
            attempt += 1
            remaining = end - loop.time()
            if remaining <= 0:
                return ControlOutcome(op, False, attempt - 1, reason or "deadline")
            try:
                await asyncio.wait_for(call(self._client()), timeout=min(self._timeout, remaining))
                return ControlOutcome(op, True, attempt)
            except TwilioRestException as exc:
                reason = f"http {exc.status}"
                if exc.status != 429 and exc.status < 500:
                    return ControlOutcome(op, False, attempt, reason)
            except TimeoutError:
                reason = "timeout"
            except (OSError, asyncio.CancelledError) as exc:
                if isinstance(exc, asyncio.CancelledError):
                    raise
                reason = type(exc).__name__
            except Exception as exc:
                reason = type(exc).__name__
            delay = self._backoff * (2 ** (attempt - 1)) * (0.5 + self._rng.random())
            if loop.time() + delay >= end:
                return ControlOutcome(op, False, attempt, reason)
            await asyncio.sleep(delay)
