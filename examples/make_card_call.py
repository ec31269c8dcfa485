"""Rebuild examples/card_call.jsonl, the bundled example call for ``guardrail replay``.

A Twilio Media Streams message log, one message per line, as Twilio sends
them, with the side-channel messages a bot would send for its speech-to-text
and its LLM. The audio is examples/keypad_call.wav (a real voice prompt, the
test card 4111 1111 1111 1111 keyed on the phone's keypad, a second prompt
and "#"), cut into 20 ms mu-law media messages. The conversation:

- the agent greets; the caller asks to pay a bill;
- the agent asks for the card number: the guardrail takes the caller to
  keypad capture instead, and the keyed digits never reach the bot;
- after "#", the caller is back with the bot, and volunteers an SSN,
  which is redacted.

Run from the repo root: ``python examples/make_card_call.py``.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio import mulaw
from audio.wav import read_wav

HERE = Path(__file__).resolve().parent
STREAM = "MZ00000000000000000000000000000001"
CALL = "CA00000000000000000000000000000001"


def main() -> None:
    pcm, _ = read_wav(HERE / "keypad_call.wav")
    codes = mulaw.encode_bytes(pcm)
    lines: list[dict] = [
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": STREAM,
            "start": {
                "accountSid": "AC00000000000000000000000000000001",
                "streamSid": STREAM,
                "callSid": CALL,
                "tracks": ["inbound"],
                "customParameters": {},
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            },
        },
        {
            "event": "guardrail.agent_text",
            "text": "Thanks for calling. How can I help?",
            "final": True,
        },
    ]
    side = {
        1800: {
            "event": "guardrail.transcript",
            "text": "Hi, I'd like to pay my bill please.",
            "final": True,
        },
        2100: {
            "event": "guardrail.agent_text",
            "text": "Sure. What's the card number?",
            "final": True,
        },
    }
    seq = 2
    n = len(codes) // 160
    for i in range(n):
        t = i * 20
        if t in side:
            lines.append(side[t])
        lines.append(
            {
                "event": "media",
                "sequenceNumber": str(seq),
                "streamSid": STREAM,
                "media": {
                    "track": "inbound",
                    "chunk": str(i + 1),
                    "timestamp": str(t),
                    "payload": base64.b64encode(codes[i * 160 : (i + 1) * 160]).decode("ascii"),
                },
            }
        )
        seq += 1
    end = n * 20
    lines += [
        {
            "event": "guardrail.agent_text",
            "text": "Thank you, that's done. Anything else?",
            "final": True,
        },
        {
            "event": "guardrail.transcript",
            "text": "yes, my social is 078-05-1123 if you need it for my records",
            "final": True,
        },
        {"event": "guardrail.agent_text", "text": "No need, thanks. Goodbye!", "final": True},
        {
            "event": "mark",
            "sequenceNumber": str(seq),
            "streamSid": STREAM,
            "mark": {"name": "goodbye"},
        },
        {
            "event": "stop",
            "sequenceNumber": str(seq + 1),
            "streamSid": STREAM,
            "stop": {"accountSid": "AC00000000000000000000000000000001", "callSid": CALL},
        },
    ]
    out = HERE / "card_call.jsonl"
    out.write_text("".join(json.dumps(x) + "\n" for x in lines))
    print(f"wrote {out}: {len(lines)} messages, {end / 1000:.1f} s of audio")


if __name__ == "__main__":
    main()
