"""Proxy mode's parts, one at a time: the bot's side of the wire and the config keys.

Parsers of outside input hold one invariant whatever they are given: parse
it, or raise the documented error (never another), whose message never
quotes the input.
"""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from crash_shapes import seeded as _seeded
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.bot_protocol import BotParser, BotProtocolError, notice, typed_notice
from guardrail.config import Config, ConfigError
from guardrail.events import AgentText, CallerTranscript
from guardrail.media_stream import StreamProtocolError
from guardrail.proxy import _masked
from guardrail.sim.bot import garbage_messages

SECRETISH = "4111111111111111"

# -- the bot's messages -------------------------------------------------------------------


def test_what_a_bot_sends_is_sorted_into_what_goes_where():
    p = BotParser()
    payload = base64.b64encode(bytes(160)).decode()
    cases = [
        ({"event": "media", "streamSid": "MZ1", "media": {"payload": payload}}, "media", None),
        ({"event": "mark", "streamSid": "MZ1", "mark": {"name": "utt-0"}}, "mark", None),
        ({"event": "clear", "streamSid": "MZ1"}, "clear", None),
        ({"event": "guardrail.transcript", "text": "hi", "final": False}, "side", CallerTranscript),
        ({"event": "guardrail.agent_text", "text": "Hello."}, "side", AgentText),
        ({"event": "guardrail.something_newer", "x": 1}, "ignored", None),
    ]
    for obj, kind, event in cases:
        m = p.parse(json.dumps(obj), 1234.0)
        assert m.kind == kind
        assert m.obj == obj
        if event is None:
            assert m.event is None
        else:
            assert type(m.event) is event
            assert m.event.t_ms == 1234.0
    assert p.parse(json.dumps(cases[4][0]).encode(), 0.0).event.final is True  # bytes too


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("this is not json", "not valid JSON"),
        ("[1, 2, 3]", "not a JSON object"),
        ('{"no_event": true}', "no event name"),
        ('{"event": "start", "start": {}}', "unknown event"),  # the bot never starts a stream
        ('{"event": "media", "media": {"payload": "!!"}}', "not valid base64"),
        ('{"event": "media", "media": {}}', "payload missing"),
        ('{"event": "media", "media": {"payload": "' + "A" * 30000 + '"}}', "too large"),
        ('{"event": "mark", "mark": "utt"}', "mark name"),
        ('{"event": "mark", "mark": {"name": "' + "n" * 300 + '"}}', "mark name"),
        ('{"event": "guardrail.agent_text", "text": 42}', "needs text"),
        ('{"event": "guardrail.transcript", "text": "x", "final": "yes"}', "needs text"),
        (b"\x00\xffbinary", "not UTF-8"),
        ("x" * 70_000, "too large"),
    ],
)
def test_bad_bot_messages_get_clear_errors_that_never_quote_them(message, words):
    with pytest.raises(BotProtocolError, match=words) as info:
        BotParser().parse(message, 0.0)
    assert isinstance(info.value, StreamProtocolError)  # one family of "their fault" errors
    text = message if isinstance(message, str) else message.decode("latin-1")
    assert len(str(info.value)) < 80
    assert text[:20] not in str(info.value)


def test_the_example_bots_garbage_is_all_refused():
    for message in garbage_messages("MZ1"):
        with pytest.raises(BotProtocolError):
            BotParser().parse(message, 0.0)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_events = st.sampled_from(
    ["media", "mark", "clear", "guardrail.transcript", "guardrail.agent_text", "guardrail.x", "z"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        _json.map(json.dumps),
        st.builds(
            lambda e, rest: json.dumps({"event": e, **rest}),
            _events,
            st.dictionaries(
                st.sampled_from(["media", "mark", "text", "final", "streamSid"]), _json
            ),
        ),
    )
)
@_seeded
def test_fuzz_the_bot_parser_parses_or_raises_its_own_error(message):
    try:
        m = BotParser().parse(message, 0.0)
    except BotProtocolError:
        return
    assert m.kind in ("media", "mark", "clear", "side", "ignored")


def test_notices_for_the_bot_hold_only_what_they_are_given():
    assert json.loads(notice("card ending 1111 accepted", "MZ1", respond=True)) == {
        "event": "guardrail.notice",
        "text": "card ending 1111 accepted",
        "respond": True,
        "streamSid": "MZ1",
    }
    assert json.loads(typed_notice("mute", "MZ1")) == {
        "event": "guardrail.notice",
        "type": "mute",
        "streamSid": "MZ1",
    }


