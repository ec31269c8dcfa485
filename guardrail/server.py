"""``guardrail serve``: the Twilio webhooks, signature-checked, and proxy mode.

Paths (DESIGN.md): ``POST /twilio/voice`` answers the incoming call with
``<Connect><Stream>`` to this server; ``WS /twilio/media`` is the media
stream, relayed to the bot at ``[bot] url`` (:mod:`guardrail.proxy`);
``POST /twilio/return`` is where a secure path or a human leg sends the
caller back (the next fallback leg, or ``<Connect><Stream>`` with a
single-use resume token keyed on the CallSid, which joins the returning
stream to the call's bot connection); ``POST /twilio/status`` takes status
callbacks (the recording SID to pause, the call's end); ``GET /healthz``;
``GET /metrics`` (Prometheus).

Every ``/twilio/*`` request, the websocket upgrade included, without a valid
``X-Twilio-Signature`` gets 403 before anything else happens, and the log
says which check failed (never a secret). The URL checked is the one Twilio
signed: ``[server] public_url`` and the request's path, never the Host
header the client chose. Only a server listening on loopback (tests) with
no ``public_url`` uses the Host it was reached on.

A signed webhook must also name a call of this account (``CallSid`` ``CA`` +
32 hex, ``AccountSid`` ``AC`` + 32 hex equal to ``[twilio] account_sid``
when configured), else 403. A repeat of a signed webhook has no new effect
(:mod:`handoff.replay_guard`): inside the retry window (Twilio's own
retries) it gets the first answer again -- the same resume token, no second
redirect or result fed to the session, no second end of the call -- and
after it 403 ``replayed``.

Calls are keyed by CallSid; each has its own session, executor and
controller, and all share one scoped :class:`~handoff.control.TwilioControl`.
On SIGTERM (:func:`run`) the server stops taking new calls (503), lets live
ones finish for up to ``[server] drain_timeout_s``, ends the rest and exits.

With a ``[store] url`` (``sqlite:///`` or ``postgresql://``), what a
return needs lives in the store (:mod:`guardrail.call_state`), so several
servers can share the calls: the server that sends a caller away writes the
session's snapshot and the controller's state there (when the stream stops
and as the handoff moves on); ``/twilio/return`` on any server works out
the outcome (from the store when it does not hold the call), keeps it there
and issues the resume token there (only its hash is stored); the new stream
on any server redeems the token in the store (once over all servers) and
either joins this server's bot connection, or restores the session and
opens a new bot connection (``connected``, then ``start`` of the same
CallSid with the ``guardrail_resumed`` parameter, then the outcome notice)
and claims the call. Each server renews its calls' leases every
:data:`LEASE_CHECK_S`; one that finds another holds a call lets its bot
connection go (1001, ``call_moved``) without ending the call. Status
callbacks are recorded in the store by whichever server takes them; the
call's end is acted on by the server holding the call (its next lease check
if the callback went elsewhere), and its exposures are remediated once over
all servers. Webhook replay keys are kept there too: a webhook one server
took is refused (403 ``replayed``) by every other, even inside the retry
window (its first answer, a resume token among them, lives only in the
server that gave it). Draining, a server leaves calls whose caller is away
in the store for the server the caller returns to; a call that ends while
no server holds it (its server drained, or died and its lease ran out) is
remediated by the first server whose lease check claims it. Store calls are short
and synchronous and run off the event loop (``asyncio.to_thread``).
Without a store URL, all of it stays in this process's memory, as before.

This module is an adapter: it checks, routes by CallSid and answers.
Decisions are the session's and the policy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from aiohttp import web

from handoff.control import TwilioControl
from handoff.controller import CALL_OVER, CallController
from handoff.replay_guard import CALL_SID, WebhookReplayGuard, identifiers_refusal
from handoff.resume import ResumeTokens
from handoff.routes import KeypadRoute
from handoff.signatures import public_url, signature_ok
from handoff.sink import sink_for
from handoff.twiml import back_to_bot, hang_up

from .audit import AuditStore, BufferedAudit, audit_config_load
from .call_state import CallRecord, CallStateError, CallStateStore, supports
from .config import Config, ConfigError, is_loopback_host
from .events import Alert, Audit, CallEnded, ForwardText, HandoffResult
from .executor import Control, Executor, NoControl
from .logs import AccessLog, configure_logging, forbidden, startup_line
from .media_stream import StreamProtocolError
from .metrics import Metrics
from .proxy import (
    CLOSE_BOT_FAILED,
    CLOSE_GOING_AWAY,
    CLOSE_REFUSED,
    CLOSE_TRY_AGAIN,
    MAX_WS_MESSAGE,
    BotUnavailable,
    ProxyCall,
    StreamStart,
    read_start,
)
from .recording import LocalRecording
from .secrets import SecretError
from .session import Session, SessionConfig
from .transcripts import TranscriptStore

__all__ = ["STATE", "make_app", "run", "serve"]

log = logging.getLogger("guardrail.server")
audit_log = logging.getLogger("guardrail.audit")

_MAX_BODY = 64 * 1024
_DISPOSAL_TIMEOUT_S = 10.0
_STORE_CHECK_S = 0.1
"""How often a call's health check looks at every call's writer (the store is shared)."""
_TRAIL_CLOSE_S = 5.0
"""How long a call's audit writer may take to drain when the call is over."""
LEASE_S = 30.0
"""How long a server's hold on a call's bot connection lasts without a heartbeat."""
LEASE_CHECK_S = 1.0
"""How often a server renews its calls' leases and reads what other servers wrote."""
_PURGE_EVERY = 60
"""Lease checks between two purges of expired call state."""
STATE: web.AppKey = web.AppKey("guardrail", object)

