"""The detector on hand-written conversation cases (tests/detect_cases.py)."""

from __future__ import annotations

import pytest
from detect_cases import AGENT, AGENT_NEGATIVE, CALLER, CALLER_NEGATIVE

from guardrail.detect import CallScanner, scan


def _caller(prev, text):
    cs = CallScanner()
    if prev:
        cs.agent(prev)
    return cs.caller(text)


@pytest.mark.parametrize(("prev", "text", "expected"), CALLER)
def test_caller_disclosures(prev, text, expected):
    result = _caller(prev, text)
    got = sorted((f.category, text[f.start : f.end]) for f in result.findings)
    assert got == sorted(expected)
    for category, value in expected:
        assert value not in result.redacted or not any(ch.isdigit() for ch in value)
        assert f"[{category}]" in result.redacted


@pytest.mark.parametrize(("prev", "text"), CALLER_NEGATIVE)
def test_caller_texts_that_are_not_disclosures(prev, text):
    result = _caller(prev, text)
    assert [(f.category, text[f.start : f.end]) for f in result.findings] == []
    assert result.redacted == text


@pytest.mark.parametrize(("text", "expected"), AGENT)
def test_agent_requests(text, expected):
    assert list(scan(text, "agent").requests) == expected


@pytest.mark.parametrize("text", AGENT_NEGATIVE)
def test_agent_mentions_that_are_not_requests(text):
    assert scan(text, "agent").requests == ()


def test_caller_text_is_never_a_request():
    assert scan("what's your card number?", "caller").requests == ()


def test_agent_reading_a_card_back_is_a_finding():
    result = scan("I have 4111 1111 1111 1111 on file, is that right?", "agent")
    assert [f.category for f in result.findings] == ["payment_card"]
    assert "4111" not in result.redacted
