"""The detector on arbitrary input: never raises, answers stay well-formed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.detect import CallScanner, scan
from guardrail.detect.categories import DISCLOSURE_CATEGORIES, REQUEST_CATEGORIES

WORDS = st.sampled_from(
    [
        "four",
        "one",
        "oh",
        "double",
        "card",
        "number",
        "is",
        "my",
        "social",
        "4111",
        "1111",
        "-",
        ",",
        ".",
        "sorry",
        "um",
        "expires",
        "04/29",
        "routing",
        "121000358",
        "password",
        "born",
        "July",
        "4th",
        "1980",
        "last",
        "four",
        "digits",
        "$",
        "order",
        "GB82",
        "WEST",
        "1234",
        "twenty",
        "hundred",
        "thousand",
        "and",
        "?",
        "what's",
        "your",
        "please",
        "code",
        "pin",
    ]
)
TEXT = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join))


def check(text: str, result) -> None:
    last = 0
    for f in result.findings:
        assert f.category in DISCLOSURE_CATEGORIES
        assert last <= f.start < f.end <= len(text)
        last = f.end
    assert set(result.requests) <= set(REQUEST_CATEGORIES)
    if not result.findings:
        assert result.redacted == text


@settings(max_examples=500)
@given(TEXT, st.sampled_from(["caller", "agent"]))
def test_scan_never_raises_and_is_well_formed(text, role):
    check(text, scan(text, role))


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["caller", "agent", "end"]), TEXT), max_size=8))
def test_call_scanner_on_any_conversation(turns):
    cs = CallScanner()
    for role, text in turns:
        if role == "agent":
            check(text, cs.agent(text))
        elif role == "caller":
            check(text, cs.caller(text))
        else:
            cs.end_caller_turn()