def test_a_masked_media_message_keeps_every_field_but_the_payload():
    original = {
        "event": "media",
        "sequenceNumber": "7",
        "media": {"track": "inbound", "chunk": "6", "timestamp": "120", "payload": "AAEC"},
        "streamSid": "MZnew",
    }
    out = json.loads(_masked(json.dumps(original), b"\xff\xff\xff", "MZfirst"))
    assert out["media"] == {**original["media"], "payload": base64.b64encode(b"\xff" * 3).decode()}
    assert out["sequenceNumber"] == "7"
    assert out["streamSid"] == "MZfirst"


# -- config keys --------------------------------------------------------------------------


def test_proxy_mode_keys_and_their_defaults():
    c = Config.from_toml("")
    assert (c.api_base_url, c.public_url, c.drain_timeout_s, c.bot_url) == (
        "https://api.twilio.com",
        None,
        30.0,
        None,
    )
    c = Config.from_toml(
        """
        [twilio]
        api_base_url = "http://127.0.0.1:8099"
        [server]
        public_url = "https://guard.example.com/"
        drain_timeout_s = 5
        [bot]
        url = "wss://bot.internal/twilio?token=abc"
        [store]
        url = "sqlite:///var/lib/guardrail/guardrail.db"
        """
    )
    assert c.api_base_url == "http://127.0.0.1:8099"
    assert c.public_url == "https://guard.example.com"
    assert c.stream_url == "wss://guard.example.com/twilio/media"
    assert c.drain_timeout_s == 5.0
    assert c.bot_url == "wss://bot.internal/twilio?token=abc"
    assert c.store_url == "sqlite:///var/lib/guardrail/guardrail.db"
    assert Config.from_toml('[bot]\nurl = "ws://localhost:9000/bot"').bot_url.startswith("ws:")
    assert Config.from_toml('[server]\npublic_url = "http://[::1]:8080"').stream_url == (
        "ws://[::1]:8080/twilio/media"
    )


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[bot]\nurl = "ws://bot.internal/4111111111111111"', r"bot\.url: ws:// is only allowed"),
        ('[bot]\nurl = "https://bot.internal/x"', r"bot\.url: must be wss://"),
        ("[bot]\nurl = 4111111111111111", r"bot\.url: a URL in a string"),
        ('[twilio]\napi_base_url = "http://api.4111111111111111.com"', r"twilio\.api_base_url"),
        ('[server]\npublic_url = "http://guard.example.com"', r"server\.public_url: http://"),
        ('[server]\npublic_url = "https://g.example.com/4111111111111111"', "no path"),
        ('[server]\npublic_url = "https://u:4111111111111111@g.example.com"', "no user"),
        ('[server]\npublic_url = "https://g.example.com:99999"', "not a valid URL"),
        ("[server]\ndrain_timeout_s = 0", r"server\.drain_timeout_s"),
        ("[server]\ndrain_timeout_s = true", r"server\.drain_timeout_s"),
        ("[server]\ndrain_timeout_s = nan", r"server\.drain_timeout_s"),
        ("[store]\nurl = 4111111111111111", r"store\.url"),
        ("[store]\nx4111111111111111 = 1", "store: an unknown key"),
        ("[bot]\nurl4111111111111111 = 1", "bot: an unknown key"),
        ("[s4111111111111111]\n", "an unknown section"),
        ("[twilio]\nscopes = [[1]]", r"twilio\.scopes"),
        ("a = 4111111111111111x", r"not valid TOML at line 1, column 21"),
        ("[a4111111111111111]\nb = 1\n[a4111111111111111]\n", "not valid TOML"),
        ("bot = 1", r"bot: must be a table"),
    ],
)
def test_config_errors_name_our_key_and_never_quote_the_file(toml, words):
    with pytest.raises(ConfigError, match=words) as info:
        Config.from_toml(toml)
    message = str(info.value)
    assert SECRETISH not in message
    assert "4111" not in message


_toml_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
_sections = st.sampled_from(["twilio", "server", "bot", "store"])
_keys = st.sampled_from(
    ["url", "public_url", "api_base_url", "drain_timeout_s", "trust_forwarded", "scopes", "x"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_sections, st.dictionaries(_keys, _toml_value, max_size=3), max_size=3))
def test_fuzz_the_config_loader_accepts_or_raises_config_error(data):
    with contextlib.suppress(ConfigError):
        Config.from_dict(data)
