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
)
from guardrail.media_stream import StreamParser, StreamProtocolError


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
