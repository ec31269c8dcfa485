"""Proxy mode: one call relayed between Twilio's media stream and the bot's websocket.

``guardrail serve`` with ``[bot] url`` sits in front of any bot that speaks
Twilio's Media Streams protocol (DESIGN.md, "Proxy mode"). For each call the
server builds a :class:`ProxyCall`: one websocket to the bot (the
``websockets`` client) that lives as long as the call, one
:class:`~guardrail.session.Session` driven through one
:class:`~guardrail.executor.Executor`, and the Twilio stream currently
attached to it (a :class:`Leg`; none while the caller is on ``<Pay>`` or
with a human). This module translates; every decision is the session's.

Twilio to the bot:

- ``connected`` and ``start`` of the call's first stream go to the bot as
  they came, byte for byte; a returning stream's are not sent (the bot sees
  one connection, as if the caller had never left);
- ``media``: the original message text when the session forwards the audio
  unmasked (no re-serialising on the per-frame path), a message of the same
  shape carrying the session's silence when it is masked;
- ``dtmf`` only when the session says ``ForwardDtmf`` (it holds keyed runs
  until they end and passes on only short ones, so the message is built from
  the action); ``mark`` echoes (the bot's own marks; the proxy inserts none)
  as they came;
- ``stop`` goes to the bot only when it ends the call (a hang-up): a stop
  because Twilio redirected the call is not the end of the bot's conversation.

The bot to Twilio: ``media``, ``mark`` and ``clear``, with ``streamSid``
rewritten to the attached stream's; ``guardrail.transcript`` and
``guardrail.agent_text`` go to the session, never to Twilio; other
``guardrail.*`` messages are dropped. A ``clear`` is also the caller barging
in (``AgentInterrupted``). While no stream is attached, what the bot sends
for the caller is held (bounded) and sent to the returning stream; what it
said before the return webhook fired is discarded (nobody heard it), with
its marks echoed back as Twilio does on ``clear``.

Session actions to messages: ``Notice`` becomes ``guardrail.notice``;
``Say`` a notice of ``type`` ``say`` (the proxy has no text-to-speech: the
bot speaks it, and may announce it with ``guardrail.agent_text`` of exactly
that text, which then passes as the guardrail's own words, unscanned);
``MuteBotInput``/``UnmuteBotInput`` notices of ``type`` ``mute``/``unmute``
(the audio itself is silenced by the session's masked ``ForwardAudio``);
``SuppressAgentAudio`` a ``clear`` to Twilio and the bot's ``media`` dropped
until the session lets an agent utterance through (``ForwardText`` of role
``agent``), so a blocked request never reaches the caller's ear even from a
bot that ignores notices; an agent utterance the session lets through only
redacted (a value in what the bot said: the session's ``SuppressAgentAudio``
and a ``ForwardText`` marked ``redacted``) is dropped the same way, since its
audio holds the value, and the bot gets the redacted text in a notice of
``type`` ``agent_redacted``; ``ForwardText`` of role ``caller`` (the
redacted transcript) a notice of ``type`` ``transcript`` when it differs from
what the bot sent, so the bot's LLM context can hold the redacted form.
Audit entries and alerts go to the ``audit`` sink.

Time: the session's clock is stream time (the media ``timestamp``). A
returning stream's timestamps start again at 0, so they are offset to go on
from where the call's clock is; and a per-call ticker (every
:data:`TICK_S`) fires the session's deadlines at the last media's time plus
the wall time since it arrived, so a timeout fires even when no media comes
(the caller away, Twilio's side gone quiet).

Several servers on one store (:mod:`guardrail.server`): a call taken on
from another server starts with :meth:`ProxyCall.resume` (a restored
session, a new bot connection with its own ``connected``/``start``); a call
another server has taken on is let go with :meth:`ProxyCall.release` (the
bot socket closed 1001, no end of the call here); ``on_away`` hears when the
caller has left and whenever the session moves on while they are away, so
the server can write what the return needs.

Failures stay in their call: a bot that refuses the connection
(:class:`BotUnavailable`) or drops mid-call, a Twilio socket that closes
without ``stop`` (handled as ``stop``), bad messages from either side
(counted, audited without their content, dropped; :data:`MAX_BAD_IN_A_ROW`
in a row from one side end that call).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from aiohttp import WSMsgType, web
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from .bot_protocol import (
    BotMessage,
    BotParser,
    BotProtocolError,
    dtmf,
    mark_echo,
    notice,
    typed_notice,
)
from .events import (
    AgentInterrupted,
    AgentText,
    Alert,
    Audit,
    CallEnded,
    CallerAudio,
    CallerTranscript,
    CallStarted,
    ForwardAudio,
    ForwardDtmf,
    ForwardText,
    HandoffResult,
    MuteBotInput,
    Notice,
    Say,
    StreamStopped,
    SuppressAgentAudio,
    UnmuteBotInput,
)
from .executor import Control, Executor
from .media_stream import StreamParser, StreamProtocolError
from .recording import LocalRecording
from .session import Session

__all__ = [
    "CLOSE_BOT_FAILED",
    "CLOSE_GOING_AWAY",
    "CLOSE_REFUSED",
    "MAX_BAD_IN_A_ROW",
    "BotUnavailable",
    "Leg",
    "ProxyCall",
    "StreamStart",
    "connect_bot",
    "read_start",
]

log = logging.getLogger("guardrail.proxy")
_socket_log = logging.getLogger("guardrail.proxy.bot_socket")
_socket_log.setLevel(logging.INFO)  # never a per-frame debug line (websockets logs frames)

FRAME_MS = 20.0
TICK_S = 0.1
"""How often a call's ticker checks the session's deadlines (wall clock)."""
MAX_BAD_IN_A_ROW = 50
"""Bad messages in a row from one side that end the call."""
MAX_BAD_PER_S = 50
"""More bad messages than this from one side within a second end the call, good ones
between them or not: a stream that mixes a valid message into its garbage now and then
still cannot take the process's time from the other calls (Twilio sends none)."""
MAX_AUDITED_ERRORS = 20
"""Bad messages audited one by one per call; the rest are only counted."""
MAX_HELD = 500
"""Messages for the caller held while no stream is attached (10 s of audio)."""
START_TIMEOUT_S = 10.0
BOT_OPEN_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0
MAX_WS_MESSAGE = 2**20
"""Larger websocket messages close the socket (1009); smaller bad ones are dropped."""

CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_REFUSED = 1008
"""A stream refused: a resume token that is not good, a CallSid already live."""
CLOSE_BOT_FAILED = 1011
"""The other side of the call failed: the bot refused or dropped."""
CLOSE_TRY_AGAIN = 1013
"""The server is draining: no new calls."""

_ENDED = "ended"


class Telemetry(Protocol):
    """What the proxy counts (:class:`guardrail.metrics.Metrics` has it all)."""

    def frame(self, direction: str) -> None: ...
    def latency(self, seconds: float) -> None: ...
    def observe_audit(self, audit: Audit | Alert, *, handoff_kind: str = ...) -> None: ...
    def call_started(self) -> None: ...
    def call_ended(self) -> None: ...
    def protocol_error(self, source: str) -> None: ...


AuditSink = Callable[[str, Audit | Alert, str | None], None]
"""``(call_sid, entry, detail)``: ``detail`` is a fixed, PII-free error text or ``None``."""


class BotUnavailable(Exception):
    """The bot's websocket could not be opened; the message names only the error class."""


async def connect_bot(url: str, *, open_timeout: float = BOT_OPEN_TIMEOUT_S) -> ClientConnection:
    """Open the bot's websocket (no compression: audio does not compress; never
    through an HTTP proxy from the environment, which would see the audio)."""
    try:
        return await connect(
            url,
            compression=None,
            proxy=None,
            open_timeout=open_timeout,
            close_timeout=CLOSE_TIMEOUT_S,
            max_size=MAX_WS_MESSAGE,
            logger=_socket_log,
        )
    except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
        raise BotUnavailable(type(exc).__name__) from None


@dataclass(slots=True)
class StreamStart:
    """A Twilio stream up to its ``start``: what :func:`read_start` found."""

    ws: web.WebSocketResponse
    parser: StreamParser
    connected: str | None
    """The ``connected`` message's text, if one came first."""
    start: str
    """The ``start`` message's text, as it came."""
    call_sid: str
    stream_sid: str
    resume_token: str | None
    """``customParameters.guardrail_resume``: a returning caller's stream."""


