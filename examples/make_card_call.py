"""Rebuild examples/card_call.jsonl, the bundled example call for ``guardrail replay``.

A Twilio Media Streams message log, one message per line, as Twilio sends
them, with the side-channel messages a bot would send for its speech-to-text
and its LLM. The audio starts with examples/keypad_call.wav (a real voice
prompt, the test card 4111 1111 1111 1111 keyed on the phone's keypad, a
second prompt and "#"), cut into 20 ms mu-law media messages. The
conversation:

- the agent greets; the caller asks to pay a bill;
- the agent asks for the card number: the guardrail takes the caller to
  keypad capture instead, and the keyed digits never reach the bot;
- after "#", the caller is back with the bot (on a quieter line: the keypad
  part's white noise, 20 dB below the tones, is loud enough for webrtcvad
  to call it speech) and says "okay, thanks";
- asked "anything else?", the caller volunteers an SSN (made up, from a
  seeded generator: :data:`SSN`), which is redacted, and masked from the
  recording where its digits were spoken.

The caller's words after the keypad part are synthetic speech made here
(:func:`_voice`: a glottal pulse train through three formant resonators, one
vowel per syllable, at typical conversational word lengths and pauses), so
this script knows exactly where each word is: :data:`PLACED`. The speech-to-
text's word timings on the side channel are those times off by up to 30 ms
(a seeded jitter), with the digits as spoken words ("four") while the
transcript writes the number, as speech-to-text services with number
formatting do. ``tests/test_recording_mask.py`` measures the masking against
:data:`PLACED` and :data:`PROMPT_SPEECH_MS`.

Deterministic: the same file every run (numpy's seeded generators). Run from
the repo root: ``python examples/make_card_call.py``.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio import mulaw
from audio.wav import read_wav

HERE = Path(__file__).resolve().parent
STREAM = "MZ00000000000000000000000000000001"
CALL = "CA00000000000000000000000000000001"
RATE = 8000
FRAME_MS = 20


def _made_up_ssn(seed: int = 1123) -> str:
    """An SSN-shaped number from a seeded generator (area 100-665, group and serial
    never zero): nobody's, and the same every run."""
    r = random.Random(seed)
    return f"{r.randint(100, 665):03d}-{r.randint(10, 99):02d}-{r.randint(1000, 9999):04d}"


SSN = _made_up_ssn()
_DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_DIGIT_MS = (420, 300, 280, 360, 330, 380, 380, 400, 300, 380)
_DIGIT_VOWELS = ("io", "a", "u", "i", "o", "ai", "i", "ee", "ei", "ai")

PROMPT_SPEECH_MS = ((80.0, 1740.0), (4920.0, 6100.0))
"""The caller's speech in keypad_call.wav: the voiced extents of its two recorded
prompts (20 ms frames more than 6 dB above the file's noise floor, its 10th
percentile frame level); :func:`main` checks them when it rebuilds the log."""

_WAV_MS = 7180.0  # keypad_call.wav (7173 ms), padded to whole 20 ms frames
_OKAY_AT = _WAV_MS + 300.0
_SSN_AT = _WAV_MS + 3000.0


def _script() -> list[tuple[str, float, str, float, bool]]:
    """The caller's words after the keypad part: ``(word, ms, vowels, pause after,
    part of the SSN)``, in order; :data:`PLACED` lays them out in time."""
    words: list[tuple[str, float, str, float, bool]] = [
        ("yes", 300, "e", 200, False),
        ("my", 170, "ai", 50, False),
        ("social", 430, "oa", 50, False),
        ("is", 180, "i", 200, False),
    ]
    groups = SSN.split("-")
    for g, group in enumerate(groups):
        for k, ch in enumerate(group):
            d = int(ch)
            last = k == len(group) - 1
            pause = (200 if g == len(groups) - 1 else 220) if last else 70
            words.append((_DIGIT_NAMES[d], _DIGIT_MS[d], _DIGIT_VOWELS[d], pause, True))
    words += [
        ("if", 140, "i", 50, False),
        ("you", 160, "u", 50, False),
        ("need", 260, "i", 50, False),
        ("it", 150, "i", 60, False),
        ("for", 170, "o", 50, False),
        ("my", 170, "ai", 50, False),
        ("records", 520, "eo", 0, False),
    ]
    return words


def _lay_out(
    start: float, words: list[tuple[str, float, str, float, bool]]
) -> list[tuple[str, float, float, str, bool]]:
    out = []
    t = start
    for word, ms, vowels, pause, ssn in words:
        out.append((word, t, t + ms, vowels, ssn))
        t += ms + pause
    return out


_OKAY = _lay_out(_OKAY_AT, [("okay", 380, "oe", 60, False), ("thanks", 400, "a", 0, False)])
_SSN_UTTERANCE = _lay_out(_SSN_AT, _script())
PLACED: tuple[tuple[str, float, float, bool], ...] = tuple(
    (w, a, b, ssn) for w, a, b, _, ssn in _OKAY + _SSN_UTTERANCE
)
"""Every caller word after the keypad part: ``(word, start_ms, end_ms, part of
the SSN)`` in stream time, exactly where the audio has it."""
SSN_TEXT = f"yes, my social is {SSN} if you need it for my records"

_VOWELS = {  # F1, F2, F3 in Hz (adult male averages, Peterson and Barney 1952)
    "i": (270, 2290, 3010),
    "e": (530, 1840, 2480),
    "a": (730, 1090, 2440),
    "o": (570, 840, 2410),
    "u": (300, 870, 2240),
}


