"""An example bot that speaks Twilio's Media Streams protocol and the guardrail side channel.

It is what proxy mode (``guardrail serve`` with ``[bot] url``) sits in front
of: a websocket server at ``/twilio`` that a Twilio ``<Connect><Stream>``
(or the guardrail) connects to. Instead of speech-to-text, an LLM and
text-to-speech it has a scripted brain, so it runs offline and
deterministically:

- on the first ``start`` of a connection it says its first scripted line;
- every utterance is announced first, ``{"event": "guardrail.agent_text",
  "text": ..., "final": true}``, so the guardrail can judge the words before
  they are spoken, then sent as 20 ms ``media`` messages (a speech-like
  signal, derived from the text, mu-law encoded) with the stream's first
  ``streamSid``, then a ``mark`` named after the utterance;
- it "hears" the caller only when told to (:meth:`ScriptedBot.hear`, or a
  ``transcript_script`` entry once enough caller audio has arrived) and then
  sends ``{"event": "guardrail.transcript", "text": ..., "final": true}`` as
  its speech-to-text would;
- it records every ``guardrail.notice``; one with ``"respond": true`` makes
  it say its next scripted line. A notice that arrives while it is speaking
  cuts that utterance short (the guardrail answered its ``agent_text``: a
  careful bot stops). ``ignore_notices=True`` is the careless bot that keeps
  talking and never responds;
- it records what it saw, per connection (:class:`BotConnection`, keyed by
  ``callSid`` in :attr:`ScriptedBot.connections`): the ``start`` messages
  (``customParameters`` included), every caller payload byte, every
  ``dtmf``, the marks echoed back, and any ``streamSid`` other than the
  first (the guardrail must rewrite a rejoined stream's ``streamSid`` so the
  bot always sees the first).

Fault modes for tests: ``refuse`` (the handshake is answered 503),
``drop_after_ms`` (the bot closes the socket after that much caller audio),
``ignore_notices`` and ``garbage`` (after ``start`` it sends
:func:`garbage_messages`, messages that are not valid Twilio protocol, then behaves).

Run it alone: ``python examples/ws_bot.py PORT`` prints one JSON line,
``{"url": "ws://127.0.0.1:PORT/twilio"}``, and serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import math
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import numpy as np
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from audio import mulaw

__all__ = [
    "DEFAULT_TURNS",
    "BotConnection",
    "ScriptedBot",
    "Utterance",
    "garbage_messages",
    "main",
    "utterance_pcm",
]

DEFAULT_TURNS: tuple[str, ...] = (
    "Hello, thanks for calling. How can I help you today?",
    "Could you read me the long number on the front of your card?",
    "Thank you, that is all done. Is there anything else?",
    "Goodbye.",
)
FRAME_MS = 20
FRAME_BYTES = 160


def garbage_messages(stream_sid: str) -> list[str | bytes]:
    """What ``garbage=True`` sends after ``start``: not one of them is valid protocol."""
    return [
        "this is not json",
        "[1, 2, 3]",
        '{"no_event": true}',
        json.dumps({"event": "no.such.event", "streamSid": stream_sid}),
        json.dumps(
            {"event": "media", "streamSid": stream_sid, "media": {"payload": "!!not base64!!"}}
        ),
        json.dumps({"event": "mark", "streamSid": stream_sid, "mark": "not an object"}),
        json.dumps({"event": "guardrail.agent_text", "text": 42, "final": "yes"}),
        b"\x00\xffbinary\x00",
    ]


def utterance_pcm(text: str, *, ms_per_word: float = 60.0, level_dbfs: float = -18.0) -> np.ndarray:
    """The bot's "voice" for ``text``: a speech-like int16 signal at 8 kHz.

    Deterministic per text (a test can recompute what the caller should hear),
    ``ms_per_word`` per word rounded up to whole 20 ms frames, a harmonic
    series on a wandering pitch under a syllable envelope, so that a VAD
    hears speech and a DTMF detector hears no key.
    """
    words = max(1, len(text.split()))
    n = int(math.ceil(words * ms_per_word / FRAME_MS)) * FRAME_BYTES
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 8000.0
    f0 = 120.0 + 30.0 * np.sin(2 * np.pi * 0.9 * t + 6.28 * rng.random())
    phase = 2 * np.pi * np.cumsum(f0) / 8000.0
    sig = sum(np.sin(k * phase + 6.28 * rng.random()) / k for k in range(1, 25))
    envelope = np.clip(1.4 * (0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t)) - 0.2, 0.0, 1.0)
    sig = np.asarray(sig) * envelope
    rms = float(np.sqrt(np.mean(sig**2))) or 1.0
    target = 32767.0 * 10 ** (level_dbfs / 20) / math.sqrt(2)
    return np.clip(np.round(sig * target / rms), -32768, 32767).astype(np.int16)


@dataclass
class Utterance:
    """One thing the bot set out to say: its ``agent_text``, mark and audio."""

    text: str
    mark: str
    audio: bytes
    """The mu-law bytes actually sent (fewer than the whole if cut short)."""
    complete: bool = False
    """All its audio and its mark were sent (not cut short by a notice or a close)."""
    done: bool = False
    """The bot has finished with it, complete or cut short."""


@dataclass
class BotConnection:
    """What one websocket connection to the bot saw and did."""

    ws: ServerConnection
    path: str
    headers: dict[str, str]
    call_sid: str = ""
    stream_sid: str = ""
    """The first ``streamSid`` seen; the bot always addresses its messages to it."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Every inbound message that was a JSON object, in order."""
    malformed: list[str | bytes] = field(default_factory=list)
    connected: int = 0
    starts: list[dict[str, Any]] = field(default_factory=list)
    stream_sid_changes: list[str] = field(default_factory=list)
    """Each ``streamSid`` other than the first, in the order they appeared."""
    received_media: list[bytes] = field(default_factory=list)
    received_dtmf: list[str] = field(default_factory=list)
    dtmf_at_ms: list[float] = field(default_factory=list)
    """Caller audio received (ms) when each ``dtmf`` arrived."""
    caller_audio_ms: float = 0.0
    notices: list[dict[str, Any]] = field(default_factory=list)
    marks_echoed: list[str] = field(default_factory=list)
    stops: int = 0
    heard: list[str] = field(default_factory=list)
    """Transcripts the bot sent on the side channel."""
    utterances: list[Utterance] = field(default_factory=list)
    turn: int = 0
    """Index of the next scripted line."""
    close_code: int | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False
    """The bot dropped the call (``drop_after_ms``); it ignores what still arrives."""
    _closer: asyncio.Task[None] | None = None
    _script_pos: int = 0
    _epoch: int = 0
    _speaking: bool = False
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def received_audio(self) -> bytes:
        """Every caller payload byte, in order, exactly as received."""
        return b"".join(self.received_media)

    @property
    def custom_parameters(self) -> dict[str, str]:
        """``customParameters`` of the first ``start``."""
        if not self.starts:
            return {}
        return dict(self.starts[0].get("start", {}).get("customParameters", {}))

    @property
    def said(self) -> list[str]:
        """Texts announced with ``agent_text``, in order."""
        return [u.text for u in self.utterances]


