"""The hand-written held-out set (``bench/data/handwritten/holdout.jsonl``) is well formed.

It checks the data, never the detector: schema, spans on value characters,
that every span reads back to a value of its category (public test cards
only, ABA and IBAN checksums, SSNs in a valid shape), and coverage. The
read-back turns what speech-to-text writes ("forty one eleven", "double
oh", "B as in bravo") into digits and letters, independently of the
detector's own reader.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

HOLDOUT = (
    Path(__file__).resolve().parent.parent / "bench" / "data" / "handwritten" / "holdout.jsonl"
)
_spec = importlib.util.spec_from_file_location("build_holdout", HOLDOUT.parent / "build_holdout.py")
build_holdout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_holdout)
CATEGORIES = {
    "payment_card",
    "card_security_code",
    "card_expiry",
    "ssn",
    "bank_account",
    "routing_number",
    "iban",
    "date_of_birth",
    "pin",
    "password",
}
TEST_CARDS = {
    "4111111111111111",
    "5105105105105100",
    "4012888888881881",
    "378282246310005",
    "6011111111111117",
    "5555555555554444",
    "4000056655665556",
    "2223003122003222",
    "36227206271667",
    "3566002020360505",
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
    "alpha": "A", "alfa": "A", "bravo": "B", "charlie": "C", "delta": "D", "echo": "E",
    "foxtrot": "F", "golf": "G", "hotel": "H", "india": "I", "juliet": "J", "juliett": "J",
    "kilo": "K", "lima": "L", "mike": "M", "november": "N", "oscar": "O", "papa": "P",
    "quebec": "Q", "romeo": "R", "sierra": "S", "tango": "T", "uniform": "U",
    "victor": "V", "whiskey": "W", "xray": "X", "x-ray": "X", "yankee": "Y", "zulu": "Z",
}  # fmt: skip
FILLERS = {"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "and", "sorry", "then", "dash"}


class ReadBackError(ValueError):
    """A span has a word the read-back does not know; fix the span or the reader."""


def read_back(span: str, letters: bool = False) -> str:
    """The digits (and, with ``letters``, capital letters) a span stands for."""
    words = re.findall(r"[a-z0-9']+|,", span.lower().replace("x-ray", "xray"))
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if letters and nxt == "as" and i + 2 < len(words) and words[i + 2] == "in":
            i += 4  # "b as in bravo": the letter, then skip its key word
            out.append(w.upper())
            continue
        if w == ",":
            pass  # a pause: "twenty, one" is 201, "twenty one" is 21
        elif w.isdigit():
            out.append(w)
        elif (
            letters
            and re.fullmatch(r"[a-z0-9]+", w)
            and (len(w) == 1 or any(c.isdigit() for c in w) or w.upper() in span)
        ):
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
            if nxt in TEENS or nxt in TENS:
                pass  # the next word supplies both digits
            elif nxt in UNITS:
                out.append("0")
            else:
                out.append("00")
        elif w in FILLERS:
            pass
        else:
            raise ReadBackError(f"unknown word {w!r} in a span")
        i += 1
    return "".join(out)


def luhn(digits: str) -> bool:
    total = 0
    for k, d in enumerate(reversed(digits)):
        n = int(d) * (2 if k % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def aba_ok(digits: str) -> bool:
    w = (3, 7, 1) * 3
    return len(digits) == 9 and sum(int(d) * w[k] for k, d in enumerate(digits)) % 10 == 0


def iban_ok(value: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", value):
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def ssn_ok(digits: str) -> bool:
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _items() -> list[dict]:
    return [json.loads(x) for x in HOLDOUT.read_text(encoding="utf-8").splitlines() if x]


ITEMS = _items()


def test_file_is_the_build_of_its_sources() -> None:
    """The JSON Lines are exactly what the marked-up sources build to (nobody edits one alone)."""
    built = [
        it for p in sorted((HOLDOUT.parent / "src").glob("*.txt")) for it in build_holdout.parse(p)
    ]
    assert built == ITEMS


def check_schema(items: list[dict]) -> None:
    """Every item has the schema of the hand-written sets (also used by the tuning set's test)."""
    ids = [it["id"] for it in items]
    assert len(ids) == len(set(ids))
    for it in items:
        assert set(it) <= {"id", "role", "text", "findings", "requests", "context"}, it["id"]
        assert it["role"] in ("caller", "agent"), it["id"]
        assert isinstance(it["text"], str), it["id"]
        assert it["text"].strip(), it["id"]
        assert len(it["requests"]) == len(set(it["requests"])), it["id"]
        assert set(it["requests"]) <= CATEGORIES | {"health"}, it["id"]
        if it["role"] == "caller":
            assert not it["requests"], f"{it['id']}: a caller line asks for nothing"
        for turn in it.get("context", []):
            assert set(turn) == {"role", "text"}, it["id"]
            assert turn["role"] in ("caller", "agent"), it["id"]
            assert turn["text"].strip(), it["id"]


def check_spans(items: list[dict]) -> None:
    """Spans sit on value characters, cut no word and do not overlap."""
    for it in items:
        text = it["text"]
        spans = sorted((f["start"], f["end"]) for f in it["findings"])
        for f in it["findings"]:
            assert set(f) == {"category", "start", "end"}, it["id"]
            assert f["category"] in CATEGORIES, it["id"]
            assert 0 <= f["start"] < f["end"] <= len(text), it["id"]
            value = text[f["start"] : f["end"]]
            assert value == value.strip(), f"{it['id']}: span starts or ends on a space"
            assert value[0] not in ",;:?", it["id"]
            assert value[-1] not in ",;:?", it["id"]
            if f["category"] != "password":
                assert value[0].isalnum(), it["id"]
                assert value[-1].isalnum(), it["id"]
            before = text[f["start"] - 1] if f["start"] else " "
            after = text[f["end"]] if f["end"] < len(text) else " "
            assert not before.isalnum(), f"{it['id']}: span cuts a word"
            assert not after.isalnum(), f"{it['id']}: span cuts a word"
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            assert e1 <= s2, f"{it['id']}: spans overlap"


def test_schema_and_ids() -> None:
    assert len(ITEMS) >= 600
    check_schema(ITEMS)


def test_spans_are_on_value_characters_and_do_not_overlap() -> None:
    check_spans(ITEMS)


def _check_value(cat: str, value: str, where: str) -> None:
    if cat == "payment_card":
        digits = read_back(value)
        assert digits in TEST_CARDS, f"{where}: not a listed test card"
        assert luhn(digits), f"{where}: fails the Luhn check"
    elif cat == "routing_number":
        assert aba_ok(read_back(value)), f"{where}: routing number fails the ABA checksum"
    elif cat == "iban":
        assert iban_ok(read_back(value, letters=True)), f"{where}: IBAN fails mod 97"
    elif cat == "ssn":
        assert ssn_ok(read_back(value)), f"{where}: SSN not in a valid shape"
    elif cat == "card_security_code":
        assert len(read_back(value)) in (3, 4), f"{where}: a security code has 3 or 4 digits"
    elif cat == "pin":
        assert 4 <= len(read_back(value)) <= 8, f"{where}: a PIN has 4 to 8 digits"
    elif cat == "bank_account":
        assert 4 <= len(read_back(value)) <= 17, f"{where}: an account number has 4 to 17 digits"
    elif cat in ("card_expiry", "date_of_birth"):
        assert re.search(r"\d|[a-z]", value.lower()), where
    else:
        assert len(value) >= 4, f"{where}: a password of fewer than 4 characters"


def test_every_span_reads_back_to_a_valid_value() -> None:
    for it in ITEMS:
        for f in it["findings"]:
            _check_value(f["category"], it["text"][f["start"] : f["end"]], it["id"])


def test_public_test_cards_only_in_context_too() -> None:
    """No card-like digit run anywhere (context included) outside the test-card list."""
    for it in ITEMS:
        for text in [it["text"]] + [t["text"] for t in it.get("context", [])]:
            for run in re.findall(r"\d[\d -]{11,}\d", text):
                digits = re.sub(r"\D", "", run)
                if 13 <= len(digits) <= 19 and luhn(digits):
                    assert digits in TEST_CARDS, f"{it['id']}: a Luhn-valid run not in the list"


def test_coverage() -> None:
    counts = Counter(f["category"] for it in ITEMS for f in it["findings"])
    counts.update(c for it in ITEMS for c in it["requests"])
    for cat in sorted(CATEGORIES | {"health"}):
        assert counts[cat] >= 25, f"{cat}: {counts[cat]} positives, want at least 25"
    roles = Counter(it["role"] for it in ITEMS)
    assert roles["agent"] >= 150
    assert roles["caller"] >= 300
    negatives = sum(1 for it in ITEMS if not it["findings"] and not it["requests"])
    assert negatives >= 0.25 * len(ITEMS)
    assert sum(1 for it in ITEMS if it.get("context")) >= 60


@pytest.mark.parametrize(
    ("span", "want"),
    [
        ("forty one eleven eleven", "411111"),
        ("fifty one hundred", "5100"),
        ("four hundred twelve", "412"),
        ("double oh three", "003"),
        ("seventy one nine", "719"),
        ("twenty, one", "201"),
    ],
)
def test_read_back_digits(span: str, want: str) -> None:
    assert read_back(span) == want


def test_read_back_letters_and_unknown_words() -> None:
    assert read_back("g as in golf b as in bravo eighty two", letters=True) == "GB82"
    assert read_back("GB82 WEST 1234", letters=True) == "GB82WEST1234"
    with pytest.raises(ReadBackError):
        read_back("four one banana")


def test_text_eval_scores_the_set_and_refuses_to_print_its_items(tmp_path: Path) -> None:
    """The set is in ``--json``; ``--misses`` on it is an error (nobody tunes on it by accident)."""
    from bench import text_eval

    out = tmp_path / "h.json"
    argv = ["--split", "holdout", "--generated-only", "--no-presidio"]
    assert text_eval.main([*argv, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["handwritten_holdout"]["items"] == len(ITEMS)
    assert set(report["handwritten_holdout"]["requests"]) >= {"health"}
    with pytest.raises(SystemExit):
        text_eval.main([*argv, "--misses", "5"])
