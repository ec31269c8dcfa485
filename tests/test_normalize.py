"""Normalization before detection: what it rewrites, and the map back to the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.detect import scan
from guardrail.detect.normalize import normalize

CARD = "4111 1111 1111 1111"
FULLWIDTH = CARD.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
ARABIC_INDIC = CARD.translate({ord(d): 0x0660 + int(d) for d in "0123456789"})
DEVANAGARI = CARD.translate({ord(d): 0x0966 + int(d) for d in "0123456789"})


def test_plain_ascii_is_its_own_normalization():
    n = normalize("my card is 4111 1111 1111 1111")
    assert n.text == n.source
    assert n.identity


def test_unicode_digits_become_ascii_digits():
    for text in (FULLWIDTH, ARABIC_INDIC, DEVANAGARI):
        assert normalize(text).text == CARD


def test_format_characters_are_removed_and_dashes_and_spaces_become_ascii():
    assert normalize("4111\u200b1111\u2060\ufeff1111\u00ad1111").text == "4111111111111111"
    assert normalize("078\u201305\u20141123").text == "078-05-1123"
    assert normalize("4111\u00a01111\u20021111\u30001111").text == CARD
    assert normalize("4111_1111_1111_1111").text == "4111_1111_1111_1111"  # a password's too
    assert normalize("(411) 111").text == " 411  111"


def test_spans_map_back_to_the_input_characters():
    text = "card 4111\u200b1111\u200b1111\u200b1111 thanks"
    n = normalize(text)
    a = n.text.index("4111")
    assert n.span(a, a + 16) == (5, 5 + 19)  # the zero-width spaces inside are covered
    lig = normalize("\ufb01ne 4")  # the ligature is two letters from one character
    assert lig.text == "fine 4"
    assert lig.span(0, 1) == (0, 1)
    assert lig.span(1, 2) == (0, 1)
    assert lig.span(5, 6) == (4, 5)


def test_scan_finds_and_redacts_in_the_input_characters():
    for text in (FULLWIDTH, ARABIC_INDIC, DEVANAGARI, "4111\u200b1111\u200b1111\u200b1111"):
        r = scan(f"my card is {text}, thanks")
        assert r.redacted == "my card is [payment_card], thanks"
        [f] = r.findings
        assert (f.start, f.end) == (11, 11 + len(text))
    r = scan("my social is 078\u201305\u20131123")
    assert r.redacted == "my social is [ssn]"
    assert scan("card 4111_1111_1111_1111").redacted == "card [payment_card]"


def test_normalizing_in_pieces_is_normalizing_the_whole():
    text = "a\u200bb \uff14\uff11 \u0664\ufb01 c\u00ad"
    for cut in range(len(text) + 1):
        left = normalize(text[:cut])
        left.extend(normalize(text[cut:]))
        whole = normalize(text)
        assert left.text == whole.text
        assert [left.span(i, i + 1) for i in range(len(whole.text))] == [
            whole.span(i, i + 1) for i in range(len(whole.text))
        ]


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_any_text_maps_every_character_inside_the_input(text):
    n = normalize(text)
    last = 0
    for i in range(len(n.text)):
        a, b = n.span(i, i + 1)
        assert last <= a < b <= len(text)  # in order, never outside the input
        last = a
    assert n.start(len(n.text)) == len(text)
    r = scan(text)
    for f in r.findings:
        assert 0 <= f.start < f.end <= len(text)


def test_drop_keeps_the_map_of_the_rest():
    n = normalize("ab\u200b\u200bcd\u2474ef")
    dropped = n.drop(2)
    assert dropped == 4
    assert n.source == "cd\u2474ef"
    assert n.text == "cd1ef"
    assert n.span(2, 3) == (2, 3)


def test_an_underscore_stays_in_a_written_password_and_still_separates_card_digits():
    assert scan("set the password to bluejay_rocket1").redacted == "set the password to [password]"
    assert scan("card 4111_1111_1111_1111").redacted == "card [payment_card]"
