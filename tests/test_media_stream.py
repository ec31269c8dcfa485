"""Twilio Media Streams parsing: real messages, every kind, and bad input."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from crash_shapes import seeded as _seeded
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.events import (
    AgentText,
    CallerAudio,
    CallerDtmf,
    CallerTranscript,
    CallStarted,
    StreamStopped,
    Word,
)
from guardrail.media_stream import MAX_WORDS, StreamParser, StreamProtocolError


def test_real_capture(data_dir):
    p = StreamParser()
    events = []
    for line in (data_dir / "twilio_capture_head.jsonl").read_text().splitlines():
        events += p.parse(line)
    start, media = events
    assert isinstance(start, CallStarted)
    assert start.stream_sid == "9e7ee906-377b-408f-a852-eebfb834422a"
    assert start.call_sid.startswith("CA")
    assert isinstance(media, CallerAudio)
    assert (len(media.payload), media.t_ms) == (160, 52.0)


def test_every_message_kind():
    p = StreamParser()
    payload = base64.b64encode(bytes(160)).decode()
    msgs = [
        {"event": "media", "media": {"track": "inbound", "timestamp": "100", "payload": payload}},
        {"event": "dtmf", "dtmf": {"track": "inbound_track", "digit": "7"}},
        {"event": "guardrail.transcript", "text": "hello", "final": False},
        {"event": "guardrail.agent_text", "text": "hi", "final": True},
        {"event": "media", "media": {"track": "outbound", "timestamp": "120", "payload": payload}},
        {"event": "stop", "stop": {}},
    ]
    out = [e for m in msgs for e in p.parse(json.dumps(m))]
    assert [type(e) for e in out] == [
        CallerAudio,
        CallerDtmf,
        CallerTranscript,
        AgentText,
        StreamStopped,
    ]
    assert all(e.t_ms == 100.0 for e in out)


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("not json 4111111111111111", "not valid JSON"),
        ('["media"]', "not a JSON object"),
        ('{"x": 1}', "no event name"),
        ('{"event": "weird"}', "unknown event"),
        ('{"event": "media", "media": {"payload": "!!!4111"}}', "not valid base64"),
        ('{"event": "media", "media": {}}', "payload missing"),
        ('{"event": "media", "media": {"payload": "AA==", "timestamp": "x4111"}}', "timestamp"),
        ('{"event": "dtmf", "dtmf": {"digit": "4111"}}', "no valid digit"),
        (
            '{"event": "start", "start": {"mediaFormat": {"encoding": "audio/l16", '
            '"sampleRate": 16000}}}',
            "media format",
        ),
        ('{"event": "guardrail.transcript", "text": 4111}', "side-channel"),
        ("x" * 70000, "too large"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_messages_get_clear_errors_that_never_quote_them(message, words):
    with pytest.raises(StreamProtocolError, match=words) as info:
        StreamParser().parse(message)
    assert "4111" not in str(info.value)


@settings(max_examples=500)
@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
            lambda kids: (
                st.lists(kids, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "event",
                            "media",
                            "payload",
                            "timestamp",
                            "dtmf",
                            "digit",
                            "start",
                            "mediaFormat",
                            "text",
                            "final",
                            "track",
                            "words",
                            "word",
                            "start_ms",
                            "end_ms",
                        ]
                    ),
                    kids,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
@_seeded
def test_fuzz_parse_or_raise_the_documented_error(message):
    with contextlib.suppress(StreamProtocolError):
        StreamParser().parse(message)


def _transcript(words: object) -> str:
    return json.dumps(
        {"event": "guardrail.transcript", "text": "my pin is 4111", "final": True, "words": words}
    )


def test_transcript_word_timings_are_parsed_in_stream_time():
    words = [
        {"word": "my", "start_ms": 1000, "end_ms": 1150},
        {"word": "pin", "start_ms": 1200.5, "end_ms": 1400},
        {"word": "is", "start_ms": 1450, "end_ms": 1500},
        {"word": "4111", "start_ms": 1600, "end_ms": 2600},
    ]
    [ev] = StreamParser().parse(_transcript(words))
    assert isinstance(ev, CallerTranscript)
    assert ev.words == (
        Word("my", 1000.0, 1150.0),
        Word("pin", 1200.5, 1400.0),
        Word("is", 1450.0, 1500.0),
        Word("4111", 1600.0, 2600.0),
    )
    assert "4111" not in repr(ev)  # the words are hidden like the text
    [plain] = StreamParser().parse(_transcript([]))
    assert plain.words == ()


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("4111 at 1600", "must be a list"),
        ([{"word": "4111"}] * (MAX_WORDS + 1), "at most"),
        (["4111"], r"words\[0\] must be an object"),
        ([{"word": 4111, "start_ms": 0, "end_ms": 1}], r"words\[0\]\.word must be a string"),
        ([{"word": "4111" * 20, "start_ms": 0, "end_ms": 1}], r"\.word must be a string"),
        ([{"word": "4111", "start_ms": "0", "end_ms": 1}], r"\.start_ms must be a stream time"),
        ([{"word": "4111", "start_ms": 0, "end_ms": True}], r"\.end_ms must be a stream time"),
        ([{"word": "4111", "start_ms": -5, "end_ms": 1}], r"\.start_ms must be a stream time"),
        ([{"word": "4111", "start_ms": 9, "end_ms": 1}], "start_ms <= end_ms"),
        (
            [
                {"word": "my", "start_ms": 500, "end_ms": 600},
                {"word": "4111", "start_ms": 100, "end_ms": 400},
            ],
            "in spoken order",
        ),
    ],
)
def test_bad_word_timings_are_refused_without_quoting_them(words, says):
    with pytest.raises(StreamProtocolError, match=says) as info:
        StreamParser().parse(_transcript(words))
    assert "4111" not in str(info.value)
