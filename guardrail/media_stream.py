"""Twilio Media Streams messages (and our side channel) to session events.

:class:`StreamParser` reads one websocket text message at a time, exactly as
Twilio sends them (``connected``, ``start``, ``media``, ``dtmf``, ``mark``,
``stop``), plus the side-channel messages a non-Pipecat bot sends on its own
socket (``guardrail.transcript``, ``guardrail.agent_text``). It returns the
events for the session, or raises :class:`StreamProtocolError`, whose message
says what was wrong without quoting the message (which may hold audio or a
transcript). It never raises anything else, whatever the input: that is
fuzz-tested.

Stream time comes from the ``media.timestamp`` clock; messages without a
timestamp (``dtmf``, side channel, ``stop``) are stamped with the time of the
latest audio.
"""

from __future__ import annotations

import binascii
import functools
import json
import re

from .events import (
    AgentText,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    StreamStopped,
    Word,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "StreamParser",
    "StreamProtocolError",
    "decode_message",
    "loads_json",
    "side_channel_event",
]

MAX_MESSAGE_BYTES = 64 * 1024
"""Twilio media messages are about 300 bytes; anything near this is not one."""
MAX_PAYLOAD_BYTES = 16 * 1024
_DTMF = frozenset("0123456789*#ABCD")
_IGNORED = frozenset({"connected", "mark", "clear"})
MAX_WORDS = 512
"""Most word timings one ``guardrail.transcript`` may carry."""
MAX_WORD_CHARS = 64
MAX_INT_DIGITS = 100
"""Longest JSON integer accepted (sign included); Python's own limit is 4,300 digits."""
_SURROGATE_HINT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class StreamProtocolError(ValueError):
    """A message that is not valid Twilio Media Streams input; safe to log."""


class _Refused(Exception):
    """Raised by the :func:`loads_json` hooks; carries a message that quotes nothing."""


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS:
        raise _Refused("a number with too many digits")
    return int(digits)


def _no_constant(_name: str) -> float:
    raise _Refused("NaN or Infinity is not JSON")


def _clean(s: str) -> str:
    return _SURROGATE.sub("\ufffd", s)


def _replace_surrogates(obj: object) -> object:
    """``obj`` with every lone surrogate in its strings (keys too) made U+FFFD.

    Iterative, so a document nested as deeply as :mod:`json` allows is walked
    without recursion. Pairs were joined by the decoder; what is left is lone.
    """
    if isinstance(obj, str):
        return _clean(obj)
    root: list = [obj]
    stack: list = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for k, v in items:
                node[_clean(k)] = _clean(v) if isinstance(v, str) else v
                if isinstance(v, dict | list):
                    stack.append(v)
        else:
            for i, v in enumerate(node):
                if isinstance(v, str):
                    node[i] = _clean(v)
                elif isinstance(v, dict | list):
                    stack.append(v)
    return root[0]


