"""Caller disclosures: which spans of a text hold a sensitive value, and of what kind.

The decision for each number uses, in this order:

1. the nearest *cue* ("card", "social", "routing", "tracking", "ZIP", "the
   last four digits"...): a negative cue means the number is not sensitive,
   a category cue means it is that category if its shape fits;
2. the conversation: the categories the agent has just asked for;
3. the number's own structure: a 13-19 digit number with a valid Luhn check
   and a real IIN range is a card wherever it appears; a 3-2-4 grouped number
   that keeps the SSA rules is an SSN; a 9-digit number with a valid ABA
   checksum is a routing number; an IBAN with a valid mod-97 is an IBAN.

Context is what catches speech-to-text that got a digit wrong: a 16-digit
number that fails Luhn is still a card number when the caller says "card" or
the agent just asked for the card. And a partial number in that context (the
first four digits, before the next transcript fragment arrives) is already
treated as card data.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from . import categories as c
from .cues import NEG_OTHER, Cue, find_cues
from .numbers import ALNUM, PUNCT, WORD, NumberRun, Tokens, number_runs, tokenize
from .validators import aba_ok, card_brand, iban_ok, luhn_ok, ssn_ok

__all__ = ["Finding", "find_disclosures"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A disclosed value: its category and ``[start, end)`` character span."""

    category: str
    start: int
    end: int


MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip

_MONTH_WORDS = frozenset(MONTHS)
_PRECEDING_WINDOW = 8
_FOLLOWING_WINDOW = 4
COPULA = frozenset(
    {"is", "was", "'s", "s", "that's", "thats", "my", "the", "as", "it", "its", "it's", "for",
     "on", "from", "being", "be", "would", "will", "are", "were", "our", "your", "his", "her"}
)  # fmt: skip
_NEG_ADDRESS = "neg:address"
_LAST4_RE = re.compile(r"\blast\s+(?:four|4)\b", re.IGNORECASE)
_QUANTITY_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d+\.\d{1,2}$")
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?:[ -][A-Za-z0-9]{4}){2,7}"
    r"(?:[ -][A-Za-z0-9]{1,4})?))(?![A-Za-z0-9])"
)
"""An IBAN as written: compact, or in groups of four after the check digits."""
_PASSWORD_VALUE_RE = re.compile(
    r"(?:\s*(?:is|was|would\s+be|will\s+be|=|:|it's|it\s+is|its)\b)?\s*[:=]?\s*"
    r"([^\s,.;!?](?:[^,;!?\n]*?[^\s,.;!?])?)\s*(?=$|[,;!?\n]|\.(?:\s|$)|\s+and\s|\s+but\s)",
    re.IGNORECASE,
)
_LEAD_INS = frozenset(
    {"yes", "yeah", "yep", "sure", "ok", "okay", "alright", "right", "so", "well", "um", "uh",
     "er", "erm", "it's", "its", "it", "is", "my", "password", "passcode", "pin", "the", "oh",
     "hmm", "that's", "thats", "i", "think", "mmm", "certainly", "of", "course"}
)  # fmt: skip


@dataclass(slots=True)
class _Ctx:
    text: str
    toks: Tokens
    starts: list[int]
    cues: list[Cue]
    cue_tok: list[tuple[int, int]]
    cue_first: list[int]
    expected: tuple[str, ...]


def _tok_at(starts: list[int], pos: int) -> int:
    """Index of the first token starting at or after ``pos``."""
    return bisect.bisect_left(starts, pos)


def find_disclosures(
    text: str,
    expected: tuple[str, ...] = (),
    *,
    toks: Tokens | None = None,
) -> list[Finding]:
    """Every sensitive value disclosed in ``text``.

    ``expected`` lists the categories the other party has just asked for, in
    the order asked; they give context to numbers that carry none of their own.
    """
    if toks is None:
        toks = tokenize(text)
    starts = toks.starts
    cues = find_cues(text, toks)
    runs = number_runs(toks)
    # an IBAN's country code and check digits are one mixed token
    findings = _ibans(text) if ALNUM in toks.kinds else []
    if not runs:
        if not (cues or expected):
            return findings
        ctx = _Ctx(text, toks, starts, cues, [], [], expected)
    else:
        cue_tok = [(_tok_at(starts, q.start), _tok_at(starts, q.end) - 1) for q in cues]
        ctx = _Ctx(text, toks, starts, cues, cue_tok, [a for a, _ in cue_tok], expected)
        _classify_runs(ctx, runs, findings)
    if cues or expected:
        findings.extend(_passwords(ctx, findings))
    return merge_findings(findings) if len(findings) > 1 else findings


