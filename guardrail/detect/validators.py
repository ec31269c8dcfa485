"""Checksums and structural rules, shared by written, spoken and keypad input.

Each validator takes a string of ASCII digits (or, for IBAN, the compact
alphanumeric form) and returns a bool; none raises on any string.
"""

from __future__ import annotations

from itertools import accumulate

__all__ = ["CARD_LENGTHS", "LuhnSums", "aba_ok", "card_brand", "iban_ok", "luhn_ok", "ssn_ok"]

_VALUE = {str(d): d for d in range(10)}
_DOUBLED = {str(d): (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)[d] for d in range(10)}


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check used by every payment card number."""
    if not digits.isdigit() or not digits.isascii():
        return False
    # every second digit from the right is doubled (digit sums of 2d looked up)
    total = sum(map(_VALUE.__getitem__, digits[::-2])) + sum(
        map(_DOUBLED.__getitem__, digits[-2::-2])
    )
    return total % 10 == 0


class LuhnSums:
    """The Luhn check of any stretch of one digit string, each in constant time.

    A long run of digits ("1 1 1 1 ...") holds a card candidate at every
    group boundary; checking each from scratch costs its length every time.
    Prefix sums of the digits and of their doubled digit sums, split by the
    parity of the position, answer each stretch with four subtractions.
    """

    __slots__ = ("_doubled", "_plain")

    def __init__(self, digits: str) -> None:
        if not digits.isdigit() or not digits.isascii():
            raise ValueError("LuhnSums needs a string of ASCII digits")
        values = [ord(ch) - 48 for ch in digits]
        doubled = [(0, 2, 4, 6, 8, 1, 3, 5, 7, 9)[v] for v in values]
        self._plain = tuple(_parity_sums(values, p) for p in (0, 1))
        self._doubled = tuple(_parity_sums(doubled, p) for p in (0, 1))

    def ok(self, start: int, end: int) -> bool:
        """Whether ``digits[start:end]`` passes the Luhn check (as :func:`luhn_ok`)."""
        if end <= start:
            return False
        if end & 1:  # positions of the last digit's parity are not doubled
            plain, doubled = self._plain[0], self._doubled[1]
        else:
            plain, doubled = self._plain[1], self._doubled[0]
        return (plain[end] - plain[start] + doubled[end] - doubled[start]) % 10 == 0

    def sums(self, end_parity: int) -> tuple[list[int], list[int]]:
        """The (plain, doubled) prefix sums for stretches whose end has ``end_parity``.

        For a hot loop that checks many stretches inline, as :meth:`ok` does:
        ``(plain[end] - plain[start] + doubled[end] - doubled[start]) % 10 == 0``.
        """
        if end_parity & 1:
            return self._plain[0], self._doubled[1]
        return self._plain[1], self._doubled[0]


def _parity_sums(values: list[int], parity: int) -> list[int]:
    """Prefix sums of ``values`` at positions of ``parity`` (others count zero)."""
    kept = list(values)
    kept[1 - parity :: 2] = [0] * len(kept[1 - parity :: 2])
    return list(accumulate(kept, initial=0))


# (prefix low, prefix high, number of prefix digits, allowed lengths, brand)
_IIN = (
    (4, 4, 1, (13, 16, 19), "visa"),
    (51, 55, 2, (16,), "mastercard"),
    (2221, 2720, 4, (16,), "mastercard"),
    (34, 34, 2, (15,), "amex"),
    (37, 37, 2, (15,), "amex"),
    (6011, 6011, 4, (16, 17, 18, 19), "discover"),
    (644, 649, 3, (16, 17, 18, 19), "discover"),
    (65, 65, 2, (16, 17, 18, 19), "discover"),
    (3528, 3589, 4, (16, 17, 18, 19), "jcb"),
    (300, 305, 3, (14, 15, 16, 17, 18, 19), "diners"),
    (3095, 3095, 4, (14, 15, 16, 17, 18, 19), "diners"),
    (36, 36, 2, (14, 15, 16, 17, 18, 19), "diners"),
    (38, 39, 2, (14, 15, 16, 17, 18, 19), "diners"),
    (62, 62, 2, (16, 17, 18, 19), "unionpay"),
    (81, 81, 2, (16, 17, 18, 19), "unionpay"),
    (50, 50, 2, (12, 13, 14, 15, 16, 17, 18, 19), "maestro"),
    (56, 69, 2, (12, 13, 14, 15, 16, 17, 18, 19), "maestro"),
    (2200, 2204, 4, (16, 17, 18, 19), "mir"),
    (1, 1, 1, (15,), "uatp"),
    (9792, 9792, 4, (16,), "troy"),
)


def _lengths_by_prefix() -> dict[str, tuple[int, ...]]:
    out: dict[str, set[int]] = {}
    for lo, hi, k, lengths, _brand in _IIN:
        if k == 1:
            first, last = lo * 10, hi * 10 + 9
        else:
            first, last = lo // 10 ** (k - 2), hi // 10 ** (k - 2)
        for two in range(first, last + 1):
            out.setdefault(f"{two:02d}", set()).update(lengths)
    return {d: tuple(sorted(v, reverse=True)) for d, v in out.items()}


CARD_LENGTHS: dict[str, tuple[int, ...]] = _lengths_by_prefix()
"""The card number lengths some scheme allows after each two-digit prefix, longest first."""


def card_brand(digits: str) -> str | None:
    """The card scheme whose IIN range and length fit ``digits``, if any.

    Covers Visa, Mastercard (51-55 and 2221-2720), Amex, Discover, JCB,
    Diners, UnionPay, Maestro, Mir, UATP and Troy, including 19-digit cards.
    The Luhn check is separate (:func:`luhn_ok`).
    """
    n = len(digits)
    if not 12 <= n <= 19 or not digits.isdigit():
        return None
    for lo, hi, k, lengths, brand in _IIN:
        if n in lengths and lo <= int(digits[:k]) <= hi:
            return brand
    return None


def ssn_ok(digits: str) -> bool:
    """SSA rules: 9 digits; area not 000, 666 or 900-999; group not 00; serial not 0000."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def aba_ok(digits: str) -> bool:
    """ABA routing number: 9 digits, 3-7-1 weighted checksum, a valid Fed prefix."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    prefix = int(digits[:2])
    if not (0 <= prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    d = [ord(c) - 48 for c in digits]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0 and digits != "000000000"


IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
"""IBAN length per country (SWIFT IBAN registry)."""


def iban_ok(compact: str) -> bool:
    """ISO 13616: known country, the registry's length, and mod-97 == 1."""
    s = compact.upper()
    if len(s) < 15 or not s.isascii() or not s.isalnum():
        return False
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return False
    moved = s[4:] + s[:4]
    return int(moved.translate(_BASE36)) % 97 == 1


_BASE36 = str.maketrans({chr(65 + k): str(10 + k) for k in range(26)})
"""ISO 13616's letters as numbers: A is 10 ... Z is 35 (digits stay)."""
