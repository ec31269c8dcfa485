"""The fast paths of the number reader give the same answers as the general ones.

Issue 10 made the reading of long digit runs cheaper: a tight loop in
``numbers._extend`` for digits with separators between them, and an inline
Luhn check over prefix sums in ``disclose._split_findings``; issue 10's second
pass cut pieces with no letter ("04/29,", "1-1-1-...") without the token regex in
``numbers.tokenize``. Each is checked here against the general code it
shortcuts, on every line of the four eval sets and on the adversarial families
of ``test_detect_linear``. Only counts are reported: the held-out set's items
are never printed.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from test_detect_linear import FAMILIES, _text

from guardrail.detect import categories as c
from guardrail.detect import disclose
from guardrail.detect import numbers as n
from guardrail.detect.cues import find_cues
from guardrail.detect.validators import CARD_LENGTHS, LuhnSums, card_brand, luhn_ok

DATA = Path(__file__).resolve().parent.parent / "bench" / "data"
SETS = {
    "generated dev": DATA / "generated" / "dev.jsonl",
    "generated test": DATA / "generated" / "test.jsonl",
    "hand-written held-out": DATA / "handwritten" / "holdout.jsonl",
    "hand-written dev": DATA / "handwritten_dev" / "dev.jsonl",
}


def _lines(path: Path) -> list[str]:
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw:
            item = json.loads(raw)
            out.append(item["text"])
            out.extend(turn["text"] for turn in item.get("context") or [])
    return out


def _texts(name: str) -> list[str]:
    if name == "families":
        return [_text(make, size) for make in FAMILIES.values() for size in (300, 2500)]
    return _lines(SETS[name])


def _runs(toks: n.Tokens, *, general: bool) -> list[tuple]:
    """Every run, read as ``number_runs`` does; ``general`` takes the general loop."""
    out = []
    i = 0
    for k in range(len(toks.texts)):
        if k < i or not n._is_number_word(toks.kinds, toks.texts, k):
            continue
        run = n.NumberRun(toks.starts[k], toks.ends[k], k, k)
        i = n._extend(toks, k, run, general)  # the general loop is the one for scale words
        if run.chunks:
            out.append(
                (run.start, run.end, run.chunks, run.spans, run.breaks, run.seps,
                 run.corrections, run.written, run.spoken, run.slash, run.colon, run.ordinal)
            )  # fmt: skip
    return out


NAMES = [*SETS, "families"]


@pytest.mark.parametrize("name", NAMES)
def test_the_digit_run_loop_reads_as_the_general_one(name):
    checked = differ = 0
    for text in _texts(name):
        toks = n.tokenize(text)
        if not n._SCALE_WORDS.isdisjoint(toks.texts):
            continue  # with a scale word the general loop is the only one
        checked += 1
        differ += _runs(toks, general=False) != _runs(toks, general=True)
    assert checked > 0
    assert differ == 0, f"{differ} of {checked} lines of {name} read differently"


def _split_reference(ctx: disclose._Ctx, run: n.NumberRun) -> list[disclose.Finding]:
    """``_split_findings`` as it was before the inline Luhn check (a dict of boundaries)."""
    if disclose._nearest_cue(ctx, run.first_token, run.last_token) is not None:
        return []
    bounds = [0, *run.breaks, len(run.chunks)]
    chunk_len = list(itertools.accumulate(map(len, run.chunks), initial=0))
    gstart = [chunk_len[b] for b in bounds]
    at = {g: i for i, g in enumerate(gstart)}
    ng = len(bounds) - 1
    digits = run.digits
    if not (digits.isascii() and digits.isdigit()):
        return []
    out = []
    k = 0
    while k < ng:
        base = gstart[k]
        hit = None
        for length in CARD_LENGTHS.get(digits[base : base + 2], ()):
            e = at.get(base + length)
            d = digits[base : base + length]
            if e is not None and length >= 13 and luhn_ok(d) and card_brand(d):
                hit = (e, c.PAYMENT_CARD)
                break
        if hit is None:
            e = at.get(base + 9)
            if e is not None and gstart[k + 1] - base in (3, 4, 9):
                shape = [gstart[g + 1] - gstart[g] for g in range(k, e)]
                if shape in disclose._NINE_DIGIT_SHAPES:
                    sub = disclose._sub_run(run, bounds[k], bounds[e])
                    cat = disclose._self_validating(sub)
                    if cat is not None:
                        hit = (e, cat)
        if hit is None:
            k += 1
            continue
        e, cat = hit
        out.append(disclose.Finding(cat, run.spans[bounds[k]][0], run.spans[bounds[e] - 1][1]))
        k = e
    return out


def _ctx(text: str) -> tuple[disclose._Ctx, list[n.NumberRun]]:
    toks = n.tokenize(text)
    cues = find_cues(text, toks)
    runs = n.number_runs(toks)
    cue_tok = [
        (disclose._tok_at(toks.starts, q.start), disclose._tok_at(toks.starts, q.end) - 1)
        for q in cues
    ]
    ctx = disclose._Ctx(
        text, toks, toks.starts, cues, cue_tok, [a for a, _ in cue_tok], (),
        [r.first_token for r in runs],
    )  # fmt: skip
    return ctx, runs


EXTRA = [
    "4012888888881881 4012-8888-8888-1881",
    "4111 1111 1111 1111 5105 1051 0510 5100 123-45-6789 121000358",
    "1 2 3 4 5 6 7 8 9 0 " * 20,
    "6011 1111 1111 1117 3782 822463 10005 5555 5555 5555 4444",
]


@pytest.mark.parametrize("name", [*NAMES, "extra"])
def test_runs_split_into_findings_as_before(name):
    checked = differ = 0
    for text in EXTRA if name == "extra" else _texts(name):
        ctx, runs = _ctx(text)
        for run in runs:
            if len(run.chunks) > 1 and len(run.digits) > 9:
                checked += 1
                differ += disclose._split_findings(ctx, run) != _split_reference(ctx, run)
    if name == "extra":
        assert checked >= len(EXTRA)
    assert differ == 0, f"{differ} of {checked} runs of {name} split differently"


def test_the_inline_luhn_sums_agree_with_the_luhn_check():
    import random

    rng = random.Random(10)
    for _ in range(200):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
        sums = LuhnSums(digits)
        for start in range(len(digits)):
            for end in range(start + 1, len(digits) + 1):
                plain, doubled = sums.sums(end & 1)
                inline = (plain[end] - plain[start] + doubled[end] - doubled[start]) % 10 == 0
                assert inline == luhn_ok(digits[start:end]) == sums.ok(start, end)


def test_the_iban_check_reads_letters_as_base_36_numbers():
    import random

    from guardrail.detect.validators import IBAN_LENGTHS, iban_ok

    def by_definition(compact: str) -> bool:
        s = compact.upper()
        if len(s) < 15 or not s.isascii() or not s.isalnum():
            return False
        if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
            return False
        return int("".join(str(int(ch, 36)) for ch in s[4:] + s[:4])) % 97 == 1

    rng = random.Random(13616)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz"
    for _ in range(20000):
        country = rng.choice(sorted(IBAN_LENGTHS))
        rest = "".join(rng.choice(alphabet) for _ in range(IBAN_LENGTHS[country] - 2))
        assert iban_ok(country + rest) == by_definition(country + rest)
    assert iban_ok("GB82WEST12345698765432")
    assert not iban_ok("GB83WEST12345698765432")


_PIECES = [
    "1",
    "22",
    "4111",
    "-",
    ",",
    ".",
    "/",
    ":",
    "#",
    "_",
    "'",
    "--",
    "04/29",
    "1,",
    "a",
    "4th",
]


@pytest.mark.parametrize("name", [*NAMES, "random"])
def test_the_tokenizer_cuts_as_the_token_regex(name):
    """ASCII text (the fast path, with its letterless pieces) tokenizes as the regex does."""
    if name == "random":
        rng = random.Random(1014)
        texts = [
            "".join(
                rng.choice(_PIECES) + rng.choice(("", "", " ")) for _ in range(rng.randint(1, 60))
            )
            for _ in range(3000)
        ]
    else:
        texts = _texts(name)
    checked = differ = 0
    for text in texts:
        if text.isascii():
            checked += 1
            differ += n.tokenize(text) != n._regex_tokens(text)
    assert checked > 0
    assert differ == 0, f"{differ} of {checked} texts of {name} tokenize differently"
