"""The values the generated items carry: public test cards and generated numbers only.

Every number here is either a payment card number published for testing
(the six well-known test PANs and Adyen's test cards, copied into
``bench/data/outside/cards``) or drawn from a seeded generator in a valid
shape (SSNs, ABA routing numbers with a correct checksum, IBANs with correct
mod-97 check digits). None belongs to a person.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ADYEN_CARDS",
    "PUBLIC_TEST_PANS",
    "TEST_PANS",
    "aba_ok",
    "iban_ok",
    "luhn_ok",
]

OUTSIDE = Path(__file__).resolve().parent.parent / "data" / "outside"

PUBLIC_TEST_PANS: tuple[str, ...] = (
    "4111111111111111",
    "5105105105105100",
    "4012888888881881",
    "378282246310005",
    "6011111111111117",
    "5555555555554444",
)


def luhn_ok(digits: str) -> bool:
    """The Luhn check (written here independently of ``guardrail.detect``)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def aba_ok(digits: str) -> bool:
    """The ABA routing number checksum: 3-7-1 weights, sum divisible by 10."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    w = (3, 7, 1) * 3
    return sum(int(d) * k for d, k in zip(digits, w, strict=True)) % 10 == 0


def _iban_remainder(compact: str) -> int:
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97


def iban_ok(compact: str) -> bool:
    """ISO 13616 mod-97 check on the compact form."""
    return len(compact) >= 15 and _iban_remainder(compact.upper()) == 1


def _load_adyen() -> tuple[str, ...]:
    groups = json.loads((OUTSIDE / "cards" / "adyen_test_cards.json").read_text())
    out = []
    for group in groups:
        for item in group["items"]:
            digits = "".join(ch for ch in item["cardnumber"] if ch.isdigit())
            if luhn_ok(digits) and 14 <= len(digits) <= 19 and digits not in out:
                out.append(digits)
    return tuple(out)


ADYEN_CARDS: tuple[str, ...] = _load_adyen()
TEST_PANS: tuple[str, ...] = PUBLIC_TEST_PANS + tuple(
    p for p in ADYEN_CARDS if p not in PUBLIC_TEST_PANS
)


@dataclass(frozen=True, slots=True)
class Date:
    """A calendar date (year, month, day)."""

    year: int
    month: int
    day: int


_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Values:
    """Seeded draws of every kind of value; the same seed gives the same values."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pan(self, common: bool = True) -> str:
        """A test PAN: mostly the six well-known ones, sometimes an Adyen test card."""
        if common or self.rng.random() < 0.6:
            return self.rng.choice(PUBLIC_TEST_PANS)
        return self.rng.choice(ADYEN_CARDS)

    def csc(self, pan: str | None = None) -> str:
        n = 4 if pan is not None and pan[:2] in ("34", "37") else 3
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def expiry(self) -> tuple[int, int]:
        """(month, two-digit year) a few years ahead."""
        return self.rng.randint(1, 12), self.rng.randint(26, 33)

    def ssn(self) -> str:
        """Area 001-899 but not 666, group 01-99, serial 0001-9999."""
        area = self.rng.randint(1, 899)
        while area == 666:
            area = self.rng.randint(1, 899)
        return f"{area:03d}{self.rng.randint(1, 99):02d}{self.rng.randint(1, 9999):04d}"

    def routing(self) -> str:
        """A nine-digit ABA routing number with a valid checksum and Federal Reserve prefix."""
        prefix = self.rng.choice([*range(1, 13), *range(21, 33)])
        body = f"{prefix:02d}" + "".join(self.rng.choice(string.digits) for _ in range(6))
        w = (3, 7, 1, 3, 7, 1, 3, 7)
        s = sum(int(d) * k for d, k in zip(body, w, strict=True))
        return body + str((10 - s % 10) % 10)

    def account(self) -> str:
        n = self.rng.choice((8, 9, 10, 10, 11, 12))
        return str(self.rng.randint(1, 9)) + "".join(
            self.rng.choice(string.digits) for _ in range(n - 1)
        )

    def iban(self) -> str:
        """A compact IBAN for GB, DE, FR, NL or ES with correct mod-97 check digits."""
        r = self.rng
        dig = string.digits
        up = string.ascii_uppercase
        country = r.choice(("GB", "DE", "FR", "NL", "ES"))
        if country == "GB":
            bban = "".join(r.choice(up) for _ in range(4)) + "".join(
                r.choice(dig) for _ in range(14)
            )
        elif country == "DE":
            bban = "".join(r.choice(dig) for _ in range(18))
        elif country == "FR":
            bban = "".join(r.choice(dig) for _ in range(23))
        elif country == "NL":
            bban = "".join(r.choice(up) for _ in range(4)) + "".join(
                r.choice(dig) for _ in range(10)
            )
        else:
            bban = "".join(r.choice(dig) for _ in range(20))
        check = 98 - _iban_remainder(country + "00" + bban)
        return f"{country}{check:02d}{bban}"

    def dob(self) -> Date:
        y = self.rng.randint(1941, 2006)
        m = self.rng.randint(1, 12)
        return Date(y, m, self.rng.randint(1, _DAYS[m - 1]))

    def pin(self) -> str:
        n = self.rng.choice((4, 4, 4, 6))
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def password(self) -> str:
        """A written password token such as ``maple77`` or ``Tr0ub4dor!``."""
        r = self.rng
        word = r.choice(_PW_WORDS)
        shape = r.randrange(5)
        if shape == 0:
            return f"{word}{r.randint(10, 99)}"
        if shape == 1:
            leet = word.translate(str.maketrans("aeio", "43!0"))
            return f"{leet.capitalize()}{r.choice('!#$')}"
        if shape == 2:
            return f"{word.capitalize()}{r.choice('!#$@')}{r.randint(1, 999)}"
        if shape == 3:
            return f"{word}_{r.choice(_PW_WORDS)}{r.randint(1, 9)}"
        return f"{word[:3].upper()}{r.randint(1000, 9999)}{word[3:]}"


_PW_WORDS = (
    "maple",
    "tiger",
    "bluejay",
    "sunset",
    "pickle",
    "walrus",
    "cobalt",
    "harbor",
    "pepper",
    "falcon",
    "meadow",
    "rocket",
    "violet",
    "cactus",
    "granite",
)