_Answer = tuple[int, bytes | None, str | None]
"""A webhook's answer as remembered for its repeats: status, body, content type."""


def make_app(
    config: Config,
    *,
    clock: Callable[[], float] = time.monotonic,
    metrics: Metrics | None = None,
    twilio: TwilioControl | None = None,
    wall: Callable[[], float] = time.time,
    lease_check_s: float = LEASE_CHECK_S,
) -> web.Application:
    """The aiohttp application for ``config`` (its shutdown ends every live call).

    ``twilio`` replaces the scoped Twilio client built from the config (tests
    that need other timings); ``metrics`` the registry ``/metrics`` shows.
    ``wall`` is the clock of the shared call state (wall time: other servers
    read it), ``lease_check_s`` how often this server renews its calls'
    leases there (with a ``[store] url``, :mod:`guardrail.call_state`).
    """
    state = _State(config, clock, metrics or Metrics(), wall, lease_check_s)
    if twilio is not None:
        state.use_twilio(twilio)
    app = web.Application(client_max_size=_MAX_BODY)
    app[STATE] = state
    app.router.add_post("/twilio/voice", state.voice)
    app.router.add_post("/twilio/return", state.back)
    app.router.add_post("/twilio/status", state.status)
    app.router.add_get("/twilio/media", state.media)
    app.router.add_get("/healthz", state.healthz)
    app.router.add_get("/metrics", state.metrics_page)
    app.on_startup.append(state.on_startup)
    app.on_shutdown.append(state.on_shutdown)
    return app


