"""Build ``holdout2.jsonl`` from the hand-written, marked-up sources in ``src/``.

The second hand-written held-out set. The sources use the markup of the first
set (see ``bench/data/handwritten/build_holdout.py``, whose parser this script
imports); ids are ``h2-<section>-<n>``. Before writing, every item is checked:
schema, spans on value characters, and every span read back to a value of its
category (public test cards only, ABA and IBAN checksums, SSNs in a valid
shape, PIN and code lengths), and no Luhn-valid card-like run outside the
test-card list anywhere, context included. A failed check names the item and
writes nothing.

Run: ``python bench/data/handwritten2/build.py`` (from the repo root).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "build_holdout", HERE.parent / "handwritten" / "build_holdout.py"
)
assert _spec is not None
assert _spec.loader is not None
build_holdout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_holdout)

TEST_CARDS = {
    "4111111111111111",
    "5555555555554444",
    "4012888888881881",
    "378282246310005",
    "6011111111111117",
}
UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 2, "thirty": 3, "forty": 4, "fifty": 5,
    "sixty": 6, "seventy": 7, "eighty": 8, "ninety": 9,
}  # fmt: skip
REPEAT = {"double": 2, "triple": 3}
NATO = {
    "alpha": "A", "bravo": "B", "charlie": "C", "delta": "D", "echo": "E", "foxtrot": "F",
    "golf": "G", "hotel": "H", "india": "I", "juliet": "J", "kilo": "K", "lima": "L",
    "mike": "M", "november": "N", "oscar": "O", "papa": "P", "quebec": "Q", "romeo": "R",
    "sierra": "S", "tango": "T", "uniform": "U", "victor": "V", "whiskey": "W",
    "xray": "X", "yankee": "Y", "zulu": "Z",
}  # fmt: skip
FILLERS = {"um", "uh", "and", "sorry", "then", "dash"}


class CheckError(ValueError):
    """An item breaks a rule of the set; the message names the item."""


def read_back(span: str, letters: bool = False) -> str:
    """The digits (and, with ``letters``, capital letters) a span stands for.

    Knows digit words, "oh", pairs ("forty one"), "hundred", "double" and
    "triple", a comma as a pause ("twenty, one" is 201), and with ``letters``
    single letters, upper-case groups, NATO words and "b as in bravo".
    """
    words = re.findall(r"[a-z0-9']+|,", span.lower().replace("x-ray", "xray"))
    out: list[str] = []
    i = 0
    while i < len(words):
        w, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
        if letters and nxt == "as" and words[i + 2 : i + 3] == ["in"]:
            out.append(w.upper())
            i += 4
            continue
        if w == "," or w in FILLERS:
            pass
        elif w.isdigit():
            out.append(w)
        elif letters and (len(w) == 1 or any(c.isdigit() for c in w) or w.upper() in span):
            out.append(w.upper())
        elif letters and w in NATO:
            out.append(NATO[w])
        elif w in UNITS:
            out.append(str(UNITS[w]))
        elif w in TEENS:
            out.append(str(TEENS[w]))
        elif w in TENS:
            if nxt in UNITS and nxt not in ("oh", "o", "zero"):
                out.append(f"{TENS[w]}{UNITS[nxt]}")
                i += 1
            else:
                out.append(f"{TENS[w]}0")
        elif w in REPEAT and nxt in UNITS:
            out.append(str(UNITS[nxt]) * REPEAT[w])
            i += 1
        elif w == "hundred":
            out.append("" if nxt in TEENS or nxt in TENS else "0" if nxt in UNITS else "00")
        else:
            raise CheckError(f"unknown word {w!r} in span {span!r}")
        i += 1
    return "".join(out)


def luhn(digits: str) -> bool:
    total = 0
    for k, d in enumerate(reversed(digits)):
        n = int(d) * (2 if k % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def value_ok(category: str, span: str) -> bool:
    """Whether a span reads back to a value of its category."""
    if category == "payment_card":
        return read_back(span) in TEST_CARDS
    if category == "routing_number":
        d = read_back(span)
        return len(d) == 9 and sum(int(x) * (3, 7, 1)[k % 3] for k, x in enumerate(d)) % 10 == 0
    if category == "iban":
        v = read_back(span, letters=True)
        if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", v):
            return False
        return int("".join(str(int(c, 36)) for c in v[4:] + v[:4])) % 97 == 1
    if category == "ssn":
        d = read_back(span)
        return (
            len(d) == 9
            and d[:3] not in ("000", "666")
            and d[0] != "9"
            and d[3:5] != "00"
            and d[5:] != "0000"
        )
    if category == "card_security_code":
        return len(read_back(span)) in (3, 4)
    if category == "pin":
        return 4 <= len(read_back(span)) <= 8
    if category == "bank_account":
        return 4 <= len(read_back(span)) <= 17
    if category in ("card_expiry", "date_of_birth"):
        return bool(re.search(r"[0-9a-z]", span.lower()))
    return len(span) >= 4


def check(items: list[dict]) -> None:
    """Raise ``CheckError`` on the first item that breaks a rule of the set."""
    ids = [it["id"] for it in items]
    if len(ids) != len(set(ids)):
        raise CheckError("duplicate ids")
    for it in items:
        where, text = it["id"], it["text"]
        if it["role"] == "caller" and it["requests"]:
            raise CheckError(f"{where}: a caller line asks for nothing")
        ends = 0
        for f in sorted(it["findings"], key=lambda f: f["start"]):
            span = text[f["start"] : f["end"]]
            before = text[f["start"] - 1] if f["start"] else " "
            after = text[f["end"]] if f["end"] < len(text) else " "
            if f["start"] < ends or span != span.strip() or before.isalnum() or after.isalnum():
                raise CheckError(f"{where}: span {span!r} overlaps, cuts a word or has spaces")
            if f["category"] != "password" and not (span[0].isalnum() and span[-1].isalnum()):
                raise CheckError(f"{where}: span {span!r} starts or ends on punctuation")
            try:
                ok = value_ok(f["category"], span)
            except CheckError as e:
                raise CheckError(f"{where}: {e}") from None
            if not ok:
                raise CheckError(f"{where}: {span!r} is not a valid {f['category']}")
            ends = f["end"]
        for t in [text] + [c["text"] for c in it.get("context", [])]:
            for run in re.findall(r"\d[\d -]{11,}\d", t):
                digits = re.sub(r"\D", "", run)
                if 13 <= len(digits) <= 19 and luhn(digits) and digits not in TEST_CARDS:
                    raise CheckError(f"{where}: Luhn-valid run {run!r} is not a test card")


def build() -> list[dict]:
    """The items of every source file, with ``h2-`` ids."""
    items = [it for p in sorted((HERE / "src").glob("*.txt")) for it in build_holdout.parse(p)]
    for it in items:
        it["id"] = "h2-" + it["id"].removeprefix("hw-")
    return items


def main() -> int:
    items = build()
    check(items)
    out = HERE / "holdout2.jsonl"
    out.write_text("".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items))
    counts = Counter(f["category"] for it in items for f in it["findings"])
    asks = Counter(c for it in items for c in it["requests"])
    neg = sum(1 for it in items if not it["findings"] and not it["requests"])
    print(f"{len(items)} items -> {out}")
    print(f"  negatives {neg}, with context {sum(1 for it in items if it.get('context'))}")
    for cat in sorted(set(counts) | set(asks)):
        print(f"  {cat:20s} findings {counts[cat]:3d}  requests {asks[cat]:3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
