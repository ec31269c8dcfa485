"""How a value comes out of speech-to-text: written digits, words, pairs, letters.

Each renderer takes the canonical value (digits, a compact IBAN, a date, a
password token) and a seeded ``random.Random`` and returns the text as a
transcript would carry it. ``RENDERERS[kind]`` lists ``(name, function)``
for each kind of value; the generator picks one per item and records its
name, so a miss can be traced to the rendering that caused it.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .values import Date

__all__ = ["RENDERERS", "cardinal_words", "digit_word", "pair_words"]

ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ORDINALS = (
    "",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty first",
    "twenty second",
    "twenty third",
    "twenty fourth",
    "twenty fifth",
    "twenty sixth",
    "twenty seventh",
    "twenty eighth",
    "twenty ninth",
    "thirtieth",
    "thirty first",
)
NATO = {
    "A": "alpha",
    "B": "bravo",
    "C": "charlie",
    "D": "delta",
    "E": "echo",
    "F": "foxtrot",
    "G": "golf",
    "H": "hotel",
    "I": "india",
    "J": "juliet",
    "K": "kilo",
    "L": "lima",
    "M": "mike",
    "N": "november",
    "O": "oscar",
    "P": "papa",
    "Q": "quebec",
    "R": "romeo",
    "S": "sierra",
    "T": "tango",
    "U": "uniform",
    "V": "victor",
    "W": "whiskey",
    "X": "x-ray",
    "Y": "yankee",
    "Z": "zulu",
}
SYMBOLS = {
    "!": "an exclamation mark",
    "#": "a hash sign",
    "$": "a dollar sign",
    "@": "an at sign",
    "_": "an underscore",
}

Render = Callable[..., str]


def digit_word(d: str, oh: bool) -> str:
    """One digit as a word; zero as "oh" when ``oh``."""
    return "oh" if d == "0" and oh else ONES[int(d)]


def pair_words(p: str, oh: bool = True) -> str:
    """Two digits read as a pair: "41" -> "forty one", "05" -> "oh five", "10" -> "ten"."""
    a, b = int(p[0]), int(p[1])
    if a == 0:
        return f"{'oh' if oh else 'zero'} {ONES[b]}"
    if a == 1:
        return TEENS[b]
    return TENS[a] if b == 0 else f"{TENS[a]} {ONES[b]}"


def _under_thousand(n: int, dash: bool = False) -> str:
    parts = []
    if n >= 100:
        parts.append(f"{ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        tens = TENS[n // 10]
        if n % 10:
            tens = f"{tens}-{ONES[n % 10]}" if dash else f"{tens} {ONES[n % 10]}"
        parts.append(tens)
    elif n >= 10:
        parts.append(TEENS[n - 10])
    elif n or not parts:
        parts.append(ONES[n])
    return " ".join(parts)


def cardinal_words(n: int, dash: bool = False) -> str:
    """A number below a million in words: 4321 -> "four thousand three hundred twenty one"."""
    if n >= 1000:
        rest = n % 1000
        head = f"{_under_thousand(n // 1000, dash)} thousand"
        return f"{head} {_under_thousand(rest, dash)}" if rest else head
    return _under_thousand(n, dash)


def _groups(digits: str, sizes: tuple[int, ...] | None) -> list[str]:
    if not sizes:
        return [digits]
    out, i = [], 0
    for s in sizes:
        out.append(digits[i : i + s])
        i += s
    if i < len(digits):
        out.append(digits[i:])
    return [g for g in out if g]


def card_groups(digits: str) -> tuple[int, ...]:
    """How a card number is printed: 4-6-5 for 15 digits, 4-6-4 for 14, else fours."""
    if len(digits) == 15:
        return (4, 6, 5)
    if len(digits) == 14:
        return (4, 6, 4)
    return tuple([4] * ((len(digits) + 3) // 4))


# ---- digit strings -------------------------------------------------------


def r_compact(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    return d


def r_grouped(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    sep = rng.choice((" ", " ", "-", "."))
    return sep.join(_groups(d, sizes or (3, 3, 3, 3, 3, 3)))


def r_spaced(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    return " ".join(d)


def r_words(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    oh = rng.random() < 0.6
    sep = rng.choice((", ", " ", ", "))
    return sep.join(" ".join(digit_word(x, oh) for x in g) for g in _groups(d, sizes))


def r_words_flat(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    oh = rng.random() < 0.5
    return " ".join(digit_word(x, oh) for x in d)


def r_mixed(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    oh = rng.random() < 0.5
    return " ".join(x if rng.random() < 0.5 else digit_word(x, oh) for x in d)


def _runs_words(g: str, oh: bool) -> str:
    out, i = [], 0
    while i < len(g):
        j = i
        while j < len(g) and g[j] == g[i]:
            j += 1
        n = j - i
        w = digit_word(g[i], oh)
        while n >= 3:
            out.append(f"triple {w}" if n != 4 else f"double {w} double {w}")
            n -= 4 if n == 4 else 3
        if n == 2:
            out.append(f"double {w}")
        elif n == 1:
            out.append(w)
        i = j
    return " ".join(out)


def r_doubles(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    oh = rng.random() < 0.7
    return ", ".join(_runs_words(g, oh) for g in _groups(d, sizes))


def r_pairs(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    out = []
    for g in _groups(d, sizes):
        # an odd group leads with one digit: "288" is "two eighty eight"
        words = [digit_word(g[0], True)] if len(g) % 2 else []
        words += [pair_words(g[i : i + 2]) for i in range(len(g) % 2, len(g) - 1, 2)]
        out.append(" ".join(words))
    return ", ".join(out)


def r_cardinal(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    """As STT writes a long number it took for a quantity: "5,105,105,105,105,100"."""
    return f"{int(d):,}" if d[0] != "0" else " ".join(_groups(d, sizes))


def r_short_cardinal(d: str, rng: random.Random, sizes: tuple[int, ...] | None = None) -> str:
    """Three or four digits as people say them: "seven thirty seven", "forty three twenty one"."""
    if d[0] == "0":
        return " ".join(digit_word(x, True) for x in d)
    if len(d) == 3:
        if rng.random() < 0.5:
            return cardinal_words(int(d))
        return f"{ONES[int(d[0])]} {pair_words(d[1:])}"
    if len(d) == 4:
        return f"{pair_words(d[:2])} {pair_words(d[2:])}"
    return r_pairs(d, rng, None)


DIGITS: tuple[tuple[str, Render], ...] = (
    ("compact", r_compact),
    ("grouped", r_grouped),
    ("spaced", r_spaced),
    ("words", r_words),
    ("words_flat", r_words_flat),
    ("mixed", r_mixed),
    ("doubles", r_doubles),
    ("pairs", r_pairs),
)
LONG_DIGITS = (*DIGITS, ("cardinal", r_cardinal))
SHORT_DIGITS: tuple[tuple[str, Render], ...] = (
    ("compact", r_compact),
    ("spaced", r_spaced),
    ("words", r_words_flat),
    ("mixed", r_mixed),
    ("doubles", r_doubles),
    ("cardinal", r_short_cardinal),
)


# ---- dates ---------------------------------------------------------------


def _yy(y: int) -> str:
    return f"{y % 100:02d}"


def _year_words(y: int) -> str:
    if 2000 <= y < 2010:
        return (
            f"two thousand{' and' if y % 2 else ''} {ONES[y - 2000]}"
            if y > 2000
            else "two thousand"
        )
    hi, lo = divmod(y, 100)
    return f"{pair_words(str(hi))} {pair_words(f'{lo:02d}')}"


def _day(d: int, rng: random.Random) -> str:
    return rng.choice((str(d), f"{d}{_suffix(d)}", ORDINALS[d]))


def _suffix(d: int) -> str:
    if d in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")


def d_us_slash(x: Date, rng: random.Random) -> str:
    return f"{x.month}/{x.day}/{x.year}"


def d_padded(x: Date, rng: random.Random) -> str:
    sep = rng.choice("/-.")
    year = str(x.year) if rng.random() < 0.5 else _yy(x.year)
    return f"{x.month:02d}{sep}{x.day:02d}{sep}{year}"


def d_day_first(x: Date, rng: random.Random) -> str:
    return f"{x.day:02d}/{x.month:02d}/{_yy(x.year) if rng.random() < 0.5 else x.year}"


def d_iso(x: Date, rng: random.Random) -> str:
    return f"{x.year}-{x.month:02d}-{x.day:02d}"


def d_month_name(x: Date, rng: random.Random) -> str:
    month = MONTHS[x.month - 1]
    if rng.random() < 0.3:
        month = month.lower()
    day = f"{x.day}{_suffix(x.day)}" if rng.random() < 0.5 else str(x.day)
    return f"{month} {day}{rng.choice((', ', ' '))}{x.year}"


def d_spoken(x: Date, rng: random.Random) -> str:
    return f"{MONTHS[x.month - 1].lower()} {ORDINALS[x.day]} {_year_words(x.year)}"


def d_day_of_month(x: Date, rng: random.Random) -> str:
    year = _year_words(x.year) if rng.random() < 0.5 else str(x.year)
    return f"the {ORDINALS[x.day]} of {MONTHS[x.month - 1].lower()} {year}"


def d_numeric_words(x: Date, rng: random.Random) -> str:
    """ "six oh two eighty-one": month, day as two digits, year as a pair."""
    month = ONES[x.month] if x.month < 10 and rng.random() < 0.5 else pair_words(f"{x.month:02d}")
    day = pair_words(f"{x.day:02d}")
    year = pair_words(_yy(x.year))
    if rng.random() < 0.5 and x.year % 100 >= 20 and x.year % 10:
        year = year.replace(" ", "-", 1)
    return f"{month} {day} {year if rng.random() < 0.6 else _year_words(x.year)}"


def d_digits_spaced(x: Date, rng: random.Random) -> str:
    return f"{x.month:02d} {x.day:02d} {x.year}"


DATES: tuple[tuple[str, Render], ...] = (
    ("us_slash", d_us_slash),
    ("padded", d_padded),
    ("day_first", d_day_first),
    ("iso", d_iso),
    ("month_name", d_month_name),
    ("spoken", d_spoken),
    ("day_of_month", d_day_of_month),
    ("numeric_words", d_numeric_words),
    ("digits_spaced", d_digits_spaced),
)


# ---- expiry --------------------------------------------------------------


def e_slash(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    return f"{m:02d}/{y}" if rng.random() < 0.6 else f"{m}/{y}"


def e_dash(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    return f"{m:02d}-{y}"


def e_space(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    return f"{m:02d} {y}"


def e_long_year(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    return f"{m:02d}/20{y}" if rng.random() < 0.5 else f"{m} / 20{y}"


def e_words(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    month = pair_words(f"{m:02d}") if m < 10 and rng.random() < 0.5 else cardinal_words(m)
    return f"{month} {pair_words(str(y))}"


def e_slash_words(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    return f"{cardinal_words(m)} slash {pair_words(str(y))}"


def e_month_name(x: tuple[int, int], rng: random.Random) -> str:
    m, y = x
    year = rng.choice((f"20{y}", f"twenty {pair_words(str(y))}", f"of twenty {pair_words(str(y))}"))
    return f"{MONTHS[m - 1]} {year}"


EXPIRIES: tuple[tuple[str, Render], ...] = (
    ("slash", e_slash),
    ("dash", e_dash),
    ("space", e_space),
    ("long_year", e_long_year),
    ("words", e_words),
    ("slash_words", e_slash_words),
    ("month_name", e_month_name),
)


# ---- IBAN ----------------------------------------------------------------


def i_compact(x: str, rng: random.Random) -> str:
    return x


def i_grouped(x: str, rng: random.Random) -> str:
    return " ".join(x[i : i + 4] for i in range(0, len(x), 4))


def i_lower_spaced(x: str, rng: random.Random) -> str:
    """Letters as STT writes spelled letters ("g b"), digits as digits or words."""
    words = rng.random() < 0.5
    out = []
    for ch in x:
        if ch.isalpha():
            out.append(ch.lower())
        else:
            out.append(ONES[int(ch)] if words else ch)
    return " ".join(out)


def i_nato(x: str, rng: random.Random) -> str:
    """ "G as in golf, B as in bravo, 8 2, W as in whiskey": letters spelled, digits in fours."""
    style = rng.choice(("as in", "for"))
    out: list[str] = []
    run = ""
    for ch in x:
        if ch.isalpha():
            if run:
                out.append(run)
                run = ""
            out.append(f"{ch} {style} {NATO[ch]}")
        else:
            run += ch
            if len(run) == 4:
                out.append(run)
                run = ""
    if run:
        out.append(run)
    return ", ".join(out)


def i_letters_then_words(x: str, rng: random.Random) -> str:
    head = " ".join(ch for ch in x[:2])
    body = " ".join(ch if ch.isalpha() else ONES[int(ch)] for ch in x[2:])
    return f"{head} {body}"


IBANS: tuple[tuple[str, Render], ...] = (
    ("compact", i_compact),
    ("grouped", i_grouped),
    ("lower_spaced", i_lower_spaced),
    ("nato", i_nato),
    ("letters_words", i_letters_then_words),
)


# ---- passwords -----------------------------------------------------------


def p_token(x: str, rng: random.Random) -> str:
    return x


def p_spelled(x: str, rng: random.Random) -> str:
    """ "capital k, lowercase q, the number five, then a dollar sign"."""
    out = []
    for i, ch in enumerate(x):
        if ch.isupper():
            w = f"capital {ch.lower()}"
        elif ch.islower():
            w = f"lowercase {ch}" if rng.random() < 0.5 else ch
        elif ch.isdigit():
            w = f"the number {ONES[int(ch)]}" if rng.random() < 0.5 else ONES[int(ch)]
        else:
            w = SYMBOLS[ch]
        out.append(f"then {w}" if i and i == len(x) - 1 else w)
    return ", ".join(out)


def p_letters(x: str, rng: random.Random) -> str:
    return " ".join(ch.lower() if ch.isalpha() else ch for ch in x if ch.isalnum())


PASSWORDS: tuple[tuple[str, Render], ...] = (
    ("token", p_token),
    ("token", p_token),
    ("spelled", p_spelled),
    ("letters", p_letters),
)

RENDERERS: dict[str, tuple[tuple[str, Render], ...]] = {
    "long_digits": LONG_DIGITS,
    "digits": DIGITS,
    "short_digits": SHORT_DIGITS,
    "date": DATES,
    "expiry": EXPIRIES,
    "iban": IBANS,
    "password": PASSWORDS,
}
