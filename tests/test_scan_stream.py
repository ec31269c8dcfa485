"""Per-call scanning across fragments, and the streaming redactor."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.detect import CallScanner, StreamingRedactor, scan

CARD_WORDS = "four one one one one one one one one one one one one one one one"


def test_card_split_across_fragments_of_one_turn():
    cs = CallScanner()
    first = cs.caller("four one one one one one one one")
    second = cs.caller("one one one one one one one one")
    assert [f.category for f in second.findings] == ["payment_card"]
    assert second.redacted == "[payment_card]"
    # without the first fragment, the second alone is just eight ones
    assert scan("one one one one one one one one").findings == ()
    assert first.findings == ()  # eight digits, no context: the session holds it back


def test_partial_card_in_card_context_is_already_card_data():
    cs = CallScanner()
    cs.agent("What's the card number?")
    assert cs.caller("it's 4111 1111").redacted == "it's [payment_card]"
    assert cs.caller("1111 1111").redacted == "[payment_card]"


def test_agent_request_sets_context_until_the_agent_speaks_again():
    cs = CallScanner()
    cs.agent("And the three digits on the back?")
    assert cs.expected == ("card_security_code",)
    assert cs.caller("seven three seven").redacted == "[card_security_code]"
    cs.agent("Thanks. How many people are travelling?")
    assert cs.expected == ()
    assert cs.caller("seven three seven").findings == ()


def test_interim_fragments_do_not_accumulate():
    cs = CallScanner()
    cs.caller("four one one one", final=False)
    cs.caller("four one one one one one", final=False)
    # the interims were replaced; only finals build the turn
    assert cs.caller("one one one one").findings == ()


def test_turn_end_separates_numbers():
    cs = CallScanner()
    cs.caller("four one one one one one one one")
    cs.end_caller_turn()
    assert cs.caller("one one one one one one one one").findings == ()


def test_bad_types_are_refused():
    with pytest.raises(TypeError):
        CallScanner().caller(b"4111")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role"):
        scan("x", "bot")
    with pytest.raises(TypeError):
        StreamingRedactor().push(5)  # type: ignore[arg-type]


TEXTS = [
    "Sure, your card number is 4111 1111 1111 1111 and the expiry is 04/29. Thanks!",
    f"I have it here. {CARD_WORDS} is the card, and my password is hunter2. Bye.",
    "my social is 078-05-1123, routing 121000358. Call me at 555-867-5309.",
    "Nothing to see here, just 3 apples and 12 oranges.",
    "It's 4111111111111111",
]


def stream(text: str, cuts: list[int], expected=()) -> tuple[list[str], StreamingRedactor]:
    sr = StreamingRedactor(expected)
    out = []
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    for a, b in itertools.pairwise(bounds):
        out.append(sr.push(text[a:b]))
    out.append(sr.flush())
    return out, sr


@pytest.mark.parametrize("text", TEXTS)
def test_streamed_token_by_token_equals_whole(text):
    whole = scan(text).redacted
    chunks, _ = stream(text, list(range(len(text))))
    assert "".join(chunks) == whole


@settings(max_examples=200)
@given(st.sampled_from(TEXTS), st.lists(st.integers(0, 200), max_size=30))
def test_any_split_gives_the_same_redaction_and_leaks_nothing(text, cuts):
    whole = scan(text).redacted
    chunks, _ = stream(text, cuts)
    assert "".join(chunks) == whole
    released = ""
    for ch in chunks:
        released += ch
        for secret in ("4111", "1123", "121000358", "hunter2", "one one one one"):
            if secret not in whole:
                assert secret not in released


def test_releases_plain_text_at_once_and_holds_back_numbers_until_decided():
    sr = StreamingRedactor()
    assert sr.push("Hello there, ") == "Hello there, "
    assert sr.push("my card is 4111") == "my card is "
    assert sr.held == 4
    assert sr.push(" 1111 1111 1111") == ""
    # decided once three words follow it (an address word could still come:
    # "... Hounslow Rd"), the last of them one the detector gives no meaning
    # to ("everyone"); the last word is held until it is known to be whole
    assert sr.push(" thanks") == ""
    assert sr.push(" for the help everyone") == ""
    assert sr.push(" today") == "[payment_card] thanks for the help everyone "
    assert sr.flush() == "today"


def test_held_text_is_bounded():
    sr = StreamingRedactor(max_hold=100)
    out = "".join(sr.push("1 ") for _ in range(200)) + sr.flush()
    assert not re.search(r"\d", out)
    assert sr.held_max <= 102


# Random texts: words, cues and numbers in every rendering, split anywhere.
_FULLWIDTH_CARD = "4111 1111 1111 1111".translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
_ARABIC_CARD = "4111 1111 1111 1111".translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
_PROSE = [
    "thanks", "hello", "weather", "nice", "great", "send", "calling", "today", "the", "for",
    "is", "my", "and", "please", "okay", ".", ",", "?", "so", "then", "that",
]  # fmt: skip
_CUES = [
    "card", "number", "social", "security", "code", "expires", "routing", "account", "password",
    "pin", "born", "date", "of", "birth", "last", "four", "digits", "iban", "zip", "phone",
    "order", "call", "me", "at", "on", "the", "back", "try", "as", "use", "sorry", "um",
    "double", "oh", "hundred", "thousand", "a", "July", "4th", "may",
]  # fmt: skip
_NUMBERS = ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "078-05-1123",
            "121000358", "04/29", "737", "1234", "12345678901", "GB82 WEST 1234 5698 7654 32",
            "four one one one", "one one one one", "seven three seven", "forty one eleven",
            "nineteen eighty", "hunter2", "555-867-5309", _FULLWIDTH_CARD,
            _ARABIC_CARD, "4111\u200b1111\u200b1111\u200b1111", "4111_1111_1111_1111",
            "(411) 111 1111"]  # fmt: skip
_PIECE = st.one_of(st.sampled_from(_PROSE), st.sampled_from(_CUES), st.sampled_from(_NUMBERS))
_RANDOM_TEXT = st.lists(_PIECE, min_size=1, max_size=40).map(" ".join)
_EXPECTED = st.sampled_from([
    (), ("payment_card",), ("card_security_code",), ("password",), ("ssn", "date_of_birth"),
    ("iban",), ("pin",), ("bank_account", "routing_number"), ("card_expiry",),
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_RANDOM_TEXT, st.lists(st.integers(0, 400), max_size=25), _EXPECTED)
def test_random_texts_split_anywhere_give_the_whole_text_redaction(text, cuts, expected):
    whole = scan(text, expected=expected).redacted
    chunks, sr = stream(text, cuts, expected)
    assert "".join(chunks) == whole
    assert sr.held == 0


@settings(max_examples=100, deadline=None)
@given(_RANDOM_TEXT, _EXPECTED)
def test_random_texts_character_by_character(text, expected):
    whole = scan(text, expected=expected).redacted
    chunks, _ = stream(text, list(range(len(text))), expected)
    assert "".join(chunks) == whole


def test_released_text_never_holds_part_of_a_finding():
    text = "so my card is 4111 1111 1111 1111 thanks, and my social is 078-05-1123 okay bye now"
    sr = StreamingRedactor()
    released = ""
    for ch in text:
        released += sr.push(ch)
        assert "4111" not in released
        assert "1123" not in released
    released += sr.flush()
    assert released == scan(text).redacted


def test_normalized_digits_are_redacted_in_the_original_characters():
    text = f"card {_FULLWIDTH_CARD} thanks so much"
    chunks, _ = stream(text, list(range(len(text))))
    assert "".join(chunks) == "card [payment_card] thanks so much"
    zw = "card 4111\u200b1111\u200b1111\u200b1111 ok"
    assert "".join(stream(zw, [3, 9, 14])[0]) == scan(zw).redacted == "card [payment_card] ok"


def test_the_tuning_sets_streamed_character_by_character_give_the_whole_redaction():
    """Every line of the generated and hand-written dev sets, pushed one character at
    a time: the stream's output is the whole text's redaction, but for passwords
    named only after they were said (the documented exception; counted)."""
    import json
    from pathlib import Path

    from guardrail.detect import StreamingRedactor, scan

    data = Path(__file__).resolve().parent.parent / "bench" / "data"
    differ, lines = [], 0
    for path in (data / "generated" / "dev.jsonl", data / "handwritten_dev" / "dev.jsonl"):
        for line in path.read_text().splitlines():
            item = json.loads(line)
            lines += 1
            whole = scan(item["text"], item["role"])
            sr = StreamingRedactor()
            out = "".join(sr.push(ch) for ch in item["text"]) + sr.flush()
            if out != whole.redacted:
                differ.append({f.category for f in whole.findings})
    assert len(differ) <= lines // 1000  # 6 of 7,950 when written
    assert all(cats == {"password"} for cats in differ)


@pytest.mark.parametrize(
    "text",
    [
        "Bluebird_Lane_7, that's the password.",  # one piece, held from its start
        "oak-river-22, that's my password for the portal.",
        "its K as in kilo b y exclamation point four i think",  # "as in" words held
        "dash, dash, capital R, o, x, dash, dash that's the one, I know.",  # symbol words
    ],
)
def test_a_password_streamed_character_by_character_leaks_no_part_of_it(text):
    """The stream holds a password from the start of its piece, through "as in" words
    and spoken symbols, and never releases the second half of a value whose first half
    went out: what it releases is the whole text's redaction at every step."""
    whole = scan(text).redacted
    assert "[password]" in whole
    secret_words = [w for w in re.findall(r"[a-z0-9_-]+", text.lower()) if w not in whole.lower()]
    sr = StreamingRedactor()
    released = ""
    for ch in text:
        released += sr.push(ch)
        for w in secret_words:
            assert w not in released.lower()
    assert released + sr.flush() == whole