def loads_json(text: str, error: type[ValueError]) -> object:
    """Parse one JSON document from outside; raise ``error`` if it is not one we accept.

    The one JSON reader for outside input (the Media Streams parser, the bot
    parser, ``guardrail replay`` and ``guardrail scan``). Beyond what
    :func:`json.loads` refuses, it refuses integers longer than
    :data:`MAX_INT_DIGITS` (Python would raise a bare ``ValueError`` past
    4,300), ``NaN``/``Infinity`` (not JSON) and nesting too deep to decode.
    Every lone surrogate (``"\\ud800"``) in a string or key becomes U+FFFD,
    so what it returns can always be encoded as UTF-8. The message of
    ``error`` starts ``not valid JSON`` and never quotes ``text``.
    """
    try:
        obj = _decoder().decode(text)
    except _Refused as exc:
        raise error(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise error("not valid JSON: nested too deeply") from None
    except ValueError:  # JSONDecodeError, and anything else the decoder refuses
        raise error("not valid JSON") from None
    # a surrogate is either escaped ("\\ud800") or a character outside ASCII:
    # two C-level tests spare the per-message regex for almost every message
    if ("\\u" in text or not text.isascii()) and _SURROGATE_HINT.search(text):
        obj = _replace_surrogates(obj)
    return obj


@functools.cache
def _decoder() -> json.JSONDecoder:
    """One decoder for every message (``json.loads`` with hooks builds one per call)."""
    return json.JSONDecoder(parse_int=_bounded_int, parse_constant=_no_constant)


class StreamParser:
    """Parses one stream's messages in order; keeps the stream clock."""

    __slots__ = ("call_sid", "last_t", "started", "stream_sid")

    def __init__(self) -> None:
        self.started = False
        self.stream_sid = ""
        self.call_sid = ""
        self.last_t = 0.0

    def parse(self, message: str | bytes) -> list:
        """Events for one message (possibly none); :class:`StreamProtocolError` if bad."""
        obj = decode_message(message)
        kind = obj["event"]
        if kind == "media":
            return self._media(obj)
        if kind == "start":
            return self._start(obj)
        if kind == "dtmf":
            return self._dtmf(obj)
        if kind == "stop":
            return [StreamStopped(self.last_t)]
        if kind in ("guardrail.transcript", "guardrail.agent_text"):
            return [side_channel_event(obj, self.last_t)]
        if kind in _IGNORED:
            return []
        raise StreamProtocolError("unknown event")

    def _start(self, obj: dict) -> list:
        start = obj.get("start")
        if not isinstance(start, dict):
            raise StreamProtocolError("start message has no start object")
        fmt = start.get("mediaFormat")
        if isinstance(fmt, dict) and (
            fmt.get("encoding") != "audio/x-mulaw"
            or fmt.get("sampleRate") != 8000
            or fmt.get("channels", 1) != 1
        ):
            raise StreamProtocolError("media format must be audio/x-mulaw, 8000 Hz, mono")
        stream_sid = start.get("streamSid", obj.get("streamSid", ""))
        call_sid = start.get("callSid", "")
        if not isinstance(stream_sid, str) or not isinstance(call_sid, str):
            raise StreamProtocolError("start message has malformed identifiers")
        self.started = True
        self.stream_sid = stream_sid[:64]
        self.call_sid = call_sid[:64]
        return [CallStarted(self.call_sid, self.stream_sid, self.last_t)]

    def _media(self, obj: dict) -> list:
        media = obj.get("media")
        if not isinstance(media, dict):
            raise StreamProtocolError("media message has no media object")
        track = media.get("track", "inbound")
        if track not in ("inbound", "inbound_track"):
            return []
        payload = media.get("payload")
        if not isinstance(payload, str) or len(payload) > MAX_PAYLOAD_BYTES * 4 // 3 + 4:
            raise StreamProtocolError("media payload missing or too large")
        try:
            audio = binascii.a2b_base64(payload, strict_mode=True)
        except (binascii.Error, ValueError):
            raise StreamProtocolError("media payload is not valid base64") from None
        ts = media.get("timestamp")
        t = self.last_t
        if ts is not None:
            try:
                t = float(ts)
            except (TypeError, ValueError):
                raise StreamProtocolError("media timestamp is not a number") from None
            if not 0.0 <= t < 1e10:
                raise StreamProtocolError("media timestamp out of range")
        self.last_t = t
        return [CallerAudio(audio, t)]

    def _dtmf(self, obj: dict) -> list:
        dtmf = obj.get("dtmf")
        digit = dtmf.get("digit") if isinstance(dtmf, dict) else None
        if not isinstance(digit, str) or digit not in _DTMF:
            raise StreamProtocolError("dtmf message has no valid digit")
        return [CallerDtmf(digit, self.last_t)]


def decode_message(message: object, error: type[StreamProtocolError] = StreamProtocolError) -> dict:
    """One websocket message as a JSON object with a string ``event``, or ``error``.

    Shared by both directions of proxy mode (:mod:`guardrail.bot_protocol`
    reads the bot's side with it). The size limit is checked before decoding,
    which is :func:`loads_json` (bounded integers, no ``NaN``, lone
    surrogates replaced); the error never quotes the message.
    """
    if isinstance(message, bytes | bytearray):
        if len(message) > MAX_MESSAGE_BYTES:
            raise error("message too large")
        try:
            message = bytes(message).decode("utf-8")
        except UnicodeDecodeError:
            raise error("message is not UTF-8") from None
    elif not isinstance(message, str):
        raise error("message must be text")
    if len(message) > MAX_MESSAGE_BYTES:
        raise error("message too large")
    try:
        obj = loads_json(message, error)
    except StreamProtocolError as exc:
        raise error(f"message is {exc}") from None
    if not isinstance(obj, dict):
        raise error("message is not a JSON object")
    if not isinstance(obj.get("event"), str):
        raise error("message has no event name")
    return obj


def side_channel_event(
    obj: dict, t_ms: float, error: type[StreamProtocolError] = StreamProtocolError
) -> CallerTranscript | AgentText:
    """A ``guardrail.transcript``/``guardrail.agent_text`` message as its event.

    ``guardrail.transcript`` may carry the speech-to-text's word timings,
    ``"words": [{"word": "four", "start_ms": 7410, "end_ms": 7690}, ...]``,
    in stream time (the ``media.timestamp`` clock, in ms), in the order they
    were spoken: with them a disclosure is masked from the recording where
    its own words were spoken, not over the whole utterance. At most
    :data:`MAX_WORDS` words, each ``word`` a string of at most
    :data:`MAX_WORD_CHARS` characters and ``0 <= start_ms <= end_ms``; any
    other shape refuses the message (a refused message is not forwarded).
    """
    text = obj.get("text")
    final = obj.get("final", True)
    if not isinstance(text, str) or not isinstance(final, bool):
        raise error("side-channel message needs text (string) and final (bool)")
    if obj["event"] == "guardrail.transcript":
        words = obj.get("words")
        return CallerTranscript(text, final, t_ms, _words(words, error) if words else ())
    return AgentText(text, final, t_ms)


def _words(words: object, error: type[StreamProtocolError]) -> tuple[Word, ...]:
    """The ``words`` of a transcript message, checked; the error never quotes one."""
    if not isinstance(words, list) or len(words) > MAX_WORDS:
        raise error(f"transcript words must be a list of at most {MAX_WORDS} objects")
    out: list[Word] = []
    last = 0.0
    for i, w in enumerate(words):
        where = f"transcript words[{i}]"
        if not isinstance(w, dict):
            raise error(f"{where} must be an object with word, start_ms and end_ms")
        text = w.get("word")
        if not isinstance(text, str) or len(text) > MAX_WORD_CHARS:
            raise error(f"{where}.word must be a string of at most {MAX_WORD_CHARS} characters")
        times = []
        for key in ("start_ms", "end_ms"):
            v = w.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1e10:
                raise error(f"{where}.{key} must be a stream time in ms (a number >= 0)")
            times.append(float(v))
        start, end = times
        if end < start or start < last:
            raise error(f"{where}: times must satisfy start_ms <= end_ms, in spoken order")
        last = start
        out.append(Word(text, start, end))
    return tuple(out)