async def read_start(
    ws: web.WebSocketResponse,
    on_bad: Callable[[StreamProtocolError], None],
    *,
    timeout: float = START_TIMEOUT_S,
) -> StreamStart | None:
    """Read a new Twilio stream up to its ``start``; ``None`` if it closed or
    took longer than ``timeout``. Bad messages go to ``on_bad`` and are
    dropped; ``MAX_BAD_IN_A_ROW`` of them give up on the stream."""
    parser = StreamParser()
    connected: str | None = None
    bad = 0
    try:
        async with asyncio.timeout(timeout):
            while bad < MAX_BAD_IN_A_ROW:
                msg = await ws.receive()
                if msg.type is not WSMsgType.TEXT:
                    if msg.type is not WSMsgType.BINARY:
                        return None  # closed
                    bad += 1
                    on_bad(StreamProtocolError("binary message"))
                    continue
                try:
                    events = parser.parse(msg.data)
                except StreamProtocolError as exc:
                    bad += 1
                    on_bad(exc)
                    continue
                if events and type(events[0]) is CallStarted:
                    start = events[0]
                    return StreamStart(
                        ws,
                        parser,
                        connected,
                        msg.data,
                        start.call_sid,
                        start.stream_sid,
                        _resume_token(msg.data),
                    )
                if events and type(events[0]) is StreamStopped:
                    return None
                if not events and connected is None and _event_of(msg.data) == "connected":
                    connected = msg.data
                    continue
                bad += 1
                on_bad(StreamProtocolError("message before start"))
    except TimeoutError:
        return None
    return None


def _event_of(text: str) -> object:
    """The event name of a message the stream parser has already accepted."""
    return json.loads(text).get("event")


def _resume_token(start_text: str) -> str | None:
    params = json.loads(start_text)["start"].get("customParameters")
    token = params.get("guardrail_resume") if isinstance(params, dict) else None
    return token if isinstance(token, str) and 0 < len(token) <= 256 else None


@dataclass(slots=True)
class Leg:
    """One Twilio stream attached to a call; ``offset`` (ms) maps its clock to the call's."""

    ws: web.WebSocketResponse
    stream_sid: str
    parser: StreamParser
    offset: float = 0.0
    rewrite: bool = False
    """Whether ``streamSid`` must be rewritten between this stream and the bot."""


