"""A simulated Twilio: what Twilio does towards our server, over real loopback sockets.

Three things Twilio does to a voice application, played here exactly as
Twilio formats them so that the guardrail (or a bot) cannot tell the
difference on the wire:

- **webhooks** (:func:`post_webhook`): a form POST signed with
  ``X-Twilio-Signature`` over the *public* URL Twilio called (which, behind a
  reverse proxy, is not the URL the server sees);
- **the media stream** (:class:`TwilioCall`): a websocket whose upgrade is
  signed over the stream URL with no parameters, then ``connected`` and
  ``start`` (field layout copied from a real Twilio capture), 20 ms ``media``
  messages of 160 mu-law bytes with ``chunk``, ``timestamp`` and a shared
  ``sequenceNumber``, ``dtmf`` and ``stop``;
- **playback**: what the server sends back is collected, and, like Twilio,
  every ``mark`` is echoed once the audio queued before it has been played
  (at once when not paced in real time), and a ``clear`` drops the queued
  audio and echoes the pending marks at once. Messages addressed to another
  ``streamSid`` are not played (Twilio ignores them); they are kept in
  :attr:`TwilioCall.misaddressed` so a test can see a proxy that forgot to
  rewrite them.

Audio helpers make the caller talk (:func:`speech_like`) and key digits as
in-band keypad tones (:meth:`TwilioCall.send_keyed`), with or without the
``dtmf`` messages Twilio adds when it detects them.

Nothing here sleeps to hide a race: waits are on conditions
(:meth:`TwilioCall.wait_for`), and the only sleeps are the 20 ms pacing of
``realtime`` sending and playback, which is what Twilio itself does.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import json
import math
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import aiohttp
import numpy as np
from twilio.request_validator import RequestValidator
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from audio import mulaw
from audio.synth import keyed_sequence

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "FRAME_BYTES",
    "FRAME_MS",
    "StreamRejected",
    "TwilioCall",
    "parse_connect_stream",
    "post_webhook",
    "sign",
    "speech_like",
    "voice_form",
]

FRAME_MS = 20
"""Twilio sends (and expects) 20 ms of audio per ``media`` message."""
FRAME_BYTES = 160
"""20 ms of 8 kHz mu-law: one byte per sample."""
DEFAULT_ACCOUNT_SID = "AC00000000000000000000000000000001"


def sign(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    """Twilio's ``X-Twilio-Signature`` for a request to ``url`` with form ``params``.

    Twilio signs the full URL it called (query string included) followed by the
    sorted POST parameters; a websocket upgrade is signed with no parameters.
    """
    return RequestValidator(auth_token).compute_signature(url, dict(params or {}))


async def post_webhook(
    base_url: str,
    path: str,
    form: Mapping[str, str],
    auth_token: str,
    *,
    public_url: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> tuple[int, str]:
    """POST ``form`` to ``base_url + path`` as Twilio does; returns ``(status, body)``.

    The signature is computed over ``(public_url or base_url) + path``: Twilio
    signs the public URL it called, so a server behind a proxy must
    reconstruct that URL, not the one it was reached on. ``session`` reuses a
    client session; without it one is opened and closed for this request.
    """
    signed_for = (public_url or base_url).rstrip("/") + path
    headers = {"X-Twilio-Signature": sign(auth_token, signed_for, form)}
    own = session is None
    http = aiohttp.ClientSession() if session is None else session
    try:
        async with http.post(base_url.rstrip("/") + path, data=dict(form), headers=headers) as r:
            return r.status, await r.text()
    finally:
        if own:
            await http.close()


def voice_form(
    call_sid: str,
    *,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    from_: str = "+14155550100",
    to: str = "+14155550199",
    call_status: str = "ringing",
    **extra: str,
) -> dict[str, str]:
    """The form of Twilio's incoming-call webhook (the fields a server relies on)."""
    return {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": call_status,
        "Called": to,
        "Caller": from_,
        "Direction": "inbound",
        "From": from_,
        "To": to,
        **extra,
    }


