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
    # "... Hounslow Rd"); the last word is held until it is known to be whole
    assert sr.push(" thanks") == ""
    assert sr.push(" for the help") == "[payment_card] thanks for the "
    assert sr.flush() == "help"


def test_held_text_is_bounded():
    sr = StreamingRedactor(max_hold=100)
    out = "".join(sr.push("1 ") for _ in range(200)) + sr.flush()
    assert not re.search(r"\d", out)
    assert sr.held_max <= 102