class ScriptedBot:
    """A deterministic Twilio-protocol bot with a scripted brain (see the module doc).

    ``turns`` are its lines in order; ``transcript_script`` is ``(after_ms,
    text)`` pairs: once a connection has received ``after_ms`` of caller
    audio the bot "hears" ``text``. ``ms_per_word`` sets how long each line
    is. ``realtime`` paces its audio at 20 ms a frame (as a TTS stream would);
    ``tts_latency_ms`` is the pause between ``agent_text`` and the first
    frame. ``greet=False`` waits for a cue instead of speaking on ``start``.
    ``speak_says`` speaks what a ``say`` notice asks (the guardrail's own words
    for the caller, announced with ``agent_text`` first, as a bot with
    text-to-speech does behind the proxy).
    """

    def __init__(
        self,
        turns: Sequence[str] = DEFAULT_TURNS,
        *,
        transcript_script: Sequence[tuple[float, str]] = (),
        greet: bool = True,
        ms_per_word: float = 60.0,
        realtime: bool = False,
        tts_latency_ms: float = 0.0,
        refuse: bool = False,
        drop_after_ms: float | None = None,
        drop_code: int = 1011,
        ignore_notices: bool = False,
        garbage: bool = False,
        speak_says: bool = False,
        path: str = "/twilio",
    ) -> None:
        self.turns = list(turns)
        self.transcript_script = sorted(transcript_script)
        self.greet = greet
        self.ms_per_word = ms_per_word
        self.realtime = realtime
        self.tts_latency_ms = tts_latency_ms
        self.refuse = refuse
        self.drop_after_ms = drop_after_ms
        self.drop_code = drop_code
        self.ignore_notices = ignore_notices
        self.garbage = garbage
        self.speak_says = speak_says
        self.path = path
        self.url = ""
        self.connections: dict[str, BotConnection] = {}
        """Connections by the ``callSid`` of their first ``start``."""
        self.all_connections: list[BotConnection] = []
        self.handshakes: list[dict[str, Any]] = []
        """Every upgrade request: ``{"path", "headers"}`` (refused ones included)."""
        self.refused = 0
        self._cond: asyncio.Condition | None = None
        self._server: Server | None = None

    # -- serving ------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[ScriptedBot]:
        """Serve on ``host:port`` (0: any free port) for the ``async with`` block.

        On exit every connection is closed (1001) and every task of the bot
        has finished, so nothing outlives the block.
        """
        self._cond = asyncio.Condition()
        async with serve(
            self._handler,
            host,
            port,
            process_request=self._process_request,
            compression=None,
            max_size=2**20,
        ) as server:
            self._server = server
            sock = next(iter(server.sockets))
            self.url = f"ws://{host}:{sock.getsockname()[1]}{self.path}"
            try:
                yield self
            finally:
                server.close()
                await server.wait_closed()
                self._server = None

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        self.handshakes.append({"path": request.path, "headers": dict(request.headers)})
        if request.path.split("?", 1)[0] != self.path:
            return conn.respond(HTTPStatus.NOT_FOUND, "no such path\n")
        if self.refuse:
            self.refused += 1
            return conn.respond(HTTPStatus.SERVICE_UNAVAILABLE, "bot unavailable\n")
        return None

    async def _notify(self) -> None:
        if self._cond is not None:
            async with self._cond:
                self._cond.notify_all()

    async def _handler(self, ws: ServerConnection) -> None:
        req = ws.request
        conn = BotConnection(
            ws=ws,
            path=req.path if req else "",
            headers=dict(req.headers) if req else {},
        )
        self.all_connections.append(conn)
        try:
            async for message in ws:
                await self._on_message(conn, message)
                await self._notify()
        except ConnectionClosed:
            pass
        finally:
            tasks = list(conn._tasks)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            if conn._closer is not None:
                await asyncio.wait({conn._closer})
            conn.close_code = ws.close_code
            conn.closed.set()
            await self._notify()

    # -- what the bot hears -------------------------------------------------

    async def _on_message(self, conn: BotConnection, message: str | bytes) -> None:
        if conn.dropped:
            return
        if isinstance(message, bytes):
            conn.malformed.append(message)
            return
        try:
            obj = json.loads(message)
        except ValueError:
            conn.malformed.append(message)
            return
        if not isinstance(obj, dict):
            conn.malformed.append(message)
            return
        conn.messages.append(obj)
        kind = obj.get("event")
        sid = obj.get("streamSid")
        if kind == "start" and isinstance(obj.get("start"), dict):
            sid = obj["start"].get("streamSid", sid)
        if isinstance(sid, str) and sid:
            if not conn.stream_sid:
                conn.stream_sid = sid
            elif sid != conn.stream_sid and (
                not conn.stream_sid_changes or conn.stream_sid_changes[-1] != sid
            ):
                conn.stream_sid_changes.append(sid)
        if kind == "connected":
            conn.connected += 1
        elif kind == "start":
            await self._on_start(conn, obj)
        elif kind == "media":
            await self._on_media(conn, obj)
        elif kind == "dtmf":
            dtmf = obj.get("dtmf")
            digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
            if isinstance(digit, str):
                conn.received_dtmf.append(digit)
                conn.dtmf_at_ms.append(conn.caller_audio_ms)
        elif kind == "mark":
            mark = obj.get("mark")
            if isinstance(mark, dict) and isinstance(mark.get("name"), str):
                conn.marks_echoed.append(mark["name"])
        elif kind == "stop":
            conn.stops += 1
        elif kind == "guardrail.notice":
            conn.notices.append(obj)
            if not self.ignore_notices:
                if conn._speaking:
                    conn._epoch += 1  # cut the utterance in progress short
                if obj.get("respond") is True:
                    self._spawn(conn, self._next_line(conn))
                elif self.speak_says and obj.get("type") == "say" and obj.get("text"):
                    self._spawn(conn, self._speak(conn, str(obj["text"])))

    async def _on_start(self, conn: BotConnection, obj: dict[str, Any]) -> None:
        conn.starts.append(obj)
        first = len(conn.starts) == 1
        call_sid = obj["start"].get("callSid")
        if first and isinstance(call_sid, str):
            conn.call_sid = call_sid
            self.connections[call_sid] = conn
        if not first:
            return
        if self.garbage:
            for bad in garbage_messages(conn.stream_sid):
                with contextlib.suppress(ConnectionClosed):
                    await conn.ws.send(bad)
        if self.greet:
            self._spawn(conn, self._next_line(conn))

    async def _on_media(self, conn: BotConnection, obj: dict[str, Any]) -> None:
        media = obj.get("media")
        payload = media.get("payload") if isinstance(media, dict) else None
        if not isinstance(payload, str):
            return
        try:
            audio = base64.b64decode(payload, validate=True)
        except ValueError:
            return
        conn.received_media.append(audio)
        conn.caller_audio_ms += len(audio) / 8
        script = self.transcript_script
        while conn._script_pos < len(script) and script[conn._script_pos][0] <= (
            conn.caller_audio_ms
        ):
            text = script[conn._script_pos][1]
            conn._script_pos += 1
            await self._send_transcript(conn, text)
        if self.drop_after_ms is not None and conn.caller_audio_ms >= self.drop_after_ms:
            # Not awaited here: close() waits for the peer's close frame, which
            # queues behind unread messages, so the handler must keep reading.
            conn.dropped = True
            conn._closer = asyncio.create_task(conn.ws.close(self.drop_code, "scripted drop"))

    async def _send_transcript(
        self, conn: BotConnection, text: str, words: Sequence[dict[str, Any]] | None = None
    ) -> None:
        conn.heard.append(text)
        message: dict[str, Any] = {"event": "guardrail.transcript", "text": text, "final": True}
        if words:
            message["words"] = list(words)
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(json.dumps(message))

    # -- what the bot says --------------------------------------------------

    def _spawn(self, conn: BotConnection, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        conn._tasks.add(task)
        task.add_done_callback(conn._tasks.discard)
        return task

    async def _next_line(self, conn: BotConnection) -> Utterance | None:
        if conn.turn >= len(self.turns):
            return None
        text = self.turns[conn.turn]
        conn.turn += 1
        return await self._speak(conn, text)

    async def _speak(self, conn: BotConnection, text: str) -> Utterance:
        async with conn._lock:
            utt = Utterance(text=text, mark=f"utt-{len(conn.utterances)}", audio=b"")
            conn.utterances.append(utt)
            epoch = conn._epoch
            conn._speaking = True
            sent = bytearray()
            try:
                await conn.ws.send(
                    json.dumps({"event": "guardrail.agent_text", "text": text, "final": True})
                )
                await self._notify()
                if self.tts_latency_ms > 0:
                    await asyncio.sleep(self.tts_latency_ms / 1000)  # TTS latency, by design
                audio = mulaw.encode_bytes(utterance_pcm(text, ms_per_word=self.ms_per_word))
                loop = asyncio.get_running_loop()
                due = loop.time()
                for i in range(0, len(audio), FRAME_BYTES):
                    if conn._epoch != epoch:
                        return utt
                    if self.realtime:
                        delay = due - loop.time()
                        if delay > 0:
                            await asyncio.sleep(delay)
                        due += FRAME_MS / 1000
                    frame = audio[i : i + FRAME_BYTES]
                    await conn.ws.send(self._media(conn, frame))
                    sent += frame
                    utt.audio = bytes(sent)
                if conn._epoch != epoch:
                    return utt
                await conn.ws.send(
                    json.dumps(
                        {"event": "mark", "streamSid": conn.stream_sid, "mark": {"name": utt.mark}}
                    )
                )
                utt.complete = True
                return utt
            except ConnectionClosed:
                return utt
            finally:
                conn._speaking = False
                utt.done = True
                await self._notify()

    @staticmethod
    def _media(conn: BotConnection, frame: bytes) -> str:
        return json.dumps(
            {
                "event": "media",
                "streamSid": conn.stream_sid,
                "media": {"payload": base64.b64encode(frame).decode("ascii")},
            }
        )

    # -- what tests call ----------------------------------------------------

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` holds; re-checked after every message and utterance."""
        if self._cond is None:
            raise RuntimeError("the bot is not serving")
        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    await self._cond.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"ws_bot: timed out waiting for {what}") from None

    async def connection(self, call_sid: str, timeout: float = 5.0) -> BotConnection:
        """The connection whose ``start`` carried ``call_sid`` (waits for it)."""
        await self.wait_for(lambda: call_sid in self.connections, timeout, f"start of {call_sid}")
        return self.connections[call_sid]

    @staticmethod
    async def _outcome(task: asyncio.Task[Utterance | None]) -> Utterance | None:
        """The task's result, or ``None`` if the connection's end cancelled it.

        ``asyncio.wait`` rather than ``await task``: a task cancelled by the
        connection's teardown must not look like the caller being cancelled.
        """
        await asyncio.wait({task})
        return None if task.cancelled() else task.result()

    async def say(self, call_sid: str, text: str) -> Utterance | None:
        """Say ``text`` now: ``agent_text``, then its audio, then its mark.

        Returns the :class:`Utterance` once sent (``complete`` tells whether
        it was cut short), or ``None`` if the connection closed first.
        """
        conn = await self.connection(call_sid)
        return await self._outcome(self._spawn(conn, self._speak(conn, text)))

    async def say_next(self, call_sid: str) -> Utterance | None:
        """Say the next scripted line (``None`` when exhausted or the connection closed)."""
        conn = await self.connection(call_sid)
        return await self._outcome(self._spawn(conn, self._next_line(conn)))

    async def hear(
        self,
        call_sid: str,
        text: str,
        *,
        respond: bool = False,
        words: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """The bot's STT "heard" ``text``: send it as ``guardrail.transcript``.

        ``words``: the speech-to-text's word timings, ``{"word", "start_ms",
        "end_ms"}`` in stream time, as a real STT reports them. With
        ``respond`` the bot then says its next scripted line (and this
        returns once it has).
        """
        conn = await self.connection(call_sid)
        await self._send_transcript(conn, text, words)
        await self._notify()
        if respond:
            await self.say_next(call_sid)

    async def clear(self, call_sid: str) -> None:
        """Send Twilio's ``clear`` (barge-in: drop the audio queued for the caller)."""
        conn = await self.connection(call_sid)
        with contextlib.suppress(ConnectionClosed):
            await conn.ws.send(json.dumps({"event": "clear", "streamSid": conn.stream_sid}))

    async def hang_up(self, call_sid: str, code: int = 1000) -> None:
        """Close that call's socket from the bot's side."""
        conn = await self.connection(call_sid)
        await conn.ws.close(code, "bot hung up")
        await conn.closed.wait()

    @property
    def starts(self) -> list[dict[str, Any]]:
        """Every ``start`` message received, over all connections."""
        return [s for c in self.all_connections for s in c.starts]

    @property
    def notices(self) -> list[dict[str, Any]]:
        """Every ``guardrail.notice`` received, over all connections."""
        return [n for c in self.all_connections for n in c.notices]

    @property
    def received_audio(self) -> bytes:
        """All caller audio received, connection after connection."""
        return b"".join(c.received_audio for c in self.all_connections)

    @property
    def received_dtmf(self) -> list[str]:
        """Every ``dtmf`` digit received, over all connections."""
        return [d for c in self.all_connections for d in c.received_dtmf]


async def _run(args: argparse.Namespace) -> None:
    bot = ScriptedBot(
        args.turn or DEFAULT_TURNS,
        realtime=args.realtime,
        refuse=args.refuse,
        drop_after_ms=args.drop_after_ms,
        ignore_notices=args.ignore_notices,
        garbage=args.garbage,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot.serve(args.host, args.port):
        print(json.dumps({"url": bot.url}), flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """``python examples/ws_bot.py PORT``: serve until SIGINT/SIGTERM; prints its URL."""
    p = argparse.ArgumentParser(description="Scripted Twilio Media Streams bot (offline).")
    p.add_argument("port", type=int, help="TCP port (0: any free port)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--turn", action="append", help="a scripted line (repeat; default: built-in)")
    p.add_argument("--realtime", action="store_true", help="pace audio at 20 ms per frame")
    p.add_argument("--refuse", action="store_true", help="answer every handshake with 503")
    p.add_argument("--drop-after-ms", type=float, default=None)
    p.add_argument("--ignore-notices", action="store_true")
    p.add_argument("--garbage", action="store_true")
    asyncio.run(_run(p.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