class ProxyCall:
    """One call in proxy mode: the bot's socket, the session's executor, the attached stream.

    Driven from one event loop: :meth:`start` with the call's first stream,
    :meth:`relay` while a stream is attached, :meth:`returning` when the
    return webhook fires, :meth:`join` with the returning stream, :meth:`end`
    when the call is over (idempotent; ``on_end`` is called once, after).
    """

    def __init__(
        self,
        call_sid: str,
        session: Session,
        *,
        control: Control,
        sink: object | None,
        metrics: Telemetry,
        audit: AuditSink,
        on_end: Callable[[ProxyCall], None],
        on_away: Callable[[ProxyCall], None] | None = None,
        audit_health: Callable[[], bool] | None = None,
        transcript: Callable[[str, ForwardText], None] | None = None,
        recording: LocalRecording | None = None,
    ) -> None:
        self.call_sid = call_sid
        self.session = session
        self.control = control
        self.metrics = metrics
        self.executor = Executor(
            session,
            control=control,
            sink=sink,
            audit=self._on_audit,
            deliver=self._deliver,
            audit_health=audit_health,
        )
        self._transcript = transcript
        self.recording = recording
        self.bot: ClientConnection | None = None
        self.leg: Leg | None = None
        self.first_sid = ""
        self.ended = False
        self._audit_sink = audit
        self._on_end = on_end
        self._on_away = on_away
        self.released = False
        self.started_once = False
        self._bot_parser = BotParser()
        self._loop = asyncio.get_running_loop()
        self._last_media_t = 0.0
        self._last_media_wall = self._loop.time()
        self._suppressing = False
        self._held: deque[tuple[BotMessage, str | bytes]] = deque()
        self._heard: str | None = None
        self._bad_run = {"twilio": 0, "bot": 0}
        self._bad_second = {"twilio": [0.0, 0], "bot": [0.0, 0]}  # [window start, count]
        self._audited_errors = 0
        self._tasks: list[asyncio.Task] = []

    # -- the call's life -------------------------------------------------------

    async def open_bot(self, url: str) -> None:
        """Connect to the bot; :class:`BotUnavailable` if it refuses or cannot be reached."""
        self.bot = await connect_bot(url)

    async def start(self, first: StreamStart) -> Leg:
        """Attach the call's first stream; the bot gets its ``connected`` and ``start``."""
        assert self.bot is not None, "open_bot() first"
        leg = Leg(first.ws, first.stream_sid, first.parser)
        self.first_sid = first.stream_sid
        self.leg = leg
        self.started_once = True
        self.metrics.call_started()
        await self._carry(
            self.executor.feed(CallStarted(self.call_sid, first.stream_sid, 0.0)), None, leg
        )
        if first.connected is not None:
            await self._send_bot(first.connected)
        await self._send_bot(first.start)
        self._tasks = [
            self._loop.create_task(self._read_bot(), name="guardrail-bot-reader"),
            self._loop.create_task(self._tick(), name="guardrail-ticker"),
        ]
        return leg

    async def resume(self, again: StreamStart, parameters: dict[str, str]) -> Leg:
        """Attach a returning caller's stream to a call taken on from another server.

        The session was restored from the store (its clock goes on from
        there); this is a new bot connection (:meth:`open_bot` first), so the
        bot gets ``connected`` and a ``start`` for the same CallSid, its
        ``customParameters`` being ``parameters`` (the resume token never
        reaches the bot). Addressed to the new stream's ``streamSid``.
        """
        assert self.bot is not None, "open_bot() first"
        offset = self.session.now + FRAME_MS
        leg = Leg(again.ws, again.stream_sid, again.parser, offset)
        self.first_sid = again.stream_sid
        self.leg = leg
        self._last_media_t, self._last_media_wall = offset, self._loop.time()
        self.metrics.call_started()
        await self._carry(
            self.executor.feed(CallStarted(self.call_sid, again.stream_sid, offset)), None, leg
        )
        start = json.loads(again.start)
        start["start"]["customParameters"] = dict(parameters)
        if again.connected is not None:
            await self._send_bot(again.connected)
        else:
            await self._send_bot(json.dumps({"event": "connected", "protocol": "Call"}))
        await self._send_bot(json.dumps(start, separators=(",", ":")))
        self._tasks = [
            self._loop.create_task(self._read_bot(), name="guardrail-bot-reader"),
            self._loop.create_task(self._tick(), name="guardrail-ticker"),
        ]
        return leg

    async def feed(self, event: object) -> None:
        """Feed ``event`` to the session and carry out what it answers."""
        if not self.ended:
            await self._carry(self.executor.feed(event), None, None)

    async def tell_bot(self, text: str) -> None:
        """A notice to the bot that makes it go on (``respond``): a return's outcome
        that the session heard on another server."""
        await self._send_bot(notice(text, self.first_sid, respond=True))

    async def release(self, reason: str) -> None:
        """Another server holds this call now: let the bot connection go (1001,
        ``reason``) without ending the call, so nothing post-call happens here.
        Idempotent; ``on_end`` is called once, after."""
        if self.ended:
            return
        self.ended = self.released = True
        leg, self.leg = self.leg, None
        self._audit(Audit("call_released", reason, self.session.now))
        await self._close(leg, reason, CLOSE_GOING_AWAY, CLOSE_GOING_AWAY)

    async def returning(self, event: HandoffResult | None) -> None:
        """The return webhook fired: the caller is on the way back.

        What the bot said while the caller was away is discarded; the
        handoff's outcome goes to the session (its notice to the bot, with
        ``respond``, makes the bot go on), and what the bot says from now on
        is held for the returning stream.
        """
        stale, self.leg = self.leg, None
        if stale is not None:  # Twilio called back, so the caller has left that stream
            with contextlib.suppress(Exception):
                await stale.ws.close()
        await self._discard_held()
        if event is not None and not self.ended:
            await self._carry(self.executor.feed(event), None, None)

    async def join(self, again: StreamStart) -> Leg:
        """Attach a returning caller's stream to this call's bot connection.

        Its ``connected``/``start`` are not sent (the bot already has the
        call's); its clock is offset to go on from the call's; ``streamSid``
        is rewritten both ways from now on; held messages are sent.
        """
        offset = self.stream_now() + FRAME_MS
        rewrite = bool(again.stream_sid) and again.stream_sid != self.first_sid
        leg = Leg(again.ws, again.stream_sid, again.parser, offset, rewrite)
        self.leg = leg
        self._last_media_t, self._last_media_wall = offset, self._loop.time()
        await self._carry(
            self.executor.feed(CallStarted(self.call_sid, again.stream_sid, offset)), None, leg
        )
        held, self._held = self._held, deque()
        for m, raw in held:
            await self._to_twilio(m, raw)
        return leg

    def stream_now(self) -> float:
        """The call's clock (ms): the last media's stream time plus the wall time since."""
        wall = self._last_media_t + (self._loop.time() - self._last_media_wall) * 1000.0
        now = self.session.now
        return wall if wall > now else now

    async def end(
        self,
        reason: str,
        *,
        bot_code: int = CLOSE_NORMAL,
        twilio_code: int = CLOSE_NORMAL,
    ) -> None:
        """The call is over: the session hears ``CallEnded`` (its post-call
        disposal runs through the executor), both sockets close. ``reason``
        is a fixed word (audited, and the close reason)."""
        if self.ended:
            return
        self.ended = True
        leg, self.leg = self.leg, None
        try:
            if self.session.state != _ENDED:
                await self._carry(self.executor.feed(CallEnded(self.stream_now())), None, None)
        finally:
            self._audit(Audit("call_closed", reason, self.session.now))
            await self._close(leg, reason, bot_code, twilio_code)

    async def _close(self, leg: Leg | None, reason: str, bot_code: int, twilio_code: int) -> None:
        """This process is done with the call: the local recording written out, the
        call's tasks stopped, both sockets closed with ``reason``, ``on_end`` called."""
        if self.recording is not None:
            self.recording.close()
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await self.bot.close(bot_code, reason)
        if leg is not None:
            with contextlib.suppress(Exception):
                await leg.ws.close(code=twilio_code, message=reason.encode())
        self.metrics.call_ended()
        self._on_end(self)

    # -- Twilio to the bot -----------------------------------------------------

    async def relay(self, leg: Leg) -> None:
        """Relay ``leg``'s messages until it stops or closes (a close without
        ``stop`` is handled as one)."""
        try:
            await self._relay(leg)
        except Exception:
            log.exception("proxy: relay failed", extra={"fields": {"call_sid": self.call_sid}})
            await self.end(
                "internal_error", bot_code=CLOSE_BOT_FAILED, twilio_code=CLOSE_BOT_FAILED
            )
            return
        if self.leg is leg and not self.ended:
            await self._stopped(StreamStopped(self.stream_now()), None, leg)

    async def _relay(self, leg: Leg) -> None:
        ws = leg.ws
        parse = leg.parser.parse
        feed = self.executor.feed
        perf = time.perf_counter_ns
        wall = self._loop.time
        frame = self.metrics.frame
        latency = self.metrics.latency
        bad_run = self._bad_run
        while True:
            msg = await ws.receive()
            if msg.type is not WSMsgType.TEXT:
                if msg.type is WSMsgType.BINARY:
                    await self._bad("twilio", StreamProtocolError("binary message"))
                    continue
                return  # closed
            t0 = perf()
            text = msg.data
            try:
                events = parse(text)
            except StreamProtocolError as exc:
                await self._bad("twilio", exc)
                continue
            bad_run["twilio"] = 0
            if not events:
                if _event_of(text) == "mark":  # the bot's mark, played
                    await self._send_bot(self._for_bot(text, leg))
                continue
            ev = events[0]
            if type(ev) is CallerAudio:  # the per-frame path
                if leg.offset:
                    ev = CallerAudio(ev.payload, ev.t_ms + leg.offset)
                if self.recording is not None:
                    self.recording.audio(ev)
                self._last_media_t = ev.t_ms
                self._last_media_wall = wall()
                actions = feed(ev)
                a = actions[0] if len(actions) == 1 else None
                if type(a) is ForwardAudio and not a.masked:
                    await self._send_bot(self._for_bot(text, leg))  # as it came
                else:
                    await self._carry(actions, text, leg)
                frame("caller")
                latency((perf() - t0) * 1e-9)
                continue
            if leg.offset:
                ev = replace(ev, t_ms=ev.t_ms + leg.offset)
            if type(ev) is StreamStopped:
                await self._stopped(ev, text, leg)
                return
            await self._carry(feed(ev), text, leg)

    async def _stopped(self, ev: StreamStopped, text: str | None, leg: Leg) -> None:
        """Twilio's stream ended: the call's end if the session says so (a
        hang-up), else the caller was sent away and the bot's socket stays open."""
        self.leg = None
        await self._carry(self.executor.feed(ev), None, None)
        if self.session.state == _ENDED:
            if text is not None:
                await self._send_bot(self._for_bot(text, leg))
            await self.end("hang_up")
        else:
            await self._discard_held()
            if self._on_away is not None:
                self._on_away(self)  # what the return needs, for any server
        with contextlib.suppress(Exception):
            await leg.ws.close()

    def _for_bot(self, text: str, leg: Leg) -> str:
        return text.replace(leg.stream_sid, self.first_sid) if leg.rewrite else text

    # -- the bot to Twilio -----------------------------------------------------

    async def _read_bot(self) -> None:
        bot = self.bot
        assert bot is not None
        parse = self._bot_parser.parse
        frame = self.metrics.frame
        try:
            async for message in bot:
                try:
                    m = parse(message, self.session.now)
                except BotProtocolError as exc:
                    await self._bad("bot", exc)
                    continue
                self._bad_run["bot"] = 0
                kind = m.kind
                if kind == "media":
                    if not self._suppressing:
                        await self._to_twilio(m, message)
                        frame("bot")
                elif kind == "side":
                    await self._side(m.event)
                elif kind == "mark":
                    await self._to_twilio(m, message)
                elif kind == "clear":
                    await self._discard_held()
                    await self._to_twilio(m, message)
                    ev = AgentInterrupted(self.session.now)
                    await self._carry(self.executor.feed(ev), None, None)
                # "ignored": another guardrail.* message, consumed
        except ConnectionClosed:
            pass
        except Exception:
            log.exception("proxy: bot reader failed", extra={"fields": {"call_sid": self.call_sid}})
        if not self.ended:
            self._audit(Audit("bot_disconnected", "call_ended", self.session.now))
            await self.end(
                "bot_disconnected", bot_code=CLOSE_BOT_FAILED, twilio_code=CLOSE_BOT_FAILED
            )

    async def _side(self, ev: CallerTranscript | AgentText | None) -> None:
        if type(ev) is CallerTranscript:
            self._heard = ev.text
        if ev is not None:
            await self._carry(self.executor.feed(ev), None, None)

    async def _to_twilio(self, m: BotMessage, raw: str | bytes) -> None:
        leg = self.leg
        if leg is None:
            if len(self._held) >= MAX_HELD:
                await self._discard(self._held.popleft()[0])
            self._held.append((m, raw))
            return
        sid = leg.stream_sid
        if isinstance(raw, str) and m.obj.get("streamSid") == sid:
            text = raw
        else:
            text = json.dumps({**m.obj, "streamSid": sid})
        await self._send_twilio(leg, text)

    async def _discard_held(self) -> None:
        held, self._held = self._held, deque()
        for m, _ in held:
            await self._discard(m)

    async def _discard(self, m: BotMessage) -> None:
        """A held message nobody will hear; its mark is echoed, as Twilio does on ``clear``."""
        if m.kind == "mark":
            await self._send_bot(mark_echo(m.obj["mark"]["name"], self.first_sid))

    # -- session actions to messages ------------------------------------------

    async def _deliver(self, actions: list) -> None:
        """The executor's ``deliver``: actions after a control call answered."""
        if not self.ended:
            await self._carry(actions, None, None)

    async def _carry(self, actions: list, text: str | None, leg: Leg | None) -> None:
        """Turn the adapter's actions into messages; ``text`` is the Twilio
        message they answer (for ``ForwardAudio``, which passes it on)."""
        sid = self.first_sid
        if self.recording is not None:
            self.recording.actions(actions)
        for a in actions:
            kind = type(a)
            if kind is ForwardAudio:
                if text is not None and leg is not None:
                    await self._send_bot(
                        _masked(text, a.payload, sid) if a.masked else self._for_bot(text, leg)
                    )
            elif kind is ForwardDtmf:  # held by the session for a while, maybe
                await self._send_bot(dtmf(a.digit, sid))
            elif kind is Notice:
                await self._send_bot(notice(a.text, sid, respond=a.respond))
            elif kind is Say:
                await self._send_bot(typed_notice("say", sid, a.text))
            elif kind is MuteBotInput:
                await self._send_bot(typed_notice("mute", sid))
            elif kind is UnmuteBotInput:
                await self._send_bot(typed_notice("unmute", sid))
            elif kind is SuppressAgentAudio:
                await self._suppress()
            elif kind is ForwardText:
                if self._transcript is not None and a.final:
                    self._transcript(self.call_sid, a)
                if a.role == "caller":
                    if a.text != self._heard:
                        await self._send_bot(typed_notice("transcript", sid, a.text))
                elif a.redacted:  # its audio is suppressed (the session said so)
                    await self._send_bot(typed_notice("agent_redacted", sid, a.text))
                else:
                    self._suppressing = False  # an utterance the session let through
            # MaskAudio, control actions (already carried out): nothing to send

    async def _suppress(self) -> None:
        """Drop the bot's audio for the caller until an utterance is let through."""
        self._suppressing = True
        await self._discard_held()
        leg = self.leg
        if leg is not None:
            await self._send_twilio(
                leg, json.dumps({"event": "clear", "streamSid": leg.stream_sid})
            )

    async def _send_bot(self, text: str) -> None:
        """Send to the bot; a closed socket is the bot reader's to notice (and end the call)."""
        bot = self.bot
        if bot is not None:
            with contextlib.suppress(ConnectionClosed):
                await bot.send(text)

    async def _send_twilio(self, leg: Leg, text: str) -> None:
        """Send to Twilio; a closed stream is its relay's to notice."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await leg.ws.send_str(text)

    # -- timers, audit, bad input ------------------------------------------------

    async def _tick(self) -> None:
        """Fire the session's deadlines on the call's clock, media or not."""
        executor = self.executor
        while not self.ended:
            await asyncio.sleep(TICK_S)
            deadline = executor.next_deadline()
            if deadline is None:
                continue
            now = self.stream_now()
            if deadline <= now:
                await self._carry(executor.on_timer(now), None, None)

    def _on_audit(self, entry: Audit | Alert) -> None:
        """The executor's ``audit``: counted, then to the sink."""
        kind = "other"
        if type(entry) is Audit and entry.event == "handoff" and entry.category:
            route = self.session.policy.rule(entry.category).route
            kind = self.session.routes.get(route or "", "other")
        self.metrics.observe_audit(entry, handoff_kind=kind)
        self._audit_sink(self.call_sid, entry, None)
        if self.leg is None and self.started_once and self._on_away is not None and not self.ended:
            self._on_away(self)  # the caller is away and the call's state moved on

    def _audit(self, entry: Audit, detail: str | None = None) -> None:
        self._audit_sink(self.call_sid, entry, detail)

    async def _bad(self, source: str, exc: StreamProtocolError) -> None:
        """A bad message from ``source``: counted, audited (the error, never the
        message), dropped; too many in a row, or in one second, end this call."""
        self.metrics.protocol_error(source)
        run = self._bad_run[source] = self._bad_run[source] + 1
        window, now = self._bad_second[source], self._loop.time()
        if now - window[0] >= 1.0:
            window[0], window[1] = now, 0
        window[1] += 1
        if self._audited_errors < MAX_AUDITED_ERRORS:
            self._audited_errors += 1
            self._audit(Audit("protocol_error", source, self.session.now), str(exc))
        if (run >= MAX_BAD_IN_A_ROW or window[1] > MAX_BAD_PER_S) and not self.ended:
            bot_code = CLOSE_REFUSED if source == "bot" else CLOSE_BOT_FAILED
            twilio_code = CLOSE_REFUSED if source == "twilio" else CLOSE_BOT_FAILED
            await self.end(f"{source}_protocol_errors", bot_code=bot_code, twilio_code=twilio_code)


def _masked(text: str, payload: bytes, stream_sid: str) -> str:
    """The media message ``text`` with ``payload`` (the session's silence) in
    place of the caller's audio; every other field as it was."""
    obj = json.loads(text)
    obj["media"]["payload"] = base64.b64encode(payload).decode("ascii")
    obj["streamSid"] = stream_sid
    return json.dumps(obj, separators=(",", ":"))
