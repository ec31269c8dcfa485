"""Checksums and structure rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guardrail.detect.validators import (
    CARD_LENGTHS,
    LuhnSums,
    aba_ok,
    card_brand,
    iban_ok,
    luhn_ok,
    ssn_ok,
)

# Public test numbers (Adyen, Stripe, card-scheme documentation).
TEST_CARDS = {
    "4111111111111111": "visa",
    "4000056655665556": "visa",
    "4111111111111111003": "visa",
    "5555555555554444": "mastercard",
    "2223003122003222": "mastercard",
    "378282246310005": "amex",
    "370000000000002": "amex",
    "6011111111111117": "discover",
    "6445644564456445": "discover",
    "3530111333300000": "jcb",
    "30569309025904": "diners",
    "36006666333344": "diners",
    "6200000000000005": "unionpay",
    "6759649826438453": "maestro",
    "122000000000003": "uatp",
}


@pytest.mark.parametrize(("pan", "brand"), TEST_CARDS.items())
def test_test_cards_pass_luhn_and_have_their_brand(pan, brand):
    assert luhn_ok(pan)
    assert card_brand(pan) == brand


@pytest.mark.parametrize(
    "pan", ["4111111111111112", "1748503543012", "1700000000000", "9999999999999995", "12345"]
)
def test_not_cards(pan):
    assert not (luhn_ok(pan) and card_brand(pan))


def test_luhn_detects_every_single_digit_error():
    pan = "4111111111111111"
    for i in range(len(pan)):
        for d in "0123456789":
            if d != pan[i]:
                assert not luhn_ok(pan[:i] + d + pan[i + 1 :])


@pytest.mark.parametrize(
    ("ssn", "ok"),
    [
        ("078051121", True),
        ("123456789", True),
        ("000123456", False),
        ("666123456", False),
        ("900123456", False),
        ("123001234", False),
        ("123450000", False),
        ("12345678", False),
    ],
)
def test_ssn_rules(ssn, ok):
    assert ssn_ok(ssn) is ok


@pytest.mark.parametrize(
    ("aba", "ok"),
    [
        ("121000358", True),
        ("021000021", True),
        ("011000015", True),
        ("421042111", False),
        ("123400000", False),
        ("000000000", False),
        ("12100035", False),
    ],
)
def test_aba_checksum(aba, ok):
    assert aba_ok(aba) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("GB82WEST12345698765432", True),
        ("DE89370400440532013000", True),
        ("NL13TEST0123456789", True),
        ("gb82west12345698765432", True),
        ("GB82WEST12345698765433", False),
        ("GB82WEST1234569876543", False),
        ("XX82WEST12345698765432", False),
        ("GB8", False),
    ],
)
def test_iban(iban, ok):
    assert iban_ok(iban) is ok


@given(st.text(max_size=40))
def test_validators_never_raise(s):
    for fn in (luhn_ok, ssn_ok, aba_ok, iban_ok):
        assert fn(s) in (True, False)
    assert card_brand(s) is None or isinstance(card_brand(s), str)


def _luhn_by_the_book(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@settings(max_examples=2000)
@given(st.text(alphabet="0123456789", min_size=1, max_size=25))
def test_luhn_matches_the_textbook_algorithm(digits):
    assert luhn_ok(digits) == _luhn_by_the_book(digits)


@given(st.text(max_size=25))
def test_luhn_refuses_anything_but_ascii_digits(text):
    if not (text.isascii() and text.isdigit()):
        assert luhn_ok(text) is False


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=1, max_size=40), st.data())
def test_luhn_sums_agree_with_luhn_ok_on_every_stretch(digits, data):
    sums = LuhnSums(digits)
    start = data.draw(st.integers(0, len(digits) - 1))
    end = data.draw(st.integers(start + 1, len(digits)))
    assert sums.ok(start, end) == luhn_ok(digits[start:end])


def test_luhn_sums_on_a_card_inside_a_longer_run():
    digits = "99" + "4111111111111111" + "7"
    sums = LuhnSums(digits)
    assert sums.ok(2, 18)
    assert not sums.ok(2, 17)


def test_luhn_sums_refuse_what_is_not_digits():
    with pytest.raises(ValueError, match="ASCII digits"):
        LuhnSums("4111 1111")


@settings(max_examples=300)
@given(st.text(alphabet="0123456789", min_size=12, max_size=19))
def test_card_lengths_by_prefix_admit_every_branded_number(digits):
    if card_brand(digits):
        assert len(digits) in CARD_LENGTHS[digits[:2]]
