"""What a proxied bot sends us, and what we send it (DESIGN.md, "Side channel").

In proxy mode the bot speaks Twilio's Media Streams protocol towards us, as it
would towards Twilio, plus the guardrail side channel:

- Twilio protocol, for the caller's side: ``media`` (its audio), ``mark`` and
  ``clear``. Each is checked (a ``media`` payload must be base64, a ``mark``
  must have a name) because the proxy passes it on to Twilio;
- side channel, consumed here and never passed on: ``guardrail.transcript``
  (what the bot's speech-to-text heard the caller say; optionally with its
  word timings in stream time, ``"words": [{"word", "start_ms", "end_ms"}]``,
  so a disclosure is masked from the recording where it was spoken: see
  :func:`~guardrail.media_stream.side_channel_event`) and
  ``guardrail.agent_text`` (what the bot is about to say). Any other
  ``guardrail.*`` message is consumed and dropped, so a newer bot talking to
  an older guardrail does not break the call.

:class:`BotParser` reads one message at a time and returns a
:class:`BotMessage`, or raises :class:`BotProtocolError`, whose message says
what was wrong without quoting the message (it may hold audio or a
transcript). It never raises anything else, whatever the input: that is
fuzz-tested, as for :class:`~guardrail.media_stream.StreamParser`.

The other way, ``guardrail.notice`` messages tell the bot what it must know
(:func:`notice`, :func:`typed_notice`); they never hold a value.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass

from .events import AgentText, CallerTranscript
from .media_stream import (
    MAX_PAYLOAD_BYTES,
    StreamProtocolError,
    decode_message,
    side_channel_event,
)

__all__ = [
    "BotMessage",
    "BotParser",
    "BotProtocolError",
    "dtmf",
    "mark_echo",
    "notice",
    "typed_notice",
]

MAX_MARK_NAME = 256
_MAX_PAYLOAD_B64 = MAX_PAYLOAD_BYTES * 4 // 3 + 4
_SIDE = frozenset({"guardrail.transcript", "guardrail.agent_text"})


class BotProtocolError(StreamProtocolError):
    """A message from the bot that is not valid protocol; safe to log (never quotes it)."""


@dataclass(frozen=True, slots=True)
class BotMessage:
    """One checked message from the bot.

    ``kind`` is ``media``, ``mark``, ``clear`` (for the caller's side, ``obj``
    is the decoded message to pass on), ``side`` (``event`` is the
    :class:`~guardrail.events.CallerTranscript` or
    :class:`~guardrail.events.AgentText` for the session) or ``ignored`` (an
    unknown ``guardrail.*`` message).
    """

    kind: str
    obj: dict
    event: CallerTranscript | AgentText | None = None


class BotParser:
    """Parses the bot's messages; stateless apart from what it is handed."""

    __slots__ = ()

    def parse(self, message: str | bytes, t_ms: float) -> BotMessage:
        """The checked message; side-channel events stamped ``t_ms`` (the session's now)."""
        obj = decode_message(message, BotProtocolError)
        kind = obj["event"]
        if kind == "media":
            media = obj.get("media")
            payload = media.get("payload") if isinstance(media, dict) else None
            if not isinstance(payload, str) or len(payload) > _MAX_PAYLOAD_B64:
                raise BotProtocolError("media payload missing or too large")
            try:
                binascii.a2b_base64(payload, strict_mode=True)
            except (binascii.Error, ValueError):
                raise BotProtocolError("media payload is not valid base64") from None
            return BotMessage("media", obj)
        if kind == "mark":
            mark = obj.get("mark")
            name = mark.get("name") if isinstance(mark, dict) else None
            if not isinstance(name, str) or len(name) > MAX_MARK_NAME:
                raise BotProtocolError("mark message needs a mark name (string)")
            return BotMessage("mark", obj)
        if kind == "clear":
            return BotMessage("clear", obj)
        if kind in _SIDE:
            return BotMessage("side", obj, side_channel_event(obj, t_ms, BotProtocolError))
        if kind.startswith("guardrail."):
            return BotMessage("ignored", obj)
        raise BotProtocolError("unknown event")


def notice(text: str, stream_sid: str, *, respond: bool = False) -> str:
    """``guardrail.notice``: what the bot must know; ``respond``: speak now."""
    return json.dumps(
        {"event": "guardrail.notice", "text": text, "respond": respond, "streamSid": stream_sid}
    )


def typed_notice(kind: str, stream_sid: str, text: str | None = None) -> str:
    """``guardrail.notice`` with a ``type``: ``say`` (speak ``text`` as it is),
    ``mute``/``unmute`` (the caller's audio is silence until unmuted),
    ``transcript`` (``text`` is the redacted form of what the bot last heard)
    or ``agent_redacted`` (what the bot last said held a value: its audio was
    not played; ``text`` is the redacted form)."""
    obj: dict[str, object] = {"event": "guardrail.notice", "type": kind, "streamSid": stream_sid}
    if text is not None:
        obj["text"] = text
    return json.dumps(obj)


def dtmf(digit: str, stream_sid: str) -> str:
    """A keypad press as Twilio's ``dtmf`` message (the session decides when, and which)."""
    return json.dumps(
        {
            "event": "dtmf",
            "streamSid": stream_sid,
            "dtmf": {"track": "inbound_track", "digit": digit},
        }
    )


def mark_echo(name: str, stream_sid: str) -> str:
    """A ``mark`` as Twilio echoes it, for a mark whose audio will never be played."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})