def _filter(x: np.ndarray, b0: float, a1: float, a2: float = 0.0) -> np.ndarray:
    """``y[n] = b0 x[n] + a1 y[n-1] + a2 y[n-2]`` (plain Python: a few thousand
    samples a word, and no signal-processing package needed)."""
    y = np.zeros(len(x))
    y1 = y2 = 0.0
    for i, v in enumerate(x.tolist()):
        y0 = b0 * v + a1 * y1 + a2 * y2
        y[i] = y0
        y1, y2 = y0, y1
    return y


def _resonator(x: np.ndarray, freq: float, bandwidth: float) -> np.ndarray:
    r = float(np.exp(-np.pi * bandwidth / RATE))
    return _filter(x, 1 - r, 2 * r * float(np.cos(2 * np.pi * freq / RATE)), -r * r)


def _voice(ms: float, vowels: str, rng: np.random.Generator, level: float = 6000.0) -> np.ndarray:
    """One synthetic spoken word: ``vowels`` one syllable each, ``ms`` long."""
    n = int(ms * RATE / 1000)
    t = np.arange(n) / RATE
    f0 = 118.0 * (1.0 + 0.06 * np.sin(np.pi * t / (ms / 1000)))
    phase = np.cumsum(f0 / RATE)
    source = np.diff(np.floor(phase), prepend=0.0)  # one pulse per glottal period
    source = _filter(source, 1.0, 0.95) + 0.02 * rng.standard_normal(n)
    y = np.zeros(n)
    envelope = np.zeros(n)
    for v, idx in zip(vowels, np.array_split(np.arange(n), len(vowels)), strict=True):
        part = source[idx]
        for freq, bw in zip(_VOWELS[v], (90, 110, 170), strict=True):
            part = _resonator(part, freq, bw)
        y[idx] = part
        envelope[idx] = np.sin(np.linspace(0, np.pi, len(idx))) ** 0.6
    y *= envelope
    return y * (level / (np.sqrt(np.mean(y**2)) + 1e-9))


def _check_prompts(pcm: np.ndarray) -> None:
    frames = pcm[: len(pcm) // 160 * 160].astype(np.float64).reshape(-1, 160)
    level = 20 * np.log10(frames.std(axis=1) + 1)
    loud = level > np.percentile(level, 10) + 6
    found = []
    for a, b in ((0, 2030), (4790, 6390)):  # before the first key; between the keys and "#"
        idx = [i for i in range(a // FRAME_MS, b // FRAME_MS) if loud[i]]
        found.append((float(idx[0] * FRAME_MS), float(idx[-1] * FRAME_MS + FRAME_MS)))
    if tuple(found) != PROMPT_SPEECH_MS:
        raise SystemExit(f"PROMPT_SPEECH_MS is out of date: the prompts are at {found}")


def _audio() -> bytes:
    pcm, _ = read_wav(HERE / "keypad_call.wav")
    _check_prompts(pcm)
    rng = np.random.default_rng(1123)
    end = PLACED[-1][2] + 1100.0
    tail = rng.normal(0.0, 100.0, int((end - _WAV_MS) * RATE / 1000))  # about -50 dBFS
    for _word, start, stop, vowels, _ in _OKAY + _SSN_UTTERANCE:
        a = int((start - _WAV_MS) * RATE / 1000)
        voice = _voice(stop - start, vowels, rng)
        tail[a : a + len(voice)] += voice
    pad = np.zeros(int(_WAV_MS * RATE / 1000) - len(pcm))
    full = np.concatenate([pcm.astype(np.float64), pad, tail])
    return mulaw.encode(np.clip(np.round(full), -32768, 32767).astype(np.int16)).tobytes()


def _heard(placed: list, rng: random.Random) -> list[dict]:
    """The speech-to-text's word timings: the placed times, each off by up to 30 ms."""
    out = []
    last = 0.0
    for word, start, stop, _, _ in placed:
        a = max(last, round(start + rng.uniform(-30, 30), -1))
        b = max(a, round(stop + rng.uniform(-30, 30), -1))
        out.append({"word": word, "start_ms": a, "end_ms": b})
        last = a
    return out


def build() -> str:
    """The message log, as the text of card_call.jsonl (the same every run)."""
    codes = _audio()
    jitter = random.Random(30)
    ssn_end = _SSN_UTTERANCE[-1][2]
    side = {
        1800.0: {
            "event": "guardrail.transcript",
            "text": "Hi, I'd like to pay my bill please.",
            "final": True,
        },
        2100.0: {
            "event": "guardrail.agent_text",
            "text": "Sure. What's the card number?",
            "final": True,
        },
        _OKAY[-1][2] + 540.0: {
            "event": "guardrail.transcript",
            "text": "Okay, thanks.",
            "final": True,
            "words": _heard(_OKAY, jitter),
        },
        _OKAY[-1][2] + 640.0: {
            "event": "guardrail.agent_text",
            "text": "Thank you, that's done. Anything else?",
            "final": True,
        },
        ssn_end + 600.0: {
            "event": "guardrail.transcript",
            "text": SSN_TEXT,
            "final": True,
            "words": _heard(_SSN_UTTERANCE, jitter),
        },
        ssn_end + 900.0: {
            "event": "guardrail.agent_text",
            "text": "No need, thanks. Goodbye!",
            "final": True,
        },
    }
    at = {round(t / FRAME_MS) * FRAME_MS: msg for t, msg in side.items()}
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
    seq = 2
    n = len(codes) // 160
    for i in range(n):
        t = i * FRAME_MS
        if t in at:
            lines.append(at.pop(t))
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
    if at:
        raise SystemExit("a side-channel message falls after the audio")
    lines += [
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
    return "".join(json.dumps(x) + "\n" for x in lines)


def main() -> None:
    out = HERE / "card_call.jsonl"
    text = build()
    out.write_text(text)
    print(f"wrote {out}: {text.count(chr(10))} messages")


if __name__ == "__main__":
    main()