def _classify_runs(ctx: _Ctx, runs: list[NumberRun], findings: list[Finding]) -> None:
    """Add the findings among ``runs`` (and month-name dates) to ``findings``."""
    taken = [(f.start, f.end) for f in findings]
    if not _MONTH_WORDS.isdisjoint(ctx.toks.texts):
        for f, used in _month_dates(ctx, runs):
            findings.append(f)
            taken.append((f.start, f.end))
            for r in used:
                taken.append((r.start, r.end))
    if taken:
        taken.sort()
        taken_starts = [s for s, _ in taken]
        reach = list(itertools.accumulate((e for _, e in taken), max))
    cues = ctx.cues
    cue_starts = [q.start for q in cues]
    for run in runs:
        if taken and _inside(reach, taken_starts, run.start, run.end):
            continue
        k = bisect.bisect_right(cue_starts, run.start) - 1
        if k >= 0 and run.start < cues[k].end:
            continue  # "last four" / "three digit code": the number is part of the cue
        cat = _classify(ctx, run)
        if cat is not None:
            findings.append(Finding(cat, run.start, run.end))
        elif len(run.chunks) > 1 and len(run.digits) > 9:
            findings.extend(_split_findings(ctx, run))


def _inside(reach: list[int], starts: list[int], start: int, end: int) -> bool:
    """Whether ``[start, end)`` lies inside one of the spans, given their sorted
    starts and ``reach[k]``, the furthest end among the first ``k + 1`` spans."""
    k = bisect.bisect_right(starts, start)
    return k > 0 and reach[k - 1] >= end


def merge_findings(findings: list[Finding]) -> list[Finding]:
    """``findings`` in order of start, overlapping ones merged into the first one's category."""
    out: list[Finding] = []
    for f in sorted(findings, key=_span_order):
        if out and f.start < out[-1].end:
            last = out[-1]
            if f.end > last.end:
                out[-1] = Finding(last.category, last.start, f.end)
            continue
        out.append(f)
    return out


def _span_order(f: Finding) -> tuple[int, int]:
    return f.start, -f.end


def _nearest_cue(ctx: _Ctx, first: int, last: int) -> str | None:
    """The label of the cue that governs the run on tokens ``first..last``.

    An address word right after the number wins ("9858 92 Hounslow Rd");
    then the nearest cue before it, within a few words and the same
    sentence; then a cue after it joined by a copula ("... is my card").
    Cues are found by bisection, so long texts stay linear.
    """
    kinds, texts = ctx.toks.kinds, ctx.toks.texts
    cue_tok = ctx.cue_tok
    k = bisect.bisect_right(ctx.cue_first, last)
    for j in range(k, min(k + 3, len(cue_tok))):
        a = cue_tok[j][0]
        if a > last + 3:
            break
        if ctx.cues[j].label == NEG_OTHER:
            return _NEG_ADDRESS
    j = bisect.bisect_left(ctx.cue_first, first) - 1
    while j >= 0 and cue_tok[j][1] >= first:
        j -= 1
    if j >= 0:
        b = cue_tok[j][1]
        if first - b - 1 <= 3 * _PRECEDING_WINDOW:
            words = kinds[b + 1 : first].count(WORD)
            if words <= _PRECEDING_WINDOW and "." not in texts[b + 1 : first]:
                return ctx.cues[j].label
    if k < len(cue_tok):
        a = cue_tok[k][0]
        if a - last <= 2 * _FOLLOWING_WINDOW + 2:
            words = [
                w for kind, w in zip(kinds[last + 1 : a], texts[last + 1 : a], strict=True)
                if kind != PUNCT
            ]  # fmt: skip
            if len(words) <= _FOLLOWING_WINDOW and COPULA.issuperset(words):
                return ctx.cues[k].label
    return None


def _classify(ctx: _Ctx, run: NumberRun) -> str | None:
    label = _nearest_cue(ctx, run.first_token, run.last_token)
    raw = ctx.text[run.start : run.end]
    if label == _NEG_ADDRESS:
        found = _self_validating(run)
        return found if found == c.PAYMENT_CARD else None
    if label is not None and label.startswith("neg:"):
        return None
    if (
        run.colon
        or run.decimal
        or run.quantity
        or (("," in raw or "." in raw) and _QUANTITY_RE.match(raw))
    ) and label not in (
        c.DATE_OF_BIRTH,
        c.CARD_EXPIRY,
        c.PASSWORD,
    ):
        return None
    if label is not None:
        if _fits(label, run, explicit=True):
            return label
        if (
            label == c.SSN
            and len(run.digits) == 4
            and _LAST4_RE.search(ctx.text, max(0, run.start - 60), run.start)
        ):
            return c.SSN  # "the last four of my social are 1234"
    else:
        for cat in ctx.expected:
            if _fits(cat, run, explicit=False):
                return cat
    return _self_validating(run)