def parse_connect_stream(twiml: str) -> tuple[str, dict[str, str]]:
    """The ``<Connect><Stream url>`` of a TwiML answer and its ``<Parameter>``s.

    These are what Twilio turns into the stream's URL and the ``start``
    message's ``customParameters``. Raises :class:`ValueError` if the TwiML
    does not connect a stream.
    """
    try:
        root = ET.fromstring(twiml)  # noqa: S314 - our own server's answer, on loopback
    except ET.ParseError as e:
        raise ValueError(f"TwiML is not XML: {e}") from None
    stream = root.find("Connect/Stream")
    if stream is None or not stream.get("url"):
        raise ValueError("TwiML has no <Connect><Stream url=...>")
    params = {
        p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter") if p.get("name")
    }
    return stream.get("url", ""), params


def speech_like(ms: float, *, seed: int = 0, level_dbfs: float = -20.0) -> np.ndarray:
    """``ms`` of a voiced, speech-like int16 signal at 8 kHz (deterministic per ``seed``).

    A harmonic series on a wandering 100-200 Hz pitch under a ~4 Hz syllable
    envelope: webrtcvad calls it speech and the DTMF detector finds no key in
    it (no stable pair of pure tones), so it stands for a caller talking
    without an audio file. ``level_dbfs`` is the RMS level relative to a
    full-scale sine.
    """
    rng = np.random.default_rng(seed)
    n = int(round(ms * 8))
    t = np.arange(n) / 8000.0
    f0 = (
        140.0
        + 40.0 * np.sin(2 * np.pi * (0.7 + 0.3 * rng.random()) * t + 6.28 * rng.random())
        + 10.0 * np.sin(2 * np.pi * 3.1 * t)
    )
    phase = 2 * np.pi * np.cumsum(f0) / 8000.0
    sig = np.zeros(n)
    for k in range(1, 25):
        sig += np.sin(k * phase + 6.28 * rng.random()) / k
    syllables = 0.5 - 0.5 * np.cos(2 * np.pi * 4.0 * t + 6.28 * rng.random())
    sig = sig * np.clip(1.4 * syllables - 0.2, 0.0, 1.0) + 0.01 * rng.standard_normal(n)
    rms = float(np.sqrt(np.mean(sig**2))) if n else 1.0
    target = 32767.0 * 10 ** (level_dbfs / 20) / math.sqrt(2)
    return np.clip(np.round(sig * target / (rms or 1.0)), -32768, 32767).astype(np.int16)


