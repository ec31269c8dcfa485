"""A Pipecat bot that takes real Twilio calls behind the guardrail.

One :class:`TwilioCalls` per process holds what outlives one websocket: the
scoped Twilio control built from the config, the routes, resume tokens and
every live call's :class:`~guardrail.pipecat_guard.Guard`. A Pipecat 1.14
Twilio bot adds the guard with one call and three webhook routes::

    calls = TwilioCalls.from_config(Config.load("guardrail.toml"))

    @app.websocket("/ws")
    async def ws(websocket):
        if not calls.stream_signed(websocket.headers.get("X-Twilio-Signature")):
            return await websocket.close(code=1008)   # unopened: HTTP 403
        await websocket.accept()
        _, call_data = await parse_telephony_websocket(websocket)
        guard = calls.guard(call_data)          # the same guard for a returning caller
        serializer = TwilioFrameSerializer(call_data["stream_id"], call_data["call_id"],
                                           params=TwilioFrameSerializer.InputParams(
                                               auto_hang_up=False))
        ...
        pipeline = Pipeline(guard.wrap([transport.input(), stt, user_agg, llm, tts,
                                        transport.output(), audiobuffer, assistant_agg]))
        await runner.run(task)
        await calls.stream_done(guard)

    POST /twilio/voice  -> await calls.voice(url, form, signature)     (TwiML)
    POST /twilio/return -> await calls.returned(url, form, signature)  (TwiML)
    POST /twilio/status -> await calls.status(url, form, signature)

The webhook methods are framework-free: ``url`` is the public URL Twilio
called (what it signed), ``form`` the POSTed fields, ``signature`` the
``X-Twilio-Signature`` header; each answers ``(status, body)``, 403 for a
request Twilio did not sign, for a malformed ``CallSid``/``AccountSid`` or
another account than ``[twilio] account_sid``. A repeat of a signed webhook
has no new effect (:mod:`handoff.replay_guard`, as ``guardrail serve``):
inside the retry window it gets the first answer again (the same resume
token, no second result fed to the guard, no second end), after it 403.

Why the return path: Twilio ends the media stream when it redirects the call
to ``<Pay>`` or a ``<Dial>``, so the bot's pipeline ends with it. The return
webhook answers ``<Connect><Stream>`` with a single-use resume token; the
new stream's ``start`` carries it back, and :meth:`TwilioCalls.guard` gives
that stream the call's own guard -- its session, its ``context`` (the bot's
conversation) and the outcome notice, which runs the LLM so the bot goes on.

``auto_hang_up`` must be off: with it on, the serializer hangs up the real
call through Twilio's REST API when the pipeline ends, which is exactly what
a redirect to a secure path does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from handoff.control import TwilioControl
from handoff.controller import CALL_OVER, CallController
from handoff.replay_guard import CALL_SID, WebhookReplayGuard, identifiers_refusal
from handoff.resume import ResumeTokens
from handoff.routes import KeypadRoute
from handoff.signatures import signature_ok
from handoff.sink import DemoSink, sink_for
from handoff.twiml import back_to_bot

from .audit import AuditStore, BufferedAudit, audit_config_load
from .config import Config
from .events import CallEnded
from .logs import forbidden
from .pipecat_guard import Guard, GuardConfigError
from .secrets import SecretError
from .session import SessionConfig
from .transcripts import TranscriptStore

__all__ = ["TwilioCalls"]

_log = logging.getLogger("guardrail.pipecat")


class TwilioCalls:
    """Every guarded Twilio call of one Pipecat bot process."""

    def __init__(
        self,
        config: Config,
        *,
        public_url: str,
        stream_path: str = "/ws",
        control: TwilioControl | None = None,
        session_config: SessionConfig | None = None,
        on_audit: Callable[[object], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        base = public_url.rstrip("/")
        loopback = base.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        if not base.startswith("https://") and not loopback:
            raise GuardConfigError("public_url must be https:// (http:// only on loopback)")
        self.config = config
        self.public_url = base
        self.stream_url = ("wss://" if base.startswith("https") else "ws://") + (
            base.split("://", 1)[1] + stream_path
        )
        self.control = control
        self.session_config = session_config or SessionConfig()
        self.on_audit = on_audit
        # [store] url: every call's audit entries go to the store's chain as well
        self.audit_store = AuditStore.open(config.store_url) if config.store_url else None
        if self.audit_store is not None:
            audit_config_load(self.audit_store, config, "pipecat")
        # and each call's redacted transcript ([retention] transcripts_days)
        self.transcripts = TranscriptStore.for_config(config)
        self._trails: dict[str, BufferedAudit] = {}
        self.tokens = ResumeTokens()
        self.replays: WebhookReplayGuard[asyncio.Future[tuple[int, str]]] = WebhookReplayGuard()
        self.guards: dict[str, Guard] = {}
        self._clock = clock

    @classmethod
    def from_config(cls, config: Config, *, public_url: str | None = None, **kwargs) -> TwilioCalls:
        """Calls for ``config``: its routes and policy, its scoped Twilio control.

        ``public_url`` defaults to ``[server] public_url``; the Twilio client
        talks to ``[twilio] api_base_url``. Without Twilio credentials in the
        config there is no control: recording steps are audited as
        ``not_configured`` and redirects fail closed.
        """
        url = public_url or config.public_url
        if not url:
            raise GuardConfigError("set [server] public_url (what Twilio calls and signs)")
        session_config = kwargs.pop("session_config", None) or SessionConfig()
        control = kwargs.pop("control", None)
        if control is None:
            control = config.twilio_control(session_config.confirm_timeout_ms)
        return cls(config, public_url=url, control=control, session_config=session_config, **kwargs)

    # -- streams -----------------------------------------------------------------

    def guard(self, call_data: Mapping) -> Guard:
        """The guard for the stream ``call_data`` describes (``parse_telephony_websocket``).

        A first stream gets a new guard; a returning caller's stream, carrying
        its resume token, gets the call's own guard back. A second stream for
        a live call without a valid token is refused (:class:`GuardConfigError`).
        """
        call_sid = str(call_data.get("call_id") or "")[:64]
        stream_sid = str(call_data.get("stream_id") or "")[:64]
        body = call_data.get("body") or {}
        token = body.get("guardrail_resume") if isinstance(body, Mapping) else None
        if not call_sid:
            raise GuardConfigError("the stream's start message has no callSid")
        live = self.guards.get(call_sid)
        if token is not None or live is not None:
            if live is None or not isinstance(token, str):
                raise GuardConfigError("a second stream for a live call needs its resume token")
            if not self.tokens.redeem(token, call_sid, self._clock()):
                raise GuardConfigError("the resume token is not valid for this call")
            live.stream_sid = stream_sid
            return live
        guard = self._new_guard(call_sid, stream_sid)
        self.guards[call_sid] = guard
        return guard

    def _new_guard(self, call_sid: str, stream_sid: str) -> Guard:
        config = self.config
        routes = dict(config.routes)
        controller = None
        if self.control is not None:
            controller = CallController(
                self.control,
                routes,
                call_sid=call_sid,
                return_url=self.public_url + "/twilio/return",
                pause_behavior=config.pause_behavior,
            )
        keypad = next((r for r in routes.values() if isinstance(r, KeypadRoute)), None)
        on_audit = self.on_audit
        health = None
        sid = call_sid if CALL_SID.fullmatch(call_sid) else None
        if self.audit_store is not None:
            # a writer thread: the pipeline never waits on the store's commit
            trail = BufferedAudit(self.audit_store, actor="pipecat", call_sid=sid, background=True)
            self._trails[call_sid] = trail
            on_audit = _both(trail, self.on_audit)
            health = lambda: trail.healthy  # noqa: E731
        store = self.transcripts
        keep = None
        if store is not None and sid is not None:
            keep = lambda a: store.record(sid, a)  # noqa: E731
        guard = Guard(
            config.policy,
            routes={name: r.kind for name, r in routes.items()} or None,
            config=self.session_config,
            control=controller,
            capture_sink=sink_for(keypad) if keypad is not None else DemoSink(),
            on_audit=on_audit,
            audit_health=health,
            on_transcript=keep,
            call_sid=call_sid,
            stream_sid=stream_sid,
        )
        guard.controller = controller  # type: ignore[attr-defined]
        return guard

    # -- webhooks ----------------------------------------------------------------

    def _signed(self, url: str, form: Mapping[str, str], signature: str | None) -> bool:
        ref = self.config.auth_token
        if ref is None:
            return False
        try:
            token = ref.value()  # read per request: rotation-safe
        except SecretError:
            return False
        return signature_ok(token, url, dict(form), signature)

    def _refusal(self, url: str, form: Mapping[str, str], signature: str | None) -> str | None:
        """``None`` if Twilio signed this webhook for a call of this account, else why not."""
        if not self._signed(url, form, signature):
            return "bad signature"
        account: str | None = None
        if self.config.account_sid is not None:
            try:
                account = self.config.account_sid.value()  # read on use
            except SecretError:
                return "account sid unreadable"
        return identifiers_refusal(form, account)

    async def _once(
        self,
        url: str,
        form: Mapping[str, str],
        signature: str | None,
        act: Callable[[], Awaitable[tuple[int, str]]],
    ) -> tuple[int, str]:
        """Run webhook ``act`` for a signed request of this account, at most once.

        A repeat while the first runs waits for its answer; inside the replay
        window it gets that answer; after it, 403. A 5xx or an exception is
        not remembered (Twilio's retry runs again).
        """
        reason = self._refusal(url, form, signature)
        if reason is None:
            key = self.replays.key(url, form, signature)
            now = self._clock()
            seen = self.replays.check(key, now)
            if seen.verdict == "repeat" and seen.answer is not None:
                return await asyncio.shield(seen.answer)
            if seen.verdict == "new":
                answer: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
                self.replays.remember(key, answer, now)
                try:
                    result = await act()
                except BaseException:
                    self.replays.forget(key)
                    answer.set_result((500, "internal error\n"))
                    raise
                if result[0] >= 500:
                    self.replays.forget(key)
                answer.set_result(result)
                return result
            reason = "replayed"
        forbidden(_log, reason, path=urlsplit(url).path, remote=None)
        return 403, "forbidden\n"

    def stream_signed(self, signature: str | None) -> bool:
        """Whether a media-stream upgrade carries Twilio's signature of the stream URL.

        Check it before ``websocket.accept()``: an unsigned stream is closed
        unopened (the client gets HTTP 403).
        """
        return self._signed(self.stream_url, {}, signature)

    async def voice(
        self, url: str, form: Mapping[str, str], signature: str | None
    ) -> tuple[int, str]:
        """The incoming-call webhook: ``<Connect><Stream>`` to the bot's websocket."""

        async def act() -> tuple[int, str]:
            return 200, _connect(self.stream_url, None)

        return await self._once(url, form, signature, act)

    async def returned(
        self, url: str, form: Mapping[str, str], signature: str | None
    ) -> tuple[int, str]:
        """A secure path or a human leg sends the caller back (or the next fallback rings)."""
        return await self._once(url, form, signature, lambda: self._returned(form))

    async def _returned(self, form: Mapping[str, str]) -> tuple[int, str]:
        call_sid = str(form.get("CallSid", ""))[:64]
        guard = self.guards.get(call_sid)
        if guard is None:
            return 404, "no such call\n"
        controller = getattr(guard, "controller", None)
        if controller is not None:
            next_leg, event = controller.returned(dict(form), guard.session.now)
            if next_leg is not None:
                return 200, next_leg
            if event is not None:
                await guard.carry_out(guard.executor.feed(event), None)
        token = self.tokens.issue(call_sid, self._clock())
        return 200, back_to_bot(self.stream_url, token)

    async def status(self, url: str, form: Mapping[str, str], signature: str | None) -> int:
        """Status callbacks: the recording to pause, and the call's end."""
        return (await self._once(url, form, signature, lambda: self._status(form)))[0]

    async def _status(self, form: Mapping[str, str]) -> tuple[int, str]:
        call_sid = str(form.get("CallSid", ""))[:64]
        guard = self.guards.get(call_sid)
        if guard is None:
            return 204, ""
        rec = str(form.get("RecordingSid", ""))
        controller = getattr(guard, "controller", None)
        if controller is not None and rec.startswith("RE"):
            controller.recording_sid = rec[:64]
        if form.get("CallStatus") in CALL_OVER:
            await guard.carry_out(guard.executor.feed(CallEnded(guard.session.now)), None)
            self.guards.pop(call_sid, None)
            self.tokens.revoke(call_sid)
            await guard.aclose()
            await self._close_trail(call_sid)
        return 204, ""

    async def stream_done(self, guard: Guard) -> None:
        """A stream's pipeline ended: forget the call if it ended with it.

        A caller who was sent to a secure path or a human is still on the
        call: the guard is kept for the return (or the status callback).
        """
        await guard.executor.settle(10.0)
        if guard.session.state == "ended" and self.guards.get(guard.call_sid) is guard:
            self.guards.pop(guard.call_sid, None)
            await guard.aclose()
            await self._close_trail(guard.call_sid)

    async def _close_trail(self, call_sid: str) -> None:
        """Drain the call's audit writer and stop it (off the event loop)."""
        trail = self._trails.pop(call_sid, None)
        if trail is not None:
            await asyncio.to_thread(trail.close, 5.0)

    async def aclose(self) -> None:
        """End every call still held (shutdown): post-call steps carried out."""
        for call_sid, guard in list(self.guards.items()):
            await guard.carry_out(guard.executor.feed(CallEnded(guard.session.now)), None)
            await guard.aclose()
            self.guards.pop(call_sid, None)
            await self._close_trail(call_sid)
        for call_sid in list(self._trails):
            await self._close_trail(call_sid)


def _both(trail: Callable[[object], None], then: Callable[[object], None] | None):
    """The audit callback: the store's chain first, then the bot's own callback."""

    def audit(entry: object) -> None:
        trail(entry)  # type: ignore[arg-type]
        if then is not None:
            then(entry)

    return audit


def _connect(stream_url: str, token: str | None) -> str:
    if token is not None:
        return back_to_bot(stream_url, token)
    from twilio.twiml.voice_response import Connect, VoiceResponse

    r = VoiceResponse()
    c = Connect()
    c.stream(url=stream_url)
    r.append(c)
    return str(r)