def _sub_run(run: NumberRun, k: int, end: int) -> NumberRun:
    sub = NumberRun(run.spans[k][0], run.spans[end - 1][1], run.first_token, run.last_token)
    sub.chunks = run.chunks[k:end]
    sub.spans = run.spans[k:end]
    pairs = [(b - k, s) for b, s in zip(run.breaks, run.seps, strict=True) if k < b < end]
    sub.breaks = [b for b, _ in pairs]
    sub.seps = [s for _, s in pairs]
    sub.written, sub.spoken = run.written, run.spoken
    return sub


def _split_findings(ctx: _Ctx, run: NumberRun) -> list[Finding]:
    """Several numbers read one after another ("4012888888881881 4012-8888-8888-1881").

    From each group boundary, the longest stretch of whole groups that
    validates itself is a finding; only 9 and 13-19 digits can.
    """
    if _nearest_cue(ctx, run.first_token, run.last_token) is not None:
        return []
    bounds = [0, *run.breaks, len(run.chunks)]
    groups = ["".join(run.chunks[a:b]) for a, b in itertools.pairwise(bounds)]
    out = []
    k = 0
    while k < len(groups):
        hit = None
        digits = ""
        stretches = []
        for e in range(k, len(groups)):
            digits += groups[e]
            if len(digits) > 19:
                break
            if len(digits) == 9 or len(digits) >= 13:
                stretches.append((e + 1, digits))
        for e, digits in reversed(stretches):
            if len(digits) == 9:  # SSN or routing number: by grouping, as a run of its own
                sub = _sub_run(run, bounds[k], bounds[e])
                cat = _self_validating(sub)
            else:
                cat = c.PAYMENT_CARD if luhn_ok(digits) and card_brand(digits) else None
            if cat is not None:
                start, end = run.spans[bounds[k]][0], run.spans[bounds[e] - 1][1]
                hit = (e, Finding(cat, start, end))
                break
        if hit is None:
            k += 1
        else:
            k = hit[0]
            out.append(hit[1])
    return out


def _self_validating(run: NumberRun) -> str | None:
    for r in run.readings:
        if 13 <= len(r) <= 19 and luhn_ok(r) and card_brand(r):
            return c.PAYMENT_CARD
    digits = run.digits
    if len(digits) == 9:
        shape = [len(g) for g in run.groups]
        if shape == [3, 2, 4] and len(set(run.seps)) == 1 and ssn_ok(digits):
            return c.SSN
        if shape in ([9], [4, 4, 1]) and aba_ok(digits):
            return c.ROUTING_NUMBER
        if shape == [9] and ssn_ok(digits) and run.written:
            return c.SSN
    return None


def _fits(cat: str, run: NumberRun, *, explicit: bool) -> bool:
    """Whether a number of this shape can be a value of ``cat``."""
    n = len(run.digits)
    if cat == c.PAYMENT_CARD:
        if run.slash and _expiry_shape(run):
            return False
        return n >= 4
    if cat == c.CARD_SECURITY_CODE:
        return n in (3, 4)
    if cat == c.CARD_EXPIRY:
        return _expiry_shape(run)
    if cat == c.SSN:
        return n == 9 or (not explicit and 2 <= n <= 9)
    if cat == c.BANK_ACCOUNT:
        return 4 <= n <= 17 or (not explicit and 2 <= n <= 17)
    if cat == c.ROUTING_NUMBER:
        return n == 9 or (not explicit and 2 <= n <= 9)
    if cat == c.IBAN:
        return n >= 4
    if cat == c.DATE_OF_BIRTH:
        return _date_shape(run)
    if cat == c.PIN:
        return 3 <= n <= 8
    if cat == c.PASSWORD:
        return n >= 1
    return False


def _expiry_shape(run: NumberRun) -> bool:
    groups = run.groups
    if len(groups) == 2:
        m, y = groups
        return m.isdigit() and 1 <= int(m) <= 12 and len(m) <= 2 and len(y) in (2, 4)
    d = run.digits
    if len(d) == 4:
        return 1 <= int(d[:2]) <= 12
    if len(d) == 3:
        return d[0] != "0"
    if len(d) == 6:
        return 1 <= int(d[:2]) <= 12 and d[2:4] == "20"
    return False


def _date_shape(run: NumberRun) -> bool:
    groups = run.groups
    if len(groups) == 3 and all(g.isdigit() for g in groups):
        a, b, y = (int(g) for g in groups)
        if len(groups[0]) == 4:
            a, b, y = b, y, a
        return (1 <= a <= 31 and 1 <= b <= 31) and (len(groups[2]) in (2, 4) or y > 1000)
    d = run.digits
    if len(d) == 8:
        mm, dd, yy = int(d[:2]), int(d[2:4]), int(d[4:])
        if 1 <= mm <= 12 and 1 <= dd <= 31 and 1900 <= yy <= 2100:
            return True
        return 1900 <= int(d[:4]) <= 2100 and 1 <= int(d[4:6]) <= 12
    if len(d) == 6:
        return 1 <= int(d[:2]) <= 31 and 1 <= int(d[2:4]) <= 31
    if len(d) == 4:
        return 1900 <= int(d) <= 2100 or (1 <= int(d[:2]) <= 12 and 1 <= int(d[2:]) <= 31)
    if len(d) in (5, 7):
        return True
    return run.ordinal or (len(d) <= 2 and 1 <= int(d or "0") <= 31)