class _State:
    def __init__(
        self,
        config: Config,
        clock: Callable[[], float],
        metrics: Metrics,
        wall: Callable[[], float] = time.time,
        lease_check_s: float = LEASE_CHECK_S,
    ) -> None:
        self.config = config
        self.clock = clock
        self.wall = wall
        self.metrics = metrics
        self.instance = secrets.token_hex(8)
        """This process among the servers sharing the store (owner of its calls)."""
        self.lease_check_s = lease_check_s
        self._lease_task: asyncio.Task | None = None
        self._claimed: set[str] = set()  # CallSids this server has claimed in the store
        self._save_lock = asyncio.Lock()
        self.tokens = ResumeTokens()
        self.replays: WebhookReplayGuard[asyncio.Future[_Answer]] = WebhookReplayGuard()
        self.recordings: dict[str, str] = {}
        self.calls: dict[str, ProxyCall] = {}
        self.draining = False
        self._returning: set[str] = set()  # CallSids with a resume token out
        self._idle = asyncio.Event()
        self._idle.set()
        self._background: set[asyncio.Task] = set()
        self._twilio: TwilioControl | None = None
        self._twilio_built = False
        keypad = next((r for r in config.routes.values() if isinstance(r, KeypadRoute)), None)
        self._keypad = keypad
        self._route_kinds = {name: r.kind for name, r in config.routes.items()} or None
        # [store] url: the audit trail every call appends to (guardrail.audit), beside
        # the JSON log lines; one chain per store, each call's entries stamped with it
        self.audit_store = AuditStore.open(config.store_url) if config.store_url else None
        # the same store holds the call state that must outlive this process
        # (resume tokens, snapshots, recording SIDs, replay keys): guardrail.call_state
        self.shared = CallStateStore.open(config.store_url) if supports(config.store_url) else None
        self._trails: dict[str, BufferedAudit] = {}
        self._store_ok = True
        self._store_checked = 0.0
        # [store] url also keeps each call's redacted transcript, for
        # [retention] transcripts_days (guardrail.transcripts; none with 0)
        self.transcripts = TranscriptStore.for_config(config)
        self.session_config = (
            SessionConfig(
                capture_digit_timeout_ms=keypad.digit_timeout_s * 1000.0,
                capture_max_digits=keypad.max_digits,
            )
            if keypad is not None
            else SessionConfig()
        )

    # -- signatures --------------------------------------------------------------

    def _signed_url(self, request: web.Request, *, websocket: bool) -> str | None:
        """The URL Twilio signed for ``request``; ``None`` if it cannot be known."""
        base = self.config.public_origin(websocket=websocket)
        if base is not None:
            return base + request.path_qs
        if not _on_loopback(request):
            return None  # behind TLS or a tunnel the Host says nothing Twilio signed
        return public_url(
            request.path_qs,
            request.headers,
            scheme=request.scheme,
            host=request.host,
            trust_forwarded=self.config.trust_forwarded,
            websocket=websocket,
        )

    def _refusal(
        self, request: web.Request, params: dict[str, str], *, websocket: bool = False
    ) -> str | None:
        """``None`` if Twilio signed this request, else which check failed."""
        if self.config.auth_token is None:
            return "no auth token configured"
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return "missing signature"
        try:
            token = self.config.auth_token.value()  # read per request: rotation-safe
        except SecretError:
            return "auth token unreadable"
        url = self._signed_url(request, websocket=websocket)
        if url is None:
            return "no public url configured"  # on a public listener
        return None if signature_ok(token, url, params, signature) else "bad signature"

    def _forbid(self, request: web.Request, reason: str) -> web.Response:
        forbidden(log, reason, path=request.path, remote=request.remote)
        self.metrics.forbidden(reason)
        return web.Response(status=403, text="forbidden\n")

    async def _verified_form(self, request: web.Request) -> dict[str, str] | web.Response:
        """The form fields if the signature is Twilio's, else the 403 answer."""
        try:
            form = await request.post()
        except (ValueError, web.HTTPException):
            return self._forbid(request, "bad form")
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        reason = self._refusal(request, params)
        return params if reason is None else self._forbid(request, reason)

    def _identifiers(self, form: dict[str, str]) -> str | None:
        """``None`` if ``form`` names a well-formed call of the configured account."""
        account: str | None = None
        if self.config.account_sid is not None:
            try:
                account = self.config.account_sid.value()  # read on use, as the token
            except SecretError:
                return "account sid unreadable"
        return identifiers_refusal(form, account)

    async def _once(
        self,
        request: web.Request,
        act: Callable[[dict[str, str]], Awaitable[web.Response]],
    ) -> web.StreamResponse:
        """Run webhook ``act`` for a signed request of this account, at most once.

        A repeat while the first is still running waits for its answer; a
        repeat inside the replay window gets that answer; one after it is
        refused (403 ``replayed``). An answer of 5xx or an exception is not
        remembered: Twilio's retry of it runs again.
        """
        form = await self._verified_form(request)
        if isinstance(form, web.Response):
            return form
        reason = self._identifiers(form)
        if reason is not None:
            return self._forbid(request, reason)
        key = self.replays.key(request.path, form, request.headers.get("X-Twilio-Signature"))
        now = self.clock()
        seen = self.replays.check(key, now)
        if seen.verdict == "replayed":
            return self._forbid(request, "replayed")
        if seen.verdict == "repeat" and seen.answer is not None:
            status, body, content_type = await asyncio.shield(seen.answer)
            return web.Response(status=status, body=body, content_type=content_type)
        answer: asyncio.Future[_Answer] = asyncio.get_running_loop().create_future()
        self.replays.remember(key, answer, now)
        try:
            if self.shared is not None and await self._seen_elsewhere(key):
                # another server (or this one, before a restart) took it: its answer
                # is that server's, so a repeat here is refused, whatever the window
                answer.set_result((403, b"forbidden\n", "text/plain"))
                return self._forbid(request, "replayed")
            response = await act(form)
        except BaseException:
            self.replays.forget(key)
            await self._forget_elsewhere(key)
            if not answer.done():
                answer.set_result((500, b"internal error\n", "text/plain"))
            raise
        if response.status >= 500:
            self.replays.forget(key)
            await self._forget_elsewhere(key)
        body = response.body if isinstance(response.body, bytes | None) else None
        answer.set_result((response.status, body, response.content_type if body else None))
        return response

    async def _seen_elsewhere(self, key: bytes) -> bool:
        """Whether the shared store already holds webhook ``key`` (remembers it if not)."""
        assert self.shared is not None
        first = await asyncio.to_thread(
            self.shared.seen_webhook, key, self.wall(), self.replays.remember_s
        )
        return first is not None

    async def _forget_elsewhere(self, key: bytes) -> None:
        if self.shared is not None:
            with contextlib.suppress(CallStateError):
                await asyncio.to_thread(self.shared.forget_webhook, key)

    def _url_for(self, request: web.Request, path: str, *, websocket: bool = False) -> str:
        """Where Twilio should go next on this server (``public_url`` if set)."""
        url = self._signed_url(request, websocket=websocket)
        assert url is not None, "only asked for signed requests"
        return url.split("/twilio/", 1)[0] + path

    # -- webhooks -------------------------------------------------------------------

    async def voice(self, request: web.Request) -> web.StreamResponse:
        return await self._once(request, lambda form: self._voice(request, form))

    async def back(self, request: web.Request) -> web.StreamResponse:
        return await self._once(request, lambda form: self._back(request, form))

    async def status(self, request: web.Request) -> web.StreamResponse:
        return await self._once(request, self._status)

    async def _voice(self, request: web.Request, form: dict[str, str]) -> web.Response:
        if self.draining:
            return web.Response(status=503, text="draining\n")
        stream = self._url_for(request, "/twilio/media", websocket=True)
        return _twiml(back_to_bot(stream, None))

    async def _back(self, request: web.Request, form: dict[str, str]) -> web.Response:
        call_sid = form.get("CallSid", "")
        call = self.calls.get(call_sid)
        if self.shared is not None:
            return await self._back_shared(request, form, call)
        if call is None or call.ended:
            return _twiml(hang_up())  # the call is over (the bot left, or it was ended)
        event = None
        if isinstance(call.control, CallController):
            next_leg, event = call.control.returned(form, call.stream_now())
            if next_leg is not None:
                return _twiml(next_leg)  # the next fallback target
        await call.returning(event)
        if call.ended:
            return _twiml(hang_up())
        token = self.tokens.issue(call_sid, self.clock())  # expires old ones on the way
        self._returning.add(call_sid)
        stream = self._url_for(request, "/twilio/media", websocket=True)
        return _twiml(back_to_bot(stream, token))

    async def _back_shared(
        self, request: web.Request, form: dict[str, str], call: ProxyCall | None
    ) -> web.Response:
        """The return webhook with shared call state: this server need not be the one
        that sent the caller away. The way back is a token in the store, which the
        new stream redeems on whichever server it reaches."""
        store = self.shared
        assert store is not None
        call_sid = form.get("CallSid", "")
        stream = self._url_for(request, "/twilio/media", websocket=True)
        if call is not None and not call.ended:  # this server holds the call: as ever
            event = None
            if isinstance(call.control, CallController):
                # the store is the truth: another server may have walked a fallback
                _refresh(call.control, await asyncio.to_thread(store.load, call_sid))
                next_leg, event = call.control.returned(form, call.stream_now())
                if next_leg is not None:
                    await self._save(call)
                    return _twiml(next_leg)
            await call.returning(event)
            if call.ended:
                return _twiml(hang_up())
            await self._save(call)
            outcome = _outcome(event, fed=True)
            await asyncio.to_thread(store.set_outcome, call_sid, outcome, self.wall())
            token = await asyncio.to_thread(store.issue_token, call_sid, self.wall())
            self._returning.add(call_sid)
            return _twiml(back_to_bot(stream, token))
        record = await asyncio.to_thread(store.load, call_sid)
        if record is None or record.ended or record.snapshot is None:
            return _twiml(hang_up())  # over, or never sent away through this store
        controller = self._controller(call_sid, request, record)
        event = None
        if controller is not None:
            t = float(record.snapshot.get("last_t", 0.0))
            next_leg, event = controller.returned(form, t)
            await asyncio.to_thread(
                store.save, call_sid, self.wall(), controller=controller.state()
            )
            if next_leg is not None:
                return _twiml(next_leg)
        if event is not None:
            await asyncio.to_thread(
                store.set_outcome, call_sid, _outcome(event, fed=False), self.wall()
            )
        token = await asyncio.to_thread(store.issue_token, call_sid, self.wall())
        return _twiml(back_to_bot(stream, token))

    async def _status(self, form: dict[str, str]) -> web.Response:
        call_sid, rec = form.get("CallSid", ""), form.get("RecordingSid", "")
        call = self.calls.get(call_sid)
        if self.shared is not None:
            return await self._status_shared(form, call)
        if call_sid and rec.startswith("RE"):
            self.recordings[call_sid] = rec[:64]
            if call is not None and isinstance(call.control, CallController):
                call.control.recording_sid = rec[:64]
        status = form.get("CallStatus", "")
        if call is not None and status in CALL_OVER:
            self._spawn(call.end(f"call_{status}"))
        return web.Response(status=204)

    async def _status_shared(self, form: dict[str, str], call: ProxyCall | None) -> web.Response:
        """A status callback with shared call state: recorded in the store (any server);
        the call's end is acted on by the server that holds the call."""
        store = self.shared
        assert store is not None
        call_sid, rec = form.get("CallSid", ""), form.get("RecordingSid", "")
        if rec.startswith("RE"):
            await asyncio.to_thread(store.record_recording, call_sid, rec[:64], self.wall())
            if call is not None and isinstance(call.control, CallController):
                call.control.recording_sid = rec[:64]
        status = form.get("CallStatus", "")
        if status in CALL_OVER:
            await asyncio.to_thread(store.record_end, call_sid, status, self.wall())
            if call is not None:
                self._spawn(self._end_shared(call, f"call_{status}"))
            # else the server holding it learns it on its next lease check
        return web.Response(status=204)

    async def _end_shared(self, call: ProxyCall, reason: str) -> None:
        """End ``call`` here only if this server still holds it, and only once over all
        servers (the post-call remediation of its exposures with it); else let it go."""
        store = self.shared
        assert store is not None
        try:
            mine = await asyncio.to_thread(
                store.heartbeat, call.call_sid, self.instance, self.wall(), LEASE_S
            )
            won = mine and await asyncio.to_thread(
                store.claim_remediation, call.call_sid, self.instance, self.wall()
            )
        except CallStateError as exc:
            log.error("call state store failed", extra={"fields": {"error": str(exc)}})
            won = True  # the store is down: end it here rather than leave it running
        if won:
            await call.end(reason)
        else:
            await call.release("call_moved")

    async def healthz(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="draining\n" if self.draining else "ok\n")

    async def metrics_page(self, request: web.Request) -> web.StreamResponse:
        body, content_type = self.metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    # -- the media stream --------------------------------------------------------------

    async def media(self, request: web.Request) -> web.StreamResponse:
        reason = self._refusal(request, {}, websocket=True)
        if reason is not None:
            return self._forbid(request, reason)
        if self.config.bot_url is None:
            log.error("media stream refused: proxy mode needs [bot] url in the config")
            return web.Response(status=503, text="no bot configured\n")
        if self.draining and not self._returning:
            return web.Response(status=503, text="draining\n")
        ws = web.WebSocketResponse(max_msg_size=MAX_WS_MESSAGE)
        await ws.prepare(request)
        try:
            await self._stream(ws, request)
        except Exception:  # a bug must not take the process, or another call, with it
            log.exception("media stream failed")
            await ws.close(code=CLOSE_BOT_FAILED, message=b"internal error")
        finally:
            if not ws.closed:
                await ws.close()
        return ws

    async def _stream(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        def bad(exc: StreamProtocolError) -> None:
            self.metrics.protocol_error("twilio")
            self._audit("", Audit("protocol_error", "twilio", 0.0), str(exc))

        first = await read_start(ws, bad)
        if first is None:
            return
        if first.resume_token is not None:
            if self.shared is not None:
                await self._rejoin_shared(first, request)
            else:
                await self._rejoin(first)
            return
        call_sid = first.call_sid
        if not call_sid or call_sid in self.calls:
            self._audit(call_sid, Audit("stream", "refused_call_already_live", 0.0), None)
            await ws.close(code=CLOSE_REFUSED, message=b"call already connected")
            return
        if self.draining:
            await ws.close(code=CLOSE_TRY_AGAIN, message=b"server draining")
            return
        call = self._new_call(call_sid, request)
        self.calls[call_sid] = call  # before any await: one call per CallSid
        self._idle.clear()
        if self.shared is not None:
            await asyncio.to_thread(
                self.shared.claim, call_sid, self.instance, self.wall(), LEASE_S
            )
            self._claimed.add(call_sid)
            record = await asyncio.to_thread(self.shared.load, call_sid)
            if record and record.recording_sid and isinstance(call.control, CallController):
                call.control.recording_sid = record.recording_sid  # reported to any server
        try:
            await call.open_bot(self.config.bot_url or "")
        except BotUnavailable as exc:
            self._audit(call_sid, Audit("bot_connect", "failed", 0.0), str(exc))
            await ws.close(code=CLOSE_BOT_FAILED, message=b"bot unavailable")
            return
        finally:
            if call.bot is None:
                self._forget(call)
        try:
            leg = await call.start(first)
        except Exception:
            await call.end(
                "internal_error", bot_code=CLOSE_BOT_FAILED, twilio_code=CLOSE_BOT_FAILED
            )
            raise
        await call.relay(leg)

    async def _rejoin(self, again: StreamStart) -> None:
        call_sid = again.call_sid
        call = self.calls.get(call_sid)
        ok = self.tokens.redeem(again.resume_token or "", call_sid, self.clock())
        if not ok or call is None or call.ended or call.leg is not None:
            # PII-free: neither the token nor why it did not match
            self._audit(call_sid, Audit("resume", "refused", 0.0), None)
            await again.ws.close(code=CLOSE_REFUSED, message=b"resume refused")
            return
        self._returning.discard(call_sid)
        leg = await call.join(again)
        await call.relay(leg)

    async def _rejoin_shared(self, again: StreamStart, request: web.Request) -> None:
        """A returning stream with shared call state: the token is redeemed in the
        store (once over all servers); joined to this server's bot connection if it
        holds the call, else the call is taken on here (:meth:`_take_over`)."""
        store = self.shared
        assert store is not None
        call_sid = again.call_sid
        ok = await asyncio.to_thread(
            store.redeem_token, again.resume_token or "", call_sid, self.wall()
        )
        call = self.calls.get(call_sid)
        if not ok or (call is not None and (call.ended or call.leg is not None)):
            self._audit(call_sid, Audit("resume", "refused", 0.0), None)
            await again.ws.close(code=CLOSE_REFUSED, message=b"resume refused")
            return
        self._returning.discard(call_sid)
        if call is None:
            await self._take_over(again, request)
            return
        outcome = await asyncio.to_thread(store.take_outcome, call_sid)
        event = _event(outcome, call.stream_now())
        if event is not None and not outcome.get("fed"):  # another server took the return
            if isinstance(call.control, CallController):
                _refresh(call.control, await asyncio.to_thread(store.load, call_sid))
            await call.returning(event)
        leg = await call.join(again)
        await call.relay(leg)

    async def _take_over(self, again: StreamStart, request: web.Request) -> None:
        """Go on with a call another server sent away: the session from its snapshot,
        a new bot connection (``connected``, ``start`` of the same CallSid with
        ``guardrail_resumed``, then the return's outcome), and this server holds
        the call from now on (the old holder lets its bot connection go)."""
        store = self.shared
        assert store is not None
        call_sid = again.call_sid
        record = await asyncio.to_thread(store.load, call_sid)
        session = None
        if record is not None and record.snapshot is not None and record.ended is None:
            try:
                session = Session.restore(
                    self.session_config, record.snapshot, policy=self.config.policy
                )
            except ValueError as exc:
                self._audit(call_sid, Audit("resume", "bad_snapshot", 0.0), str(exc))
        if session is None or record is None or self.draining or call_sid in self.calls:
            self._audit(call_sid, Audit("resume", "refused", 0.0), None)
            await again.ws.close(code=CLOSE_REFUSED, message=b"resume refused")
            return
        call = self._new_call(call_sid, request, session=session, record=record)
        self.calls[call_sid] = call
        self._idle.clear()
        try:
            await call.open_bot(self.config.bot_url or "")
        except BotUnavailable as exc:
            self._audit(call_sid, Audit("bot_connect", "failed", 0.0), str(exc))
            await again.ws.close(code=CLOSE_BOT_FAILED, message=b"bot unavailable")
            return
        finally:
            if call.bot is None:
                call.released = True  # never held here: nothing to end
                self._forget(call)
        # the old holder lets go only once this one has a bot connection to go on with
        await asyncio.to_thread(store.claim, call_sid, self.instance, self.wall(), LEASE_S)
        self._claimed.add(call_sid)
        params = json.loads(again.start)["start"].get("customParameters") or {}
        params = {k: v for k, v in params.items() if k != "guardrail_resume"}
        params["guardrail_resumed"] = "true"
        self._audit(call_sid, Audit("resume", "taken_over", session.now), None)
        try:
            leg = await call.resume(again, params)
            outcome = await asyncio.to_thread(store.take_outcome, call_sid)
            event = _event(outcome, session.now)
            if event is not None and outcome.get("fed"):
                await call.tell_bot(event.summary)  # the session heard it on the other server
            elif event is not None:
                await call.feed(event)
        except Exception:
            await call.end(
                "internal_error", bot_code=CLOSE_BOT_FAILED, twilio_code=CLOSE_BOT_FAILED
            )
            raise
        await call.relay(leg)

    def _new_call(
        self,
        call_sid: str,
        request: web.Request,
        *,
        session: Session | None = None,
        record: CallRecord | None = None,
    ) -> ProxyCall:
        if session is None:
            session = Session(
                self.config.policy, routes=self._route_kinds, config=self.session_config
            )
        control: Control = self._controller(call_sid, request, record) or NoControl()
        return ProxyCall(
            call_sid,
            session,
            control=control,
            sink=sink_for(self._keypad) if self._keypad is not None else None,
            metrics=self.metrics,
            audit=self._audit,
            on_end=self._forget_later,
            on_away=self._away if self.shared is not None else None,
            audit_health=lambda: self._audit_healthy(call_sid),
            transcript=self._keep_transcript if self.transcripts is not None else None,
            recording=self._local_recording(call_sid),
        )

    def _local_recording(self, call_sid: str) -> LocalRecording | None:
        """With ``[retention] recordings_dir``: the caller's track of this call (or of
        this server's part of it), protected as the session says, in that folder."""
        folder = self.config.retention.recordings_dir
        if folder is None or not CALL_SID.fullmatch(call_sid):
            return None
        root = Path(folder)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = root / f"{call_sid}.wav"
        k = 1
        while path.exists():  # the caller came back to this server: a second part
            k += 1
            path = root / f"{call_sid}.{k}.wav"
        return LocalRecording(path)

    def _audit_healthy(self, call_sid: str) -> bool:
        """Whether the call's audit trail is keeping up (no store: nothing to fail).

        The store is shared: if any call's writer finds it failing or stuck, every
        call on this server takes the trail as down (checked at most every
        :data:`_STORE_CHECK_S`, so the cost does not grow with calls squared)."""
        trail = self._trails.get(call_sid)
        if trail is not None and not trail.healthy:
            return False
        now = time.monotonic()
        if now - self._store_checked >= _STORE_CHECK_S:
            self._store_checked = now
            self._store_ok = not any(t.store_trouble for t in self._trails.values())
        return self._store_ok

    def _keep_transcript(self, call_sid: str, action: ForwardText) -> None:
        """A final redacted utterance to the transcript store (off the event loop)."""
        store = self.transcripts
        if store is not None:
            self._spawn(asyncio.to_thread(store.record, call_sid, action))

    def _controller(
        self, call_sid: str, request: web.Request | None, record: CallRecord | None = None
    ) -> CallController | None:
        """The call's link to Twilio (``None``: no credentials), going on from ``record``
        (``request`` ``None``: a call nobody will return to, only disposed of)."""
        twilio = self._control()
        if twilio is None:
            return None
        controller = CallController(
            twilio,
            dict(self.config.routes),
            call_sid=call_sid,
            return_url=self._url_for(request, "/twilio/return") if request is not None else "",
            pause_behavior=self.config.pause_behavior,
        )
        _refresh(controller, record)
        controller.recording_sid = self.recordings.get(call_sid, controller.recording_sid)
        return controller

    async def _save(self, call: ProxyCall) -> None:
        """Write ``call``'s session snapshot and controller state to the store."""
        if self.shared is None or call.released:
            return
        async with self._save_lock:  # in order: a later snapshot is never overwritten
            if call.released:
                return
            ctl = call.control.state() if isinstance(call.control, CallController) else None
            await asyncio.to_thread(
                self.shared.save,
                call.call_sid,
                self.wall(),
                snapshot=call.session.snapshot(),
                controller=ctl,
            )

    def _away(self, call: ProxyCall) -> None:
        """``on_away``: the caller left for a secure path or a human; what the return
        needs goes to the store now, so any server can take it."""
        self._spawn(self._save_quietly(call))

    async def _save_quietly(self, call: ProxyCall) -> None:
        try:
            await self._save(call)
        except CallStateError as exc:
            log.error("call state store failed", extra={"fields": {"error": str(exc)}})

    def use_twilio(self, twilio: TwilioControl) -> None:
        """Use ``twilio`` for every call's control from now on."""
        self._twilio, self._twilio_built = twilio, True

    def _control(self) -> TwilioControl | None:
        """The one scoped Twilio client of this server (``None``: no credentials)."""
        if not self._twilio_built:
            self._twilio_built = True
            try:
                self._twilio = self.config.twilio_control(self.session_config.confirm_timeout_ms)
            except SecretError:
                log.error("twilio.account_sid cannot be read: recording pauses and handoffs fail")
                self._twilio_built = False  # try again on the next call
                return None
            if self._twilio is None:
                log.warning("no Twilio credentials: recording pauses and handoffs fail closed")
        return self._twilio

    # -- the calls' ends --------------------------------------------------------------

    def _close_trail(self, call_sid: str) -> None:
        """Drain the call's audit writer and stop it, beside the event loop."""
        trail = self._trails.pop(call_sid, None)
        if trail is not None:
            self._spawn(asyncio.to_thread(trail.close, _TRAIL_CLOSE_S))

    def _forget(self, call: ProxyCall) -> None:
        self._close_trail(call.call_sid)
        if self.calls.get(call.call_sid) is call:
            del self.calls[call.call_sid]
            self.recordings.pop(call.call_sid, None)
            self.tokens.revoke(call.call_sid)
            self._claimed.discard(call.call_sid)
            if self.shared is not None and not call.released:
                self._spawn(self._ended_in_store(call.call_sid))
        self._returning.discard(call.call_sid)
        if not self.calls:
            self._idle.set()

    async def _ended_in_store(self, call_sid: str) -> None:
        """The call ended here: no server may take it on again."""
        assert self.shared is not None
        try:
            # the session's end here disposed of its exposures: no other server will
            # (claimed before the end is written, so it never looks like an orphan)
            await asyncio.to_thread(
                self.shared.claim_remediation, call_sid, self.instance, self.wall()
            )
            await asyncio.to_thread(self.shared.record_end, call_sid, "ended", self.wall())
            await asyncio.to_thread(self.shared.revoke_tokens, call_sid)
        except CallStateError as exc:
            log.error("call state store failed", extra={"fields": {"error": str(exc)}})

    # -- leases ---------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        if self.audit_store is not None:
            await asyncio.to_thread(audit_config_load, self.audit_store, self.config, "server")
        if self.shared is not None:
            self._lease_task = asyncio.get_running_loop().create_task(
                self._leases(), name="guardrail-call-leases"
            )

    async def _leases(self) -> None:
        """Every ``lease_check_s``: renew this server's calls; let go of one another
        server took on; end one whose end a status callback reported elsewhere;
        pick up recording SIDs reported elsewhere; now and then purge."""
        store = self.shared
        assert store is not None
        checks = 0
        while True:
            await asyncio.sleep(self.lease_check_s)
            checks += 1
            try:
                held = [
                    c for c in self.calls.values() if not c.ended and c.call_sid in self._claimed
                ]
                if held:
                    records = await asyncio.to_thread(
                        store.heartbeat_all,
                        [c.call_sid for c in held],
                        self.instance,
                        self.wall(),
                        LEASE_S,
                    )
                    for call in held:
                        await self._check_lease(call, records.get(call.call_sid))
                for call_sid in await asyncio.to_thread(store.orphans, self.wall()):
                    if call_sid not in self.calls:
                        await self._remediate_orphan(store, call_sid)
                if checks % _PURGE_EVERY == 0:
                    await asyncio.to_thread(store.purge, self.wall())
            except CallStateError as exc:
                log.error("call state store failed", extra={"fields": {"error": str(exc)}})

    async def _remediate_orphan(self, store: CallStateStore, call_sid: str) -> None:
        """A call that ended while no server held it (its server drained, or died with
        its lease): its session, restored, hears the end here, so its exposures are
        remediated (once over all servers: the claim decides)."""
        if not await asyncio.to_thread(
            store.claim_remediation, call_sid, self.instance, self.wall()
        ):
            return
        record = await asyncio.to_thread(store.load, call_sid)
        if record is None or record.snapshot is None:
            return
        try:
            session = Session.restore(
                self.session_config, record.snapshot, policy=self.config.policy
            )
        except ValueError as exc:
            self._audit(call_sid, Audit("remediation", "bad_snapshot", 0.0), str(exc))
            return
        control: Control = self._controller(call_sid, None, record) or NoControl()
        executor = Executor(
            session, control=control, audit=lambda entry: self._audit(call_sid, entry, None)
        )
        self._audit(call_sid, Audit("remediation", "orphan_claimed", session.now), None)
        executor.feed(CallEnded(session.now))
        await executor.aclose(_DISPOSAL_TIMEOUT_S)
        self._close_trail(call_sid)

    async def _check_lease(self, call: ProxyCall, record: CallRecord | None) -> None:
        """One held call after the lease check renewed it: let it go if another server
        holds it now (or its row is gone); else pick up what others recorded."""
        if record is None or record.owner != self.instance:
            await call.release("call_moved")
            return
        if record.recording_sid and isinstance(call.control, CallController):
            call.control.recording_sid = record.recording_sid
        if record.ended is not None and not call.ended:
            self._spawn(self._end_shared(call, f"call_{record.ended}"))

    def _forget_later(self, call: ProxyCall) -> None:
        """``on_end`` of a call: forgotten now; its post-call disposal finishes beside."""
        self._forget(call)
        self._spawn(call.executor.aclose(_DISPOSAL_TIMEOUT_S))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self, timeout_s: float) -> None:
        """Take no new calls; let live ones finish for up to ``timeout_s``; end the rest."""
        self.draining = True
        if self.shared is not None:
            await self._let_away_calls_go()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        await self.end_all("drain")

    async def _let_away_calls_go(self) -> None:
        """Draining with shared call state: a call whose caller is away (``<Pay>``, a
        human) is left in the store for whichever server the caller returns to,
        not ended here."""
        store = self.shared
        assert store is not None
        for call in list(self.calls.values()):
            away = call.leg is None and call.session.state == "handed_off"
            if call.ended or not away or call.call_sid not in self._claimed:
                continue
            try:
                await self._save(call)
                await asyncio.to_thread(store.release, call.call_sid, self.instance)
            except CallStateError as exc:
                log.error("call state store failed", extra={"fields": {"error": str(exc)}})
                continue  # not safely in the store: it stays here and drains as ever
            await call.release("draining")

    async def end_all(self, reason: str) -> None:
        """End every live call (going away) and wait for their post-call work."""
        for call in list(self.calls.values()):
            await call.end(reason, bot_code=CLOSE_GOING_AWAY, twilio_code=CLOSE_GOING_AWAY)
        if self._background:
            await asyncio.wait(set(self._background), timeout=_DISPOSAL_TIMEOUT_S)

    async def on_shutdown(self, app: web.Application) -> None:
        self.draining = True
        if self._lease_task is not None:
            self._lease_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lease_task
            self._lease_task = None
        await self.end_all("shutdown")
        for call_sid in list(self._trails):
            self._close_trail(call_sid)
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.audit_store is not None:
            self.audit_store.close()
        if self.transcripts is not None:
            self.transcripts.close()
        if self.shared is not None:
            self.shared.close()

    # -- audit ----------------------------------------------------------------------------

    def _audit(self, call_sid: str, entry: Audit | Alert, detail: str | None) -> None:
        """Audit entries and alerts: to the store's chain (``[store] url``) and as JSON
        log lines (never a value: they hold none)."""
        if self.audit_store is not None:
            trail = self._trails.get(call_sid)
            if trail is None:
                sid = call_sid if CALL_SID.fullmatch(call_sid) else None
                # a writer thread per call: the media path never waits on a commit
                trail = self._trails[call_sid] = BufferedAudit(
                    self.audit_store, actor="proxy", call_sid=sid, background=True
                )
            trail(entry)
        if type(entry) is Alert:
            audit_log.warning(
                "alert",
                extra={
                    "fields": {"call_sid": call_sid, "reason": entry.reason, "t_ms": entry.t_ms}
                },
            )
            return
        if not audit_log.isEnabledFor(logging.INFO):
            return
        fields: dict[str, object] = {
            "call_sid": call_sid,
            "event": entry.event,
            "outcome": entry.outcome,
            "t_ms": entry.t_ms,
        }
        if entry.category is not None:
            fields["category"] = entry.category
        if detail is not None:
            fields["error"] = detail
        audit_log.info("audit", extra={"fields": fields})


