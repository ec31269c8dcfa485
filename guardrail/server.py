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

This module is an adapter: it checks, routes by CallSid and answers.
Decisions are the session's and the policy's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Coroutine
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

from .audit import AuditStore, BufferedAudit
from .config import Config, ConfigError, is_loopback_host
from .events import Alert, Audit
from .executor import Control, NoControl
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
from .secrets import SecretError
from .session import Session, SessionConfig

__all__ = ["STATE", "make_app", "run", "serve"]

log = logging.getLogger("guardrail.server")
audit_log = logging.getLogger("guardrail.audit")

_MAX_BODY = 64 * 1024
_DISPOSAL_TIMEOUT_S = 10.0
STATE: web.AppKey = web.AppKey("guardrail", object)

_Answer = tuple[int, bytes | None, str | None]
"""A webhook's answer as remembered for its repeats: status, body, content type."""


def make_app(
    config: Config,
    *,
    clock: Callable[[], float] = time.monotonic,
    metrics: Metrics | None = None,
    twilio: TwilioControl | None = None,
) -> web.Application:
    """The aiohttp application for ``config`` (its shutdown ends every live call).

    ``twilio`` replaces the scoped Twilio client built from the config (tests
    that need other timings); ``metrics`` the registry ``/metrics`` shows.
    """
    state = _State(config, clock, metrics or Metrics())
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
    app.on_shutdown.append(state.on_shutdown)
    return app


class _State:
    def __init__(self, config: Config, clock: Callable[[], float], metrics: Metrics) -> None:
        self.config = config
        self.clock = clock
        self.metrics = metrics
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
        self._trails: dict[str, BufferedAudit] = {}
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
            response = await act(form)
        except BaseException:
            self.replays.forget(key)
            answer.set_result((500, b"internal error\n", "text/plain"))
            raise
        if response.status >= 500:
            self.replays.forget(key)
        body = response.body if isinstance(response.body, bytes | None) else None
        answer.set_result((response.status, body, response.content_type if body else None))
        return response

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

    async def _status(self, form: dict[str, str]) -> web.Response:
        call_sid, rec = form.get("CallSid", ""), form.get("RecordingSid", "")
        call = self.calls.get(call_sid)
        if call_sid and rec.startswith("RE"):
            self.recordings[call_sid] = rec[:64]
            if call is not None and isinstance(call.control, CallController):
                call.control.recording_sid = rec[:64]
        status = form.get("CallStatus", "")
        if call is not None and status in CALL_OVER:
            self._spawn(call.end(f"call_{status}"))
        return web.Response(status=204)

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

    def _new_call(self, call_sid: str, request: web.Request) -> ProxyCall:
        session = Session(self.config.policy, routes=self._route_kinds, config=self.session_config)
        control: Control = NoControl()
        twilio = self._control()
        if twilio is not None:
            controller = CallController(
                twilio,
                dict(self.config.routes),
                call_sid=call_sid,
                return_url=self._url_for(request, "/twilio/return"),
                pause_behavior=self.config.pause_behavior,
            )
            controller.recording_sid = self.recordings.get(call_sid, controller.recording_sid)
            control = controller
        return ProxyCall(
            call_sid,
            session,
            control=control,
            sink=sink_for(self._keypad) if self._keypad is not None else None,
            metrics=self.metrics,
            audit=self._audit,
            on_end=self._forget_later,
        )

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

    def _forget(self, call: ProxyCall) -> None:
        trail = self._trails.pop(call.call_sid, None)
        if trail is not None:
            trail.flush()
        if self.calls.get(call.call_sid) is call:
            del self.calls[call.call_sid]
            self.recordings.pop(call.call_sid, None)
            self.tokens.revoke(call.call_sid)
        self._returning.discard(call.call_sid)
        if not self.calls:
            self._idle.set()

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
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        await self.end_all("drain")

    async def end_all(self, reason: str) -> None:
        """End every live call (going away) and wait for their post-call work."""
        for call in list(self.calls.values()):
            await call.end(reason, bot_code=CLOSE_GOING_AWAY, twilio_code=CLOSE_GOING_AWAY)
        if self._background:
            await asyncio.wait(set(self._background), timeout=_DISPOSAL_TIMEOUT_S)

    async def on_shutdown(self, app: web.Application) -> None:
        self.draining = True
        await self.end_all("shutdown")
        for trail in self._trails.values():
            trail.flush()
        self._trails.clear()
        if self.audit_store is not None:
            self.audit_store.close()

    # -- audit ----------------------------------------------------------------------------

    def _audit(self, call_sid: str, entry: Audit | Alert, detail: str | None) -> None:
        """Audit entries and alerts: to the store's chain (``[store] url``) and as JSON
        log lines (never a value: they hold none)."""
        if self.audit_store is not None:
            trail = self._trails.get(call_sid)
            if trail is None:
                sid = call_sid if CALL_SID.fullmatch(call_sid) else None
                trail = self._trails[call_sid] = BufferedAudit(
                    self.audit_store, actor="proxy", call_sid=sid
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