def _month_dates(ctx: _Ctx, runs: list[NumberRun]) -> list[tuple[Finding, list[NumberRun]]]:
    """Dates written with a month name: "July 4th, 1980", "the fourth of July nineteen eighty"."""
    out = []
    kinds, texts = ctx.toks.kinds, ctx.toks.texts
    n = len(texts)
    by_first = {r.first_token: r for r in runs}
    by_last = {r.last_token: r for r in runs}
    for i in itertools.compress(range(n), map(_MONTH_WORDS.__contains__, texts)):
        if kinds[i] != WORD:
            continue
        if texts[i] == "may" and (i + 1) not in by_first and (i - 1) not in by_last:
            continue
        used = []
        start, end = ctx.toks.starts[i], ctx.toks.ends[i]
        j = i - 1
        while j >= 0 and texts[j] in ("of", "the", ","):
            j -= 1
        if j in by_last and len(by_last[j].digits) <= 2:
            used.append(by_last[j])
            start = by_last[j].start
        j = i + 1
        while j < n and texts[j] in ("the", ",", "of"):
            j += 1
        while j in by_first and len(used) < 3:
            r = by_first[j]
            used.append(r)
            end = r.end
            j = r.last_token + 1
            while j < n and texts[j] in (",", "of", "in"):
                j += 1
        if not used:
            continue
        first_tok = min(i, *(r.first_token for r in used))
        last_tok = max(i, *(r.last_token for r in used))
        label = _nearest_cue(ctx, first_tok, last_tok)
        if label is not None and label.startswith("neg:"):
            continue
        has_day = any(len(r.digits) <= 2 for r in used)
        cats = (label,) if label else ctx.expected
        for cat in cats:
            if (
                cat == c.DATE_OF_BIRTH
                or (cat == c.CARD_EXPIRY and not has_day)
                or (cat == c.PASSWORD)
            ):
                out.append((Finding(cat, start, end), used))
                break
    return out


def _ibans(text: str) -> list[Finding]:
    out = []
    for m in _IBAN_RE.finditer(text):
        raw = m.group(1)
        compact = re.sub(r"[ -]", "", raw)
        # the match may run into following words; try the registry length
        cc = compact[:2].upper()
        from .validators import IBAN_LENGTHS

        want = IBAN_LENGTHS.get(cc)
        if want is None or len(compact) < want:
            continue
        candidate = compact[:want]
        if iban_ok(candidate):
            # find the end offset of the want-th alphanumeric char
            count = 0
            end = m.start(1)
            for k, ch in enumerate(raw):
                if ch.isalnum():
                    count += 1
                    if count == want:
                        end = m.start(1) + k + 1
                        break
            out.append(Finding(c.IBAN, m.start(1), end))
    return out


def _passwords(ctx: _Ctx, findings: list[Finding]) -> list[Finding]:
    out = []
    text = ctx.text
    for q in ctx.cues:
        if q.label != c.PASSWORD:
            continue
        m = _PASSWORD_VALUE_RE.match(text, q.end)
        if m and m.group(1):
            value = m.group(1)
            words = value.split()
            if len(words) > 8 or value.lower() in ("please", "correct", "right", "wrong"):
                continue
            if words and words[0].lower() in ("for", "to", "of", "reset", "again", "change"):
                continue
            out.append(Finding(c.PASSWORD, m.start(1), m.end(1)))
    if (
        not out
        and ctx.expected
        and ctx.expected[0] == c.PASSWORD
        and not any(f.category == c.PASSWORD for f in findings)
    ):
        span = _whole_answer(ctx)
        if span is not None:
            out.append(Finding(c.PASSWORD, *span))
    return out


def _whole_answer(ctx: _Ctx) -> tuple[int, int] | None:
    """The caller's whole answer, minus lead-ins: after "what's your password?"."""
    toks = ctx.toks
    kinds, texts = toks.kinds, toks.texts
    kept = [
        i for i, (kind, w) in enumerate(zip(kinds, texts, strict=True))
        if not (kind == PUNCT and w in ".,!?;")
    ]  # fmt: skip
    i = 0
    while i < len(kept) and kinds[kept[i]] == WORD and texts[kept[i]] in _LEAD_INS:
        i += 1
    if i >= len(kept):
        return None
    return toks.starts[kept[i]], toks.ends[kept[-1]]