def _refresh(controller: CallController, record: CallRecord | None) -> None:
    """``controller`` goes on from what the store holds for its call."""
    if record is None:
        return
    if record.controller is not None:
        controller.restore_state(record.controller)
    if record.recording_sid:
        controller.recording_sid = record.recording_sid


def _outcome(event: HandoffResult | None, *, fed: bool) -> dict | None:
    """A return's outcome as the store keeps it until the bot has heard it."""
    if event is None:
        return None
    return {
        "action_id": event.action_id,
        "outcome": event.outcome,
        "summary": event.summary,
        "fed": fed,
    }


def _event(outcome: dict | None, t_ms: float) -> HandoffResult | None:
    """The outcome kept in the store as the session's event at stream time ``t_ms``."""
    if not outcome or not isinstance(outcome.get("action_id"), int):
        return None
    return HandoffResult(
        outcome["action_id"],
        str(outcome.get("outcome", "returned")),
        t_ms,
        str(outcome.get("summary", "")),
    )


def _on_loopback(request: web.Request) -> bool:
    """Whether this request reached a socket bound to loopback."""
    transport = request.transport
    sock = transport.get_extra_info("sockname") if transport is not None else None
    return isinstance(sock, tuple) and bool(sock) and is_loopback_host(str(sock[0]))