class StreamRejected(Exception):
    """The server refused the media-stream websocket upgrade with HTTP ``status``."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"websocket upgrade refused with HTTP {status}")
        self.status = status
        self.body = body


class TwilioCall:
    """One simulated call leg's media stream, as Twilio plays it.

    Open with :meth:`connect` (and close with :meth:`close`, or use
    ``async with``). What the server sends back is collected:

    - ``received_media``: decoded payload bytes of each ``media`` message
      (``received_audio`` joins them);
    - ``marks``: names of the ``mark`` messages, in order; ``mark_echoes``:
      ``(name, "played" | "cleared")`` for each echo sent back;
    - ``clears``: how many ``clear`` messages came; ``dropped_bytes``: queued
      audio a ``clear`` discarded (real-time playback only);
    - ``other``: valid JSON messages of any other event (a leaked
      ``guardrail.*`` message lands here); ``malformed``: raw messages that
      are not a JSON object or carry bad base64; ``misaddressed``: media,
      mark or clear for another ``streamSid`` (Twilio ignores those);
    - ``inbox``: every parsed message in arrival order;
    - ``closed_code``/``close_reason`` once the socket is closed.

    Sending on a closed stream is a no-op (Twilio stops streaming when the
    server hangs up): the ``send_*`` methods report what was actually sent.
    """

    def __init__(
        self,
        ws: ClientConnection,
        *,
        call_sid: str,
        stream_sid: str,
        account_sid: str,
        realtime: bool,
    ) -> None:
        self.ws = ws
        self.call_sid = call_sid
        self.stream_sid = stream_sid
        self.account_sid = account_sid
        self.realtime = realtime
        self.timestamp_ms = 0
        """The stream clock: the ``timestamp`` of the next media message, in ms."""
        self.sequence = 0
        """The last ``sequenceNumber`` sent (shared by every message but ``connected``)."""
        self.chunk = 0
        """The last inbound ``chunk`` number sent."""
        self.sent_audio = bytearray()
        self.received_media: list[bytes] = []
        self.marks: list[str] = []
        self.mark_echoes: list[tuple[str, str]] = []
        self.clears = 0
        self.dropped_bytes = 0
        self.other: list[dict[str, Any]] = []
        self.malformed: list[str | bytes] = []
        self.misaddressed: list[dict[str, Any]] = []
        self.inbox: list[dict[str, Any]] = []
        self.closed_code: int | None = None
        self.close_reason: str = ""
        self.closed = asyncio.Event()
        self._cond = asyncio.Condition()
        self._loop = asyncio.get_running_loop()
        self._play_until = 0.0
        self._pending: collections.deque[tuple[float, str]] = collections.deque()
        self._wake = asyncio.Event()
        self._next_send: float | None = None
        self._receiver = asyncio.create_task(self._receive(), name=f"twilio-sim-rx-{call_sid}")
        self._pump = (
            asyncio.create_task(self._play_marks(), name=f"twilio-sim-play-{call_sid}")
            if realtime
            else None
        )

    # -- opening ------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        ws_url: str,
        auth_token: str,
        *,
        call_sid: str,
        stream_sid: str | None = None,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        custom_parameters: Mapping[str, str] | None = None,
        signed_url: str | None = None,
        tracks: Sequence[str] = ("inbound",),
        realtime: bool = False,
        send_start: bool = True,
        signature: str | None = None,
        open_timeout: float = 5.0,
    ) -> TwilioCall:
        """Open the stream to ``ws_url`` and send ``connected`` and ``start``.

        The upgrade carries ``X-Twilio-Signature`` over ``signed_url or
        ws_url`` with no parameters (Twilio signs ``wss://host/path``; on
        loopback the ``ws://`` URL); ``signature`` overrides it (a forged
        one, for refusal tests). ``realtime`` paces sending and playback at
        20 ms a frame. ``send_start=False`` stops after the handshake, for
        tests of a stream that never starts. A refused upgrade raises
        :class:`StreamRejected` with the HTTP status.
        """
        sig = signature if signature is not None else sign(auth_token, signed_url or ws_url)
        try:
            ws = await connect(
                ws_url,
                additional_headers={"X-Twilio-Signature": sig},
                compression=None,  # Twilio does not negotiate permessage-deflate
                proxy=None,  # loopback: never through an HTTP(S)_PROXY from the environment
                open_timeout=open_timeout,
                max_size=2**20,
            )
        except InvalidStatus as e:
            raise StreamRejected(e.response.status_code, e.response.body or b"") from None
        call = cls(
            ws,
            call_sid=call_sid,
            stream_sid=stream_sid or "MZ" + uuid.uuid4().hex,
            account_sid=account_sid,
            realtime=realtime,
        )
        if send_start:
            await call.send_json({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await call.send_start(custom_parameters or {}, tracks=tracks)
        return call

    @classmethod
    @contextlib.asynccontextmanager
    async def open(cls, ws_url: str, auth_token: str, **kwargs: Any) -> AsyncIterator[TwilioCall]:
        """:meth:`connect` as an ``async with`` block that closes the stream on exit."""
        call = await cls.connect(ws_url, auth_token, **kwargs)
        try:
            yield call
        finally:
            await call.close()

    def _next_seq(self) -> str:
        self.sequence += 1
        return str(self.sequence)

    async def send_start(
        self, custom_parameters: Mapping[str, str], *, tracks: Sequence[str] = ("inbound",)
    ) -> bool:
        """Send ``start`` (layout of a real capture: ``start`` object, then ``streamSid``)."""
        return await self.send_json(
            {
                "event": "start",
                "sequenceNumber": self._next_seq(),
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": list(tracks),
                    "mediaFormat": {
                        "encoding": "audio/x-mulaw",
                        "sampleRate": 8000,
                        "channels": 1,
                    },
                    "customParameters": dict(custom_parameters),
                },
                "streamSid": self.stream_sid,
            }
        )

    # -- sending ------------------------------------------------------------

    async def send_json(self, message: Mapping[str, Any]) -> bool:
        """Send one JSON message as is; ``False`` if the stream is already closed."""
        return await self.send_raw(json.dumps(message, separators=(",", ":")))

    async def send_raw(self, message: str | bytes) -> bool:
        """Send one websocket message (text, or binary for ``bytes``) unchanged."""
        if self.closed.is_set():
            return False
        try:
            await self.ws.send(message)
        except ConnectionClosed:
            return False
        return True

    async def send_audio(
        self, audio: np.ndarray | bytes | bytearray, *, realtime: bool | None = None
    ) -> bytes:
        """Send caller audio as 20 ms ``media`` messages; returns the mu-law bytes sent.

        ``audio`` is int16 PCM (encoded here) or mu-law bytes. A last partial
        frame is padded with mu-law silence (Twilio always sends 160 bytes),
        and the padding is part of what is returned. ``realtime`` (default:
        the call's) sleeps to 20 ms per frame on a drift-corrected schedule;
        otherwise frames go as fast as the socket takes them. Stops early,
        without error, if the stream closes.
        """
        if isinstance(audio, np.ndarray):
            if audio.dtype != np.int16:
                raise TypeError("PCM audio must be int16")
            data = mulaw.encode_bytes(np.ascontiguousarray(audio))
        else:
            data = bytes(audio)
        rem = len(data) % FRAME_BYTES
        if rem:
            data += bytes([mulaw.SILENCE]) * (FRAME_BYTES - rem)
        sent = bytearray()
        for i in range(0, len(data), FRAME_BYTES):
            frame = data[i : i + FRAME_BYTES]
            if not await self._send_frame(frame, self.realtime if realtime is None else realtime):
                break
            sent += frame
        return bytes(sent)

    async def _send_frame(self, frame: bytes, realtime: bool) -> bool:
        if realtime:
            now = self._loop.time()
            if self._next_send is None or self._next_send < now - FRAME_MS / 1000:
                self._next_send = now  # idle since the last frame: a new schedule
            if self._next_send > now:
                await asyncio.sleep(self._next_send - now)
            self._next_send += FRAME_MS / 1000
        self.chunk += 1
        ok = await self.send_json(
            {
                "event": "media",
                "sequenceNumber": self._next_seq(),
                "media": {
                    "track": "inbound",
                    "chunk": str(self.chunk),
                    "timestamp": str(self.timestamp_ms),
                    "payload": base64.b64encode(frame).decode("ascii"),
                },
                "streamSid": self.stream_sid,
            }
        )
        if ok:
            self.timestamp_ms += FRAME_MS
            self.sent_audio += frame
        return ok

    async def send_silence(self, ms: float, *, realtime: bool | None = None) -> bytes:
        """Send ``ms`` of mu-law silence (Twilio streams continuously, silence included)."""
        n = int(math.ceil(ms / FRAME_MS)) * FRAME_BYTES
        return await self.send_audio(bytes([mulaw.SILENCE]) * n, realtime=realtime)

    async def send_dtmf(self, digit: str) -> bool:
        """Send Twilio's ``dtmf`` message for one key (``track`` is ``inbound_track``)."""
        return await self.send_json(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": self._next_seq(),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    async def send_keyed(
        self,
        digits: str,
        *,
        dtmf_messages: bool = True,
        tone_ms: float = 70.0,
        gap_ms: float = 70.0,
        lead_ms: float = 100.0,
        tail_ms: float = 100.0,
        level_dbfs: float = -10.0,
        realtime: bool | None = None,
    ) -> list[tuple[str, float, float]]:
        """Key ``digits`` on the phone's keypad: in-band tones in the caller audio.

        With ``dtmf_messages`` each key's ``dtmf`` message follows the frame
        holding the end of its tone, as Twilio sends it once it has detected
        the key. Returns each key's ``(digit, start_ms, end_ms)`` in stream
        time (the ``timestamp`` clock), so a test can check masking spans.
        """
        pcm, spans = keyed_sequence(
            digits,
            tone_ms=tone_ms,
            gap_ms=gap_ms,
            lead_ms=lead_ms,
            tail_ms=tail_ms,
            level_dbfs=level_dbfs,
        )
        data = mulaw.encode_bytes(pcm)
        rem = len(data) % FRAME_BYTES
        if rem:
            data += bytes([mulaw.SILENCE]) * (FRAME_BYTES - rem)
        t0 = self.timestamp_ms
        after_frame: dict[int, list[str]] = {}
        for d, _start, end in spans:
            after_frame.setdefault(int(math.ceil(end / FRAME_MS)), []).append(d)
        rt = self.realtime if realtime is None else realtime
        for n, i in enumerate(range(0, len(data), FRAME_BYTES), start=1):
            if not await self._send_frame(data[i : i + FRAME_BYTES], rt):
                break
            if dtmf_messages:
                for d in after_frame.get(n, ()):
                    await self.send_dtmf(d)
        return [(d, t0 + s, t0 + e) for d, s, e in spans]

    async def send_stop(self) -> bool:
        """Send Twilio's ``stop`` (the stream ends: hang-up or a redirect of the call)."""
        return await self.send_json(
            {
                "event": "stop",
                "sequenceNumber": self._next_seq(),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
            }
        )

    async def hangup(self) -> None:
        """What Twilio does when the stream ends: ``stop``, then a normal close."""
        await self.send_stop()
        await self.close()

    # -- receiving ----------------------------------------------------------

    @property
    def received_audio(self) -> bytes:
        """Every mu-law byte the server sent for this stream, in order."""
        return b"".join(self.received_media)

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition"
    ) -> None:
        """Wait until ``predicate()`` holds, re-checked on every message and on close.

        Raises :class:`TimeoutError` naming ``what`` after ``timeout`` seconds.
        """
        try:
            async with asyncio.timeout(timeout):
                async with self._cond:
                    await self._cond.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"twilio sim: timed out waiting for {what}") from None

    async def wait_closed(self, timeout: float = 5.0) -> int | None:
        """Wait until the socket is closed (by either side); returns ``closed_code``."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
        except TimeoutError:
            raise TimeoutError("twilio sim: the server did not close the stream") from None
        return self.closed_code

    async def _receive(self) -> None:
        try:
            async for message in self.ws:
                await self._handle(message)
                await self._notify()
        except ConnectionClosed:
            pass
        finally:
            self.closed_code = self.ws.close_code
            self.close_reason = self.ws.close_reason or ""
            self.closed.set()
            self._wake.set()
            await self._notify()

    async def _handle(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.malformed.append(message)
            return
        try:
            obj = json.loads(message)
        except ValueError:
            self.malformed.append(message)
            return
        if not isinstance(obj, dict):
            self.malformed.append(message)
            return
        self.inbox.append(obj)
        kind = obj.get("event")
        if kind not in ("media", "mark", "clear"):
            self.other.append(obj)
            return
        if obj.get("streamSid") != self.stream_sid:
            self.misaddressed.append(obj)
            return
        if kind == "media":
            media = obj.get("media")
            payload = media.get("payload") if isinstance(media, dict) else None
            try:
                audio = binascii.a2b_base64(payload, strict_mode=True)  # type: ignore[arg-type]
            except (binascii.Error, TypeError, ValueError):
                self.malformed.append(message)
                return
            self.received_media.append(audio)
            now = self._loop.time()
            self._play_until = max(now, self._play_until) + len(audio) / 8000.0
        elif kind == "mark":
            mark = obj.get("mark")
            name = mark.get("name") if isinstance(mark, dict) else None
            if not isinstance(name, str):
                self.malformed.append(message)
                return
            self.marks.append(name)
            if not self.realtime or self._play_until <= self._loop.time():
                await self._echo(name, "played")
            else:
                self._pending.append((self._play_until, name))
                self._wake.set()
        else:
            self.clears += 1
            now = self._loop.time()
            if self._play_until > now:
                self.dropped_bytes += int(round((self._play_until - now) * 8000))
            self._play_until = now
            pending, self._pending = list(self._pending), collections.deque()
            self._wake.set()
            for _due, name in pending:
                await self._echo(name, "cleared")

    async def _echo(self, name: str, why: str) -> None:
        ok = await self.send_json(
            {
                "event": "mark",
                "sequenceNumber": self._next_seq(),
                "streamSid": self.stream_sid,
                "mark": {"name": name},
            }
        )
        if ok:
            self.mark_echoes.append((name, why))
            await self._notify()

    async def _play_marks(self) -> None:
        """Real-time playback: echo each pending mark when the audio before it has played."""
        while not self.closed.is_set():
            if not self._pending:
                self._wake.clear()
                await self._wake.wait()
                continue
            due, name = self._pending[0]
            delay = due - self._loop.time()
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            self._pending.popleft()
            await self._echo(name, "played")

    # -- closing ------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket normally and stop the background tasks (idempotent)."""
        with contextlib.suppress(ConnectionClosed):
            await self.ws.close(code, reason)
        await self._stop_tasks()

    async def drop(self) -> None:
        """Drop the TCP connection without a close frame (a network failure)."""
        transport = self.ws.transport
        if transport is not None:
            transport.abort()
        with contextlib.suppress(ConnectionClosed):
            await self.ws.wait_closed()
        await self._stop_tasks()

    async def _stop_tasks(self) -> None:
        await self._receiver
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    async def __aenter__(self) -> TwilioCall:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
