"""JSON parsers of outside input (issue 11): the crashing shapes get a defined result.

A JSON integer longer than Python's 4,300-digit conversion limit, a lone
surrogate escape, ``NaN``/``Infinity`` and deep nesting are each either
parsed to a defined result or refused with the parser's own error, which
never quotes the input: for the stream parser, the bot parser, ``guardrail
replay`` and ``guardrail scan``. The fuzz tests here seed hypothesis with
those shapes (and the WAV parser with extreme chunk sizes), on top of the
random ones in the parsers' own test files.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from audio.errors import AudioFormatError
from audio.wav import parse_wav
from guardrail.bot_protocol import BotParser, BotProtocolError
from guardrail.cli import _scan_line
from guardrail.events import CallerTranscript
from guardrail.media_stream import StreamParser, StreamProtocolError

ROOT = Path(__file__).resolve().parent.parent
CARD = "4111111111111111"
BIG = "4111" * 1250  # 5,000 digits, past int's 4,300-digit limit
DEEP = "[" * 100_000 + "]" * 100_000

SHAPES = [
    '{"event": "media", "x": ' + BIG + "}",
    '{"event": "media", "x": -' + BIG + "}",
    '{"event": "media", "media": {"payload": "AA==", "timestamp": ' + BIG + "}}",
    '{"event": "stop", "x": [' + ", ".join([CARD] * 3) + ", " + BIG + "]}",
    '{"event": "stop", "x": NaN}',
    '{"event": "media", "media": {"payload": "AA==", "timestamp": Infinity}}',
    '{"event": "x", "y": -Infinity}',
    '{"event": "stop", "x": ' + DEEP + "}",
    DEEP,
    "[" * 100_000,
    '{"event": "guardrail.transcript", "text": "\\ud800 ' + CARD + '"}',
    '{"event": "guardrail.agent_text", "text": "\\udfff\\ud800"}',
    '{"event": "\\ud800stop"}',
    '{"\\ud800": 1, "event": "stop"}',
    '{"event": "guardrail.transcript", "text": "ok", "final": true, "\\ud83d": ["\\ude00"]}',
]
SHAPE_IDS = [f"shape{i}" for i in range(len(SHAPES))]


def _no_surrogates(obj: object) -> None:
    """Raises UnicodeEncodeError if any string in ``obj`` holds a lone surrogate."""
    json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _assert_clean_error(exc: BaseException, longest: int = 80) -> None:
    msg = str(exc)
    assert len(msg) < longest
    assert "4111" not in msg
    assert "1111" not in msg
    assert "\ud800" not in msg


@pytest.mark.parametrize("text", SHAPES, ids=SHAPE_IDS)
def test_the_shared_reader_parses_or_raises_its_error_and_leaves_no_surrogate(text):
    from guardrail.media_stream import loads_json

    try:
        obj = loads_json(text, StreamProtocolError)
    except StreamProtocolError as exc:
        _assert_clean_error(exc)
        return
    _no_surrogates(obj)  # encodable as UTF-8: every lone surrogate was replaced


def test_the_reader_bounds_integers_and_refuses_non_json_constants():
    from guardrail.media_stream import loads_json

    for text, words in [
        ('{"a": ' + BIG + "}", "number with too many digits"),
        ('{"a": NaN}', "NaN or Infinity"),
        ('{"a": -Infinity}', "NaN or Infinity"),
        (DEEP, "nested too deeply"),
    ]:
        with pytest.raises(StreamProtocolError, match=words) as info:
            loads_json(text, StreamProtocolError)
        _assert_clean_error(info.value)
    # ordinary numbers are untouched, up to the bound
    assert loads_json('{"a": ' + "9" * 100 + ', "b": -1.5e3}', ValueError) == {
        "a": int("9" * 100),
        "b": -1500.0,
    }


def test_lone_surrogates_become_the_replacement_character_pairs_are_kept():
    from guardrail.media_stream import loads_json

    obj = loads_json('{"t": "a\\ud800b\\ud83d\\ude00c", "\\udfff": ["\\ud800"]}', ValueError)
    assert obj == {"t": "a\ufffdb\U0001f600c", "\ufffd": ["\ufffd"]}


@pytest.mark.parametrize("text", SHAPES, ids=SHAPE_IDS)
def test_stream_parser_on_the_crashing_shapes(text):
    try:
        events = StreamParser().parse(text)
    except StreamProtocolError as exc:
        _assert_clean_error(exc)
        return
    for ev in events:
        if isinstance(ev, CallerTranscript):
            assert "\ud800" not in ev.text
            ev.text.encode("utf-8")


@pytest.mark.parametrize("text", SHAPES, ids=SHAPE_IDS)
def test_bot_parser_on_the_crashing_shapes(text):
    try:
        m = BotParser().parse(text, 0.0)
    except BotProtocolError as exc:
        _assert_clean_error(exc)
        return
    json.dumps(m.obj, ensure_ascii=False).encode("utf-8")


def test_a_5000_digit_integer_is_a_protocol_error_for_both_parsers():
    msg = '{"event": "media", "x": ' + BIG + "}"
    with pytest.raises(StreamProtocolError, match="too many digits"):
        StreamParser().parse(msg)
    with pytest.raises(BotProtocolError, match="too many digits"):
        BotParser().parse(msg, 0.0)


@pytest.mark.parametrize("text", SHAPES, ids=SHAPE_IDS)
def test_scan_line_parser_on_the_crashing_shapes(text):
    parsed = _scan_line(text.replace('"event"', '"text"').encode("utf-8"), 7, "caller")
    if isinstance(parsed, dict):
        assert set(parsed) == {"error"}
        assert parsed["error"].startswith("line 7: ")
        _assert_clean_error(parsed)
    else:
        _role, line_text = parsed
        line_text.encode("utf-8")


def _cli(command: str, *args: str, data: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guardrail.cli", command, *args],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def test_scan_a_5000_digit_integer_and_nan_are_line_errors_and_the_rest_goes_on():
    data = (
        b'{"text": "x", "n": ' + BIG.encode() + b"}\n"
        b'{"text": "x", "n": NaN}\n'
        b'{"text": "my social is 078-05-1123"}\n'
    )
    r = _cli("scan", data=data)
    assert r.returncode == 0, r.stderr
    outs = [json.loads(x) for x in r.stdout.splitlines()]
    assert outs[0] == {"error": "line 1: not valid JSON: a number with too many digits"}
    assert outs[1] == {"error": "line 2: not valid JSON: NaN or Infinity is not JSON"}
    assert outs[2]["redacted"] == "my social is [ssn]"
    assert b"4111" not in r.stdout + r.stderr
    assert b"Traceback" not in r.stderr


def test_scan_a_lone_surrogate_gives_valid_output_and_the_rest_goes_on():
    data = (
        b'{"text": "my card is \\ud800 ' + CARD.encode() + b'"}\n'
        b'{"text": "\\udfff"}\n'
        b'{"text": "my social is 078-05-1123"}\n'
    )
    r = _cli("scan", data=data)
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr
    raw = r.stdout.splitlines()
    assert len(raw) == 3
    outs = [json.loads(x.decode("utf-8")) for x in raw]  # strict UTF-8: valid output
    assert outs[0]["redacted"] == "my card is \ufffd [payment_card]"
    assert [f["category"] for f in outs[0]["findings"]] == ["payment_card"]
    assert outs[1]["redacted"] == "\ufffd"
    assert outs[2]["redacted"] == "my social is [ssn]"
    assert CARD.encode() not in r.stdout + r.stderr


def test_replay_a_5000_digit_integer_is_an_alert_and_the_rest_goes_on(tmp_path):
    log = tmp_path / "big.jsonl"
    log.write_text(
        '{"event": "connected"}\n'
        '{"event": "media", "x": ' + BIG + "}\n"
        '{"event": "stop", "x": NaN}\n'
        '{"event": "guardrail.transcript", "text": "\\ud800 hi", "final": true}\n'
        '{"event": "weird"}\n'
    )
    r = _cli("replay", str(log))
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr
    reasons = [json.loads(x)["reason"] for x in r.stdout.splitlines() if b'"alert"' in x]
    assert reasons[:3] == [
        "line 2: message is not valid JSON: a number with too many digits",
        "line 3: message is not valid JSON: NaN or Infinity is not JSON",
        "line 5: unknown event",
    ]
    assert b"4111" not in r.stdout + r.stderr


# -- fuzz: the shapes above as seeds, mutated ------------------------------------------

_mutated = st.builds(
    lambda base, cut, insert: base[:cut] + insert + base[cut:],
    st.sampled_from([s for s in SHAPES if len(s) < 20_000]),
    st.integers(0, 200),
    st.sampled_from(["", "\\ud800", "1" * 4400, "NaN", "[", "]", '"', ",", "}", "\\u", "\x00"]),
)
_json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.just(float("nan")),
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(st.sampled_from(["event", "text", "media", "final", "x"]), kids)
    ),
    max_leaves=12,
).map(json.dumps)


def _seeded(test):
    for s in SHAPES:
        test = example(s)(test)
    return test


@settings(max_examples=300, deadline=None)
@given(st.one_of(_mutated, _json_like, st.text(max_size=200)))
@_seeded
def test_fuzz_stream_parser_with_the_crashing_shapes(message):
    with contextlib.suppress(StreamProtocolError):
        StreamParser().parse(message)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_mutated, _json_like, st.text(max_size=200)))
@_seeded
def test_fuzz_bot_parser_with_the_crashing_shapes(message):
    try:
        m = BotParser().parse(message, 0.0)
    except BotProtocolError:
        return
    assert m.kind in ("media", "mark", "clear", "side", "ignored")


@settings(max_examples=300, deadline=None)
@given(st.one_of(_mutated, _json_like, st.binary(max_size=200).map(bytes.hex)))
@_seeded
def test_fuzz_scan_line_parser_with_the_crashing_shapes(line):
    parsed = _scan_line(
        line.replace('"event"', '"text"').encode("utf-8", "surrogatepass"), 1, "agent"
    )
    if isinstance(parsed, dict):
        assert set(parsed) == {"error"}
        assert parsed["error"].startswith("line 1: ")
    else:
        role, text = parsed
        assert role in ("caller", "agent")
        text.encode("utf-8")  # never a lone surrogate


# -- the WAV parser: its own fuzz tests are in tests/test_wav.py; these are the size shapes --

_FMT = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
_WAV_SEEDS = [
    b"RIFF\xff\xff\xff\xffWAVE" + _FMT + b"data\xff\xff\xff\xff" + b"\0" * 8,
    b"RIFF\0\0\0\0WAVE" + b"fmt \xff\xff\xff\xff" + b"\0" * 16,
    b"RIFF\0\0\0\0WAVE" + b"junk\xff\xff\xff\xff" + _FMT + b"data\2\0\0\0\0\0",
    b"RIFF\0\0\0\0WAVE" + b"junk\0\0\0\0" * 20_000 + _FMT + b"data\2\0\0\0\0\0",
    b"RIFF\0\0\0\0WAVE" + b"fmt " + struct.pack("<IHHIIHH", 16, 0xFFFE, 1, 8000, 0, 0, 8),
    b"RIFF\0\0\0\0WAVE" + _FMT + b"data\0\0\0\0",
    b"RIFF\0\0\0\0WAVE" + _FMT + b"data\3\0\0\0\0\0\0",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_WAV_SEEDS),
    st.lists(st.tuples(st.integers(0, 64), st.sampled_from([0, 1, 0x7F, 0xFF])), max_size=6),
)
def test_fuzz_wav_parser_with_extreme_chunk_sizes(seed, edits):
    data = bytearray(seed)
    for pos, val in edits:
        if pos < len(data):
            data[pos] = val
    try:
        pcm, info = parse_wav(bytes(data))
    except AudioFormatError as exc:
        _assert_clean_error(exc, longest=160)
        return
    assert info.samples == len(pcm) > 0