def _twiml(xml: str) -> web.Response:
    return web.Response(text=xml, content_type="text/xml")


async def serve(
    config: Config,
    host: str,
    port: int,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or ``stop``), then drain and return.

    The first log line (JSON, on stderr) says where it listens (the real
    port when ``port`` is 0), which bot, the public URL and the scopes.
    """
    if config.public_url is None and not is_loopback_host(host):
        raise ConfigError(
            "server.public_url: required when listening beyond loopback; Twilio signs the"
            " public https:// URL, and the Host header a client sends proves nothing"
        )
    app = make_app(config)
    runner = web.AppRunner(app, access_log_class=AccessLog, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        startup_line(
            log,
            host=host,
            port=int(bound),
            public_url=config.public_url,
            bot_url=config.bot_url,
            api_base_url=config.api_base_url,
            scopes=config.scopes,
            store_url=config.store_url,
        )
        if config.bot_url is None:
            log.warning("no [bot] url: webhooks only, media streams are refused (503)")
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        state = app[STATE]
        assert isinstance(state, _State)
        log.info("draining", extra={"fields": {"calls": len(state.calls)}})
        await state.drain(config.drain_timeout_s)
    finally:
        await runner.cleanup()
    log.info("stopped")


def run(config: Config, host: str, port: int) -> None:
    """``guardrail serve``: JSON logs on stderr; serve until SIGTERM, drain, exit."""
    configure_logging()
    asyncio.run(serve(config, host, port))
